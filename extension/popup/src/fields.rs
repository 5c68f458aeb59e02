//! Screen fields (create and transition screens): which inputs to show for each
//! [`FieldMeta`] and how the typed values become the JSON values the host expects.

use crate::quick_actions::parse_labels;
use crate::FieldError;
use jira_bridge_protocol::{FieldKind, FieldMeta};
use serde_json::Value;
use std::collections::BTreeMap;

/// Fields the create form has its own inputs for, or that the host fills itself, so they
/// are not rendered again from the create metadata.
pub const BUILT_IN_CREATE_FIELDS: &[&str] = &[
    "project",
    "issuetype",
    "summary",
    "description",
    "reporter",
    "attachment",
    "issuelinks",
];

/// Prefix of the element id of a screen field's input: `field-` and the field id.
pub const FIELD_ID_PREFIX: &str = "field-";

/// Returns the element id of a field's input.
pub fn input_id(field: &FieldMeta) -> String {
    format!("{FIELD_ID_PREFIX}{}", field.id)
}

/// What the person entered in one field's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldInput {
    /// Text inputs, text areas, number and date inputs, single selects.
    Text(String),
    /// The selected values of a multiple select.
    Many(Vec<String>),
    /// A user picker: the text in its input and the id of the user chosen from its
    /// results, which typing clears.
    User { typed: String, chosen_id: Option<String> },
}

/// Returns the fields to render: those on the screen that are not built in, required
/// ones first, each group in Jira's order.
pub fn fields_to_render<'a>(fields: &'a [FieldMeta], built_in: &[&str]) -> Vec<&'a FieldMeta> {
    let extra = fields
        .iter()
        .filter(|field| !built_in.contains(&field.id.as_str()));
    let (required, optional): (Vec<_>, Vec<_>) = extra.partition(|field| field.required);
    required.into_iter().chain(optional).collect()
}

/// Returns whether the person must fill the field: Jira requires it and fills no default.
pub fn must_fill(field: &FieldMeta) -> bool {
    field.required && !field.has_default_value
}

/// Converts the inputs of the rendered fields to the `fields` map of a request. Empty
/// optional fields are left out, so only fields the person filled are sent, and only
/// fields in `rendered` (those on the screen) can appear in the result.
pub fn field_values(
    rendered: &[&FieldMeta],
    inputs: &BTreeMap<String, FieldInput>,
) -> Result<BTreeMap<String, Value>, FieldError> {
    let mut values = BTreeMap::new();
    for field in rendered {
        let input = inputs.get(&field.id);
        if let Some(value) = field_value(field, input)? {
            values.insert(field.id.clone(), value);
        }
    }
    Ok(values)
}

fn field_value(field: &FieldMeta, input: Option<&FieldInput>) -> Result<Option<Value>, FieldError> {
    let element = input_id(field);
    let text = match input {
        Some(FieldInput::Text(text)) => text.trim().to_string(),
        Some(FieldInput::Many(values)) => values.join(","),
        Some(FieldInput::User { chosen_id: Some(id), .. }) => id.trim().to_string(),
        Some(FieldInput::User { typed, chosen_id: None }) => {
            if !typed.trim().is_empty() {
                return Err(FieldError::new(element, format!("{}: choose a user from the list that opens as you type.", field.name)));
            }
            String::new()
        }
        None => String::new(),
    };
    if text.is_empty() {
        if field.kind == FieldKind::Unsupported && must_fill(field) {
            return Err(FieldError::new(element, format!("The required field {:?} ({}) cannot be filled in the popup. Open the issue in Jira to fill it.", field.name, field.schema_type)));
        }
        if must_fill(field) {
            return Err(FieldError::new(element, format!("Fill in {}.", field.name)));
        }
        return Ok(None);
    }

    let value = match field.kind {
        FieldKind::Text | FieldKind::MultiLineText | FieldKind::User => Value::String(text),
        FieldKind::Number => {
            let number: f64 = text.parse().map_err(|_| {
                FieldError::new(element.clone(), format!("{}: {text:?} is not a number.", field.name))
            })?;
            serde_json::Number::from_f64(number).map(Value::Number).ok_or_else(|| {
                FieldError::new(element.clone(), format!("{}: {text:?} is not a finite number.", field.name))
            })?
        }
        FieldKind::Date => {
            if !is_iso_date(&text) {
                return Err(FieldError::new(element, format!("{}: {text:?} is not a date; use yyyy-mm-dd.", field.name)));
            }
            Value::String(text)
        }
        FieldKind::SingleSelect => {
            check_allowed(field, &element, &text)?;
            Value::String(text)
        }
        FieldKind::MultiSelect => {
            let ids = match input {
                Some(FieldInput::Many(values)) => values.clone(),
                _ => vec![text],
            };
            for id in &ids {
                check_allowed(field, &element, id)?;
            }
            Value::from(ids)
        }
        FieldKind::Labels => Value::from(parse_labels(&text)),
        FieldKind::Unsupported => {
            return Err(FieldError::new(element, format!("The field {:?} cannot be filled in the popup.", field.name)))
        }
    };
    Ok(Some(value))
}

fn check_allowed(field: &FieldMeta, element: &str, id: &str) -> Result<(), FieldError> {
    if field.allowed_values.iter().any(|allowed| allowed.id == id) {
        Ok(())
    } else {
        Err(FieldError::new(element, format!("{}: choose one of the listed values.", field.name)))
    }
}

fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit())
        && (1..=12).contains(&text[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&text[8..10].parse::<u8>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jira_bridge_protocol::AllowedValue;
    use serde_json::json;

    fn meta(id: &str, kind: FieldKind, required: bool) -> FieldMeta {
        FieldMeta {
            id: id.into(),
            name: format!("Field {id}"),
            required,
            kind,
            schema_type: "string".into(),
            allowed_values: vec![
                AllowedValue { id: "1".into(), name: "One".into() },
                AllowedValue { id: "2".into(), name: "Two".into() },
            ],
            has_default_value: false,
        }
    }

    fn text(value: &str) -> FieldInput {
        FieldInput::Text(value.into())
    }

    #[test]
    fn values_by_kind() {
        let fields = [
            meta("t", FieldKind::Text, true),
            meta("m", FieldKind::MultiLineText, false),
            meta("n", FieldKind::Number, false),
            meta("d", FieldKind::Date, false),
            meta("s", FieldKind::SingleSelect, false),
            meta("ms", FieldKind::MultiSelect, false),
            meta("l", FieldKind::Labels, false),
            meta("u", FieldKind::User, false),
        ];
        let rendered: Vec<&FieldMeta> = fields.iter().collect();
        let inputs = BTreeMap::from([
            ("t".to_string(), text(" line ")),
            ("m".to_string(), text("a\nb")),
            ("n".to_string(), text("2.5")),
            ("d".to_string(), text("2025-01-31")),
            ("s".to_string(), text("2")),
            ("ms".to_string(), FieldInput::Many(vec!["1".into(), "2".into()])),
            ("l".to_string(), text("ui, checkout")),
            ("u".to_string(), text("557058:abc")),
        ]);

        let values = field_values(&rendered, &inputs).expect("valid inputs");

        assert_eq!(values["t"], json!("line"));
        assert_eq!(values["m"], json!("a\nb"));
        assert_eq!(values["n"], json!(2.5));
        assert_eq!(values["d"], json!("2025-01-31"));
        assert_eq!(values["s"], json!("2"));
        assert_eq!(values["ms"], json!(["1", "2"]));
        assert_eq!(values["l"], json!(["ui", "checkout"]));
        assert_eq!(values["u"], json!("557058:abc"));
    }

    #[test]
    fn empty_optional_left_out() {
        let fields = [meta("n", FieldKind::Number, false)];
        let rendered: Vec<&FieldMeta> = fields.iter().collect();

        let values = field_values(&rendered, &BTreeMap::from([("n".to_string(), text(" "))])).unwrap();

        assert!(values.is_empty(), "an empty optional field is not sent: {values:?}");
    }

    #[test]
    fn only_rendered_fields_sent() {
        let fields = [meta("t", FieldKind::Text, false)];
        let rendered: Vec<&FieldMeta> = fields.iter().collect();
        let inputs = BTreeMap::from([
            ("t".to_string(), text("x")),
            ("customfield_99".to_string(), text("not on the screen")),
        ]);

        let values = field_values(&rendered, &inputs).unwrap();

        assert_eq!(values.keys().collect::<Vec<_>>(), vec!["t"]);
    }

    #[test]
    fn invalid_inputs_name_field() {
        let cases = [
            (meta("t", FieldKind::Text, true), text(""), "Fill in Field t"),
            (meta("n", FieldKind::Number, false), text("ten"), "not a number"),
            (meta("d", FieldKind::Date, false), text("31.01.2025"), "yyyy-mm-dd"),
            (meta("d", FieldKind::Date, false), text("2025-13-01"), "yyyy-mm-dd"),
            (meta("s", FieldKind::SingleSelect, false), text("9"), "listed values"),
            (meta("x", FieldKind::Unsupported, true), text(""), "cannot be filled in the popup"),
        ];

        for (field, input, expected) in cases {
            let rendered = [&field];
            let inputs = BTreeMap::from([(field.id.clone(), input)]);
            let error = field_values(&rendered, &inputs).expect_err("should be rejected");
            assert_eq!(error.field, input_id(&field));
            assert!(error.message.contains(expected), "{:?} should mention {expected:?}", error.message);
        }
    }

    #[test]
    fn user_picker_sends_chosen_id() {
        let field = meta("assignee", FieldKind::User, false);
        let chosen = FieldInput::User { typed: "Jürgen Groß".into(), chosen_id: Some("jürgen".into()) };

        let values = field_values(&[&field], &BTreeMap::from([("assignee".to_string(), chosen)])).unwrap();

        assert_eq!(values["assignee"], json!("jürgen"), "the chosen id is sent, not the shown name");
    }

    #[test]
    fn user_picker_typed_without_choice_rejected() {
        let field = meta("assignee", FieldKind::User, false);
        let typed = FieldInput::User { typed: "Jürg".into(), chosen_id: None };

        let error = field_values(&[&field], &BTreeMap::from([("assignee".to_string(), typed)])).unwrap_err();

        assert_eq!(error.field, "field-assignee");
        assert!(error.message.contains("choose a user"), "{:?}", error.message);
    }

    #[test]
    fn user_picker_empty_follows_required() {
        let optional = meta("assignee", FieldKind::User, false);
        let required = meta("reviewer", FieldKind::User, true);
        let empty = || FieldInput::User { typed: " ".into(), chosen_id: None };

        let left_out = field_values(&[&optional], &BTreeMap::from([("assignee".to_string(), empty())])).unwrap();
        let error = field_values(&[&required], &BTreeMap::from([("reviewer".to_string(), empty())])).unwrap_err();

        assert!(left_out.is_empty(), "an empty optional user field is not sent: {left_out:?}");
        assert!(error.message.contains("Fill in Field reviewer"), "{:?}", error.message);
    }

    #[test]
    fn required_with_default_may_stay_empty() {
        let field = FieldMeta { has_default_value: true, ..meta("priority", FieldKind::SingleSelect, true) };

        let values = field_values(&[&field], &BTreeMap::new()).unwrap();

        assert!(values.is_empty(), "Jira fills the default");
    }

    #[test]
    fn render_order_required_first_without_built_ins() {
        let fields = [
            meta("summary", FieldKind::Text, true),
            meta("a", FieldKind::Text, false),
            meta("b", FieldKind::Text, true),
        ];

        let order: Vec<&str> = fields_to_render(&fields, BUILT_IN_CREATE_FIELDS)
            .iter()
            .map(|field| field.id.as_str())
            .collect();

        assert_eq!(order, vec!["b", "a"]);
    }
}

//! Inputs for create and transition screen fields, rendered from [`FieldMeta`], and the
//! values read back from them. User fields get a picker that `user_fields` drives.

use super::dom::{clear, create, element};
use crate::fields::{input_id, must_fill, FieldInput};
use jira_bridge_protocol::{FieldKind, FieldMeta};
use std::collections::BTreeMap;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

/// Replaces the children of `container` with a labelled input per field.
pub fn render_fields(document: &Document, container: &str, fields: &[&FieldMeta]) -> Result<(), JsValue> {
    let parent = clear(document, container)?;
    for field in fields {
        let id = input_id(field);
        let label_text = if must_fill(field) { format!("{} (required)", field.name) } else { field.name.clone() };
        let label = create(document, "label", None, Some(&label_text))?;
        label.set_attribute("for", &id)?;
        parent.append_child(&label)?;

        let input = match field.kind {
            FieldKind::MultiLineText => {
                let area = create(document, "textarea", None, None)?;
                area.set_attribute("rows", "3")?;
                area
            }
            FieldKind::SingleSelect | FieldKind::MultiSelect => select_for(document, field)?,
            FieldKind::Number => input_of_type(document, "number")?,
            FieldKind::Date => input_of_type(document, "date")?,
            FieldKind::User => user_picker_input(document, field, &id)?,
            FieldKind::Text | FieldKind::Labels | FieldKind::Unsupported => input_of_type(document, "text")?,
        };
        input.set_id(&id);
        if must_fill(field) {
            input.set_attribute("aria-required", "true")?;
        }
        let hint = match field.kind {
            FieldKind::Labels => Some("Labels separated by spaces or commas.".to_string()),
            FieldKind::User => Some("Type part of a name or email, then choose the user from the list.".to_string()),
            FieldKind::Unsupported => {
                input.set_attribute("disabled", "")?;
                Some(format!("This {} field can only be filled in Jira.", field.schema_type))
            }
            _ => None,
        };
        parent.append_child(&input)?;
        if field.kind == FieldKind::User {
            let results = user_results_list(document, field, &id)?;
            parent.append_child(&results)?;
        }
        if let Some(hint) = hint {
            let hint_id = format!("{id}-hint");
            let note = create(document, "p", Some("hint"), Some(&hint))?;
            note.set_id(&hint_id);
            input.set_attribute("aria-describedby", &hint_id)?;
            parent.append_child(&note)?;
        }
    }
    Ok(())
}

fn input_of_type(document: &Document, kind: &str) -> Result<web_sys::Element, JsValue> {
    let input = create(document, "input", None, None)?;
    input.set_attribute("type", kind)?;
    input.set_attribute("autocomplete", "off")?;
    Ok(input)
}

/// Attribute naming the field id on a user picker's input and on its results list, so
/// one listener on the container serves every picker in it.
pub const USER_FIELD_ATTRIBUTE: &str = "data-user-field";

/// Attribute containing the id of the user chosen in a user picker. Typing removes it.
pub const CHOSEN_USER_ATTRIBUTE: &str = "data-user-id";

/// Creates a user picker's input: a combobox whose results list follows it.
fn user_picker_input(document: &Document, field: &FieldMeta, id: &str) -> Result<web_sys::Element, JsValue> {
    let input = input_of_type(document, "search")?;
    input.set_attribute("spellcheck", "false")?;
    input.set_attribute("role", "combobox")?;
    input.set_attribute("aria-autocomplete", "list")?;
    input.set_attribute("aria-expanded", "false")?;
    input.set_attribute("aria-controls", &format!("{id}-results"))?;
    input.set_attribute("placeholder", "Type a name or email")?;
    input.set_attribute(USER_FIELD_ATTRIBUTE, &field.id)?;
    Ok(input)
}

fn user_results_list(document: &Document, field: &FieldMeta, id: &str) -> Result<web_sys::Element, JsValue> {
    let list = create(document, "ul", Some("issue-list"), None)?;
    list.set_id(&format!("{id}-results"));
    list.set_attribute("aria-label", &format!("Users matching {}", field.name))?;
    list.set_attribute(USER_FIELD_ATTRIBUTE, &field.id)?;
    Ok(list)
}

fn select_for(document: &Document, field: &FieldMeta) -> Result<web_sys::Element, JsValue> {
    let select = create(document, "select", None, None)?;
    if field.kind == FieldKind::MultiSelect {
        select.set_attribute("multiple", "")?;
        select.set_attribute("size", &field.allowed_values.len().clamp(2, 5).to_string())?;
    } else {
        let none = create(document, "option", None, Some(if must_fill(field) { "Choose…" } else { "None" }))?;
        none.set_attribute("value", "")?;
        select.append_child(&none)?;
    }
    for allowed in &field.allowed_values {
        let option = create(document, "option", None, Some(&allowed.name))?;
        option.set_attribute("value", &allowed.id)?;
        select.append_child(&option)?;
    }
    Ok(select)
}

/// Reads the rendered inputs of `fields`, by field id.
pub fn read_fields(document: &Document, fields: &[&FieldMeta]) -> BTreeMap<String, FieldInput> {
    let mut inputs = BTreeMap::new();
    for field in fields {
        let id = input_id(field);
        let value = match field.kind {
            FieldKind::MultiSelect => element::<HtmlSelectElement>(document, &id).ok().map(|select| {
                let options = select.selected_options();
                let values = (0..options.length())
                    .filter_map(|index| options.item(index))
                    .filter_map(|option| option.get_attribute("value"))
                    .collect();
                FieldInput::Many(values)
            }),
            FieldKind::SingleSelect => element::<HtmlSelectElement>(document, &id).ok().map(|select| FieldInput::Text(select.value())),
            FieldKind::MultiLineText => {
                element::<HtmlTextAreaElement>(document, &id).ok().map(|area| FieldInput::Text(area.value()))
            }
            FieldKind::User => element::<HtmlInputElement>(document, &id).ok().map(|input| FieldInput::User {
                typed: input.value(),
                chosen_id: input.get_attribute(CHOSEN_USER_ATTRIBUTE),
            }),
            _ => element::<HtmlInputElement>(document, &id).ok().map(|input| FieldInput::Text(input.value())),
        };
        if let Some(value) = value {
            inputs.insert(field.id.clone(), value);
        }
    }
    inputs
}

/// Sets a rendered text input's value, such as labels chosen by a quick action. Returns
/// whether the field is on the screen.
pub fn prefill(document: &Document, field_id: &str, value: &str) -> bool {
    let id = format!("{}{field_id}", crate::fields::FIELD_ID_PREFIX);
    match document.get_element_by_id(&id).and_then(|found| found.dyn_into::<HtmlInputElement>().ok()) {
        Some(input) => {
            input.set_value(value);
            true
        }
        None => false,
    }
}

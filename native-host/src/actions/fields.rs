//! Screen fields: reading Jira's field metadata (create screens and transition screens)
//! into [`FieldMeta`], and building the JSON value Jira expects for each kind of field
//! from what the popup sent.

use std::collections::BTreeMap;

use jira_bridge_protocol::{AllowedValue, Deployment, ErrorCode, ErrorReply, FieldKind, FieldMeta, Response};
use serde_json::{json, Value};

use crate::actions::projects::is_project_key;
use crate::host::Host;
use crate::jira::{adf, JiraClient};
use crate::text::shorten;

/// Fields the create request sets from its own members, so `NewIssue.fields` must not
/// name them and `getCreateFields` does not list them.
pub const CREATE_BUILT_IN_FIELDS: &[&str] = &["project", "issuetype", "summary", "description"];

/// Page size requested from the create metadata. Jira may return fewer, so the loop
/// follows `total`.
const META_PAGE_SIZE: usize = 100;

/// Maximum number of create-metadata pages read; a screen with more than 1000 fields is not a screen a
/// person fills in from a popup.
const MAX_META_PAGES: usize = 10;

pub async fn get_create_fields(host: &Host, site_url: Option<&str>, project_key: &str, issue_type_id: &str) -> Result<Response, ErrorReply> {
    let (project_key, issue_type_id) = checked_project_and_type(project_key, issue_type_id)?;
    let (client, _) = host.client_for(site_url).await?;

    let fields = create_screen(&client, &project_key, &issue_type_id).await?;
    let fields = fields.into_iter().filter(|field| !CREATE_BUILT_IN_FIELDS.contains(&field.id.as_str())).collect();
    Ok(Response::CreateFields { fields })
}

/// Reads every field of the create screen of a project and issue type, in screen order.
pub async fn create_screen(client: &JiraClient, project_key: &str, issue_type_id: &str) -> Result<Vec<FieldMeta>, ErrorReply> {
    let path = format!("{}/issue/createmeta/{project_key}/issuetypes/{issue_type_id}", client.api());
    let mut fields = Vec::new();
    for _ in 0..MAX_META_PAGES {
        let parameters = [("startAt", fields.len().to_string()), ("maxResults", META_PAGE_SIZE.to_string())];
        let page = client.get(&path, &parameters).await?;
        // Cloud names the list `fields`; Data Center pages it as `values`.
        let items = page["fields"].as_array().or_else(|| page["values"].as_array()).cloned().unwrap_or_default();
        let before = fields.len();
        fields.extend(items.iter().filter_map(|item| {
            let id = item["fieldId"].as_str().or_else(|| item["key"].as_str())?;
            Some(field_meta(id, item))
        }));
        let total = page["total"].as_u64().unwrap_or(0) as usize;
        if items.is_empty() || fields.len() == before || fields.len() >= total || page["isLast"].as_bool() == Some(true) {
            break;
        }
    }
    Ok(fields)
}

/// Reads one field's metadata as Jira returns it in create metadata and in
/// `transitions?expand=transitions.fields`.
pub fn field_meta(id: &str, meta: &Value) -> FieldMeta {
    let schema = &meta["schema"];
    let schema_type = schema["type"].as_str().unwrap_or("").to_string();
    let allowed_values: Vec<AllowedValue> = meta["allowedValues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|value| {
            let id = value["id"].as_str()?.to_string();
            let name = value["value"].as_str().or_else(|| value["name"].as_str()).unwrap_or(&id).to_string();
            Some(AllowedValue { id, name })
        })
        .collect();
    FieldMeta {
        id: id.to_string(),
        name: meta["name"].as_str().unwrap_or(id).to_string(),
        required: meta["required"].as_bool().unwrap_or(false),
        kind: field_kind(id, schema, !allowed_values.is_empty()),
        schema_type,
        allowed_values,
        has_default_value: meta["hasDefaultValue"].as_bool().unwrap_or(false),
    }
}

fn field_kind(id: &str, schema: &Value, has_allowed_values: bool) -> FieldKind {
    let custom = schema["custom"].as_str().unwrap_or("");
    let system = schema["system"].as_str().unwrap_or("");
    match (schema["type"].as_str().unwrap_or(""), schema["items"].as_str().unwrap_or("")) {
        ("string", _) if matches!(system, "description" | "environment") || custom.ends_with(":textarea") => FieldKind::MultiLineText,
        ("string", _) if id == "summary" || custom.ends_with(":textfield") || custom.ends_with(":url") || !system.is_empty() => FieldKind::Text,
        ("number", _) => FieldKind::Number,
        ("date", _) => FieldKind::Date,
        ("user", _) => FieldKind::User,
        ("array", "string") if system == "labels" || custom.ends_with(":labels") => FieldKind::Labels,
        ("array", "option" | "component" | "version") if has_allowed_values => FieldKind::MultiSelect,
        ("option" | "priority" | "resolution" | "securitylevel" | "version" | "component", _) if has_allowed_values => FieldKind::SingleSelect,
        _ => FieldKind::Unsupported,
    }
}

/// Builds the `fields` object of a create or transition request from the popup's values.
/// A field missing from `screen` is rejected, naming the field, as is a required field
/// left out (unless Jira fills it with a default, or `provided` lists it as set elsewhere).
pub fn build_fields(
    deployment: Deployment,
    screen: &[FieldMeta],
    values: &BTreeMap<String, Value>,
    provided: &[&str],
    screen_name: &str,
) -> Result<serde_json::Map<String, Value>, ErrorReply> {
    let mut fields = serde_json::Map::new();
    for (id, raw) in values {
        let Some(meta) = screen.iter().find(|meta| meta.id == *id) else {
            return Err(ErrorReply::new(
                ErrorCode::InvalidInput,
                format!("The field {} is not on the {screen_name}, so Jira would reject it. Remove it or ask your Jira administrator to add it to the screen.", shorten(id, 80)),
            )
            .with_details(json!({ "field": id, "reason": "notOnScreen" })));
        };
        if raw.is_null() {
            continue;
        }
        fields.insert(id.clone(), field_value(deployment, meta, raw)?);
    }

    let missing = screen.iter().find(|meta| {
        meta.required && !meta.has_default_value && !fields.contains_key(&meta.id) && !provided.contains(&meta.id.as_str())
    });
    if let Some(meta) = missing {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, format!("{} is required on the {screen_name}. Fill it in.", meta.name))
            .with_details(json!({ "field": meta.id, "reason": "required" })));
    }
    Ok(fields)
}

/// Builds the value Jira expects for one field from the popup's value.
pub fn field_value(deployment: Deployment, meta: &FieldMeta, raw: &Value) -> Result<Value, ErrorReply> {
    let invalid = |expected: &str| {
        ErrorReply::new(ErrorCode::InvalidInput, format!("{} expects {expected}.", meta.name))
            .with_details(json!({ "field": meta.id, "reason": "invalidValue" }))
    };
    let allowed = |id: &str| meta.allowed_values.is_empty() || meta.allowed_values.iter().any(|value| value.id == id);

    match meta.kind {
        FieldKind::Text => raw.as_str().map(|text| json!(text.trim())).ok_or_else(|| invalid("text")),
        FieldKind::MultiLineText => {
            let text = raw.as_str().ok_or_else(|| invalid("text"))?;
            Ok(match deployment {
                Deployment::Cloud => adf::description_adf(text, None, None),
                Deployment::DataCenter => json!(text.trim_end()),
            })
        }
        FieldKind::Number => match raw {
            Value::Number(number) => Ok(Value::Number(number.clone())),
            Value::String(text) => text.trim().parse::<f64>().ok().filter(|number| number.is_finite()).map(|number| json!(number)).ok_or_else(|| invalid("a number")),
            _ => Err(invalid("a number")),
        },
        FieldKind::Date => raw.as_str().map(str::trim).filter(|text| is_date(text)).map(|text| json!(text)).ok_or_else(|| invalid("a date written as yyyy-mm-dd")),
        FieldKind::SingleSelect => {
            let id = raw.as_str().map(str::trim).ok_or_else(|| invalid("one of its options"))?;
            if !allowed(id) {
                return Err(invalid("one of its options"));
            }
            Ok(json!({ "id": id }))
        }
        FieldKind::MultiSelect => {
            let items = raw.as_array().ok_or_else(|| invalid("a list of its options"))?;
            let mut values = Vec::new();
            for item in items {
                let id = item.as_str().map(str::trim).filter(|id| allowed(id)).ok_or_else(|| invalid("a list of its options"))?;
                values.push(json!({ "id": id }));
            }
            Ok(Value::Array(values))
        }
        FieldKind::Labels => {
            let items = raw.as_array().ok_or_else(|| invalid("a list of labels"))?;
            let mut labels = Vec::new();
            for item in items {
                let label = item.as_str().map(str::trim).filter(|label| !label.is_empty()).ok_or_else(|| invalid("a list of labels"))?;
                if label.contains(char::is_whitespace) {
                    return Err(invalid("labels without spaces"));
                }
                labels.push(json!(label));
            }
            Ok(Value::Array(labels))
        }
        FieldKind::User => {
            let id = raw.as_str().map(str::trim).filter(|id| !id.is_empty()).ok_or_else(|| invalid("a user"))?;
            Ok(user_reference(deployment, id))
        }
        FieldKind::Unsupported => Err(ErrorReply::new(
            ErrorCode::InvalidInput,
            format!("{} is a {} field, which jira-bridge cannot fill yet. Set it in Jira.", meta.name, meta.schema_type),
        )
        .with_details(json!({ "field": meta.id, "reason": "unsupported" }))),
    }
}

/// Returns how Jira names a user in a request: `{accountId}` on Cloud, `{name}` on Data Center.
pub fn user_reference(deployment: Deployment, id: &str) -> Value {
    match deployment {
        Deployment::Cloud => json!({ "accountId": id }),
        Deployment::DataCenter => json!({ "name": id }),
    }
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !shaped {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn checked_project_and_type(project_key: &str, issue_type_id: &str) -> Result<(String, String), ErrorReply> {
    let project_key = project_key.trim();
    let issue_type_id = issue_type_id.trim();
    if !is_project_key(project_key) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Choose a project.").with_details(json!({ "field": "projectKey" })));
    }
    if issue_type_id.is_empty() || !issue_type_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Choose an issue type.").with_details(json!({ "field": "issueTypeId" })));
    }
    Ok((project_key.to_string(), issue_type_id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str, schema: Value, allowed: Value) -> FieldMeta {
        field_meta(id, &json!({ "name": id, "required": false, "schema": schema, "allowedValues": allowed }))
    }

    #[test]
    fn kinds_from_schemas() {
        let cases = [
            ("summary", json!({"type": "string", "system": "summary"}), json!(null), FieldKind::Text),
            ("description", json!({"type": "string", "system": "description"}), json!(null), FieldKind::MultiLineText),
            ("customfield_1", json!({"type": "string", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea"}), json!(null), FieldKind::MultiLineText),
            ("customfield_2", json!({"type": "number", "custom": "x:float"}), json!(null), FieldKind::Number),
            ("duedate", json!({"type": "date", "system": "duedate"}), json!(null), FieldKind::Date),
            ("customfield_3", json!({"type": "option"}), json!([{"id": "1", "value": "A"}]), FieldKind::SingleSelect),
            ("customfield_4", json!({"type": "array", "items": "option"}), json!([{"id": "1", "value": "A"}]), FieldKind::MultiSelect),
            ("labels", json!({"type": "array", "items": "string", "system": "labels"}), json!(null), FieldKind::Labels),
            ("assignee", json!({"type": "user", "system": "assignee"}), json!(null), FieldKind::User),
            ("customfield_5", json!({"type": "option-with-child"}), json!([{"id": "1", "value": "A"}]), FieldKind::Unsupported),
        ];
        for (id, schema, allowed, kind) in cases {
            assert_eq!(meta(id, schema, allowed).kind, kind, "kind of {id}");
        }
    }

    #[test]
    fn values_built_per_kind() {
        let select = meta("customfield_3", json!({"type": "option"}), json!([{"id": "10", "value": "A"}]));
        let user = meta("assignee", json!({"type": "user"}), json!(null));
        let notes = meta("customfield_1", json!({"type": "string", "custom": "x:textarea"}), json!(null));

        assert_eq!(field_value(Deployment::Cloud, &select, &json!("10")).unwrap(), json!({"id": "10"}));
        assert_eq!(field_value(Deployment::Cloud, &user, &json!("abc")).unwrap(), json!({"accountId": "abc"}));
        assert_eq!(field_value(Deployment::DataCenter, &user, &json!("jürgen")).unwrap(), json!({"name": "jürgen"}));
        assert_eq!(field_value(Deployment::Cloud, &notes, &json!("a\nb")).unwrap()["type"], "doc");
        assert_eq!(field_value(Deployment::DataCenter, &notes, &json!("a\nb")).unwrap(), json!("a\nb"));
    }

    #[test]
    fn option_not_allowed_rejected() {
        let select = meta("customfield_3", json!({"type": "option"}), json!([{"id": "10", "value": "A"}]));

        let error = field_value(Deployment::Cloud, &select, &json!("99")).unwrap_err();

        assert_eq!(error.details.unwrap()["field"], "customfield_3");
    }

    #[test]
    fn dates_checked() {
        assert!(is_date("2025-02-28"));
        assert!(!is_date("2025-13-01"));
        assert!(!is_date("28.02.2025"));
    }
}

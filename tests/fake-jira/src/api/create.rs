//! `POST issue`: validates the create request the way Jira does and stores the issue.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use super::projects::{field_name, is_required, screen_fields};
use super::{check_rich_text, parse_object, AppState};
use crate::config::Mode;
use crate::error::JiraError;
use crate::seed::{self, SeedIssueType, PLATFORMS_FIELD, POINTS_FIELD, SEVERITY_FIELD, STEPS_FIELD};
use crate::state::{jira_timestamp, Shared, StoredIssue};

/// Maximum summary length Jira accepts, in characters.
const MAX_SUMMARY_CHARS: usize = 255;

const CREATE_KEYS: &[&str] = &["fields", "update", "properties", "transition", "historyMetadata"];

pub(crate) async fn create_issue(
    axum::extract::State(shared): AppState,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let body = parse_object(&body, "IssueUpdateBean", CREATE_KEYS)?;
    reject_unsupported(&body)?;
    let empty = Map::new();
    let fields = match body.get("fields") {
        None => &empty,
        Some(Value::Object(fields)) => fields,
        Some(other) => {
            return Err(JiraError::bad_request(format!(
                "fields must be an object, got {}",
                crate::adf::json_type(other)
            )))
        }
    };
    let properties = parse_properties(body.get("properties"))?;

    let (project, issue_type) = check_project_and_type(fields)?;
    let mut errors = Map::new();
    for (field, value) in fields {
        if matches!(field.as_str(), "project" | "issuetype") {
            continue;
        }
        if !issue_type.fields.contains(&field.as_str()) {
            let message = format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.");
            errors.insert(field.clone(), json!(message));
            continue;
        }
        if let Err(message) = check_field(&shared, field, value) {
            errors.insert(field.clone(), json!(message));
        }
    }
    for field in screen_fields(issue_type) {
        let missing = fields.get(field).is_none_or(Value::is_null);
        if is_required(issue_type, field) && missing && !errors.contains_key(field) {
            let message = if field == "summary" {
                "You must specify a summary of the issue.".to_owned()
            } else {
                format!("{} is required.", field_name(field))
            };
            errors.insert(field.to_owned(), json!(message));
        }
    }
    if !errors.is_empty() {
        return Err(JiraError::fields(errors));
    }

    let created = store_issue(&shared, project.key, issue_type.id, fields.clone(), properties);
    Ok((StatusCode::CREATED, Json(created)))
}

/// Rejects parts of the create bean that the fake does not model, so a client that relies
/// on them notices instead of getting a silently different issue.
fn reject_unsupported(body: &Map<String, Value>) -> Result<(), JiraError> {
    for key in ["update", "transition", "historyMetadata"] {
        let used = match body.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::Object(object)) => !object.is_empty(),
            Some(_) => true,
        };
        if used {
            return Err(JiraError::bad_request(format!(
                "fake-jira does not support \"{key}\" on create; set values through \"fields\""
            )));
        }
    }
    Ok(())
}

/// Parses the optional `properties` array of `{key, value}` entries set at creation.
fn parse_properties(value: Option<&Value>) -> Result<BTreeMap<String, Value>, JiraError> {
    let mut properties = BTreeMap::new();
    let Some(value) = value else {
        return Ok(properties);
    };
    let Some(entries) = value.as_array() else {
        return Err(JiraError::bad_request("properties must be an array of {key, value} objects"));
    };
    for entry in entries {
        let key = entry.get("key").and_then(Value::as_str).unwrap_or("");
        if key.is_empty() || key.chars().count() > 255 {
            return Err(JiraError::bad_request(format!(
                "The property key must be 1 to 255 characters long, got {key:?}"
            )));
        }
        let Some(property) = entry.get("value") else {
            return Err(JiraError::bad_request(format!("The property '{key}' has no value")));
        };
        properties.insert(key.to_owned(), property.clone());
    }
    Ok(properties)
}

/// Resolves `fields.project` and `fields.issuetype`; both errors are reported together.
fn check_project_and_type(
    fields: &Map<String, Value>,
) -> Result<(&'static seed::SeedProject, &'static SeedIssueType), JiraError> {
    let project = fields.get("project").and_then(|project| {
        let key = project.get("key").or_else(|| project.get("id"))?.as_str()?;
        seed::project(key)
    });
    let issue_type = fields.get("issuetype").and_then(|issue_type| {
        if let Some(id) = issue_type.get("id").and_then(Value::as_str) {
            seed::issue_type(id)
        } else {
            seed::issue_type_by_name(issue_type.get("name")?.as_str()?)
        }
    });

    let mut errors = Map::new();
    if project.is_none() {
        errors.insert("project".to_owned(), json!("Specify a valid project ID or key"));
    }
    if issue_type.is_none() {
        errors.insert("issuetype".to_owned(), json!("Specify a valid issue type"));
    }
    if !fields.contains_key("summary") {
        errors.insert("summary".to_owned(), json!("You must specify a summary of the issue."));
    }
    match (project, issue_type) {
        (Some(project), Some(issue_type)) => Ok((project, issue_type)),
        _ => Err(JiraError::fields(errors)),
    }
}

/// Checks one field value on the create screen; the error is Jira's message for it.
fn check_field(shared: &Shared, field: &str, value: &Value) -> Result<(), String> {
    let mode = shared.config.mode;
    match field {
        "summary" => {
            let Some(summary) = value.as_str() else {
                return Err("Summary must be a string.".to_owned());
            };
            if summary.trim().is_empty() {
                Err("You must specify a summary of the issue.".to_owned())
            } else if summary.chars().count() > MAX_SUMMARY_CHARS {
                Err("Summary must be less than 255 characters.".to_owned())
            } else if summary.contains(['\n', '\r']) {
                Err("The summary is invalid because it contains newline characters.".to_owned())
            } else {
                Ok(())
            }
        }
        "description" | STEPS_FIELD => check_rich_text(mode, value),
        "priority" => check_option(value, seed::PRIORITIES, "name", "priority"),
        SEVERITY_FIELD => check_option(value, seed::SEVERITY_OPTIONS, "value", "Severity"),
        "labels" => check_labels(value),
        "assignee" => check_assignee(shared, value),
        "duedate" => check_date(value),
        POINTS_FIELD => match value {
            Value::Null | Value::Number(_) => Ok(()),
            other => Err(format!("Story points must be a number, got {}.", crate::adf::json_type(other))),
        },
        PLATFORMS_FIELD => check_options(value, seed::PLATFORM_OPTIONS, "Platforms"),
        other => unreachable!("field {other} is on a seeded screen but has no check"),
    }
}

fn check_option(value: &Value, options: &[seed::SeedOption], label: &str, field_label: &str) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    if let Some(id) = value.get("id").and_then(Value::as_str) {
        return match options.iter().any(|option| option.id == id) {
            true => Ok(()),
            false => Err(format!("Option id '{id}' is not valid for {field_label}.")),
        };
    }
    if let Some(text) = value.get(label).and_then(Value::as_str) {
        return match options.iter().any(|option| option.value == text) {
            true => Ok(()),
            false => Err(format!("Specify a valid value for {field_label}: '{text}' is not an option.")),
        };
    }
    Err(format!("Specify the {field_label} as an object with \"id\" or \"{label}\"."))
}

/// Checks a multi-select value: an array of `{id}` or `{value}` objects.
fn check_options(value: &Value, options: &[seed::SeedOption], field_label: &str) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    let Some(items) = value.as_array() else {
        return Err(format!("{field_label} must be an array of options."));
    };
    items.iter().try_for_each(|item| check_option(item, options, "value", field_label))
}

fn check_labels(value: &Value) -> Result<(), String> {
    let Some(labels) = value.as_array() else {
        return Err("Labels must be an array of strings.".to_owned());
    };
    for label in labels {
        let Some(label) = label.as_str() else {
            return Err("Labels must be an array of strings.".to_owned());
        };
        if label.is_empty() || label.chars().count() > 255 {
            return Err(format!("The label '{label}' must be 1 to 255 characters long."));
        }
        if label.contains(char::is_whitespace) {
            return Err(format!("The label '{label}' contains spaces which is invalid."));
        }
    }
    Ok(())
}

/// Checks a user reference: `{accountId}` on Cloud, where `name` is no longer accepted,
/// and `{name}` on Data Center. The configured account and the seeded users exist.
fn check_assignee(shared: &Shared, value: &Value) -> Result<(), String> {
    if value.is_null() {
        return Ok(());
    }
    let field = super::users::id_field(shared.config.mode);
    if shared.config.mode == Mode::Cloud && value.get("name").is_some() && value.get("accountId").is_none() {
        return Err("Jira Cloud identifies users by accountId; 'name' is not supported.".to_owned());
    }
    let id = value.get(field).or_else(|| value.get("id").filter(|_| shared.config.mode == Mode::Cloud)).and_then(Value::as_str);
    match id {
        Some(id) if super::users::user_by_id(shared, id).is_some() => Ok(()),
        Some(id) => Err(format!("User '{id}' cannot be assigned issues.")),
        None => Err(format!("Specify the assignee as {{\"{field}\": ...}}.")),
    }
}

fn check_date(value: &Value) -> Result<(), String> {
    let text = value.as_str().unwrap_or("");
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if value.is_null() || shaped {
        Ok(())
    } else {
        Err(format!("Error parsing date string: {text}. Use the format yyyy-MM-dd."))
    }
}

/// Stores a validated issue under the project's next key and returns Jira's create reply.
fn store_issue(
    shared: &Shared,
    project_key: &str,
    issue_type_id: &str,
    fields: Map<String, Value>,
    properties: BTreeMap<String, Value>,
) -> Value {
    let mut inner = shared.lock();
    let id = inner.next_issue_id.to_string();
    inner.next_issue_id += 1;
    let number = inner.issue_numbers.entry(project_key.to_owned()).or_insert(0);
    *number += 1;
    let key = format!("{project_key}-{number}");

    inner.issues.push(StoredIssue {
        id: id.clone(),
        key: key.clone(),
        project_key: project_key.to_owned(),
        issue_type_id: issue_type_id.to_owned(),
        status_id: seed::STATUSES[0].id.to_owned(),
        fields,
        properties,
        comments: Vec::new(),
        worklogs: Vec::new(),
        remote_links: Vec::new(),
        watchers: Vec::new(),
        attachments: Vec::new(),
        created: jira_timestamp(),
    });
    json!({"id": id, "key": key, "self": format!("{}/issue/{id}", shared.api_base())})
}

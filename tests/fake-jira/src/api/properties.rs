//! Issue properties: small JSON values stored on an issue, which jira-bridge uses to tag an
//! issue with the client request id that created it.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::{parse_json, AppState};
use crate::error::JiraError;

/// Maximum property value size Jira stores, in bytes of JSON.
const MAX_VALUE_BYTES: usize = 32_768;

/// Maximum property key length Jira accepts, in characters.
const MAX_KEY_CHARS: usize = 255;

pub(crate) async fn put_property(
    axum::extract::State(shared): AppState,
    Path((issue, property)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, JiraError> {
    if property.chars().count() > MAX_KEY_CHARS {
        return Err(JiraError::bad_request(format!(
            "The property key cannot be longer than {MAX_KEY_CHARS} characters."
        )));
    }
    if body.len() > MAX_VALUE_BYTES {
        return Err(JiraError::bad_request(format!(
            "The property value cannot be longer than {MAX_VALUE_BYTES} bytes, got {}.",
            body.len()
        )));
    }
    let value = parse_json(&body)?;

    let mut inner = shared.lock();
    let Some(stored) = inner.issue_mut(&issue) else {
        return Err(issue_not_found(&issue));
    };
    let replaced = stored.properties.insert(property, value).is_some();
    Ok(if replaced { StatusCode::OK } else { StatusCode::CREATED })
}

pub(crate) async fn get_property(
    axum::extract::State(shared): AppState,
    Path((issue, property)): Path<(String, String)>,
) -> Result<Json<Value>, JiraError> {
    let inner = shared.lock();
    let Some(stored) = inner.issue(&issue) else {
        return Err(issue_not_found(&issue));
    };
    match stored.properties.get(&property) {
        Some(value) => Ok(Json(json!({"key": property, "value": value}))),
        None => Err(JiraError::not_found(format!("The property with key '{property}' does not exist."))),
    }
}

pub(crate) async fn list_properties(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let inner = shared.lock();
    let Some(stored) = inner.issue(&issue) else {
        return Err(issue_not_found(&issue));
    };
    let keys: Vec<Value> = stored
        .properties
        .keys()
        .map(|key| json!({"self": format!("{}/issue/{}/properties/{key}", shared.api_base(), stored.id), "key": key}))
        .collect();
    Ok(Json(json!({"keys": keys})))
}

pub(crate) fn issue_not_found(issue: &str) -> JiraError {
    JiraError::not_found(format!("Issue does not exist or you do not have permission to see it. ({issue})"))
}

//! Jira's error reply, `{"errorMessages": [...], "errors": {...}}`, and the marker that
//! tells the request gate to log a refused request as a violation.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// A refusal in Jira's error shape.
#[derive(Debug, Clone)]
pub struct JiraError {
    pub status: StatusCode,
    pub error_messages: Vec<String>,
    pub errors: Map<String, Value>,
    /// Whether the refusal means the client sent something Jira rejects, as opposed to an
    /// answer that depends on data (issue not found, wrong token typed by a person).
    pub violation: bool,
}

/// Response extension the gate reads to record a violation for the request.
#[derive(Debug, Clone)]
pub(crate) struct ViolationMarker(pub String);

impl JiraError {
    /// A refusal with one message, counted as a violation.
    pub fn message(status: StatusCode, message: impl Into<String>) -> Self {
        JiraError {
            status,
            error_messages: vec![message.into()],
            errors: Map::new(),
            violation: true,
        }
    }

    /// A 400 Bad Request with per-field errors, counted as a violation.
    pub fn fields(errors: Map<String, Value>) -> Self {
        JiraError {
            status: StatusCode::BAD_REQUEST,
            error_messages: Vec::new(),
            errors,
            violation: true,
        }
    }

    /// A 400 Bad Request with one message, counted as a violation.
    pub fn bad_request(message: impl Into<String>) -> Self {
        JiraError::message(StatusCode::BAD_REQUEST, message)
    }

    /// A 404 Not Found that depends on data, so not a violation.
    pub fn not_found(message: impl Into<String>) -> Self {
        JiraError {
            violation: false,
            ..JiraError::message(StatusCode::NOT_FOUND, message)
        }
    }

    /// Builds the Jira error body.
    pub fn body(&self) -> Value {
        json!({"errorMessages": self.error_messages, "errors": self.errors})
    }

    /// Returns a one-line summary for violation listings.
    fn summary(&self) -> String {
        let mut parts: Vec<String> = self.error_messages.clone();
        for (field, message) in &self.errors {
            let text = message.as_str().map(str::to_owned).unwrap_or_else(|| message.to_string());
            parts.push(format!("{field}: {text}"));
        }
        format!("{} {}", self.status.as_u16(), parts.join("; "))
    }
}

impl IntoResponse for JiraError {
    fn into_response(self) -> Response {
        let marker = self.violation.then(|| ViolationMarker(self.summary()));
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(marker) = marker {
            response.extensions_mut().insert(marker);
        }
        response
    }
}

//! Middleware in front of every Jira route: buffers and records the request, applies
//! injected faults, checks authentication and the headers every Jira call must carry, and
//! logs violations that handlers report.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::Value;

use crate::config::Mode;
use crate::error::{JiraError, ViolationMarker};
use crate::record::{encode_body, redact_headers, RecordedRequest};
use crate::state::{Fault, Shared};

/// Largest request body the fake reads, in bytes; Jira Cloud's default attachment limit
/// is larger, but no test needs more.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Prefix of the control API, which is neither checked nor recorded.
pub(crate) const CONTROL_PREFIX: &str = "/__fake/";

/// Path of the request being served, without the context path.
#[derive(Debug, Clone)]
pub(crate) struct CallPath(pub String);

/// Serves one request on a Jira path: buffers it, applies a matching fault, checks it,
/// runs the route, and records the request with its status and violations.
pub(crate) async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(CONTROL_PREFIX) {
        return next.run(request).await;
    }

    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let message = format!("Request body could not be read: {error}");
            eprintln!("fake-jira: {} {}: {message}", parts.method, parts.uri.path());
            return JiraError::message(StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
        }
    };
    let context_path = shared.config.normalized_context_path();
    let full_path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let headers = redact_headers(&parts.headers);
    let mut violations = Vec::new();
    let path = match full_path.strip_prefix(&context_path) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => {
            violations.push(format!("path is outside the context path {context_path:?}"));
            full_path.clone()
        }
    };
    violations.extend(header_violations(&parts.method, &parts.headers, &path, &bytes));
    parts.extensions.insert(CallPath(path.clone()));

    let response = match shared.take_fault(&method, &path) {
        Some(fault) => {
            if fault.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            }
            match fault.status {
                Some(status) => fault_response(&fault, status),
                None => serve(&shared, &path, parts, bytes.clone(), next).await,
            }
        }
        None => serve(&shared, &path, parts, bytes.clone(), next).await,
    };

    if let Some(marker) = response.extensions().get::<ViolationMarker>() {
        violations.push(marker.0.clone());
    }
    let (body, body_base64) = encode_body(&bytes);
    let record = RecordedRequest {
        mode: shared.config.mode,
        method,
        path,
        context_path,
        query,
        headers,
        body,
        body_base64,
        status: response.status().as_u16(),
    };
    shared.record(record, violations);
    response
}

/// Checks authentication and the body's media type, then runs the route.
async fn serve(
    shared: &Shared,
    path: &str,
    parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
    next: Next,
) -> Response {
    if let Err(error) = check_auth(shared, &parts.headers, path) {
        return error.into_response();
    }
    if let Err(error) = check_content_type(&parts.method, &parts.headers, path, &bytes) {
        return error.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Checks the Authorization header against the configured account.
///
/// `serverInfo` is served without credentials, as on real Jira, because clients read it to
/// learn the deployment type before they know which auth scheme to use. Wrong credentials
/// are a 401 but not a violation, because a person may type a wrong token. A missing header
/// or the other dialect's scheme is the client's fault and is a violation.
fn check_auth(shared: &Shared, headers: &HeaderMap, path: &str) -> Result<(), JiraError> {
    let config = &shared.config;
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        if path.ends_with("/serverInfo") {
            return Ok(());
        }
        return Err(unauthorized(true, "Authorization header is missing"));
    };
    let value = value.to_str().unwrap_or("");
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));

    match config.mode {
        Mode::Cloud => {
            if !scheme.eq_ignore_ascii_case("basic") {
                let message = format!("Jira Cloud API tokens use Basic auth, got scheme {scheme:?}");
                return Err(unauthorized(true, &message));
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credentials.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            let Some(decoded) = decoded else {
                return Err(unauthorized(true, "Basic credentials are not valid base64 UTF-8"));
            };
            if decoded != format!("{}:{}", config.email, config.token) {
                return Err(unauthorized(false, "wrong email or API token"));
            }
        }
        Mode::DataCenter => {
            if !scheme.eq_ignore_ascii_case("bearer") {
                let message = format!("Data Center personal access tokens use Bearer auth, got scheme {scheme:?}");
                return Err(unauthorized(true, &message));
            }
            if credentials.trim() != config.token {
                return Err(unauthorized(false, "wrong personal access token"));
            }
        }
    }
    Ok(())
}

fn unauthorized(violation: bool, reason: &str) -> JiraError {
    JiraError {
        violation,
        ..JiraError::message(
            StatusCode::UNAUTHORIZED,
            format!("You are not authenticated. Authentication required to perform this operation. ({reason})"),
        )
    }
}

/// Rejects a body that is not JSON with 415, as Jira does. Attachments are the exception:
/// they are multipart uploads.
fn check_content_type(method: &Method, headers: &HeaderMap, path: &str, bytes: &[u8]) -> Result<(), JiraError> {
    if bytes.is_empty() || !(method == Method::POST || method == Method::PUT) {
        return Ok(());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let expected = if path.ends_with("/attachments") {
        "multipart/form-data"
    } else {
        "application/json"
    };
    if content_type.to_ascii_lowercase().starts_with(expected) {
        Ok(())
    } else {
        Err(JiraError::message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type is {content_type:?}, expected {expected}"),
        ))
    }
}

/// Returns rules of the REST API that Jira tolerates breaking but jira-bridge must follow:
/// an `Accept: application/json` header and no body on GET or DELETE.
fn header_violations(method: &Method, headers: &HeaderMap, path: &str, bytes: &[u8]) -> Vec<String> {
    let mut violations = Vec::new();
    let accept = headers.get(header::ACCEPT).and_then(|value| value.to_str().ok());
    match accept {
        Some(accept) if accept.contains("application/json") => {}
        Some(accept) => violations.push(format!("Accept header is {accept:?}, expected application/json")),
        None => violations.push("Accept header is missing, expected application/json".to_owned()),
    }
    if (method == Method::GET || method == Method::DELETE) && !bytes.is_empty() {
        violations.push(format!("{method} request to {path} has a body of {} bytes", bytes.len()));
    }
    violations
}

/// Builds the reply of an injected fault.
fn fault_response(fault: &Fault, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match &fault.body {
        Some(Value::String(text)) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text.clone()).into_response()
        }
        Some(value) => axum::Json(value.clone()).into_response(),
        None => {
            let message = format!("Injected fault: {}", status.canonical_reason().unwrap_or("error"));
            axum::Json(serde_json::json!({"errorMessages": [message], "errors": {}})).into_response()
        }
    };
    *response.status_mut() = status;
    if let Some(retry_after) = &fault.retry_after {
        if let Ok(value) = HeaderValue::from_str(retry_after) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

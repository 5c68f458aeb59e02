//! Middleware in front of every Jira route: buffers and records the request, applies
//! injected faults, checks authentication and the headers every Jira call must carry, and
//! logs violations that handlers report.
//!
//! On Cloud it also imitates Atlassian's API gateway: a request to
//! `/ex/jira/{cloudId}/rest/...` is served as `/rest/...`, and `/_edge/tenant_info`
//! returns the cloud id.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::config::Mode;
use crate::error::{JiraError, ViolationMarker};
use crate::record::{encode_body, redact_headers, RecordedRequest};
use crate::state::{Fault, Shared};

/// Largest request body the fake reads, in bytes; Jira Cloud's default attachment limit
/// is larger, but no test needs more.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Prefix of the control API, which is neither checked nor recorded.
pub(crate) const CONTROL_PREFIX: &str = "/__fake/";

/// Path where a Jira Cloud site publishes its cloud id without credentials. It is not
/// recorded, because it is not part of the REST API that the contract check validates.
pub(crate) const TENANT_INFO_PATH: &str = "/_edge/tenant_info";

/// Start of every path through Atlassian's API gateway to a Jira site.
const GATEWAY_PATH: &str = "/ex/jira/";

/// Path of the request being served, without the context path.
#[derive(Debug, Clone)]
pub(crate) struct CallPath(pub String);

/// Serves one request on a Jira path: buffers it, applies a matching fault, checks it,
/// runs the route, and records the request with its status and violations.
pub(crate) async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(CONTROL_PREFIX) {
        return next.run(request).await;
    }
    if shared.config.mode == Mode::Cloud && request.method() == Method::GET && request.uri().path() == TENANT_INFO_PATH {
        return axum::Json(json!({ "cloudId": shared.config.cloud_id })).into_response();
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
    // A gateway request is recorded with the path Jira serves, so the contract check
    // validates it against the Cloud spec, and with the gateway prefix in `contextPath`.
    let gateway_prefix = shared.config.gateway_prefix();
    let through_gateway = shared.config.mode == Mode::Cloud
        && path.strip_prefix(&gateway_prefix).is_some_and(|rest| rest.starts_with('/'));
    let (path, context_path) = if through_gateway {
        (path[gateway_prefix.len()..].to_owned(), format!("{context_path}{gateway_prefix}"))
    } else {
        (path, context_path)
    };
    violations.extend(header_violations(&parts.method, &parts.headers, &path, &bytes));
    parts.extensions.insert(CallPath(path.clone()));

    let other_site = shared.config.mode == Mode::Cloud && path.starts_with(GATEWAY_PATH);
    let response = if other_site {
        let message = format!("No site behind the API gateway at {path}: this site's prefix is {gateway_prefix}");
        JiraError::message(StatusCode::NOT_FOUND, message).into_response()
    } else {
        match shared.take_fault(&method, &path) {
            Some(fault) => {
                if fault.delay_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
                }
                match fault.status {
                    Some(status) => fault_response(&fault, status),
                    None => serve(&shared, &path, through_gateway, parts, bytes.clone(), next).await,
                }
            }
            None => serve(&shared, &path, through_gateway, parts, bytes.clone(), next).await,
        }
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
    shared: &Arc<Shared>,
    path: &str,
    through_gateway: bool,
    mut parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
    next: Next,
) -> Response {
    if let Err(error) = check_auth(shared, &parts.headers, path, through_gateway) {
        return error.into_response();
    }
    if let Err(error) = check_content_type(&parts.method, &parts.headers, path, &bytes) {
        return error.into_response();
    }
    if !through_gateway {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }

    // Routing happened before this middleware, on the gateway path, and found nothing.
    // The request is routed again with the gateway prefix removed.
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    parts.uri = match path_and_query.parse() {
        Ok(uri) => uri,
        Err(error) => return JiraError::bad_request(format!("Invalid request path {path_and_query:?}: {error}")).into_response(),
    };
    let routes = crate::api::router(shared).with_state(shared.clone());
    match routes.oneshot(Request::from_parts(parts, Body::from(bytes))).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Checks the Authorization header against the configured account.
///
/// `serverInfo` is served without credentials, as on real Jira, because clients read it to
/// learn the deployment type before they know which auth scheme to use. Wrong credentials
/// are a 401 but not a violation, because a person may type a wrong token. A missing header
/// or the other dialect's scheme is the client's fault and is a violation.
///
/// A scoped API token gets a 401 on every direct call except `serverInfo`, as on Atlassian's
/// sites. That 401 is not a violation either: a client cannot tell a scoped token from a
/// classic one before it tries.
fn check_auth(shared: &Shared, headers: &HeaderMap, path: &str, through_gateway: bool) -> Result<(), JiraError> {
    let config = &shared.config;
    if config.mode == Mode::Cloud && config.scoped_token && !through_gateway && !path.ends_with("/serverInfo") {
        let reason = format!("scoped API tokens work only through https://api.atlassian.com{}", config.gateway_prefix());
        return Err(unauthorized(false, &reason));
    }
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

#[cfg(test)]
mod tests {
    use base64::Engine;
    use serde_json::{json, Value};

    use crate::{Config, FakeJira};

    fn scoped_jira() -> FakeJira {
        let config = Config { scoped_token: true, ..Config::cloud() };
        FakeJira::start(config).expect("the fake Jira starts")
    }

    /// Sends a request with the test account's Basic credentials; returns status and JSON body.
    fn send(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
        let credentials = base64::engine::general_purpose::STANDARD.encode("tester@example.com:test-token");
        let request = ureq::request(method, url)
            .set("Accept", "application/json")
            .set("Authorization", &format!("Basic {credentials}"));
        let result = match body {
            Some(body) => request.set("Content-Type", "application/json").send_string(&body.to_string()),
            None => request.call(),
        };
        let response = match result {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("{method} {url} failed to send: {error}"),
        };
        let status = response.status();
        let text = response.into_string().expect("a readable body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    #[test]
    fn tenant_info_unrecorded() {
        let jira = scoped_jira();

        let info: Value = ureq::get(&format!("{}/_edge/tenant_info", jira.url()))
            .call()
            .expect("tenant_info needs no credentials")
            .into_json()
            .expect("tenant_info is JSON");

        assert_eq!(info["cloudId"], json!(jira.config().cloud_id));
        assert!(jira.requests().is_empty(), "tenant_info is not a REST call and should not be recorded: {:?}", jira.requests());
    }

    #[test]
    fn scoped_token_rejected_on_site() {
        let jira = scoped_jira();

        let (myself_status, myself_body) = send("GET", &format!("{}/rest/api/3/myself", jira.url()), None);
        let (info_status, _) = send("GET", &format!("{}/rest/api/3/serverInfo", jira.url()), None);

        assert_eq!(myself_status, 401, "a scoped token on the site should be refused: {myself_body}");
        assert!(myself_body["errorMessages"][0].as_str().unwrap_or("").contains("not authenticated"), "{myself_body}");
        assert_eq!(info_status, 200, "serverInfo should still answer on the site");
        assert!(jira.violations().is_empty(), "a refused scoped token is not a client fault: {:?}", jira.violations());
    }

    #[test]
    fn gateway_prefix_stripped_and_recorded() {
        let jira = scoped_jira();
        let gateway = format!("{}{}", jira.origin(), jira.config().gateway_prefix());
        let issue = json!({"fields": {
            "project": {"key": "WEB"},
            "issuetype": {"id": "10002"},
            "summary": "Through the gateway",
        }});

        let (myself_status, myself) = send("GET", &format!("{gateway}/rest/api/3/myself?expand=groups"), None);
        let (create_status, created) = send("POST", &format!("{gateway}/rest/api/3/issue"), Some(issue));

        assert_eq!(myself_status, 200, "{myself}");
        assert_eq!(myself["emailAddress"], "tester@example.com");
        assert_eq!(create_status, 201, "{created}");
        assert_eq!(jira.issues().len(), 1, "the create should reach the issue store");
        let requests = jira.requests();
        assert_eq!(requests[0].path, "/rest/api/3/myself", "the record should hold the path without the gateway prefix");
        assert_eq!(requests[0].query, "expand=groups", "the query should survive the rewrite");
        assert_eq!(requests[0].context_path, jira.config().gateway_prefix(), "the prefix should be recorded as the context path");
        assert_eq!(requests[1].path, "/rest/api/3/issue");
        assert!(jira.violations().is_empty(), "{:?}", jira.violations());
    }

    #[test]
    fn gateway_other_cloud_id_not_found() {
        let jira = scoped_jira();

        let url = format!("{}/ex/jira/00000000-0000-0000-0000-000000000000/rest/api/3/myself", jira.origin());
        let (status, body) = send("GET", &url, None);

        assert_eq!(status, 404, "another site's cloud id should not reach this site: {body}");
        assert_eq!(jira.violations().len(), 1, "a wrong cloud id is a client fault: {:?}", jira.violations());
    }
}

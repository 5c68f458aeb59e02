//! Recorded requests and violations, and the JSON-lines record file the contract
//! validator reads.
//!
//! One line per Jira request:
//! `{"mode":"cloud","method":"POST","path":"/rest/api/3/issue","contextPath":"","query":"",
//! "headers":{...},"body":"...","bodyBase64":null,"status":201}`. The path never contains
//! the context path, the Authorization value is replaced by `<scheme> <redacted>`, and a
//! body that is not UTF-8 is stored in `bodyBase64` with `body` null. `status` is the
//! status the fake answered with.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use axum::http::HeaderMap;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::config::Mode;

/// One request the fake received on a Jira path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    pub mode: Mode,
    pub method: String,
    /// Path without the context path, for example `/rest/api/2/issue`.
    pub path: String,
    /// Context path the request arrived under, such as `/jira`, or empty.
    pub context_path: String,
    /// Raw query string without the `?`, or empty.
    pub query: String,
    /// Header names in lower case. Repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// Body as text; empty when there was none; null when it was not UTF-8.
    pub body: Option<String>,
    /// Body in standard base64 when it was not UTF-8, otherwise null.
    pub body_base64: Option<String>,
    /// Status code the fake answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// Returns the body parsed as JSON, or `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.body.as_deref()?).ok()
    }

    /// Returns a header value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A request the fake's handlers found wrong: Jira would refuse it, or it breaks a rule
/// of the REST API that Jira tolerates but jira-bridge must follow (such as `Accept`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub method: String,
    pub path: String,
    pub message: String,
}

/// Copies headers into a map with the Authorization credentials redacted.
pub(crate) fn redact_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let text = if name == axum::http::header::AUTHORIZATION {
            let scheme = text.split_whitespace().next().unwrap_or("");
            format!("{scheme} <redacted>")
        } else {
            text
        };
        map.entry(name.as_str().to_owned())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(&text);
            })
            .or_insert(text);
    }
    map
}

/// Splits a body into the `body` and `bodyBase64` fields of a record.
pub(crate) fn encode_body(bytes: &[u8]) -> (Option<String>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Some(text.to_owned()), None),
        Err(_) => (None, Some(base64::engine::general_purpose::STANDARD.encode(bytes))),
    }
}

/// Appends one request to the record file as a JSON line.
pub(crate) fn append_to_file(path: &Path, request: &RecordedRequest) -> std::io::Result<()> {
    let mut line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(line.as_bytes())
}

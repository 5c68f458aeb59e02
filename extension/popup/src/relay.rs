//! Messages between the popup and the background script, which owns the native port.
//!
//! The popup sends `{"type": "jira-bridge/request", "request": <Request>}` with
//! `runtime.sendMessage`. The background responds with the host's reply frame minus its id:
//! `{"result": {...}}` or `{"error": {...}}`.

use jira_bridge_protocol::{ErrorCode, ErrorReply, Outcome, Request, Response};
use serde::Serialize;

/// `type` of the runtime message that requests the background to relay a request.
pub const RELAY_MESSAGE_TYPE: &str = "jira-bridge/request";

#[derive(Serialize)]
struct RelayMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    request: &'a Request,
}

/// Failure of a request relayed through the background.
#[derive(Debug, Clone, PartialEq)]
pub enum RelayError {
    /// The native host, or the background on its behalf, returned an error.
    Host(ErrorReply),
    /// The background sent no response, or one that is not a reply. Contains the
    /// browser's or the parser's message.
    Relay(String),
}

impl RelayError {
    /// Returns the error code when the error came from the host or the background's relay.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            RelayError::Host(reply) => Some(reply.code),
            RelayError::Relay(_) => None,
        }
    }

    /// Returns a sentence for the person: what happened and what to do.
    pub fn message(&self) -> String {
        match self {
            RelayError::Host(reply) => reply.message.clone(),
            RelayError::Relay(detail) => format!(
                "The extension's background script did not answer ({detail}). \
                 Reload the extension and try again."
            ),
        }
    }
}

/// Encodes a request as the JSON text of the runtime message.
pub fn encode_request(request: &Request) -> String {
    let message = RelayMessage {
        kind: RELAY_MESSAGE_TYPE,
        request,
    };
    // Serialising these derived types cannot fail: every map key is a string.
    serde_json::to_string(&message).expect("a request always serialises to JSON")
}

/// Decodes the background's answer, given as JSON text.
pub fn decode_reply(text: &str) -> Result<Response, RelayError> {
    let outcome: Outcome = serde_json::from_str(text)
        .map_err(|error| RelayError::Relay(format!("unreadable reply: {error}")))?;

    match outcome {
        Outcome::Result(response) => Ok(response),
        Outcome::Error(reply) => Err(RelayError::Host(reply)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jira_bridge_protocol::Secret;
    use serde_json::{json, Value};

    #[test]
    fn encode_wraps_request_in_relay_message() {
        let request = Request::ListIssueTypes {
            site_url: None,
            project_key: "WEB".into(),
        };

        let value: Value = serde_json::from_str(&encode_request(&request)).unwrap();

        assert_eq!(
            value,
            json!({"type": "jira-bridge/request", "request": {"type": "listIssueTypes", "siteUrl": null, "projectKey": "WEB"}}),
            "the relay message should carry the request unchanged"
        );
    }

    #[test]
    fn encode_connect_carries_token_once() {
        let request = Request::Connect {
            site_url: "https://example.atlassian.net".into(),
            email: None,
            token: Secret::new("tok-1".into()),
        };

        let text = encode_request(&request);

        assert_eq!(
            text.matches("tok-1").count(),
            1,
            "the token should appear exactly once: {text}"
        );
    }

    #[test]
    fn decode_result() {
        let reply = decode_reply(r#"{"result":{"type":"pong"}}"#);

        assert_eq!(reply, Ok(Response::Pong));
    }

    #[test]
    fn decode_host_error() {
        let reply = decode_reply(
            r#"{"error":{"code":100,"name":"hostNotInstalled","message":"Not installed.","details":{"browserMessage":"Specified native messaging host not found."}}}"#,
        );

        let Err(RelayError::Host(error)) = reply else {
            panic!("expected a host error, got {reply:?}")
        };
        assert_eq!(error.code, ErrorCode::HostNotInstalled);
        assert_eq!(error.message, "Not installed.");
    }

    #[test]
    fn decode_garbage_is_relay_error() {
        let reply = decode_reply("null");

        assert!(
            matches!(reply, Err(RelayError::Relay(_))),
            "null is no reply, got {reply:?}"
        );
    }

    #[test]
    fn relay_error_message_names_background() {
        let error = RelayError::Relay("Receiving end does not exist.".into());

        let message = error.message();

        assert!(
            message.contains("Receiving end does not exist."),
            "detail missing: {message}"
        );
        assert!(
            message.contains("Reload the extension"),
            "next step missing: {message}"
        );
    }
}

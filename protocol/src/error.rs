//! Structured errors: a stable numeric code, its name, a sentence for the person and
//! optional details for logs and the popup's "details" view.

use serde::{Deserialize, Serialize};

/// Stable error codes. Append-only: a code, once published, keeps its number and meaning,
/// because an older popup may be talking to a newer host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame was not valid UTF-8 JSON or not a known request.
    InvalidMessage,
    /// A frame's length exceeded the host's cap.
    MessageTooLarge,
    /// The host is older than the extension's protocol.
    HostOutdated,
    /// The extension is older than the host's oldest supported protocol.
    ExtensionOutdated,
    /// The browser started the host for an origin or add-on id not in its allow-list.
    CallerNotAllowed,
    /// No Jira site is connected, or the named one is unknown.
    NotConnected,
    /// The site URL could not be parsed or is not a Jira base URL.
    InvalidSiteUrl,
    /// The site URL is not https and not a loopback address allowed for tests.
    InsecureSiteUrl,
    /// Jira rejected the credentials (401).
    AuthenticationFailed,
    /// Jira accepted the credentials but denied the action (403).
    PermissionDenied,
    /// The OS credential store is missing, locked or failed.
    CredentialStoreUnavailable,
    /// Jira rejected the request (other 4xx) with a reason.
    JiraRejected,
    /// Jira returned a server error (5xx).
    JiraUnavailable,
    /// The site could not be reached (DNS, TLS, connection, timeout).
    NetworkError,
    /// A field of the request is missing or invalid.
    InvalidInput,
    /// The reply would exceed the browser's 1 MiB limit.
    ReplyTooLarge,
    /// A bug in the host; the log has the detail.
    Internal,
    /// Jira asked the host to slow down (429).
    RateLimited,
    /// The issue, project or other item does not exist or is not visible.
    NotFound,
    /// Raised by the extension: the native host is not installed or not registered.
    HostNotInstalled,
    /// Raised by the extension: the native host exited or closed the port.
    HostDisconnected,
    /// Raised by the extension: the host did not reply in time.
    TimedOut,
    /// A code this build does not know, from a newer peer.
    Unknown(u32),
}

/// Code table: number, wire name. Append new codes at the end.
const CODES: &[(ErrorCode, u32, &str)] = &[
    (ErrorCode::InvalidMessage, 1, "invalidMessage"),
    (ErrorCode::MessageTooLarge, 2, "messageTooLarge"),
    (ErrorCode::HostOutdated, 3, "hostOutdated"),
    (ErrorCode::ExtensionOutdated, 4, "extensionOutdated"),
    (ErrorCode::CallerNotAllowed, 5, "callerNotAllowed"),
    (ErrorCode::NotConnected, 6, "notConnected"),
    (ErrorCode::InvalidSiteUrl, 7, "invalidSiteUrl"),
    (ErrorCode::InsecureSiteUrl, 8, "insecureSiteUrl"),
    (ErrorCode::AuthenticationFailed, 9, "authenticationFailed"),
    (ErrorCode::PermissionDenied, 10, "permissionDenied"),
    (ErrorCode::CredentialStoreUnavailable, 11, "credentialStoreUnavailable"),
    (ErrorCode::JiraRejected, 12, "jiraRejected"),
    (ErrorCode::JiraUnavailable, 13, "jiraUnavailable"),
    (ErrorCode::NetworkError, 14, "networkError"),
    (ErrorCode::InvalidInput, 15, "invalidInput"),
    (ErrorCode::ReplyTooLarge, 16, "replyTooLarge"),
    (ErrorCode::Internal, 17, "internal"),
    (ErrorCode::RateLimited, 18, "rateLimited"),
    (ErrorCode::NotFound, 19, "notFound"),
    (ErrorCode::HostNotInstalled, 100, "hostNotInstalled"),
    (ErrorCode::HostDisconnected, 101, "hostDisconnected"),
    (ErrorCode::TimedOut, 102, "timedOut"),
];

impl ErrorCode {
    /// Returns the stable number sent on the wire.
    pub fn number(self) -> u32 {
        if let ErrorCode::Unknown(number) = self {
            return number;
        }
        CODES.iter().find(|(code, _, _)| *code == self).map(|(_, n, _)| *n).unwrap_or(0)
    }

    /// Returns the camelCase name sent beside the number.
    pub fn name(self) -> &'static str {
        CODES.iter().find(|(code, _, _)| *code == self).map(|(_, _, name)| *name).unwrap_or("unknown")
    }

    /// Looks a code up by its number; unknown numbers are kept as `Unknown`.
    pub fn from_number(number: u32) -> ErrorCode {
        CODES
            .iter()
            .find(|(_, n, _)| *n == number)
            .map(|(code, _, _)| *code)
            .unwrap_or(ErrorCode::Unknown(number))
    }

    /// Lists every known code, for the protocol document's test.
    pub fn all() -> impl Iterator<Item = (ErrorCode, u32, &'static str)> {
        CODES.iter().copied()
    }
}

/// An error as sent to the extension: what went wrong in one sentence the person can act
/// on, plus details for the log and the "details" view. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReply {
    #[serde(with = "code_number")]
    pub code: ErrorCode,
    /// The code's name, so logs and people need no table.
    pub name: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ErrorReply {
    /// Creates an error with a message and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorReply { code, name: code.name().to_string(), message: message.into(), details: None }
    }

    /// Adds details, such as Jira's own error messages or the rejected value.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl std::fmt::Display for ErrorReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.name, self.code.number(), self.message)
    }
}

impl std::error::Error for ErrorReply {}

mod code_number {
    use super::ErrorCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(code: &ErrorCode, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(code.number())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
        Ok(ErrorCode::from_number(u32::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_unique_numbers_and_names() {
        let numbers: HashSet<u32> = ErrorCode::all().map(|(_, n, _)| n).collect();
        let names: HashSet<&str> = ErrorCode::all().map(|(_, _, name)| name).collect();

        assert_eq!(numbers.len(), CODES.len(), "two codes share a number");
        assert_eq!(names.len(), CODES.len(), "two codes share a name");
    }

    #[test]
    fn unknown_code_round_trips() {
        let code = ErrorCode::from_number(4242);

        assert_eq!(code, ErrorCode::Unknown(4242));
        assert_eq!(code.number(), 4242);
    }

    #[test]
    fn protocol_document_lists_every_code() {
        let document = include_str!("../../PROTOCOL.md");

        for (_, number, name) in ErrorCode::all() {
            let row = format!("| {number} | `{name}` |");
            assert!(document.contains(&row), "PROTOCOL.md has no row starting {row:?}");
        }
    }
}

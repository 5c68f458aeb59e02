//! Messages exchanged between the jira-bridge popup and its native host.
//!
//! Both sides compile this crate, so a request and its reply cannot drift apart. Every
//! message is one JSON object: a request `{"id": N, "request": {"type": ...}}` and a reply
//! `{"id": N, "result": {"type": ...}}` or `{"id": N, "error": {...}}` with the same id.
//! PROTOCOL.md at the repository root documents each message and error code.

mod duration;
mod error;
mod issue;
mod issue_key;
mod secret;

pub use duration::{parse_jira_duration, JiraDuration, MAX_WORKLOG_SECONDS};
pub use error::{ErrorCode, ErrorReply};
pub use issue::{AllowedValue, Assignee, FieldKind, FieldMeta, IssueSummary, RemainingEstimate, Transition, User};
pub use issue_key::{detect_issue_keys, is_issue_key, keys_in_text, project_of_key, DetectedKey, KeySource};
pub use secret::Secret;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Protocol revision spoken by this build. Bumped only when a message changes shape in a
/// way an older peer cannot read; adding an optional field does not bump it.
pub const PROTOCOL_VERSION: u32 = 1;

/// Oldest protocol revision this build still serves.
pub const MIN_PROTOCOL_VERSION: u32 = 1;

/// Name under which the native host is registered with the browsers.
pub const NATIVE_HOST_NAME: &str = "com.jira_bridge.host";

/// Largest reply a browser accepts from a native host; Chromium and Firefox drop the port
/// when a host sends more than 1 MiB.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// Maximum number of issues in one `searchIssues` or `recentIssues` page.
pub const SEARCH_PAGE_SIZE: u32 = 20;

/// A request from the extension, tagged with the id its reply echoes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFrame {
    pub id: u64,
    pub request: Request,
}

/// A reply from the native host to the request with the same id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyFrame {
    /// Id of the request this replies to; `null` when the request was unreadable and had no id.
    pub id: Option<u64>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Either the result of a request or the error that stopped it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Result(Response),
    Error(ErrorReply),
}

/// Which kind of Jira a site runs; it decides the REST dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Deployment {
    Cloud,
    DataCenter,
}

/// A connected Jira site and the account used on it. Never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteInfo {
    /// Normalised base URL, for example `https://example.atlassian.net` or
    /// `https://jira.example.com/jira`. Also the site's id in requests.
    pub site_url: String,
    /// Email (Cloud) or user name (Data Center) the token belongs to.
    pub account: String,
    /// Name Jira shows for the account.
    pub display_name: String,
    pub deployment: Deployment,
}

/// A Jira project as the pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub key: String,
    pub name: String,
}

/// An issue type that can be created in a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueType {
    pub id: String,
    pub name: String,
    pub subtask: bool,
}

/// Fields of a new issue as the person typed them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewIssue {
    pub project_key: String,
    pub issue_type_id: String,
    pub summary: String,
    /// Plain text; the host turns it into Atlassian Document Format or wiki markup.
    #[serde(default)]
    pub description: String,
    /// Page the issue is about; the host appends a link to it to the description.
    #[serde(default)]
    pub page_url: Option<String>,
    #[serde(default)]
    pub page_title: Option<String>,
    /// Random id chosen by the popup for this draft, so a retried create is recognised
    /// and the issue is not filed twice.
    #[serde(default)]
    pub client_request_id: Option<String>,
    /// Text the person selected on the page; the host quotes it in the description.
    #[serde(default)]
    pub selection: Option<String>,
    /// Values of other create-screen fields by field id, shaped as their [`FieldKind`]
    /// describes (`getCreateFields` lists them). A field not on the create screen is rejected.
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Everything the extension can ask the native host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Request {
    /// First request on a port: both sides state their versions.
    Hello {
        extension_version: String,
        protocol_version: u32,
    },
    /// Cheapest round trip, for health checks and benchmarks.
    Ping,
    /// Connected sites and which one is in use. Never returns a token.
    Status,
    /// Checks the token against the site and, only if Jira accepts it, stores it in the
    /// OS credential store.
    Connect {
        site_url: String,
        /// Email of the Atlassian account (Cloud). Empty or absent for a Data Center
        /// personal access token.
        #[serde(default)]
        email: Option<String>,
        token: Secret,
    },
    /// Deletes the stored token and removes the site from the host's settings.
    Disconnect {
        #[serde(default)]
        site_url: Option<String>,
    },
    ListProjects {
        #[serde(default)]
        site_url: Option<String>,
        #[serde(default)]
        query: Option<String>,
    },
    ListIssueTypes {
        #[serde(default)]
        site_url: Option<String>,
        project_key: String,
    },
    CreateIssue {
        #[serde(default)]
        site_url: Option<String>,
        issue: NewIssue,
    },
    /// Makes a connected site the one used when a request names none.
    SetDefaultSite {
        site_url: String,
    },
    /// One issue of the site, by key.
    GetIssue {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
    },
    /// Issues matching words (`text`) or a JQL query (`jql`); exactly one of the two.
    SearchIssues {
        #[serde(default)]
        site_url: Option<String>,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        jql: Option<String>,
        /// `nextPageToken` of the previous page, to read the next one.
        #[serde(default)]
        page_token: Option<String>,
    },
    /// Issues assigned to or reported by the account, most recently updated first.
    RecentIssues {
        #[serde(default)]
        site_url: Option<String>,
        #[serde(default)]
        page_token: Option<String>,
    },
    /// Adds a comment written as plain text.
    AddComment {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        body: String,
    },
    /// Transitions the issue can take now, with the fields of their screens.
    ListTransitions {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
    },
    /// Moves the issue through a transition, with values for its screen's fields.
    TransitionIssue {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        transition_id: String,
        #[serde(default)]
        fields: BTreeMap<String, serde_json::Value>,
    },
    /// Users who may be assigned the issue, matching a name or email.
    FindAssignableUsers {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        query: String,
    },
    /// Users who may be assigned issues in a project, matching a name or email, for the
    /// user fields of the create form, where there is no issue yet.
    FindUsers {
        #[serde(default)]
        site_url: Option<String>,
        project_key: String,
        query: String,
    },
    AssignIssue {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        assignee: Assignee,
    },
    /// Logs work in Jira notation (`1h 30m`).
    LogWork {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        time_spent: String,
        /// When the work started, RFC 3339 with an offset (`2025-01-31T09:15:00+01:00`);
        /// now when absent.
        #[serde(default)]
        started: Option<String>,
        #[serde(default)]
        comment: Option<String>,
        #[serde(default)]
        remaining_estimate: RemainingEstimate,
    },
    /// Links a web page to the issue as a remote link. Linking the same URL again updates
    /// the link instead of adding a second one.
    LinkPage {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        url: String,
        #[serde(default)]
        title: Option<String>,
    },
    /// Starts (`watching: true`) or stops watching the issue as the account.
    SetWatching {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        watching: bool,
    },
    /// Attaches a PNG screenshot of the visible tab to the issue. `pngBase64` is the
    /// image in standard base64, as `tabs.captureVisibleTab` returns it after the
    /// `data:image/png;base64,` prefix.
    AttachScreenshot {
        #[serde(default)]
        site_url: Option<String>,
        key: String,
        file_name: String,
        png_base64: String,
    },
    /// Fields of the create screen of a project and issue type.
    GetCreateFields {
        #[serde(default)]
        site_url: Option<String>,
        project_key: String,
        issue_type_id: String,
    },
}

impl Request {
    /// Returns the request's `type` tag, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Hello { .. } => "hello",
            Request::Ping => "ping",
            Request::Status => "status",
            Request::Connect { .. } => "connect",
            Request::Disconnect { .. } => "disconnect",
            Request::ListProjects { .. } => "listProjects",
            Request::ListIssueTypes { .. } => "listIssueTypes",
            Request::CreateIssue { .. } => "createIssue",
            Request::SetDefaultSite { .. } => "setDefaultSite",
            Request::GetIssue { .. } => "getIssue",
            Request::SearchIssues { .. } => "searchIssues",
            Request::RecentIssues { .. } => "recentIssues",
            Request::AddComment { .. } => "addComment",
            Request::ListTransitions { .. } => "listTransitions",
            Request::TransitionIssue { .. } => "transitionIssue",
            Request::FindAssignableUsers { .. } => "findAssignableUsers",
            Request::FindUsers { .. } => "findUsers",
            Request::AssignIssue { .. } => "assignIssue",
            Request::LogWork { .. } => "logWork",
            Request::LinkPage { .. } => "linkPage",
            Request::SetWatching { .. } => "setWatching",
            Request::AttachScreenshot { .. } => "attachScreenshot",
            Request::GetCreateFields { .. } => "getCreateFields",
        }
    }
}

/// Successful results, one per request type. Non-exhaustive so that a popup built
/// against an older list still compiles when results are added.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Response {
    Hello {
        host_version: String,
        protocol_version: u32,
        min_protocol_version: u32,
    },
    Pong,
    Status {
        sites: Vec<SiteInfo>,
        /// Site used when a request names none.
        default_site: Option<String>,
    },
    Connected {
        site: SiteInfo,
    },
    Disconnected {
        site_url: String,
    },
    Projects {
        projects: Vec<Project>,
        /// True when more projects matched than one reply carries; narrow with `query`.
        #[serde(default)]
        truncated: bool,
    },
    IssueTypes {
        issue_types: Vec<IssueType>,
    },
    IssueCreated {
        key: String,
        /// Link to the issue on the site, for the person to open.
        url: String,
        /// Whether the summary was cut to Jira's 255 characters.
        #[serde(default)]
        summary_truncated: bool,
    },
    /// Reply to `getIssue`, and to `transitionIssue` and `assignIssue` with the issue as it
    /// is afterwards.
    Issue {
        issue: IssueSummary,
    },
    Issues {
        issues: Vec<IssueSummary>,
        /// Token for the next page; absent on the last page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_page_token: Option<String>,
    },
    CommentAdded {
        key: String,
        comment_id: String,
    },
    Transitions {
        key: String,
        transitions: Vec<Transition>,
    },
    /// Reply to `findAssignableUsers` and `findUsers`.
    Users {
        users: Vec<User>,
    },
    WorkLogged {
        key: String,
        worklog_id: String,
        time_spent_seconds: u64,
    },
    PageLinked {
        key: String,
        link_id: String,
    },
    Watching {
        key: String,
        watching: bool,
    },
    AttachmentAdded {
        key: String,
        attachment_id: String,
        file_name: String,
        size: u64,
    },
    CreateFields {
        fields: Vec<FieldMeta>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_frame_wire_shape() {
        let frame: RequestFrame = serde_json::from_value(json!({
            "id": 7,
            "request": {"type": "listIssueTypes", "projectKey": "WEB"}
        }))
        .expect("a listIssueTypes frame should parse");

        assert_eq!(frame.id, 7);
        assert_eq!(
            frame.request,
            Request::ListIssueTypes { site_url: None, project_key: "WEB".into() }
        );
    }

    #[test]
    fn reply_frame_result_shape() {
        let reply = ReplyFrame { id: Some(3), outcome: Outcome::Result(Response::Pong) };

        let value = serde_json::to_value(&reply).unwrap();

        assert_eq!(value, json!({"id": 3, "result": {"type": "pong"}}));
    }

    #[test]
    fn reply_frame_error_shape() {
        let reply = ReplyFrame {
            id: None,
            outcome: Outcome::Error(ErrorReply::new(ErrorCode::InvalidMessage, "Not JSON.")),
        };

        let value = serde_json::to_value(&reply).unwrap();

        assert_eq!(value["id"], json!(null));
        assert_eq!(value["error"]["code"], json!(1));
        assert_eq!(value["error"]["name"], json!("invalidMessage"));
        assert_eq!(value["error"]["message"], json!("Not JSON."));
    }

    #[test]
    fn reply_frame_round_trip() {
        let reply = ReplyFrame {
            id: Some(9),
            outcome: Outcome::Result(Response::IssueCreated {
                key: "WEB-1".into(),
                url: "https://example.atlassian.net/browse/WEB-1".into(),
                summary_truncated: true,
            }),
        };

        let text = serde_json::to_string(&reply).unwrap();
        let back: ReplyFrame = serde_json::from_str(&text).unwrap();

        assert_eq!(back, reply);
    }

    #[test]
    fn find_users_wire_shape() {
        let frame: RequestFrame = serde_json::from_value(json!({
            "id": 4,
            "request": {"type": "findUsers", "projectKey": "WEB", "query": "zo"}
        }))
        .expect("a findUsers frame should parse");

        assert_eq!(frame.request.kind(), "findUsers");
        assert_eq!(
            frame.request,
            Request::FindUsers { site_url: None, project_key: "WEB".into(), query: "zo".into() }
        );
    }

    #[test]
    fn issue_without_watching_parses() {
        let issue: IssueSummary = serde_json::from_value(json!({
            "key": "WEB-1", "summary": "s", "status": "To Do", "assignee": null,
            "issueType": "Task", "url": "https://example.atlassian.net/browse/WEB-1"
        }))
        .expect("an issue from a host without the watching field should parse");

        assert_eq!(issue.watching, None);
    }

    #[test]
    fn unknown_request_type_rejected() {
        let parsed = serde_json::from_value::<RequestFrame>(json!({
            "id": 1, "request": {"type": "dropDatabase"}
        }));

        assert!(parsed.is_err(), "an unknown type should not parse");
    }

    #[test]
    fn connect_debug_hides_token() {
        let request = Request::Connect {
            site_url: "https://example.atlassian.net".into(),
            email: Some("a@example.com".into()),
            token: Secret::new("CANARY-token-123".into()),
        };

        let debug = format!("{request:?}");

        assert!(!debug.contains("CANARY"), "Debug output leaked the token: {debug}");
    }
}

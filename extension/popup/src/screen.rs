//! The popup's screens, chosen from the native host's replies.

use crate::relay::RelayError;
use jira_bridge_protocol::{Deployment, ErrorCode, IssueType, Project, Response, SiteInfo};

/// Command that installs and registers the native host, run from a jira-bridge checkout.
pub const INSTALL_COMMAND: &str = "bash scripts/install.sh";

/// The popup's top-level views.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Waiting for the first `status` reply.
    Loading,
    /// The browser found no native host; shows [`INSTALL_COMMAND`].
    HostMissing,
    /// Any other failure of `status`: the message and a Retry button.
    Failed { message: String },
    /// The host runs but no site is connected: the connect form.
    Connect,
    /// A site is connected: the home view for `site`, the one in use, and a site switcher
    /// over `sites`, every connected site.
    Connected { site: SiteInfo, sites: Vec<SiteInfo> },
}

/// Chooses the screen from the reply to `status`.
pub fn screen_for_status(reply: Result<Response, RelayError>) -> Screen {
    match reply {
        Ok(Response::Status {
            sites,
            default_site,
        }) => {
            let default = default_site
                .as_deref()
                .and_then(|url| sites.iter().find(|site| site.site_url == url));

            match default.or(sites.first()) {
                Some(site) => Screen::Connected {
                    site: site.clone(),
                    sites: sites.clone(),
                },
                None => Screen::Connect,
            }
        }
        Ok(other) => Screen::Failed {
            message: format!("The native host returned an unexpected reply ({}) to status. Update the extension and the native host to the same version.",
            reply_type(&other)),
        },
        Err(error) if error.code() == Some(ErrorCode::HostNotInstalled) => Screen::HostMissing,
        Err(error) => Screen::Failed {
            message: error.message(),
        },
    }
}

/// Returns the `type` tag of a reply, for messages about unexpected replies.
///
/// A match instead of serialising the reply keeps `Response`'s serializer, which the
/// popup needs nowhere else, out of the Wasm module. The test below checks every tag
/// against serde's.
pub fn reply_type(reply: &Response) -> &'static str {
    match reply {
        Response::Hello { .. } => "hello",
        Response::Pong => "pong",
        Response::Status { .. } => "status",
        Response::Connected { .. } => "connected",
        Response::Disconnected { .. } => "disconnected",
        Response::Projects { .. } => "projects",
        Response::IssueTypes { .. } => "issueTypes",
        Response::IssueCreated { .. } => "issueCreated",
        Response::Issue { .. } => "issue",
        Response::Issues { .. } => "issues",
        Response::CommentAdded { .. } => "commentAdded",
        Response::Transitions { .. } => "transitions",
        Response::Users { .. } => "users",
        Response::WorkLogged { .. } => "workLogged",
        Response::PageLinked { .. } => "pageLinked",
        Response::Watching { .. } => "watching",
        Response::AttachmentAdded { .. } => "attachmentAdded",
        Response::CreateFields { .. } => "createFields",
        // NOTE: a reply type added to the protocol after this list shows as "unknown"
        // until it is added here.
        _ => "unknown",
    }
}

/// Returns the header text for a connected site: its address without the scheme.
pub fn site_label(site: &SiteInfo) -> String {
    let without_scheme = site
        .site_url
        .strip_prefix("https://")
        .or_else(|| site.site_url.strip_prefix("http://"))
        .unwrap_or(&site.site_url);
    let kind = match site.deployment {
        Deployment::Cloud => "Cloud",
        Deployment::DataCenter => "Data Center",
    };
    format!("{without_scheme} ({kind})")
}

/// Returns the header text for the account: display name and email or user name.
pub fn account_label(site: &SiteInfo) -> String {
    if site.display_name.is_empty() || site.display_name == site.account {
        site.account.clone()
    } else {
        format!("{} <{}>", site.display_name, site.account)
    }
}

/// Returns the link to a created issue if it is an http(s) URL, so a malformed reply
/// cannot put a `javascript:` URL in the popup.
pub fn issue_link(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

/// Returns the issue types the form offers. Sub-tasks need a parent issue, which the
/// form does not ask for, so they are left out.
pub fn creatable_issue_types(types: &[IssueType]) -> Vec<&IssueType> {
    types
        .iter()
        .filter(|issue_type| !issue_type.subtask)
        .collect()
}

/// Returns the project to preselect: the draft's, else the remembered one, else the only
/// project. `None` leaves the "Choose a project" placeholder selected.
pub fn preselected_project<'a>(
    projects: &'a [Project],
    draft: Option<&str>,
    remembered: Option<&str>,
) -> Option<&'a str> {
    let keys: Vec<&str> = projects
        .iter()
        .map(|project| project.key.as_str())
        .collect();
    preselect(&keys, draft, remembered)
}

/// Returns the issue type id to preselect, by the same rule as [`preselected_project`].
pub fn preselected_issue_type<'a>(
    types: &[&'a IssueType],
    draft: Option<&str>,
    remembered: Option<&str>,
) -> Option<&'a str> {
    let ids: Vec<&str> = types
        .iter()
        .map(|issue_type| issue_type.id.as_str())
        .collect();
    preselect(&ids, draft, remembered)
}

fn preselect<'a>(
    choices: &[&'a str],
    draft: Option<&str>,
    remembered: Option<&str>,
) -> Option<&'a str> {
    let find = |wanted: Option<&str>| {
        wanted
            .filter(|value| !value.is_empty())
            .and_then(|value| choices.iter().copied().find(|c| *c == value))
    };

    find(draft).or_else(|| find(remembered)).or_else(|| {
        if choices.len() == 1 {
            Some(choices[0])
        } else {
            None
        }
    })
}

/// Returns whether the query reads as JQL rather than words: it has an operator or an
/// ORDER BY clause.
pub fn looks_like_jql(query: &str) -> bool {
    let upper = query.to_ascii_uppercase();
    ["=", "~", "<", ">", " IN (", " IS ", "ORDER BY"]
        .iter()
        .any(|marker| upper.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jira_bridge_protocol::{ErrorReply, IssueSummary};

    fn site(url: &str) -> SiteInfo {
        SiteInfo {
            site_url: url.into(),
            account: "ada@example.com".into(),
            display_name: "Ada Lovelace".into(),
            deployment: Deployment::Cloud,
        }
    }

    fn project(key: &str) -> Project {
        Project {
            id: format!("id-{key}"),
            key: key.into(),
            name: format!("Project {key}"),
        }
    }

    fn issue_type(id: &str, subtask: bool) -> IssueType {
        IssueType {
            id: id.into(),
            name: format!("Type {id}"),
            subtask,
        }
    }

    #[test]
    fn status_without_sites_shows_connect() {
        let reply = Ok(Response::Status {
            sites: vec![],
            default_site: None,
        });

        assert_eq!(screen_for_status(reply), Screen::Connect);
    }

    #[test]
    fn status_picks_default_site() {
        let reply = Ok(Response::Status {
            sites: vec![
                site("https://a.atlassian.net"),
                site("https://b.atlassian.net"),
            ],
            default_site: Some("https://b.atlassian.net".into()),
        });

        assert_eq!(
            screen_for_status(reply),
            Screen::Connected {
                site: site("https://b.atlassian.net"),
                sites: vec![
                    site("https://a.atlassian.net"),
                    site("https://b.atlassian.net")
                ],
            }
        );
    }

    #[test]
    fn status_unknown_default_falls_back_to_first() {
        let reply = Ok(Response::Status {
            sites: vec![site("https://a.atlassian.net")],
            default_site: Some("https://gone.example.com".into()),
        });

        assert_eq!(
            screen_for_status(reply),
            Screen::Connected {
                site: site("https://a.atlassian.net"),
                sites: vec![site("https://a.atlassian.net")],
            }
        );
    }

    #[test]
    fn host_not_installed_shows_install_command() {
        let error = ErrorReply::new(
            ErrorCode::HostNotInstalled,
            "The native host is not installed.",
        );

        let screen = screen_for_status(Err(RelayError::Host(error)));

        assert_eq!(screen, Screen::HostMissing);
    }

    #[test]
    fn other_error_shows_message() {
        let error = ErrorReply::new(
            ErrorCode::TimedOut,
            "The native host did not answer within 30 seconds.",
        );

        let screen = screen_for_status(Err(RelayError::Host(error)));

        assert_eq!(
            screen,
            Screen::Failed {
                message: "The native host did not answer within 30 seconds.".into()
            }
        );
    }

    #[test]
    fn reply_type_matches_serde_tag() {
        let text = |value: &str| value.to_string();
        let issue = IssueSummary {
            key: text("WEB-1"),
            summary: text("Crash"),
            status: text("Open"),
            assignee: None,
            issue_type: text("Bug"),
            url: text("https://example.atlassian.net/browse/WEB-1"),
            watching: None,
        };
        let replies = [
            Response::Hello { host_version: text("0.1.0"), protocol_version: 1, min_protocol_version: 1 },
            Response::Pong,
            Response::Status { sites: vec![site("https://a.example")], default_site: None },
            Response::Connected { site: site("https://a.example") },
            Response::Disconnected { site_url: text("https://a.example") },
            Response::Projects { projects: vec![project("WEB")], truncated: false },
            Response::IssueTypes { issue_types: Vec::new() },
            Response::IssueCreated { key: text("WEB-1"), url: text("https://a.example/browse/WEB-1"), summary_truncated: false },
            Response::Issue { issue: issue.clone() },
            Response::Issues { issues: vec![issue], next_page_token: None },
            Response::CommentAdded { key: text("WEB-1"), comment_id: text("10") },
            Response::Transitions { key: text("WEB-1"), transitions: Vec::new() },
            Response::Users { users: Vec::new() },
            Response::WorkLogged { key: text("WEB-1"), worklog_id: text("7"), time_spent_seconds: 60 },
            Response::PageLinked { key: text("WEB-1"), link_id: text("3") },
            Response::Watching { key: text("WEB-1"), watching: true },
            Response::AttachmentAdded { key: text("WEB-1"), attachment_id: text("5"), file_name: text("a.png"), size: 1 },
            Response::CreateFields { fields: Vec::new() },
        ];

        for reply in &replies {
            let serialized = serde_json::to_value(reply).unwrap();
            assert_eq!(Some(reply_type(reply)), serialized["type"].as_str(), "{reply:?}");
        }
    }

    #[test]
    fn unexpected_reply_type_fails() {
        let screen = screen_for_status(Ok(Response::Pong));

        let Screen::Failed { message } = screen else {
            panic!("a pong is no status, got {screen:?}")
        };
        assert!(
            message.contains("(pong)"),
            "the message should name the reply type: {message}"
        );
    }

    #[test]
    fn labels_strip_scheme_and_name_account() {
        let mut data_center = site("https://jira.example.com/jira");
        data_center.deployment = Deployment::DataCenter;
        data_center.account = "ada".into();
        data_center.display_name = "ada".into();

        assert_eq!(
            site_label(&site("https://a.atlassian.net")),
            "a.atlassian.net (Cloud)"
        );
        assert_eq!(
            site_label(&data_center),
            "jira.example.com/jira (Data Center)"
        );
        assert_eq!(
            account_label(&site("https://a.atlassian.net")),
            "Ada Lovelace <ada@example.com>"
        );
        assert_eq!(
            account_label(&data_center),
            "ada",
            "a user name equal to the display name shows once"
        );
    }

    #[test]
    fn issue_link_accepts_only_http() {
        assert_eq!(
            issue_link("https://a.atlassian.net/browse/WEB-1"),
            Some("https://a.atlassian.net/browse/WEB-1")
        );
        assert_eq!(
            issue_link("http://127.0.0.1:8080/browse/WEB-1"),
            Some("http://127.0.0.1:8080/browse/WEB-1")
        );
        assert_eq!(
            issue_link("javascript:alert(1)"),
            None,
            "a script URL must not become a link"
        );
        assert_eq!(
            issue_link("JavaScript:alert(1)"),
            None,
            "scheme check must ignore case"
        );
    }

    #[test]
    fn subtasks_left_out() {
        let types = vec![
            issue_type("1", false),
            issue_type("5", true),
            issue_type("3", false),
        ];

        let ids: Vec<&str> = creatable_issue_types(&types)
            .iter()
            .map(|t| t.id.as_str())
            .collect();

        assert_eq!(ids, vec!["1", "3"]);
    }

    #[test]
    fn project_preselection_order() {
        let projects = vec![project("WEB"), project("OPS")];

        assert_eq!(
            preselected_project(&projects, Some("OPS"), Some("WEB")),
            Some("OPS"),
            "the draft wins"
        );
        assert_eq!(
            preselected_project(&projects, None, Some("WEB")),
            Some("WEB"),
            "then the remembered one"
        );
        assert_eq!(
            preselected_project(&projects, Some("GONE"), None),
            None,
            "an unknown key selects nothing"
        );
        assert_eq!(
            preselected_project(&projects, Some(""), None),
            None,
            "an empty key selects nothing"
        );
        assert_eq!(
            preselected_project(&projects[..1], None, None),
            Some("WEB"),
            "a single project is chosen"
        );
    }

    #[test]
    fn issue_type_preselection_uses_offered_types() {
        let types = [issue_type("1", false), issue_type("3", false)];
        let offered: Vec<&IssueType> = types.iter().collect();

        assert_eq!(preselected_issue_type(&offered, None, Some("3")), Some("3"));
        assert_eq!(
            preselected_issue_type(&offered, None, Some("5")),
            None,
            "a type not offered is not kept"
        );
    }

    #[test]
    fn jql_told_from_words() {
        for jql in ["project = WEB", "summary ~ login", "assignee IS EMPTY", "status in (Done) order by created"] {
            assert!(looks_like_jql(jql), "{jql:?} is JQL");
        }
        for words in ["login button", "checkout fails", "in progress"] {
            assert!(!looks_like_jql(words), "{words:?} is words");
        }
    }
}

//! The create-issue draft: what the person typed, kept in extension storage between popup
//! openings, and the `createIssue` request built from it.
//!
//! The draft never contains a token, and the connect form is not saved at all.

use crate::issue_forms::{check_text_length, MAX_TEXT_CHARS};
use crate::FieldError;
use jira_bridge_protocol::{NewIssue, Request};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `storage.local` key of the saved draft.
pub const DRAFT_STORAGE_KEY: &str = "draft";

/// `storage.local` key of the remembered project and issue type.
pub const PREFERENCES_STORAGE_KEY: &str = "preferences";

/// `storage.local` key of the selection saved by the context-menu entry.
pub const PENDING_SELECTION_STORAGE_KEY: &str = "pendingSelection";

/// Jira rejects a summary longer than 255 characters.
pub const MAX_SUMMARY_CHARS: usize = 255;

/// Characters kept free in the description for what the host adds to it: the quote
/// markup and the link to the page. An estimate: the host's exact markup may differ.
const DESCRIPTION_MARKUP_RESERVE: usize = 200;

/// Longest age of a pending selection that still opens the create form, in milliseconds;
/// an older one was left over from a popup that never opened.
pub const PENDING_SELECTION_MAX_AGE_MS: f64 = 120_000.0;

/// Text saved by the "New Jira issue from selection" context-menu entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PendingSelection {
    pub text: String,
    pub page_url: String,
    pub page_title: String,
    /// `Date.now()` when it was saved.
    pub saved_at: f64,
}

/// The create form's fields, as saved while the person types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Draft {
    pub project_key: String,
    pub issue_type_id: String,
    pub summary: String,
    pub description: String,
    pub page_url: String,
    /// Title of the tab the draft was started on, sent with the issue but not shown.
    pub page_title: String,
    /// Random id of this draft, so the host can recognise a retried create.
    pub client_request_id: String,
    /// Text selected on the page; the host quotes it in the description.
    pub selection: String,
    /// Whether the summary is the page title cut to [`MAX_SUMMARY_CHARS`].
    pub summary_cut: bool,
    /// Issue type to preselect by name, set by a quick action, because issue type ids
    /// differ between sites.
    pub issue_type_name: String,
    /// Labels to fill in, set by a quick action.
    pub labels: Vec<String>,
}

/// The last project and issue type used on a site, preselected in the next draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Preferences {
    pub site_url: String,
    pub project_key: String,
    pub issue_type_id: String,
}

impl Preferences {
    /// Returns the remembered project key if it was remembered for `site_url`.
    pub fn project_for(&self, site_url: &str) -> Option<&str> {
        (self.site_url == site_url && !self.project_key.is_empty())
            .then_some(self.project_key.as_str())
    }

    /// Returns the remembered issue type id if it was remembered for this site and project.
    pub fn issue_type_for(&self, site_url: &str, project_key: &str) -> Option<&str> {
        (self.site_url == site_url
            && self.project_key == project_key
            && !self.issue_type_id.is_empty())
        .then_some(self.issue_type_id.as_str())
    }
}

impl Draft {
    /// Starts a draft about the active tab: its title becomes the summary. A tab that does
    /// not show an http(s) page, such as the browser's own pages or this popup opened as a
    /// tab, prefills nothing.
    pub fn for_page(title: &str, url: &str, client_request_id: String) -> Draft {
        let url = url.trim();
        if !is_http_url(url) {
            return Draft {
                client_request_id,
                ..Draft::default()
            };
        }

        let title = title.trim();
        Draft {
            summary: title.chars().take(MAX_SUMMARY_CHARS).collect(),
            summary_cut: title.chars().count() > MAX_SUMMARY_CHARS,
            page_title: title.to_string(),
            page_url: url.to_string(),
            client_request_id,
            ..Draft::default()
        }
    }

    /// Starts the draft that follows a created issue: the same project, issue type and page,
    /// with an empty summary and description and a new client request id.
    pub fn next_after_create(&self, client_request_id: String) -> Draft {
        Draft {
            project_key: self.project_key.clone(),
            issue_type_id: self.issue_type_id.clone(),
            page_url: self.page_url.clone(),
            page_title: self.page_title.clone(),
            client_request_id,
            ..Draft::default()
        }
    }

    /// Starts a draft from a selection saved by the context-menu entry: the selection is
    /// quoted, and its first line, cut to the summary limit, becomes the summary.
    pub fn for_selection(pending: &PendingSelection, client_request_id: String) -> Draft {
        let mut draft = Draft::for_page(&pending.page_title, &pending.page_url, client_request_id);
        let text = pending.text.trim();
        if let Some(first_line) = text.lines().map(str::trim).find(|line| !line.is_empty()) {
            draft.summary = first_line.chars().take(MAX_SUMMARY_CHARS).collect();
            draft.summary_cut = first_line.chars().count() > MAX_SUMMARY_CHARS;
        }
        draft.selection = text.to_string();
        draft
    }

    /// Checks the form in the order it is shown and builds the `createIssue` request.
    /// `screen_fields` is the outcome of reading the create screen's other fields, which
    /// sit between the quoted selection and the page URL, so an error above them is
    /// reported first.
    pub fn to_request_in_form_order(
        &self,
        site_url: &str,
        screen_fields: Result<BTreeMap<String, serde_json::Value>, FieldError>,
    ) -> Result<Request, FieldError> {
        self.check_fields_above_screen_fields()?;
        self.to_request(site_url, screen_fields?)
    }

    /// Checks the fields and builds the `createIssue` request for `site_url`, with the
    /// values of the create screen's other fields in `fields`.
    pub fn to_request(
        &self,
        site_url: &str,
        fields: BTreeMap<String, serde_json::Value>,
    ) -> Result<Request, FieldError> {
        self.check_fields_above_screen_fields()?;

        let page_url = self.page_url.trim();
        if !page_url.is_empty() && !is_http_url(page_url) {
            return Err(FieldError::new(
                "page-url",
                format!(
                    "The page URL {page_url:?} is invalid: it must start with https:// or http://."
                ),
            ));
        }

        let description = self.description.trim_end();
        let selection = self.selection.trim();
        let page_title = self.page_title.trim();
        let client_request_id = self.client_request_id.trim();
        let issue = NewIssue {
            project_key: self.project_key.trim().to_string(),
            issue_type_id: self.issue_type_id.trim().to_string(),
            summary: single_line(&self.summary),
            description: description.to_string(),
            page_url: (!page_url.is_empty()).then(|| page_url.to_string()),
            page_title: (!page_title.is_empty()).then(|| page_title.to_string()),
            client_request_id: (!client_request_id.is_empty())
                .then(|| client_request_id.to_string()),
            selection: (!selection.is_empty()).then(|| selection.to_string()),
            fields,
        };
        Ok(Request::CreateIssue {
            site_url: Some(site_url.to_string()),
            issue,
        })
    }

    /// Checks project, issue type, summary, description and quoted selection, the inputs
    /// above the create screen's other fields, top to bottom.
    fn check_fields_above_screen_fields(&self) -> Result<(), FieldError> {
        if self.project_key.trim().is_empty() {
            return Err(FieldError::new("project", "Choose a project."));
        }
        if self.issue_type_id.trim().is_empty() {
            return Err(FieldError::new("issue-type", "Choose an issue type."));
        }

        let summary = single_line(&self.summary);
        if summary.is_empty() {
            return Err(FieldError::new("summary", "Enter a summary."));
        }
        let summary_chars = summary.chars().count();
        if summary_chars > MAX_SUMMARY_CHARS {
            return Err(FieldError::new(
                "summary",
                format!("The summary has {summary_chars} characters; Jira accepts at most {MAX_SUMMARY_CHARS}."),
            ));
        }

        let description = self.description.trim_end();
        let selection = self.selection.trim();
        let page_url = self.page_url.trim();
        check_text_length("description", "The description", description)?;
        let combined = description.chars().count()
            + selection.chars().count()
            + page_url.chars().count()
            + self.page_title.chars().count()
            + DESCRIPTION_MARKUP_RESERVE;
        if combined > MAX_TEXT_CHARS {
            let field = if selection.is_empty() { "description" } else { "selection" };
            return Err(FieldError::new(
                field,
                format!("The description, quoted selection and page link together need about {combined} characters; Jira stores at most {MAX_TEXT_CHARS}. Shorten the description or the quote."),
            ));
        }

        Ok(())
    }
}

/// Formats 16 random bytes as a version 4 UUID, the draft's client request id.
pub fn client_request_id(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Joins the lines of a pasted summary with spaces, because Jira rejects line breaks in it.
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete_draft() -> Draft {
        Draft {
            project_key: "WEB".into(),
            issue_type_id: "10001".into(),
            summary: "Login button misaligned".into(),
            description: "Seen on Firefox.\n\n".into(),
            page_url: "https://shop.example.com/login".into(),
            page_title: "Log in - Shop".into(),
            client_request_id: "0b6f6c1e-8f7d-4c2a-9f3e-2d1c0b9a8f7e".into(),
            ..Draft::default()
        }
    }

    fn new_issue(request: Request) -> (Option<String>, NewIssue) {
        match request {
            Request::CreateIssue { site_url, issue } => (site_url, issue),
            other => panic!("expected createIssue, got {other:?}"),
        }
    }

    #[test]
    fn complete_draft_builds_create_issue() {
        let request = complete_draft()
            .to_request("https://a.atlassian.net", BTreeMap::new())
            .expect("a complete draft should pass");

        let (site_url, issue) = new_issue(request);

        assert_eq!(site_url.as_deref(), Some("https://a.atlassian.net"));
        assert_eq!(issue.project_key, "WEB");
        assert_eq!(issue.issue_type_id, "10001");
        assert_eq!(issue.summary, "Login button misaligned");
        assert_eq!(
            issue.description, "Seen on Firefox.",
            "trailing blank lines should be dropped"
        );
        assert_eq!(
            issue.page_url.as_deref(),
            Some("https://shop.example.com/login")
        );
        assert_eq!(issue.page_title.as_deref(), Some("Log in - Shop"));
        assert_eq!(
            issue.client_request_id.as_deref(),
            Some("0b6f6c1e-8f7d-4c2a-9f3e-2d1c0b9a8f7e")
        );
    }

    #[test]
    fn empty_optional_fields_become_none() {
        let draft = Draft {
            page_url: " ".into(),
            page_title: String::new(),
            ..complete_draft()
        };

        let (_, issue) = new_issue(draft.to_request("https://a.atlassian.net", BTreeMap::new()).unwrap());

        assert_eq!(issue.page_url, None);
        assert_eq!(issue.page_title, None);
    }

    #[test]
    fn summary_line_breaks_joined() {
        let draft = Draft {
            summary: "  first line\r\nsecond\tline ".into(),
            ..complete_draft()
        };

        let (_, issue) = new_issue(draft.to_request("https://a.atlassian.net", BTreeMap::new()).unwrap());

        assert_eq!(issue.summary, "first line second line");
    }

    #[test]
    fn invalid_fields_name_their_input() {
        let cases = [
            (
                Draft {
                    project_key: " ".into(),
                    ..complete_draft()
                },
                "project",
            ),
            (
                Draft {
                    issue_type_id: String::new(),
                    ..complete_draft()
                },
                "issue-type",
            ),
            (
                Draft {
                    summary: " \n ".into(),
                    ..complete_draft()
                },
                "summary",
            ),
            (
                Draft {
                    summary: "x".repeat(256),
                    ..complete_draft()
                },
                "summary",
            ),
            (
                Draft {
                    page_url: "javascript:alert(1)".into(),
                    ..complete_draft()
                },
                "page-url",
            ),
        ];

        for (draft, field) in cases {
            let error = draft
                .to_request("https://a.atlassian.net", BTreeMap::new())
                .expect_err("an invalid draft should be rejected");
            assert_eq!(error.field, field, "wrong field: {}", error.message);
        }
    }

    #[test]
    fn summary_at_limit_accepted() {
        let draft = Draft {
            summary: "é".repeat(MAX_SUMMARY_CHARS),
            ..complete_draft()
        };

        let result = draft.to_request("https://a.atlassian.net", BTreeMap::new());

        assert!(
            result.is_ok(),
            "255 characters are allowed even as multi-byte text: {result:?}"
        );
    }

    #[test]
    fn for_page_prefills_summary_and_url() {
        let draft = Draft::for_page(
            " Log in - Shop ",
            "https://shop.example.com/login",
            "id-1".into(),
        );

        assert_eq!(draft.summary, "Log in - Shop");
        assert_eq!(draft.page_title, "Log in - Shop");
        assert_eq!(draft.page_url, "https://shop.example.com/login");
        assert_eq!(draft.client_request_id, "id-1");
        assert_eq!(
            draft.project_key, "",
            "the project comes from the picker, not the page"
        );
    }

    #[test]
    fn for_page_ignores_browser_pages() {
        let draft = Draft::for_page("Extensions", "chrome://extensions/", "id-1".into());

        assert_eq!(draft.page_url, "", "a browser page is no page to link");
        assert_eq!(draft.summary, "", "a browser page's title is no summary");
        assert_eq!(draft.client_request_id, "id-1");
    }

    #[test]
    fn for_page_cuts_long_title() {
        let draft = Draft::for_page(&"t".repeat(300), "https://example.com/", "id-1".into());

        assert_eq!(draft.summary.chars().count(), MAX_SUMMARY_CHARS);
        assert_eq!(
            draft.page_title.chars().count(),
            300,
            "the full title is kept for the description"
        );
    }

    #[test]
    fn next_after_create_clears_text() {
        let next = complete_draft().next_after_create("id-2".into());

        assert_eq!(next.summary, "", "the summary belongs to the created issue");
        assert_eq!(
            next.description, "",
            "the description belongs to the created issue"
        );
        assert_eq!(next.client_request_id, "id-2", "a new draft needs a new id");
        assert_eq!(next.project_key, "WEB");
        assert_eq!(next.issue_type_id, "10001");
        assert_eq!(next.page_url, "https://shop.example.com/login");
    }

    #[test]
    fn draft_storage_round_trip() {
        let draft = complete_draft();

        let stored = serde_json::to_value(&draft).unwrap();
        let restored: Draft = serde_json::from_value(stored.clone()).unwrap();

        assert_eq!(restored, draft);
        assert_eq!(stored["projectKey"], "WEB", "storage uses camelCase keys");
    }

    #[test]
    fn partial_stored_draft_restores() {
        let restored: Draft = serde_json::from_str(r#"{"summary":"half typed"}"#).unwrap();

        assert_eq!(restored.summary, "half typed");
        assert_eq!(restored.project_key, "");
    }

    #[test]
    fn preferences_apply_to_their_site_only() {
        let preferences = Preferences {
            site_url: "https://a.atlassian.net".into(),
            project_key: "WEB".into(),
            issue_type_id: "10001".into(),
        };

        assert_eq!(
            preferences.project_for("https://a.atlassian.net"),
            Some("WEB")
        );
        assert_eq!(preferences.project_for("https://b.atlassian.net"), None);
        assert_eq!(
            preferences.issue_type_for("https://a.atlassian.net", "WEB"),
            Some("10001")
        );
        assert_eq!(
            preferences.issue_type_for("https://a.atlassian.net", "OPS"),
            None,
            "types belong to a project"
        );
    }

    #[test]
    fn client_request_id_is_uuid_v4() {
        let id = client_request_id([0xff; 16]);

        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(
            client_request_id([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn selection_becomes_quote_and_summary() {
        let pending = PendingSelection {
            text: "\n  Checkout fails with 500\nstack trace here ".into(),
            page_url: "https://shop.example.com/cart".into(),
            page_title: "Cart".into(),
            saved_at: 0.0,
        };

        let draft = Draft::for_selection(&pending, "id-1".into());
        let (_, issue) = new_issue(
            Draft { project_key: "WEB".into(), issue_type_id: "1".into(), ..draft.clone() }
                .to_request("https://a.atlassian.net", BTreeMap::new())
                .unwrap(),
        );

        assert_eq!(draft.summary, "Checkout fails with 500");
        assert_eq!(issue.selection.as_deref(), Some("Checkout fails with 500\nstack trace here"));
        assert_eq!(issue.page_url.as_deref(), Some("https://shop.example.com/cart"));
    }

    #[test]
    fn long_title_marks_summary_cut() {
        assert!(Draft::for_page(&"t".repeat(256), "https://example.com/", "id".into()).summary_cut);
        assert!(!Draft::for_page("short", "https://example.com/", "id".into()).summary_cut);
    }

    #[test]
    fn too_long_description_rejected() {
        let draft = Draft { description: "d".repeat(MAX_TEXT_CHARS + 1), ..complete_draft() };

        let error = draft.to_request("https://a.atlassian.net", BTreeMap::new()).unwrap_err();

        assert_eq!(error.field, "description");
    }

    #[test]
    fn too_long_quote_rejected() {
        let draft = Draft {
            description: "d".repeat(20_000),
            selection: "s".repeat(20_000),
            ..complete_draft()
        };

        let error = draft.to_request("https://a.atlassian.net", BTreeMap::new()).unwrap_err();

        assert_eq!(error.field, "selection", "the quote is what pushed it over: {}", error.message);
    }

    #[test]
    fn errors_follow_form_order() {
        let screen_field_error = || Err(FieldError::new("field-customfield_10050", "Choose a Severity."));
        let no_summary = Draft { summary: " ".into(), ..complete_draft() };
        let bad_page_url = Draft { page_url: "ftp://example.com".into(), ..complete_draft() };

        let above = no_summary.to_request_in_form_order("https://a.atlassian.net", screen_field_error()).unwrap_err();
        let between = bad_page_url.to_request_in_form_order("https://a.atlassian.net", screen_field_error()).unwrap_err();
        let below = bad_page_url.to_request_in_form_order("https://a.atlassian.net", Ok(BTreeMap::new())).unwrap_err();

        assert_eq!(above.field, "summary", "the summary is above the screen fields");
        assert_eq!(between.field, "field-customfield_10050", "the screen fields are above the page URL");
        assert_eq!(below.field, "page-url");
    }

    #[test]
    fn screen_fields_passed_through() {
        let fields = BTreeMap::from([("labels".to_string(), serde_json::json!(["checkout"]))]);

        let (_, issue) = new_issue(complete_draft().to_request("https://a.atlassian.net", fields.clone()).unwrap());

        assert_eq!(issue.fields, fields);
    }
}

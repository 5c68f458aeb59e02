//! Creating an issue, exactly once.
//!
//! Each create carries the popup's client request id as an issue property. A repeat of
//! the same id in this process returns the first result. After an unknown outcome (the
//! connection dropped or timed out after the request was sent), the next attempt looks
//! for an issue carrying the id before it creates another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jira_bridge_protocol::{Deployment, ErrorCode, ErrorReply, NewIssue, Response};
use serde_json::{json, Map, Value};
use tokio::sync::OnceCell;

use crate::actions::fields::{build_fields, create_screen, CREATE_BUILT_IN_FIELDS};
use crate::actions::pending::PendingCreates;
use crate::actions::projects::is_project_key;
use crate::host::Host;
use crate::text::shorten;
use crate::jira::{adf, JiraClient};

/// Issue property that carries the client request id.
pub const REQUEST_PROPERTY_KEY: &str = "jira-bridge.request";

/// Jira's limit for a summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 255;

/// Jira's limit for a text field such as the description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 32_767;

/// How far back the lookup after an unknown outcome searches, in minutes.
const LOOKUP_WINDOW_MINUTES: u32 = 60;

type CreateResult = Result<(String, String), ErrorReply>;

/// Results of creates by client request id, for this process.
pub struct CreateLedger {
    entries: Mutex<HashMap<String, Arc<OnceCell<CreateResult>>>>,
    /// Ids whose last attempt ended without knowing whether Jira created the issue.
    uncertain: Mutex<std::collections::HashSet<String>>,
    /// Creates in flight on disk, so the next process also recognises a retry.
    journal: PendingCreates,
}

impl CreateLedger {
    /// Creates a ledger whose journal of creates in flight is kept in `journal_path`.
    pub fn with_journal(journal_path: Option<std::path::PathBuf>) -> CreateLedger {
        CreateLedger { entries: Default::default(), uncertain: Default::default(), journal: PendingCreates::new(journal_path) }
    }
}

pub async fn create_issue(host: &Host, site_url: Option<&str>, issue: NewIssue) -> Result<Response, ErrorReply> {
    let summary = clean_summary(&issue.summary)?;
    validate(&issue)?;
    let (client, _) = host.client_for(site_url).await?;
    let extra_fields = screen_fields(&client, &issue).await?;

    let Some(request_id) = issue.client_request_id.clone().filter(|id| !id.trim().is_empty()) else {
        let (key, url) = send_create(&client, &issue, &summary.text, &extra_fields, None).await?;
        return Ok(created(key, url, summary.truncated));
    };

    let cell = {
        let mut entries = host.creates.entries.lock().expect("create ledger lock");
        entries.entry(format!("{} {request_id}", client.site_url())).or_default().clone()
    };
    let result = cell
        .get_or_init(|| async {
            let journal_id = format!("{} {request_id}", client.site_url());
            let earlier = host.creates.journal.get(&journal_id);
            if let Some((key, url)) = earlier.as_ref().and_then(|entry| entry.created.clone()) {
                log::info!("create {request_id} was already done as {key} by an earlier attempt");
                return Ok((key, url));
            }
            let in_memory = host.creates.uncertain.lock().expect("create ledger lock").remove(&request_id);
            if in_memory || earlier.is_some() {
                if let Some((key, url)) = find_by_request_id(&client, &issue.project_key, &request_id).await? {
                    log::info!("create {request_id} had already succeeded as {key}");
                    host.creates.journal.complete(&journal_id, &key, &url);
                    return Ok((key, url));
                }
            }

            host.creates.journal.insert(&journal_id);
            let result = send_create(&client, &issue, &summary.text, &extra_fields, Some(&request_id)).await;
            match &result {
                Ok((key, url)) => host.creates.journal.complete(&journal_id, key, url),
                Err(error) if !outcome_unknown(error) => host.creates.journal.remove(&journal_id),
                Err(_) => {}
            }
            result
        })
        .await
        .clone();

    if let Err(error) = &result {
        // A failed create may be tried again; an unknown outcome is looked up first.
        host.creates.entries.lock().expect("create ledger lock").remove(&format!("{} {request_id}", client.site_url()));
        if outcome_unknown(error) {
            host.creates.uncertain.lock().expect("create ledger lock").insert(request_id.clone());
        }
    }
    let (key, url) = result?;
    Ok(created(key, url, summary.truncated))
}

/// Tells whether Jira may have created the issue despite the error: the connection
/// dropped or timed out after sending, or Jira failed while handling it.
fn outcome_unknown(error: &ErrorReply) -> bool {
    matches!(error.code, ErrorCode::NetworkError | ErrorCode::JiraUnavailable)
}

fn created(key: String, url: String, summary_truncated: bool) -> Response {
    if summary_truncated {
        log::info!("created {key} with the summary cut to {MAX_SUMMARY_CHARS} characters");
    }
    Response::IssueCreated { key, url, summary_truncated }
}

/// Checks the extra field values against the create screen and builds them for Jira.
/// The screen is read only when there are extra values, so a plain create stays one request.
async fn screen_fields(client: &JiraClient, issue: &NewIssue) -> Result<Map<String, Value>, ErrorReply> {
    if let Some(built_in) = issue.fields.keys().find(|id| CREATE_BUILT_IN_FIELDS.contains(&id.as_str())) {
        return Err(ErrorReply::new(
            ErrorCode::InvalidInput,
            format!("Set {built_in} with its own member of the request, not in fields."),
        )
        .with_details(json!({ "field": built_in, "reason": "builtIn" })));
    }
    if issue.fields.is_empty() {
        return Ok(Map::new());
    }
    let screen = create_screen(client, issue.project_key.trim(), issue.issue_type_id.trim()).await?;
    let screen_name = format!("create screen of this issue type in {}", issue.project_key.trim());
    build_fields(client.deployment(), &screen, &issue.fields, CREATE_BUILT_IN_FIELDS, &screen_name)
}

async fn send_create(
    client: &JiraClient,
    issue: &NewIssue,
    summary: &str,
    extra_fields: &Map<String, Value>,
    request_id: Option<&str>,
) -> CreateResult {
    let mut fields = json!({
        "project": {"key": issue.project_key.trim()},
        "issuetype": {"id": issue.issue_type_id.trim()},
        "summary": summary,
    });
    let selection = issue.selection.as_deref().filter(|selection| !selection.trim().is_empty());
    let has_text = !issue.description.trim().is_empty()
        || selection.is_some()
        || issue.page_url.as_deref().is_some_and(|url| !url.trim().is_empty());
    if has_text {
        let (page_url, page_title) = (issue.page_url.as_deref(), issue.page_title.as_deref());
        fields["description"] = match client.deployment() {
            Deployment::Cloud => adf::issue_description_adf(&issue.description, selection, page_url, page_title),
            Deployment::DataCenter => Value::String(adf::issue_description_wiki(&issue.description, selection, page_url, page_title)),
        };
    }
    for (id, value) in extra_fields {
        fields[id.as_str()] = value.clone();
    }
    let mut body = json!({ "fields": fields });
    if let Some(request_id) = request_id {
        body["properties"] = json!([{ "key": REQUEST_PROPERTY_KEY, "value": { "clientRequestId": request_id } }]);
    }

    let reply = client.post(&format!("{}/issue", client.api()), &body).await?;
    let key = reply["key"].as_str().ok_or_else(|| {
        ErrorReply::new(ErrorCode::JiraUnavailable, "Jira returned no issue key for the create. Check Jira for the issue before trying again.")
    })?;
    log::info!("created {key} in {}", issue.project_key);
    Ok((key.to_string(), client.browse_url(key)))
}

/// Looks for an issue this account created recently that carries the request id.
async fn find_by_request_id(client: &JiraClient, project_key: &str, request_id: &str) -> Result<Option<(String, String)>, ErrorReply> {
    let jql = format!(
        "project = \"{}\" AND reporter = currentUser() AND created >= -{LOOKUP_WINDOW_MINUTES}m ORDER BY created DESC",
        project_key.trim()
    );
    let parameters = [("jql", jql), ("fields", "summary".to_string()), ("maxResults", "50".to_string())];
    let page = match client.deployment() {
        Deployment::Cloud => client.get("/rest/api/3/search/jql", &parameters).await?,
        Deployment::DataCenter => client.get("/rest/api/2/search", &parameters).await?,
    };

    for issue in page["issues"].as_array().into_iter().flatten() {
        let Some(key) = issue["key"].as_str() else { continue };
        let path = format!("{}/issue/{key}/properties/{REQUEST_PROPERTY_KEY}", client.api());
        match client.get(&path, &[]).await {
            Ok(property) if property["value"]["clientRequestId"] == request_id => {
                return Ok(Some((key.to_string(), client.browse_url(key))));
            }
            Ok(_) => {}
            Err(error) if error.code == ErrorCode::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

/// A summary fit for Jira and whether it had to be cut.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub text: String,
    pub truncated: bool,
}

/// Turns newlines and runs of whitespace into single spaces and cuts the summary to
/// Jira's 255 characters.
pub fn clean_summary(raw: &str) -> Result<Summary, ErrorReply> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "The summary is empty. Write a short title for the issue.")
            .with_details(json!({ "field": "summary" })));
    }
    let count = collapsed.chars().count();
    if count <= MAX_SUMMARY_CHARS {
        return Ok(Summary { text: collapsed, truncated: false });
    }
    let mut text: String = collapsed.chars().take(MAX_SUMMARY_CHARS - 1).collect();
    text = text.trim_end().to_string();
    text.push('…');
    Ok(Summary { text, truncated: true })
}

fn validate(issue: &NewIssue) -> Result<(), ErrorReply> {
    if !is_project_key(issue.project_key.trim()) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Choose a project for the issue.").with_details(json!({ "field": "projectKey" })));
    }
    if issue.issue_type_id.trim().is_empty() || !issue.issue_type_id.trim().chars().all(|c| c.is_ascii_digit()) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Choose an issue type for the issue.").with_details(json!({ "field": "issueTypeId" })));
    }
    let length = issue.description.chars().count() + issue.selection.as_deref().map_or(0, |selection| selection.chars().count());
    if length > MAX_DESCRIPTION_CHARS {
        return Err(ErrorReply::new(
            ErrorCode::InvalidInput,
            format!("The description has {length} characters; Jira accepts at most {MAX_DESCRIPTION_CHARS}. Shorten it or attach the text as a file."),
        )
        .with_details(json!({ "field": "description", "length": length, "max": MAX_DESCRIPTION_CHARS })));
    }
    if let Some(url) = issue.page_url.as_deref().filter(|url| !url.is_empty()) {
        if url::Url::parse(url).is_err() {
            return Err(ErrorReply::new(ErrorCode::InvalidInput, format!("The page address \"{}\" is not a valid URL.", shorten(url, 200))).with_details(json!({ "field": "pageUrl" })));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_newlines_become_spaces() {
        let summary = clean_summary("Checkout\nbutton\r\n  broken\t").unwrap();

        assert_eq!(summary, Summary { text: "Checkout button broken".into(), truncated: false });
    }

    #[test]
    fn summary_cut_at_255_characters() {
        let long = "é".repeat(300);

        let summary = clean_summary(&long).unwrap();

        assert_eq!(summary.text.chars().count(), MAX_SUMMARY_CHARS);
        assert!(summary.truncated, "a 300-character summary should be marked as cut");
        assert!(summary.text.ends_with('…'));
    }

    #[test]
    fn summary_blank_rejected() {
        let error = clean_summary(" \n ").unwrap_err();

        assert_eq!(error.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn description_over_limit_rejected() {
        let issue = NewIssue {
            project_key: "WEB".into(),
            issue_type_id: "10001".into(),
            summary: "s".into(),
            description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
            page_url: None,
            ..NewIssue::default()
        };

        let error = validate(&issue).unwrap_err();

        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("at most 32767"), "message: {}", error.message);
    }
}

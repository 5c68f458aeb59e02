//! Finding issues: by words, by JQL, and the account's recent issues.
//!
//! Cloud pages `GET /rest/api/3/search/jql` with `nextPageToken` and returns only ids
//! unless `fields` is given; the older `/rest/api/3/search` is gone (410) on Cloud. Data
//! Center pages `GET /rest/api/2/search` with `startAt`. The popup sees one opaque page
//! token either way.

use jira_bridge_protocol::{is_issue_key, Deployment, ErrorCode, ErrorReply, Response, SEARCH_PAGE_SIZE};
use serde_json::json;

use crate::actions::issue::{fetch_summary, issue_summary, SUMMARY_FIELDS};
use crate::host::Host;
use crate::jira::JiraClient;

/// JQL of "my recent issues".
pub const RECENT_ISSUES_JQL: &str = "assignee = currentUser() OR reporter = currentUser() ORDER BY updated DESC";

/// Maximum length of JQL or search text, in characters; Jira's own limit is far above what
/// a person types, and the cap keeps echoed text short.
const MAX_QUERY_CHARS: usize = 2000;

/// Prefix of the page tokens made for Data Center, whose paging is by offset.
const OFFSET_TOKEN_PREFIX: &str = "startAt:";

pub async fn search_issues(
    host: &Host,
    site_url: Option<&str>,
    text: Option<&str>,
    jql: Option<&str>,
    page_token: Option<&str>,
) -> Result<Response, ErrorReply> {
    let text = text.map(str::trim).filter(|text| !text.is_empty());
    let jql = jql.map(str::trim).filter(|jql| !jql.is_empty());
    let query = match (text, jql) {
        (Some(_), Some(_)) => return Err(invalid_input("jql", "Search either by words or by JQL, not both at once.")),
        (None, None) => return Err(invalid_input("text", "Enter words or a JQL query to search for.")),
        (Some(text), None) => text,
        (None, Some(jql)) => jql,
    };
    if query.chars().count() > MAX_QUERY_CHARS {
        let field = if text.is_some() { "text" } else { "jql" };
        return Err(invalid_input(field, &format!("The search is longer than {MAX_QUERY_CHARS} characters. Shorten it.")));
    }
    let (client, _) = host.client_for(site_url).await?;

    let jql = match text {
        // Jira's text search does not match keys, so a key is looked up directly.
        Some(text) if is_issue_key(&text.to_ascii_uppercase()) => {
            return match fetch_summary(&client, &text.to_ascii_uppercase()).await {
                Ok(issue) => Ok(Response::Issues { issues: vec![issue], next_page_token: None }),
                Err(error) if error.code == ErrorCode::NotFound => Ok(Response::Issues { issues: Vec::new(), next_page_token: None }),
                Err(error) => Err(error),
            };
        }
        Some(text) => text_jql(text),
        None => query.to_string(),
    };
    search_page(&client, &jql, page_token).await
}

pub async fn recent_issues(host: &Host, site_url: Option<&str>, page_token: Option<&str>) -> Result<Response, ErrorReply> {
    let (client, _) = host.client_for(site_url).await?;
    search_page(&client, RECENT_ISSUES_JQL, page_token).await
}

/// Runs one page of a JQL search in the site's dialect.
async fn search_page(client: &JiraClient, jql: &str, page_token: Option<&str>) -> Result<Response, ErrorReply> {
    let page_token = page_token.map(str::trim).filter(|token| !token.is_empty());
    let mut parameters = vec![
        ("jql", jql.to_string()),
        ("fields", SUMMARY_FIELDS.to_string()),
        ("maxResults", SEARCH_PAGE_SIZE.to_string()),
    ];

    let (reply, next_page_token) = match client.deployment() {
        Deployment::Cloud => {
            if let Some(token) = page_token {
                parameters.push(("nextPageToken", token.to_string()));
            }
            let reply = client.get("/rest/api/3/search/jql", &parameters).await?;
            let is_last = reply["isLast"].as_bool().unwrap_or(true);
            let next = reply["nextPageToken"].as_str().filter(|_| !is_last).map(str::to_string);
            (reply, next)
        }
        Deployment::DataCenter => {
            let start_at = match page_token {
                None => 0,
                Some(token) => offset_from_token(token)?,
            };
            parameters.push(("startAt", start_at.to_string()));
            let reply = client.get("/rest/api/2/search", &parameters).await?;
            let returned = reply["issues"].as_array().map_or(0, Vec::len) as u64;
            let total = reply["total"].as_u64().unwrap_or(0);
            let next_start = start_at + returned;
            let next = (returned > 0 && next_start < total).then(|| format!("{OFFSET_TOKEN_PREFIX}{next_start}"));
            (reply, next)
        }
    };

    let issues = reply["issues"].as_array().into_iter().flatten().filter_map(|issue| issue_summary(client, issue)).collect();
    Ok(Response::Issues { issues, next_page_token })
}

/// Builds a full-text JQL query from words, escaped for a JQL string.
pub fn text_jql(text: &str) -> String {
    let escaped: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(|character| match character {
            '"' | '\\' => vec!['\\', character],
            other => vec![other],
        })
        .collect();
    format!("text ~ \"{escaped}\" ORDER BY updated DESC")
}

fn offset_from_token(token: &str) -> Result<u64, ErrorReply> {
    token.strip_prefix(OFFSET_TOKEN_PREFIX).and_then(|offset| offset.parse().ok()).ok_or_else(|| {
        invalid_input("pageToken", "The page token is not one this host gave out. Start the search again.")
    })
}

fn invalid_input(field: &str, message: &str) -> ErrorReply {
    ErrorReply::new(ErrorCode::InvalidInput, message).with_details(json!({ "field": field }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_query_quotes_escaped() {
        assert_eq!(text_jql("say \"hi\"\n now \\o/"), "text ~ \"say \\\"hi\\\" now \\\\o/\" ORDER BY updated DESC");
    }

    #[test]
    fn offset_token_round_trip() {
        assert_eq!(offset_from_token("startAt:40").unwrap(), 40);
        assert_eq!(offset_from_token("fake").unwrap_err().code, ErrorCode::InvalidInput);
    }
}

//! Reading issues: one issue by key, and the helpers every action on an existing issue
//! shares (checking the key, reading an issue's summary fields).

use jira_bridge_protocol::{is_issue_key, ErrorCode, ErrorReply, IssueSummary, Response};
use serde_json::{json, Value};

use crate::host::Host;
use crate::jira::JiraClient;
use crate::text::shorten;

/// Fields every issue reply needs; Cloud returns only `id` unless `fields` names more.
/// `watches` is `{"watchCount": N, "isWatching": bool}` on Cloud and Data Center alike.
pub const SUMMARY_FIELDS: &str = "summary,status,assignee,issuetype,watches";

pub async fn get_issue(host: &Host, site_url: Option<&str>, key: &str) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let (client, _) = host.client_for(site_url).await?;

    let issue = fetch_summary(&client, &key).await?;
    Ok(Response::Issue { issue })
}

/// Reads the fields of [`IssueSummary`] for one issue.
pub async fn fetch_summary(client: &JiraClient, key: &str) -> Result<IssueSummary, ErrorReply> {
    let path = format!("{}/issue/{key}", client.api());
    let reply = client.get(&path, &[("fields", SUMMARY_FIELDS.to_string())]).await.map_err(|error| not_found_names_key(error, key, client))?;
    issue_summary(client, &reply).ok_or_else(|| {
        ErrorReply::new(ErrorCode::JiraUnavailable, format!("{} answered for {key} without the issue's key.", client.site_url()))
    })
}

/// Builds an [`IssueSummary`] from an issue as `issue/{key}` and search return it.
pub fn issue_summary(client: &JiraClient, issue: &Value) -> Option<IssueSummary> {
    let key = issue["key"].as_str()?.to_string();
    let fields = &issue["fields"];
    let text = |value: &Value| value.as_str().unwrap_or("").to_string();
    Some(IssueSummary {
        url: client.browse_url(&key),
        summary: text(&fields["summary"]),
        status: text(&fields["status"]["name"]),
        assignee: fields["assignee"]["displayName"].as_str().map(str::to_string),
        issue_type: text(&fields["issuetype"]["name"]),
        watching: fields["watches"]["isWatching"].as_bool(),
        key,
    })
}

/// Trims and upper-cases an issue key and checks its shape, so it is safe in a URL path.
/// Jira matches keys in any case.
pub fn checked_key(key: &str) -> Result<String, ErrorReply> {
    let key = key.trim().to_ascii_uppercase();
    if is_issue_key(&key) {
        return Ok(key);
    }
    Err(ErrorReply::new(
        ErrorCode::InvalidInput,
        format!("\"{}\" is not an issue key. An issue key looks like WEB-12: a project key, a hyphen and a number.", shorten(&key, 40)),
    )
    .with_details(json!({ "field": "key" })))
}

/// Rewords Jira's 404 for an issue so the message names the key and the site.
pub fn not_found_names_key(error: ErrorReply, key: &str, client: &JiraClient) -> ErrorReply {
    if error.code != ErrorCode::NotFound {
        return error;
    }
    let details = error.details.clone().unwrap_or(Value::Null);
    ErrorReply::new(
        ErrorCode::NotFound,
        format!("{key} does not exist on {} or this account cannot see it. Check the key and the site.", client.site_url()),
    )
    .with_details(json!({ "key": key, "siteUrl": client.site_url(), "jira": details }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_trimmed_and_upper_cased() {
        assert_eq!(checked_key(" ab2-12 \n").unwrap(), "AB2-12");
        assert_eq!(checked_key("PRODUCT_2013-5").unwrap(), "PRODUCT_2013-5");
    }

    #[test]
    fn key_with_path_characters_rejected() {
        for key in ["WEB-1/../../myself", "WEB-1?x=1", "", "WEB"] {
            let error = checked_key(key).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput, "{key:?} should be rejected");
        }
    }
}

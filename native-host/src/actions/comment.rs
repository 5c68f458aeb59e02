//! Commenting on an issue: Atlassian Document Format on Cloud, wiki markup on Data Center.

use jira_bridge_protocol::{Deployment, ErrorCode, ErrorReply, Response};
use serde_json::{json, Value};

use crate::actions::create_issue::MAX_DESCRIPTION_CHARS;
use crate::actions::issue::{checked_key, not_found_names_key};
use crate::host::Host;
use crate::jira::adf;

pub async fn add_comment(host: &Host, site_url: Option<&str>, key: &str, body: &str) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "The comment is empty. Write something first.").with_details(json!({ "field": "body" })));
    }
    let length = body.chars().count();
    if length > MAX_DESCRIPTION_CHARS {
        return Err(ErrorReply::new(
            ErrorCode::InvalidInput,
            format!("The comment has {length} characters; Jira accepts at most {MAX_DESCRIPTION_CHARS}. Shorten it."),
        )
        .with_details(json!({ "field": "body", "length": length, "max": MAX_DESCRIPTION_CHARS })));
    }
    let (client, _) = host.client_for(site_url).await?;

    let rich_text = match client.deployment() {
        Deployment::Cloud => adf::description_adf(body, None, None),
        Deployment::DataCenter => Value::String(body.to_string()),
    };
    let path = format!("{}/issue/{key}/comment", client.api());
    let reply = client.post(&path, &json!({ "body": rich_text })).await.map_err(|error| not_found_names_key(error, &key, &client))?;

    let comment_id = reply["id"].as_str().unwrap_or_default().to_string();
    log::info!("commented on {key} (comment {comment_id})");
    Ok(Response::CommentAdded { key, comment_id })
}

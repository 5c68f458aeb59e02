//! Assigning an issue: to the account itself, to a user found by a search, or to nobody.
//! Cloud names users by `accountId`, Data Center by user `name`.

use jira_bridge_protocol::{Assignee, Deployment, ErrorCode, ErrorReply, Response, User};
use serde_json::{json, Value};

use crate::actions::issue::{checked_key, fetch_summary, not_found_names_key};
use crate::host::Host;

/// Maximum number of users one search returns; the popup narrows with more letters beyond it.
const MAX_USERS: usize = 20;

pub async fn find_assignable_users(host: &Host, site_url: Option<&str>, key: &str, query: &str) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let query = query.trim();
    if query.is_empty() {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Type part of a name or email to find a user.").with_details(json!({ "field": "query" })));
    }
    let (client, _) = host.client_for(site_url).await?;

    let mut parameters = vec![("issueKey", key.clone()), ("maxResults", MAX_USERS.to_string())];
    match client.deployment() {
        Deployment::Cloud => parameters.push(("query", query.to_string())),
        // Data Center 10.3 searches user names, display names and emails through `username`.
        Deployment::DataCenter => parameters.push(("username", query.to_string())),
    }
    let path = format!("{}/user/assignable/search", client.api());
    let reply = client.get(&path, &parameters).await.map_err(|error| not_found_names_key(error, &key, &client))?;

    let id_field = match client.deployment() {
        Deployment::Cloud => "accountId",
        Deployment::DataCenter => "name",
    };
    let users = reply
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|user| user_from(user, id_field))
        .take(MAX_USERS)
        .collect();
    Ok(Response::Users { users })
}

pub async fn assign_issue(host: &Host, site_url: Option<&str>, key: &str, assignee: &Assignee) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    if let Assignee::User { id } = assignee {
        if id.trim().is_empty() {
            return Err(ErrorReply::new(ErrorCode::InvalidInput, "Choose a user to assign.").with_details(json!({ "field": "assignee" })));
        }
    }
    let (client, site) = host.client_for(site_url).await?;

    let id = match assignee {
        Assignee::Me => Some(site.account_id.clone()),
        Assignee::User { id } => Some(id.trim().to_string()),
        Assignee::Nobody => None,
    };
    let field = match client.deployment() {
        Deployment::Cloud => "accountId",
        Deployment::DataCenter => "name",
    };
    let path = format!("{}/issue/{key}/assignee", client.api());
    client.put(&path, &json!({ field: id })).await.map_err(|error| not_found_names_key(error, &key, &client))?;
    log::info!("assigned {key} to {}", id.as_deref().unwrap_or("nobody"));

    let issue = fetch_summary(&client, &key).await?;
    Ok(Response::Issue { issue })
}

fn user_from(user: &Value, id_field: &str) -> Option<User> {
    let id = user[id_field].as_str()?.to_string();
    Some(User {
        display_name: user["displayName"].as_str().unwrap_or(&id).to_string(),
        email: user["emailAddress"].as_str().filter(|email| !email.is_empty()).map(str::to_string),
        id,
    })
}

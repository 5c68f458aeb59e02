//! Assigning an issue: to the account itself, to a user found by a search, or to nobody;
//! and finding users for the assignee picker and the create form's user fields. Cloud
//! names users by `accountId`, Data Center by user `name`.

use jira_bridge_protocol::{Assignee, Deployment, ErrorCode, ErrorReply, Response, User};
use serde_json::{json, Value};

use crate::actions::issue::{checked_key, fetch_summary, not_found_names_key};
use crate::actions::projects::is_project_key;
use crate::host::Host;
use crate::jira::JiraClient;
use crate::text::shorten;

/// Maximum number of users one search returns; the popup narrows with more letters beyond it.
const MAX_USERS: usize = 20;

/// Finds users who may be assigned `key`, for the assignee picker.
pub async fn find_assignable_users(host: &Host, site_url: Option<&str>, key: &str, query: &str) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let query = checked_query(query)?;
    let (client, _) = host.client_for(site_url).await?;

    let users = search_assignable(&client, ("issueKey", key.clone()), query).await.map_err(|error| not_found_names_key(error, &key, &client))?;
    Ok(Response::Users { users })
}

/// Finds users who may be assigned issues in a project, for user fields on the create
/// form, where no issue exists yet to search against.
///
/// NOTE: Jira offers no search scoped to "users who may fill this field", so a user field
/// other than the assignee lists the project's assignable users too. A user who may
/// browse the project but not be assigned in it is missing from the results.
pub async fn find_users(host: &Host, site_url: Option<&str>, project_key: &str, query: &str) -> Result<Response, ErrorReply> {
    let project_key = project_key.trim();
    if !is_project_key(project_key) {
        return Err(ErrorReply::new(
            ErrorCode::InvalidInput,
            format!("\"{}\" is not a project key. Choose a project first.", shorten(project_key, 40)),
        )
        .with_details(json!({ "field": "projectKey" })));
    }
    let query = checked_query(query)?;
    let (client, _) = host.client_for(site_url).await?;

    let users = search_assignable(&client, ("project", project_key.to_string()), query)
        .await
        .map_err(|error| not_found_names_project(error, project_key, &client))?;
    Ok(Response::Users { users })
}

fn checked_query(query: &str) -> Result<&str, ErrorReply> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Type part of a name or email to find a user.").with_details(json!({ "field": "query" })));
    }
    Ok(query)
}

/// Runs `user/assignable/search` against an issue (`issueKey`) or a project (`project`).
async fn search_assignable(client: &JiraClient, scope: (&'static str, String), query: &str) -> Result<Vec<User>, ErrorReply> {
    let mut parameters = vec![scope, ("maxResults", MAX_USERS.to_string())];
    match client.deployment() {
        Deployment::Cloud => parameters.push(("query", query.to_string())),
        // Data Center 10.3 searches user names, display names and emails through `username`.
        Deployment::DataCenter => parameters.push(("username", query.to_string())),
    }
    let path = format!("{}/user/assignable/search", client.api());
    let reply = client.get(&path, &parameters).await?;

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
    Ok(users)
}

/// Rewords Jira's 404 for a project so the message names the project and the site.
fn not_found_names_project(error: ErrorReply, project_key: &str, client: &JiraClient) -> ErrorReply {
    if error.code != ErrorCode::NotFound {
        return error;
    }
    let details = error.details.clone().unwrap_or(Value::Null);
    ErrorReply::new(
        ErrorCode::NotFound,
        format!("Project {project_key} does not exist on {} or this account cannot see it. Choose another project.", client.site_url()),
    )
    .with_details(json!({ "projectKey": project_key, "siteUrl": client.site_url(), "jira": details }))
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

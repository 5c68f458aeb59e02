//! Users besides the configured account: looking them up by the id the dialect uses
//! (`accountId` on Cloud, `name` on Data Center) and `user/assignable/search`.

use axum::extract::Query;
use axum::Json;
use serde_json::{json, Value};

use super::{query_number, query_value, user_json, AppState};
use crate::config::{Config, Mode};
use crate::error::JiraError;
use crate::seed::{self, SeedUser};
use crate::state::Shared;

/// Name of the field that identifies a user in requests of this mode.
pub(crate) fn id_field(mode: Mode) -> &'static str {
    match mode {
        Mode::Cloud => "accountId",
        Mode::DataCenter => "name",
    }
}

/// Returns the configured account's id in the mode's form.
pub(crate) fn own_id(config: &Config) -> &str {
    match config.mode {
        Mode::Cloud => &config.account_id,
        Mode::DataCenter => &config.username,
    }
}

/// Returns the user JSON for an id in the mode's form, or `None` for an unknown user.
pub(crate) fn user_by_id(shared: &Shared, id: &str) -> Option<Value> {
    let config = &shared.config;
    if id == own_id(config) {
        return Some(user_json(shared));
    }
    seed::USERS
        .iter()
        .find(|user| match config.mode {
            Mode::Cloud => user.account_id == id,
            Mode::DataCenter => user.name == id,
        })
        .map(|user| seed_user_json(shared, user))
}

fn seed_user_json(shared: &Shared, user: &SeedUser) -> Value {
    let api = shared.api_base();
    match shared.config.mode {
        Mode::Cloud => json!({
            "self": format!("{api}/user?accountId={}", user.account_id),
            "accountId": user.account_id,
            "accountType": "atlassian",
            "displayName": user.display_name,
            "active": true,
        }),
        Mode::DataCenter => json!({
            "self": format!("{api}/user?username={}", user.name),
            "key": user.name,
            "name": user.name,
            "emailAddress": user.email,
            "displayName": user.display_name,
            "active": true,
        }),
    }
}

/// `GET user/assignable/search`: users whose name, display name or email contains the
/// query (`query` on Cloud, `username` on Data Center), ignoring case. Jira requires an
/// issue or a project to check the Assign Issues permission against.
pub(crate) async fn assignable_search(
    axum::extract::State(shared): AppState,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, JiraError> {
    let issue_key = query_value(&query, "issueKey");
    let project = query_value(&query, "project");
    if issue_key.is_none() && project.is_none() {
        return Err(JiraError::bad_request("Specify an issueKey or project to find assignable users."));
    }
    if let Some(key) = issue_key {
        if shared.lock().issue(key).is_none() {
            return Err(super::properties::issue_not_found(key));
        }
    } else if let Some(project) = project {
        super::projects::find_project(project)?;
    }
    let needle = match shared.config.mode {
        Mode::Cloud => query_value(&query, "query"),
        Mode::DataCenter => query_value(&query, "username"),
    }
    .unwrap_or("")
    .to_lowercase();
    let max_results = query_number(&query, "maxResults")?.unwrap_or(50) as usize;

    let config = &shared.config;
    let mut candidates = vec![(own_id(config).to_owned(), config.username.clone(), config.display_name.clone(), config.email.clone())];
    for user in seed::USERS {
        let id = match config.mode {
            Mode::Cloud => user.account_id,
            Mode::DataCenter => user.name,
        };
        candidates.push((id.to_owned(), user.name.to_owned(), user.display_name.to_owned(), user.email.to_owned()));
    }
    let users: Vec<Value> = candidates
        .iter()
        .filter(|(_, name, display_name, email)| {
            [name, display_name, email].iter().any(|text| text.to_lowercase().contains(&needle))
        })
        .filter_map(|(id, ..)| user_by_id(&shared, id))
        .take(max_results)
        .collect();
    Ok(Json(Value::Array(users)))
}

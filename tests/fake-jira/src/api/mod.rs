//! Jira REST routes and the helpers they share: body parsing, paging parameters, and the
//! JSON shapes of users, projects and issues in each dialect.

mod activity;
mod create;
mod jql;
mod meta;
mod projects;
mod properties;
mod search;
mod users;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::config::Mode;
use crate::error::JiraError;
use crate::gate::CallPath;
use crate::seed::{self, SeedIssueType, SeedProject};
use crate::state::{Shared, StoredIssue};

pub(crate) type AppState = axum::extract::State<Arc<Shared>>;

/// Builds the Jira routes for the configured mode, under the context path.
pub(crate) fn router(shared: &Shared) -> Router<Arc<Shared>> {
    let context_path = shared.config.normalized_context_path();
    let api = format!("{context_path}/rest/api/{}", shared.config.mode.api_version());
    let at = |suffix: &str| format!("{api}{suffix}");

    let mut router = Router::new()
        .route(&format!("{context_path}/rest/api/2/serverInfo"), get(meta::server_info))
        .route(&at("/myself"), get(meta::myself))
        .route(&at("/project/{project}"), get(projects::get_project))
        .route(&at("/issue/createmeta/{project}/issuetypes"), get(projects::createmeta_issue_types))
        .route(&at("/issue/createmeta/{project}/issuetypes/{issue_type}"), get(projects::createmeta_fields))
        .route(&at("/issue"), post(create::create_issue))
        .route(&at("/issue/{issue}"), get(search::get_issue))
        .route(&at("/issue/{issue}/properties"), get(properties::list_properties))
        .route(
            &at("/issue/{issue}/properties/{property}"),
            get(properties::get_property).put(properties::put_property),
        )
        .route(&at("/issue/{issue}/comment"), get(activity::list_comments).post(activity::add_comment))
        .route(&at("/issue/{issue}/transitions"), get(activity::list_transitions).post(activity::do_transition))
        .route(&at("/issue/{issue}/assignee"), put(activity::assign))
        .route(&at("/issue/{issue}/worklog"), post(activity::add_worklog))
        .route(&at("/issue/{issue}/remotelink"), get(activity::list_remote_links).post(activity::add_remote_link))
        .route(&at("/issue/{issue}/watchers"), post(activity::add_watcher).delete(activity::remove_watcher))
        .route(&at("/user/assignable/search"), get(users::assignable_search))
        .route(&at("/issue/{issue}/attachments"), post(activity::add_attachment));

    router = match shared.config.mode {
        Mode::Cloud => router
            .route(&format!("{context_path}/rest/api/3/serverInfo"), get(meta::server_info))
            .route(&at("/project/search"), get(projects::search_projects))
            .route(&at("/search/jql"), get(search::search_jql_get).post(search::search_jql_post))
            .route(&at("/search"), get(search::removed_search).post(search::removed_search)),
        Mode::DataCenter => router
            .route(&at("/project"), get(projects::list_projects))
            .route(&at("/search"), get(search::search_dc_get).post(search::search_dc_post)),
    };

    router
        .fallback(unknown_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn unknown_endpoint(axum::extract::State(shared): AppState, request: Request) -> JiraError {
    let path = call_path(&request);
    let message = format!(
        "No Jira endpoint {} {} in fake-jira ({} mode serves REST v{})",
        request.method(),
        path,
        shared.config.mode.as_str(),
        shared.config.mode.api_version()
    );
    JiraError::message(StatusCode::NOT_FOUND, message)
}

async fn method_not_allowed(request: Request) -> JiraError {
    let message = format!("Method {} is not allowed on {}", request.method(), call_path(&request));
    JiraError::message(StatusCode::METHOD_NOT_ALLOWED, message)
}

fn call_path(request: &Request) -> String {
    request
        .extensions()
        .get::<CallPath>()
        .map(|path| path.0.clone())
        .unwrap_or_else(|| request.uri().path().to_owned())
}

/// Parses a JSON request body, answering like Jira's JSON reader when it is empty or invalid.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, JiraError> {
    if bytes.is_empty() {
        return Err(JiraError::bad_request("No content to map due to end-of-input"));
    }
    serde_json::from_slice(bytes).map_err(|error| JiraError::bad_request(format!("Unexpected character in JSON: {error}")))
}

/// Parses a JSON object body and rejects properties outside `allowed`, as Jira's strict
/// JSON binding does.
pub(crate) fn parse_object(bytes: &[u8], bean: &str, allowed: &[&str]) -> Result<Map<String, Value>, JiraError> {
    let Value::Object(object) = parse_json(bytes)? else {
        return Err(JiraError::bad_request(format!("Can not deserialize instance of {bean} out of non-object JSON")));
    };
    if let Some(unknown) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(JiraError::bad_request(format!(
            "Unrecognized field \"{unknown}\" ({bean}), not marked as ignorable"
        )));
    }
    Ok(object)
}

/// Reads an optional non-negative integer query parameter.
pub(crate) fn query_number(query: &[(String, String)], name: &str) -> Result<Option<u64>, JiraError> {
    match query.iter().find(|(key, _)| key == name) {
        None => Ok(None),
        Some((_, value)) => value
            .parse::<u64>()
            .map(Some)
            .map_err(|_| JiraError::bad_request(format!("The '{name}' parameter must be a non-negative integer, got {value:?}"))),
    }
}

/// Returns the first value of a query parameter.
pub(crate) fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

/// The account the fake accepts, in the dialect's user shape.
pub(crate) fn user_json(shared: &Shared) -> Value {
    let config = &shared.config;
    let api = shared.api_base();
    let avatars = json!({"48x48": format!("{}/secure/useravatar?size=large", shared.base_url)});
    match config.mode {
        Mode::Cloud => json!({
            "self": format!("{api}/user?accountId={}", config.account_id),
            "accountId": config.account_id,
            "accountType": "atlassian",
            "emailAddress": config.email,
            "displayName": config.display_name,
            "active": true,
            "timeZone": "Etc/UTC",
            "locale": "en_US",
            "avatarUrls": avatars,
        }),
        Mode::DataCenter => json!({
            "self": format!("{api}/user?username={}", config.username),
            "key": config.username,
            "name": config.username,
            "emailAddress": config.email,
            "displayName": config.display_name,
            "active": true,
            "timeZone": "Etc/UTC",
            "locale": "en_US",
            "avatarUrls": avatars,
        }),
    }
}

pub(crate) fn project_json(shared: &Shared, project: &SeedProject) -> Value {
    json!({
        "self": format!("{}/project/{}", shared.api_base(), project.id),
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": "software",
        "simplified": false,
        "avatarUrls": {"48x48": format!("{}/secure/projectavatar?pid={}", shared.base_url, project.id)},
    })
}

pub(crate) fn issue_type_json(shared: &Shared, issue_type: &SeedIssueType) -> Value {
    json!({
        "self": format!("{}/issuetype/{}", shared.api_base(), issue_type.id),
        "id": issue_type.id,
        "name": issue_type.name,
        "description": issue_type.description,
        "iconUrl": format!("{}/images/icons/issuetypes/{}.png", shared.base_url, issue_type.name.to_lowercase()),
        "subtask": false,
    })
}

/// Renders an issue; `fields` lists the fields to include (`*all` for all, empty for none).
pub(crate) fn issue_json(shared: &Shared, issue: &StoredIssue, fields: &[String], properties: &[String]) -> Value {
    let all = fields.iter().any(|field| field == "*all" || field == "*navigable");
    let wanted = |name: &str| all || fields.iter().any(|field| field == name);
    let mut rendered = Map::new();
    let mut put = |name: &str, value: Value| {
        if wanted(name) {
            rendered.insert(name.to_owned(), value);
        }
    };

    let project = seed::project(&issue.project_key).expect("stored issues belong to seeded projects");
    let issue_type = seed::issue_type(&issue.issue_type_id).expect("stored issues have seeded types");
    let status = seed::status(&issue.status_id).expect("stored issues have seeded statuses");
    for (name, value) in &issue.fields {
        if !matches!(name.as_str(), "project" | "issuetype" | "assignee") {
            put(name, value.clone());
        }
    }
    put("project", project_json(shared, project));
    put("issuetype", issue_type_json(shared, issue_type));
    put("status", json!({"id": status.id, "name": status.value}));
    put("created", json!(issue.created));
    put("updated", json!(issue.created));
    put("reporter", user_json(shared));
    put("creator", user_json(shared));
    let assignee = issue
        .fields
        .get("assignee")
        .and_then(|assignee| assignee.get(users::id_field(shared.config.mode)))
        .and_then(Value::as_str)
        .and_then(|id| users::user_by_id(shared, id));
    put("assignee", assignee.unwrap_or(Value::Null));
    put("watches", watches_json(shared, issue));
    if !issue.fields.contains_key("labels") {
        put("labels", json!([]));
    }

    let mut issue_value = json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id,
        "self": format!("{}/issue/{}", shared.api_base(), issue.id),
        "key": issue.key,
        "fields": rendered,
    });
    if !properties.is_empty() {
        let selected: Map<String, Value> = issue
            .properties
            .iter()
            .filter(|(key, _)| properties.iter().any(|wanted| wanted == *key || wanted == "*all"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        issue_value["properties"] = Value::Object(selected);
    }
    issue_value
}

/// The `watches` field, as both dialects return it: the number of watchers and whether
/// the configured account is one of them.
fn watches_json(shared: &Shared, issue: &StoredIssue) -> Value {
    let own_id = users::own_id(&shared.config);
    json!({
        "self": format!("{}/issue/{}/watchers", shared.api_base(), issue.key),
        "watchCount": issue.watchers.len(),
        "isWatching": issue.watchers.iter().any(|watcher| watcher == own_id),
    })
}

/// Checks a rich-text value: ADF on Cloud, a string on Data Center. `null` is allowed.
pub(crate) fn check_rich_text(mode: Mode, value: &Value) -> Result<(), String> {
    match (mode, value) {
        (_, Value::Null) => Ok(()),
        (Mode::Cloud, _) => crate::adf::check_document(value)
            .map_err(|problem| format!("Operation value must be an Atlassian Document (see the Atlassian Document Format): {problem}")),
        (Mode::DataCenter, Value::String(_)) => Ok(()),
        (Mode::DataCenter, other) => Err(format!(
            "Operation value must be a string (wiki markup), got {}",
            crate::adf::json_type(other)
        )),
    }
}

//! Reading issues: `GET issue/{key}`, Cloud's `search/jql` with page tokens, and Data
//! Center's `search` with `startAt`.

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::jql;
use super::properties::issue_not_found;
use super::{issue_json, parse_object, query_number, query_value, AppState};
use crate::error::JiraError;
use crate::state::{Shared, StoredIssue};

type QueryPairs = Query<Vec<(String, String)>>;

/// Maximum page size of search results, as Jira returns when fields are requested.
const MAX_SEARCH_PAGE: u64 = 100;

/// Prefix of the fake's page tokens; the rest is the offset of the next page.
const PAGE_TOKEN_PREFIX: &str = "fake-page-";

pub(crate) async fn get_issue(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    Query(query): QueryPairs,
) -> Result<Json<Value>, JiraError> {
    let fields = match list_parameter(&query, "fields") {
        fields if fields.is_empty() => vec!["*all".to_owned()],
        fields => fields,
    };
    let properties = list_parameter(&query, "properties");
    let inner = shared.lock();
    let stored = inner.issue(&issue).ok_or_else(|| issue_not_found(&issue))?;
    Ok(Json(issue_json(&shared, stored, &fields, &properties)))
}

/// Parameters of one search page, from a query string or a JSON body.
struct SearchRequest {
    jql: String,
    fields: Vec<String>,
    properties: Vec<String>,
    max_results: u64,
    start_at: u64,
}

pub(crate) async fn search_jql_get(
    axum::extract::State(shared): AppState,
    Query(query): QueryPairs,
) -> Result<Json<Value>, JiraError> {
    let request = SearchRequest {
        jql: query_value(&query, "jql").unwrap_or("").to_owned(),
        fields: list_parameter(&query, "fields"),
        properties: list_parameter(&query, "properties"),
        max_results: query_number(&query, "maxResults")?.unwrap_or(50),
        start_at: parse_page_token(query_value(&query, "nextPageToken"))?,
    };
    Ok(Json(search_cloud(&shared, request)?))
}

pub(crate) async fn search_jql_post(
    axum::extract::State(shared): AppState,
    body: Bytes,
) -> Result<Json<Value>, JiraError> {
    let allowed = ["jql", "fields", "maxResults", "nextPageToken", "properties", "expand", "fieldsByKeys", "reconcileIssues", "failFast"];
    let body = parse_object(&body, "SearchAndReconcileRequestBean", &allowed)?;
    let request = SearchRequest {
        jql: body.get("jql").and_then(Value::as_str).unwrap_or("").to_owned(),
        fields: string_array(body.get("fields"), "fields")?,
        properties: string_array(body.get("properties"), "properties")?,
        max_results: body.get("maxResults").map(json_number).transpose()?.unwrap_or(50),
        start_at: parse_page_token(body.get("nextPageToken").and_then(Value::as_str))?,
    };
    Ok(Json(search_cloud(&shared, request)?))
}

/// Cloud's removed `search`: live Cloud sites return 410 Gone.
pub(crate) async fn removed_search() -> JiraError {
    JiraError::message(
        StatusCode::GONE,
        "The requested API has been removed. Use GET or POST /rest/api/3/search/jql instead.",
    )
}

pub(crate) async fn search_dc_get(
    axum::extract::State(shared): AppState,
    Query(query): QueryPairs,
) -> Result<Json<Value>, JiraError> {
    let request = SearchRequest {
        jql: query_value(&query, "jql").unwrap_or("").to_owned(),
        fields: list_parameter(&query, "fields"),
        properties: list_parameter(&query, "properties"),
        max_results: query_number(&query, "maxResults")?.unwrap_or(50),
        start_at: query_number(&query, "startAt")?.unwrap_or(0),
    };
    Ok(Json(search_dc(&shared, request)?))
}

pub(crate) async fn search_dc_post(
    axum::extract::State(shared): AppState,
    body: Bytes,
) -> Result<Json<Value>, JiraError> {
    let allowed = ["jql", "fields", "maxResults", "startAt", "expand", "validateQuery", "properties"];
    let body = parse_object(&body, "SearchRequestBean", &allowed)?;
    let request = SearchRequest {
        jql: body.get("jql").and_then(Value::as_str).unwrap_or("").to_owned(),
        fields: string_array(body.get("fields"), "fields")?,
        properties: string_array(body.get("properties"), "properties")?,
        max_results: body.get("maxResults").map(json_number).transpose()?.unwrap_or(50),
        start_at: body.get("startAt").map(json_number).transpose()?.unwrap_or(0),
    };
    Ok(Json(search_dc(&shared, request)?))
}

/// Cloud replies carry `nextPageToken` and `isLast` but no `total`; only `id` comes back
/// unless `fields` names more.
fn search_cloud(shared: &Shared, request: SearchRequest) -> Result<Value, JiraError> {
    let max_results = request.max_results.min(MAX_SEARCH_PAGE);
    let matching = run_query(shared, &request.jql)?;
    let page = render_page(shared, &matching, &request, max_results);
    let next_offset = request.start_at + max_results;
    let is_last = next_offset >= matching.len() as u64;

    let mut reply = json!({"issues": page, "isLast": is_last});
    if !is_last {
        reply["nextPageToken"] = json!(format!("{PAGE_TOKEN_PREFIX}{next_offset}"));
    }
    Ok(reply)
}

/// Data Center replies are offset-paged with a `total`, and return all navigable fields
/// unless `fields` names some.
fn search_dc(shared: &Shared, mut request: SearchRequest) -> Result<Value, JiraError> {
    let max_results = request.max_results.min(MAX_SEARCH_PAGE);
    if request.fields.is_empty() {
        request.fields.push("*navigable".to_owned());
    }
    let matching = run_query(shared, &request.jql)?;
    let page = render_page(shared, &matching, &request, max_results);
    Ok(json!({
        "expand": "schema,names",
        "startAt": request.start_at,
        "maxResults": max_results,
        "total": matching.len(),
        "issues": page,
    }))
}

fn run_query(shared: &Shared, jql: &str) -> Result<Vec<StoredIssue>, JiraError> {
    let query = jql::parse(jql).map_err(|problem| {
        JiraError::bad_request(format!("Error in the JQL Query: {problem} (query: {jql:?})"))
    })?;
    let inner = shared.lock();
    let mut matching: Vec<StoredIssue> = inner.issues.iter().filter(|issue| query.matches(issue, shared)).cloned().collect();
    if query.descending {
        matching.reverse();
    }
    Ok(matching)
}

fn render_page(shared: &Shared, issues: &[StoredIssue], request: &SearchRequest, max_results: u64) -> Vec<Value> {
    issues
        .iter()
        .skip(request.start_at as usize)
        .take(max_results as usize)
        .map(|issue| issue_json(shared, issue, &request.fields, &request.properties))
        .collect()
}

fn parse_page_token(token: Option<&str>) -> Result<u64, JiraError> {
    let Some(token) = token.filter(|token| !token.is_empty()) else {
        return Ok(0);
    };
    token
        .strip_prefix(PAGE_TOKEN_PREFIX)
        .and_then(|offset| offset.parse().ok())
        .ok_or_else(|| JiraError::bad_request(format!("The nextPageToken {token:?} is invalid or expired.")))
}

/// Collects a list parameter given as repeated keys, comma-separated values, or both.
fn list_parameter(query: &[(String, String)], name: &str) -> Vec<String> {
    query
        .iter()
        .filter(|(key, _)| key == name)
        .flat_map(|(_, value)| value.split(','))
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

fn string_array(value: Option<&Value>, name: &str) -> Result<Vec<String>, JiraError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| JiraError::bad_request(format!("{name} must be an array of strings")))
            })
            .collect(),
        Some(_) => Err(JiraError::bad_request(format!("{name} must be an array of strings"))),
    }
}

fn json_number(value: &Value) -> Result<u64, JiraError> {
    value
        .as_u64()
        .ok_or_else(|| JiraError::bad_request(format!("expected a non-negative integer, got {value}")))
}

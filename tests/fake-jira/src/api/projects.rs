//! Projects and create metadata: which issue types a project has and which fields their
//! create screens show, with required flags, schemas and allowed values.

use axum::extract::{Path, Query};
use axum::Json;
use serde_json::{json, Value};

use super::{issue_type_json, project_json, query_number, query_value, AppState};
use crate::config::Mode;
use crate::error::JiraError;
use crate::seed::{self, SeedIssueType, SeedProject, PLATFORMS_FIELD, POINTS_FIELD, SEVERITY_FIELD, STEPS_FIELD};
use crate::state::Shared;

/// Largest page `project/search` and create metadata return, as on Jira Cloud.
const MAX_PAGE: u64 = 100;

type QueryPairs = Query<Vec<(String, String)>>;

/// Cloud `GET project/search`: paged, filtered by `query` on key or name.
pub(crate) async fn search_projects(
    axum::extract::State(shared): AppState,
    Query(query): QueryPairs,
) -> Result<Json<Value>, JiraError> {
    let start_at = query_number(&query, "startAt")?.unwrap_or(0);
    let max_results = query_number(&query, "maxResults")?.unwrap_or(50).min(MAX_PAGE);
    let filter = query_value(&query, "query").unwrap_or("").to_lowercase();

    let matching: Vec<&SeedProject> = seed::PROJECTS
        .iter()
        .filter(|project| {
            project.key.to_lowercase().contains(&filter) || project.name.to_lowercase().contains(&filter)
        })
        .collect();
    let total = matching.len() as u64;
    let values: Vec<Value> = matching
        .iter()
        .skip(start_at as usize)
        .take(max_results as usize)
        .map(|project| project_json(&shared, project))
        .collect();
    let is_last = start_at + max_results >= total;

    let mut page = json!({
        "self": format!("{}/project/search?startAt={start_at}&maxResults={max_results}", shared.api_base()),
        "maxResults": max_results,
        "startAt": start_at,
        "total": total,
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        page["nextPage"] = json!(format!(
            "{}/project/search?startAt={}&maxResults={max_results}",
            shared.api_base(),
            start_at + max_results
        ));
    }
    Ok(Json(page))
}

/// Data Center `GET project`: every project, unpaged.
pub(crate) async fn list_projects(axum::extract::State(shared): AppState) -> Json<Value> {
    let projects: Vec<Value> = seed::PROJECTS.iter().map(|project| project_json(&shared, project)).collect();
    Json(Value::Array(projects))
}

pub(crate) async fn get_project(
    axum::extract::State(shared): AppState,
    Path(project): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let project = find_project(&project)?;
    let mut value = project_json(&shared, project);
    value["issueTypes"] = seed::ISSUE_TYPES
        .iter()
        .map(|issue_type| issue_type_json(&shared, issue_type))
        .collect();
    Ok(Json(value))
}

pub(crate) async fn createmeta_issue_types(
    axum::extract::State(shared): AppState,
    Path(project): Path<String>,
    Query(query): QueryPairs,
) -> Result<Json<Value>, JiraError> {
    find_project(&project)?;
    let types: Vec<Value> = seed::ISSUE_TYPES
        .iter()
        .map(|issue_type| issue_type_json(&shared, issue_type))
        .collect();
    Ok(Json(page(&shared, &query, types, "issueTypes")?))
}

pub(crate) async fn createmeta_fields(
    axum::extract::State(shared): AppState,
    Path((project, issue_type)): Path<(String, String)>,
    Query(query): QueryPairs,
) -> Result<Json<Value>, JiraError> {
    let project = find_project(&project)?;
    let Some(issue_type) = seed::issue_type(&issue_type) else {
        return Err(JiraError::not_found(format!("Issue type with id '{issue_type}' does not exist or is not visible.")));
    };
    let fields: Vec<Value> = screen_fields(issue_type)
        .iter()
        .map(|field| field_meta(&shared, project, issue_type, field))
        .collect();
    Ok(Json(page(&shared, &query, fields, "fields")?))
}

/// Pages a list in the dialect's createmeta shape: `{<cloud_name>: [...]}` on Cloud,
/// `{values: [...], isLast}` on Data Center.
fn page(shared: &Shared, query: &[(String, String)], items: Vec<Value>, cloud_name: &str) -> Result<Value, JiraError> {
    let start_at = query_number(query, "startAt")?.unwrap_or(0);
    let max_results = query_number(query, "maxResults")?.unwrap_or(50).min(MAX_PAGE);
    let total = items.len() as u64;
    let slice: Vec<Value> = items.into_iter().skip(start_at as usize).take(max_results as usize).collect();
    Ok(match shared.config.mode {
        Mode::Cloud => json!({"startAt": start_at, "maxResults": max_results, "total": total, cloud_name: slice}),
        Mode::DataCenter => json!({
            "startAt": start_at,
            "maxResults": max_results,
            "total": total,
            "isLast": start_at + max_results >= total,
            "values": slice,
        }),
    })
}

pub(crate) fn find_project(key_or_id: &str) -> Result<&'static SeedProject, JiraError> {
    seed::project(key_or_id)
        .ok_or_else(|| JiraError::not_found(format!("No project could be found with key '{key_or_id}'.")))
}

/// Returns the ids of the fields on an issue type's create screen, in screen order.
pub(crate) fn screen_fields(issue_type: &SeedIssueType) -> Vec<&'static str> {
    let mut fields = vec!["project", "issuetype"];
    fields.extend_from_slice(issue_type.fields);
    fields
}

/// Returns a field's display name.
pub(crate) fn field_name(field: &str) -> &'static str {
    match field {
        "project" => "Project",
        "issuetype" => "Issue Type",
        "summary" => "Summary",
        "description" => "Description",
        "priority" => "Priority",
        "labels" => "Labels",
        "assignee" => "Assignee",
        "duedate" => "Due date",
        SEVERITY_FIELD => "Severity",
        STEPS_FIELD => "Steps to reproduce",
        POINTS_FIELD => "Story points",
        PLATFORMS_FIELD => "Platforms",
        _ => "Unknown",
    }
}

/// Returns whether the create screen of `issue_type` requires `field`.
pub(crate) fn is_required(issue_type: &SeedIssueType, field: &str) -> bool {
    matches!(field, "project" | "issuetype" | "summary") || issue_type.required.contains(&field)
}

fn field_meta(shared: &Shared, project: &SeedProject, issue_type: &SeedIssueType, field: &str) -> Value {
    let system = |kind: &str| json!({"type": kind, "system": field});
    let custom = |kind: &str, plugin: &str, id: u64| {
        json!({"type": kind, "custom": format!("com.atlassian.jira.plugin.system.customfieldtypes:{plugin}"), "customId": id})
    };
    let options = |options: &[seed::SeedOption], base: &str, label: &str| -> Value {
        options
            .iter()
            .map(|option| json!({"self": format!("{base}/{}", option.id), "id": option.id, label: option.value}))
            .collect()
    };
    let api = shared.api_base();

    let (schema, allowed_values, default_value) = match field {
        "project" => (system("project"), Some(json!([project_json(shared, project)])), None),
        "issuetype" => (system("issuetype"), Some(json!([issue_type_json(shared, issue_type)])), None),
        "summary" | "description" => (system("string"), None, None),
        "duedate" => (system("date"), None, None),
        "assignee" => (system("user"), None, None),
        "labels" => (json!({"type": "array", "items": "string", "system": "labels"}), None, None),
        "priority" => (
            system("priority"),
            Some(options(seed::PRIORITIES, &format!("{api}/priority"), "name")),
            Some(json!({"id": "3", "name": "Medium"})),
        ),
        SEVERITY_FIELD => (
            custom("option", "select", 10050),
            Some(options(seed::SEVERITY_OPTIONS, &format!("{api}/customFieldOption"), "value")),
            None,
        ),
        STEPS_FIELD => (custom("string", "textarea", 10060), None, None),
        POINTS_FIELD => (custom("number", "float", 10070), None, None),
        PLATFORMS_FIELD => {
            let mut schema = custom("array", "multicheckboxes", 10080);
            schema["items"] = json!("option");
            (schema, Some(options(seed::PLATFORM_OPTIONS, &format!("{api}/customFieldOption"), "value")), None)
        }
        other => unreachable!("field {other} is on a seeded screen but has no metadata"),
    };

    let mut meta = json!({
        "required": is_required(issue_type, field),
        "schema": schema,
        "name": field_name(field),
        "fieldId": field,
        "key": field,
        "hasDefaultValue": default_value.is_some(),
        "operations": ["set"],
    });
    if let Some(values) = allowed_values {
        meta["allowedValues"] = values;
    }
    if let Some(value) = default_value {
        meta["defaultValue"] = value;
    }
    if field == "assignee" {
        meta["autoCompleteUrl"] = json!(format!("{api}/user/assignable/search?project={}&query=", project.key));
    }
    meta
}

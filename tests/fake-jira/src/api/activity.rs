//! Work on an existing issue: comments, transitions, assignee, worklogs, remote links,
//! watchers and attachments.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Map, Value};

use super::properties::issue_not_found;
use super::{check_rich_text, parse_json, parse_object, query_value, user_json, users, AppState};
use crate::config::Mode;
use crate::error::JiraError;
use crate::seed;
use crate::state::{jira_timestamp, Shared};

type Reply = Result<(StatusCode, Json<Value>), JiraError>;

pub(crate) async fn add_comment(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    body: Bytes,
) -> Reply {
    let body = parse_object(&body, "CommentJsonBean", &["body", "visibility", "properties"])?;
    let Some(text) = body.get("body").filter(|value| !value.is_null()) else {
        return Err(field_error("comment", "Comment body can not be empty!"));
    };
    if let Err(message) = check_rich_text(shared.config.mode, text) {
        return Err(field_error("comment", &message));
    }

    let mut inner = shared.lock();
    let id = inner.next_comment_id.to_string();
    inner.next_comment_id += 1;
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    stored.comments.push(text.clone());
    let issue_id = stored.id.clone();
    drop(inner);

    let now = jira_timestamp();
    let comment = json!({
        "self": format!("{}/issue/{issue_id}/comment/{id}", shared.api_base()),
        "id": id,
        "author": user_json(&shared),
        "updateAuthor": user_json(&shared),
        "body": text,
        "created": now,
        "updated": now,
    });
    Ok((StatusCode::CREATED, Json(comment)))
}

pub(crate) async fn list_comments(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let inner = shared.lock();
    let stored = inner.issue(&issue).ok_or_else(|| issue_not_found(&issue))?;
    let comments: Vec<Value> = stored
        .comments
        .iter()
        .enumerate()
        .map(|(index, body)| json!({"id": index.to_string(), "author": user_json(&shared), "body": body}))
        .collect();
    Ok(Json(json!({"startAt": 0, "maxResults": comments.len(), "total": comments.len(), "comments": comments})))
}

pub(crate) async fn list_transitions(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, JiraError> {
    let with_fields = query_value(&query, "expand").is_some_and(|expand| expand.split(',').any(|item| item.trim() == "transitions.fields"));
    let inner = shared.lock();
    let stored = inner.issue(&issue).ok_or_else(|| issue_not_found(&issue))?;
    let transitions: Vec<Value> = seed::TRANSITIONS
        .iter()
        .filter(|(_, _, target)| *target != stored.status_id)
        .map(|(id, name, target)| {
            let status = seed::status(target).expect("transitions lead to seeded statuses");
            let mut transition = json!({
                "id": id,
                "name": name,
                "to": {"id": status.id, "name": status.value},
                "hasScreen": *id == seed::RESOLVE_TRANSITION,
                "isGlobal": true,
                "isInitial": false,
                "isConditional": false,
            });
            if with_fields {
                transition["fields"] = transition_screen(&shared, id);
            }
            transition
        })
        .collect();
    Ok(Json(json!({"expand": "transitions", "transitions": transitions})))
}

/// Fields on a transition's screen, keyed by field id, as `expand=transitions.fields`
/// returns them. Only `Resolve` has a screen: a required resolution.
fn transition_screen(shared: &Shared, transition_id: &str) -> Value {
    if transition_id != seed::RESOLVE_TRANSITION {
        return json!({});
    }
    let allowed: Vec<Value> = seed::RESOLUTIONS
        .iter()
        .map(|resolution| {
            json!({"self": format!("{}/resolution/{}", shared.api_base(), resolution.id), "id": resolution.id, "name": resolution.value})
        })
        .collect();
    json!({
        "resolution": {
            "required": true,
            "schema": {"type": "resolution", "system": "resolution"},
            "name": "Resolution",
            "key": "resolution",
            "hasDefaultValue": false,
            "operations": ["set"],
            "allowedValues": allowed,
        }
    })
}

pub(crate) async fn do_transition(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    body: Bytes,
) -> Result<StatusCode, JiraError> {
    let body = parse_object(&body, "IssueUpdateBean", &["transition", "fields", "update", "historyMetadata", "properties"])?;
    let Some(id) = body.get("transition").and_then(|transition| transition.get("id")).and_then(Value::as_str) else {
        return Err(JiraError::bad_request("Missing 'transition' identifier"));
    };
    let empty = Map::new();
    let fields = body.get("fields").and_then(Value::as_object).unwrap_or(&empty);

    let mut inner = shared.lock();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    let transition = seed::TRANSITIONS
        .iter()
        .find(|(transition_id, _, target)| *transition_id == id && *target != stored.status_id);
    let Some((_, _, target)) = transition else {
        return Err(JiraError::bad_request(format!("Transition id '{id}' is not valid for this issue.")));
    };
    let mut errors = Map::new();
    for field in fields.keys() {
        if id != seed::RESOLVE_TRANSITION || field != "resolution" {
            errors.insert(field.clone(), json!(format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.")));
        }
    }
    if id == seed::RESOLVE_TRANSITION {
        let resolution = fields.get("resolution").and_then(|value| value.get("id")).and_then(Value::as_str);
        match resolution {
            Some(resolution) if seed::RESOLUTIONS.iter().any(|option| option.id == resolution) => {
                stored.fields.insert("resolution".to_owned(), json!({"id": resolution}));
            }
            Some(resolution) => {
                errors.insert("resolution".to_owned(), json!(format!("Resolution id '{resolution}' is not valid.")));
            }
            None => {
                errors.insert("resolution".to_owned(), json!("Resolution is required."));
            }
        }
    }
    if !errors.is_empty() {
        return Err(JiraError::fields(errors));
    }
    stored.status_id = (*target).to_owned();
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the assignee: `{"accountId": ...}` on Cloud, `{"name": ...}` on Data Center; null
/// unassigns.
pub(crate) async fn assign(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    body: Bytes,
) -> Result<StatusCode, JiraError> {
    let body = parse_json(&body)?;
    let field = users::id_field(shared.config.mode);
    let assignee = match body.get(field) {
        Some(Value::Null) => Value::Null,
        Some(Value::String(user)) if users::user_by_id(&shared, user).is_some() => json!({field: user}),
        Some(Value::String(user)) => {
            return Err(field_error("assignee", &format!("User '{user}' cannot be assigned issues.")))
        }
        _ => {
            let message = format!("Specify the assignee as {{\"{field}\": ...}} or null to unassign.");
            return Err(field_error("assignee", &message));
        }
    };

    let mut inner = shared.lock();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    stored.fields.insert("assignee".to_owned(), assignee);
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn add_worklog(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Reply {
    check_estimate_adjustment(&query)?;
    let allowed = ["timeSpent", "timeSpentSeconds", "started", "comment", "visibility", "properties"];
    let body = parse_object(&body, "WorklogJsonBean", &allowed)?;
    let seconds = match (body.get("timeSpent"), body.get("timeSpentSeconds")) {
        (Some(Value::String(text)), _) => parse_duration(text)
            .ok_or_else(|| field_error("timeLogged", &format!("Invalid time duration entered: {text:?}")))?,
        (None, Some(value)) => value
            .as_u64()
            .filter(|seconds| *seconds > 0)
            .ok_or_else(|| field_error("timeLogged", "timeSpentSeconds must be a positive integer"))?,
        _ => return Err(field_error("timeLogged", "You must indicate the time spent working.")),
    };
    if let Some(comment) = body.get("comment") {
        check_rich_text(shared.config.mode, comment).map_err(|message| field_error("comment", &message))?;
    }
    if let Some(started) = body.get("started") {
        let shaped = started.as_str().is_some_and(|text| text.len() >= 28 && text.as_bytes()[10] == b'T');
        if !shaped {
            return Err(field_error("started", "Use the format yyyy-MM-dd'T'HH:mm:ss.SSSZ, such as 2025-01-31T09:15:00.000+0000."));
        }
    }

    let mut inner = shared.lock();
    let id = (10_000 + inner.issues.iter().map(|issue| issue.worklogs.len()).sum::<usize>()).to_string();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    stored.worklogs.push(Value::Object(body.clone()));
    let issue_id = stored.id.clone();
    drop(inner);

    let worklog = json!({
        "self": format!("{}/issue/{issue_id}/worklog/{id}", shared.api_base()),
        "id": id,
        "issueId": issue_id,
        "author": user_json(&shared),
        "timeSpentSeconds": seconds,
        "started": body.get("started").cloned().unwrap_or_else(|| json!(jira_timestamp())),
    });
    Ok((StatusCode::CREATED, Json(worklog)))
}

/// Checks `adjustEstimate` and the parameter each mode needs: `newEstimate` for `new`,
/// `reduceBy` for `manual`.
fn check_estimate_adjustment(query: &[(String, String)]) -> Result<(), JiraError> {
    let needs = match query_value(query, "adjustEstimate") {
        None | Some("auto") | Some("leave") => None,
        Some("new") => Some("newEstimate"),
        Some("manual") => Some("reduceBy"),
        Some(other) => {
            return Err(JiraError::bad_request(format!("adjustEstimate must be auto, leave, new or manual, got {other:?}")))
        }
    };
    if let Some(parameter) = needs {
        let valid = query_value(query, parameter).is_some_and(|value| parse_duration(value).is_some());
        if !valid {
            return Err(JiraError::bad_request(format!("{parameter} must be a duration such as 2h when adjustEstimate is {}", query_value(query, "adjustEstimate").unwrap_or(""))));
        }
    }
    Ok(())
}

/// Parses Jira's duration text, such as `1h 30m` or `2d`, into seconds with Jira's
/// default working time of 8-hour days and 5-day weeks.
fn parse_duration(text: &str) -> Option<u64> {
    let mut total = 0;
    for part in text.split_whitespace() {
        let (number, unit) = part.split_at(part.len().checked_sub(1)?);
        let number: u64 = number.parse().ok()?;
        total += number
            * match unit {
                "w" => 5 * 8 * 3600,
                "d" => 8 * 3600,
                "h" => 3600,
                "m" => 60,
                _ => return None,
            };
    }
    (total > 0).then_some(total)
}

/// Adds a remote link; a `globalId` already on the issue updates that link instead.
pub(crate) async fn add_remote_link(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    body: Bytes,
) -> Reply {
    let body = parse_object(&body, "RemoteIssueLinkCreateOrUpdateRequest", &["globalId", "application", "relationship", "object"])?;
    let mut errors = Map::new();
    for field in ["url", "title"] {
        let present = body
            .get("object")
            .and_then(|object| object.get(field))
            .and_then(Value::as_str)
            .is_some_and(|text| !text.is_empty());
        if !present {
            errors.insert(field.to_owned(), json!(format!("'{field}' is required.")));
        }
    }
    if !errors.is_empty() {
        return Err(JiraError::fields(errors));
    }

    let global_id = body.get("globalId").and_then(Value::as_str).map(str::to_owned);
    let mut inner = shared.lock();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    let existing = global_id.as_ref().and_then(|global_id| {
        stored
            .remote_links
            .iter()
            .position(|link| link.get("globalId").and_then(Value::as_str) == Some(global_id))
    });
    let (index, status) = match existing {
        Some(index) => {
            stored.remote_links[index] = Value::Object(body);
            (index, StatusCode::OK)
        }
        None => {
            stored.remote_links.push(Value::Object(body));
            (stored.remote_links.len() - 1, StatusCode::CREATED)
        }
    };
    let id = 10_000 + index;
    let link_self = format!("{}/issue/{}/remotelink/{id}", shared.api_base(), stored.key);
    Ok((status, Json(json!({"id": id, "self": link_self}))))
}

pub(crate) async fn list_remote_links(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
) -> Result<Json<Value>, JiraError> {
    let inner = shared.lock();
    let stored = inner.issue(&issue).ok_or_else(|| issue_not_found(&issue))?;
    let links: Vec<Value> = stored
        .remote_links
        .iter()
        .enumerate()
        .map(|(index, link)| {
            let mut link = link.clone();
            link["id"] = json!(10_000 + index);
            link
        })
        .collect();
    Ok(Json(Value::Array(links)))
}

/// Adds a watcher. The body is a JSON string: an account id on Cloud, a user name on Data
/// Center. An empty body adds the calling account, as on Jira.
pub(crate) async fn add_watcher(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    body: Bytes,
) -> Result<StatusCode, JiraError> {
    let expected = match shared.config.mode {
        Mode::Cloud => shared.config.account_id.clone(),
        Mode::DataCenter => shared.config.username.clone(),
    };
    let watcher = if body.is_empty() {
        expected.clone()
    } else {
        match parse_json(&body)? {
            Value::String(user) => user,
            other => {
                return Err(JiraError::bad_request(format!(
                    "The watcher must be a JSON string, got {}",
                    crate::adf::json_type(&other)
                )))
            }
        }
    };
    if watcher != expected {
        return Err(JiraError::not_found(format!("The user '{watcher}' does not exist.")));
    }

    let mut inner = shared.lock();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    if !stored.watchers.contains(&watcher) {
        stored.watchers.push(watcher);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a watcher named by `accountId` (Cloud) or `username` (Data Center).
pub(crate) async fn remove_watcher(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<StatusCode, JiraError> {
    let parameter = match shared.config.mode {
        Mode::Cloud => "accountId",
        Mode::DataCenter => "username",
    };
    let Some(watcher) = query_value(&query, parameter) else {
        return Err(JiraError::bad_request(format!("Specify the watcher to remove with the {parameter} parameter.")));
    };
    if users::user_by_id(&shared, watcher).is_none() {
        return Err(JiraError::not_found(format!("The user '{watcher}' does not exist.")));
    }

    let mut inner = shared.lock();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    stored.watchers.retain(|existing| existing != watcher);
    Ok(StatusCode::NO_CONTENT)
}

/// Adds attachments from a multipart upload. Jira requires the `file` part name and the
/// `X-Atlassian-Token: no-check` header, which turns off its XSRF check.
pub(crate) async fn add_attachment(
    axum::extract::State(shared): AppState,
    Path(issue): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Json<Value>, JiraError> {
    let token = headers.get("x-atlassian-token").and_then(|value| value.to_str().ok());
    if token != Some("no-check") {
        return Err(JiraError::message(StatusCode::FORBIDDEN, "XSRF check failed: send X-Atlassian-Token: no-check"));
    }

    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| JiraError::bad_request(format!("Invalid multipart body: {error}")))?
    {
        if field.name() != Some("file") {
            let name = field.name().unwrap_or("").to_owned();
            return Err(JiraError::bad_request(format!("Unexpected multipart part {name:?}: attachments go in parts named \"file\"")));
        }
        let filename = field.file_name().unwrap_or("").to_owned();
        let mime_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
        if filename.is_empty() {
            return Err(JiraError::bad_request("An attachment part has no filename"));
        }
        let data = field
            .bytes()
            .await
            .map_err(|error| JiraError::bad_request(format!("Invalid multipart body: {error}")))?;
        files.push((filename, mime_type, data.len()));
    }
    if files.is_empty() {
        return Err(JiraError::bad_request("No attachment parts named \"file\" in the upload"));
    }

    let mut inner = shared.lock();
    let first_id = 10_001 + inner.issues.iter().map(|issue| issue.attachments.len()).sum::<usize>();
    let stored = inner.issue_mut(&issue).ok_or_else(|| issue_not_found(&issue))?;
    let mut reply = Vec::new();
    for (id, (filename, mime_type, size)) in (first_id..).zip(files) {
        stored.attachments.push((filename.clone(), size));
        reply.push(attachment_json(&shared, id, &filename, &mime_type, size));
    }
    Ok(Json(Value::Array(reply)))
}

fn attachment_json(shared: &Shared, id: usize, filename: &str, mime_type: &str, size: usize) -> Value {
    json!({
        "self": format!("{}/attachment/{id}", shared.api_base()),
        "id": id.to_string(),
        "filename": filename,
        "author": user_json(shared),
        "created": jira_timestamp(),
        "size": size,
        "mimeType": mime_type,
        "content": format!("{}/secure/attachment/{id}/{filename}", shared.base_url),
    })
}

fn field_error(field: &str, message: &str) -> JiraError {
    let mut errors = Map::new();
    errors.insert(field.to_owned(), json!(message));
    JiraError::fields(errors)
}

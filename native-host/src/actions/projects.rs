//! Projects and the issue types that can be created in them, for the popup's pickers.

use jira_bridge_protocol::{Deployment, ErrorCode, ErrorReply, IssueType, Project, Response};
use serde_json::Value;

use crate::host::Host;
use crate::text::shorten;

/// Most projects listed in one reply; the popup narrows the list with `query` beyond it.
const MAX_PROJECTS: usize = 500;

/// Page size of `project/search`, the most Jira Cloud allows.
const PROJECT_PAGE_SIZE: usize = 100;

pub async fn list_projects(host: &Host, site_url: Option<&str>, query: Option<&str>) -> Result<Response, ErrorReply> {
    let (client, _) = host.client_for(site_url).await?;
    let query = query.map(str::trim).filter(|query| !query.is_empty());

    let mut projects = Vec::new();
    let mut more_on_site = false;
    match client.deployment() {
        Deployment::Cloud => {
            let mut start_at = 0;
            loop {
                let mut parameters = vec![
                    ("startAt", start_at.to_string()),
                    ("maxResults", PROJECT_PAGE_SIZE.to_string()),
                    ("orderBy", "name".to_string()),
                ];
                if let Some(query) = query {
                    parameters.push(("query", query.to_string()));
                }
                let page = client.get("/rest/api/3/project/search", &parameters).await?;
                let values = page["values"].as_array().cloned().unwrap_or_default();
                projects.extend(values.iter().filter_map(project));
                let is_last = page["isLast"].as_bool().unwrap_or(true);
                if is_last || values.is_empty() {
                    break;
                }
                if projects.len() >= MAX_PROJECTS {
                    more_on_site = true;
                    break;
                }
                start_at += values.len();
            }
        }
        Deployment::DataCenter => {
            // Data Center's /project returns every visible project in one answer.
            let all = client.get("/rest/api/2/project", &[]).await?;
            let needle = query.map(str::to_lowercase);
            projects.extend(all.as_array().into_iter().flatten().filter_map(project).filter(|project| {
                needle.as_ref().is_none_or(|needle| {
                    project.key.to_lowercase().contains(needle) || project.name.to_lowercase().contains(needle)
                })
            }));
        }
    }
    let truncated = more_on_site || projects.len() > MAX_PROJECTS;
    projects.truncate(MAX_PROJECTS);
    if truncated {
        log::info!("listed the first {MAX_PROJECTS} projects; more match on {}", client.site_url());
    }
    Ok(Response::Projects { projects, truncated })
}

pub async fn list_issue_types(host: &Host, site_url: Option<&str>, project_key: &str) -> Result<Response, ErrorReply> {
    let project_key = project_key.trim();
    if !is_project_key(project_key) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, format!("\"{}\" is not a project key. Choose a project from the list.", shorten(project_key, 40))).with_details(serde_json::json!({ "field": "projectKey" })));
    }
    let (client, _) = host.client_for(site_url).await?;

    let path = format!("{}/issue/createmeta/{project_key}/issuetypes", client.api());
    let page = client.get(&path, &[("maxResults", "200".to_string())]).await?;
    // Cloud names the list `issueTypes`; Data Center pages it as `values`.
    let items = page["issueTypes"].as_array().or_else(|| page["values"].as_array()).cloned().unwrap_or_default();
    let issue_types = items
        .iter()
        .filter_map(|item| {
            Some(IssueType {
                id: item["id"].as_str()?.to_string(),
                name: item["name"].as_str()?.to_string(),
                subtask: item["subtask"].as_bool().unwrap_or(false),
            })
        })
        .collect();
    Ok(Response::IssueTypes { issue_types })
}

fn project(value: &Value) -> Option<Project> {
    Some(Project {
        id: value["id"].as_str()?.to_string(),
        key: value["key"].as_str()?.to_string(),
        name: value["name"].as_str()?.to_string(),
    })
}

/// Checks the shape of a project key: a letter, then letters, digits or underscores
/// (`WEB`, `AB2`, `PRODUCT_2013`). Keeping other characters out keeps the key safe to
/// put in a URL path.
pub fn is_project_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(first) if first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.len() <= 255
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_keys_with_digits_and_underscores() {
        for key in ["WEB", "AB2", "PRODUCT_2013", "a1"] {
            assert!(is_project_key(key), "{key} should be a project key");
        }
        for key in ["", "2AB", "WEB/../x", "WEB-1", "W EB"] {
            assert!(!is_project_key(key), "{key:?} should not be a project key");
        }
    }
}

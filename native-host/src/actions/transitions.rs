//! Workflow transitions: the ones the issue can take now, with the fields their screens
//! ask for (`expand=transitions.fields`), and moving the issue through one.

use std::collections::BTreeMap;

use jira_bridge_protocol::{ErrorCode, ErrorReply, Response, Transition};
use serde_json::{json, Value};

use crate::actions::fields::{build_fields, field_meta};
use crate::actions::issue::{checked_key, fetch_summary, not_found_names_key};
use crate::host::Host;
use crate::jira::JiraClient;
use crate::text::shorten;

pub async fn list_transitions(host: &Host, site_url: Option<&str>, key: &str) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let (client, _) = host.client_for(site_url).await?;

    let transitions = fetch_transitions(&client, &key).await?;
    Ok(Response::Transitions { key, transitions })
}

pub async fn transition_issue(
    host: &Host,
    site_url: Option<&str>,
    key: &str,
    transition_id: &str,
    values: &BTreeMap<String, Value>,
) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let transition_id = transition_id.trim();
    if transition_id.is_empty() || !transition_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "Choose a transition from the list.").with_details(json!({ "field": "transitionId" })));
    }
    let (client, _) = host.client_for(site_url).await?;

    // The screen's fields decide how each value is built, and which values Jira accepts.
    let transitions = fetch_transitions(&client, &key).await?;
    let Some(transition) = transitions.iter().find(|transition| transition.id == transition_id) else {
        let names: Vec<&str> = transitions.iter().map(|transition| transition.name.as_str()).collect();
        return Err(ErrorReply::new(
            ErrorCode::InvalidInput,
            format!("{key} cannot take transition {} now; someone may have moved it. Available: {}.", shorten(transition_id, 20), names.join(", ")),
        )
        .with_details(json!({ "field": "transitionId", "available": names })));
    };
    let screen_name = format!("screen of the transition \"{}\"", transition.name);
    let fields = build_fields(client.deployment(), &transition.fields, values, &[], &screen_name)?;

    let mut body = json!({ "transition": { "id": transition_id } });
    if !fields.is_empty() {
        body["fields"] = Value::Object(fields);
    }
    let path = format!("{}/issue/{key}/transitions", client.api());
    client.post(&path, &body).await.map_err(|error| not_found_names_key(error, &key, &client))?;
    log::info!("moved {key} through transition {transition_id} ({})", transition.name);

    let issue = fetch_summary(&client, &key).await?;
    Ok(Response::Issue { issue })
}

async fn fetch_transitions(client: &JiraClient, key: &str) -> Result<Vec<Transition>, ErrorReply> {
    let path = format!("{}/issue/{key}/transitions", client.api());
    let reply = client
        .get(&path, &[("expand", "transitions.fields".to_string())])
        .await
        .map_err(|error| not_found_names_key(error, key, client))?;
    Ok(reply["transitions"].as_array().into_iter().flatten().filter_map(transition).collect())
}

fn transition(value: &Value) -> Option<Transition> {
    let fields = value["fields"]
        .as_object()
        .map(|fields| fields.iter().map(|(id, meta)| field_meta(id, meta)).collect())
        .unwrap_or_default();
    Some(Transition {
        id: value["id"].as_str()?.to_string(),
        name: value["name"].as_str().unwrap_or("").to_string(),
        to_status: value["to"]["name"].as_str().unwrap_or("").to_string(),
        fields,
    })
}

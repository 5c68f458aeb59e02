//! Watching and unwatching an issue as the account the token belongs to.

use jira_bridge_protocol::{Deployment, ErrorReply, Response};
use reqwest::Method;
use serde_json::Value;

use crate::actions::issue::{checked_key, not_found_names_key};
use crate::host::Host;

pub async fn set_watching(host: &Host, site_url: Option<&str>, key: &str, watching: bool) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let (client, site) = host.client_for(site_url).await?;

    let path = format!("{}/issue/{key}/watchers", client.api());
    let result = if watching {
        // The body is the user as a JSON string: an account id on Cloud, a name on Data Center.
        client.post(&path, &Value::String(site.account_id.clone())).await
    } else {
        let parameter = match client.deployment() {
            Deployment::Cloud => "accountId",
            Deployment::DataCenter => "username",
        };
        client.send(Method::DELETE, &path, &[(parameter, site.account_id.clone())], None).await
    };
    result.map_err(|error| not_found_names_key(error, &key, &client))?;

    log::info!("{} {key}", if watching { "watching" } else { "stopped watching" });
    Ok(Response::Watching { key, watching })
}

//! Linking the page the person is on to an issue as a remote link. The page URL is the
//! link's `globalId`, so linking the same page twice updates the link instead of adding
//! a second one.

use jira_bridge_protocol::{ErrorCode, ErrorReply, Response};
use serde_json::{json, Value};

use crate::actions::issue::{checked_key, not_found_names_key};
use crate::host::Host;
use crate::text::shorten;

/// Maximum remote link title length Jira stores, in characters.
const MAX_TITLE_CHARS: usize = 255;

/// Maximum page URL length accepted, in characters.
const MAX_URL_CHARS: usize = 4000;

pub async fn link_page(host: &Host, site_url: Option<&str>, key: &str, url: &str, title: Option<&str>) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let url = url.trim();
    let parsed = url::Url::parse(url).ok().filter(|parsed| matches!(parsed.scheme(), "http" | "https"));
    if parsed.is_none() || url.chars().count() > MAX_URL_CHARS {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, format!("\"{}\" is not a web page address (http or https).", shorten(url, 200)))
            .with_details(json!({ "field": "url" })));
    }
    let title: String = title.map(|title| title.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|title| !title.is_empty()).unwrap_or_else(|| url.to_string());
    let title = shorten(&title, MAX_TITLE_CHARS - 1);
    let (client, _) = host.client_for(site_url).await?;

    let body = json!({
        "globalId": url,
        "object": { "url": url, "title": title },
    });
    let path = format!("{}/issue/{key}/remotelink", client.api());
    let reply = client.post(&path, &body).await.map_err(|error| not_found_names_key(error, &key, &client))?;

    let link_id = match &reply["id"] {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        _ => String::new(),
    };
    log::info!("linked a page to {key} (remote link {link_id})");
    Ok(Response::PageLinked { key, link_id })
}

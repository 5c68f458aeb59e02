//! Calls into the WebExtension API (`browser` on Firefox, `chrome` on Chromium).
//!
//! Both browsers return promises from these functions in Manifest V3, so every call is an
//! `async fn`. The API object is looked up at call time because its global name differs
//! between browsers.

use crate::relay::{self, RelayError};
use jira_bridge_protocol::{Request, Response};
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Title and URL of the tab the popup was opened on; empty when the browser withheld them.
#[derive(Debug, Default, Clone)]
pub struct TabInfo {
    pub id: Option<i32>,
    pub window_id: Option<i32>,
    pub title: String,
    pub url: String,
}

/// Sends a request to the background script, which relays it to the native host.
pub async fn send_request(request: &Request) -> Result<Response, RelayError> {
    let message = JSON::parse(&relay::encode_request(request))
        .map_err(|error| RelayError::Relay(describe(&error)))?;

    let reply = call(&["runtime", "sendMessage"], &[message])
        .await
        .map_err(|error| RelayError::Relay(describe(&error)))?;
    if reply.is_undefined() || reply.is_null() {
        return Err(RelayError::Relay("the background sent no reply".into()));
    }

    let text = JSON::stringify(&reply)
        .map_err(|error| RelayError::Relay(describe(&error)))?
        .as_string()
        .unwrap_or_default();
    relay::decode_reply(&text)
}

/// Reads a value from `storage.local` as JSON text; `None` when the key is not set.
pub async fn storage_get(key: &str) -> Result<Option<String>, JsValue> {
    let items = call(&["storage", "local", "get"], &[JsValue::from_str(key)]).await?;

    let value = Reflect::get(&items, &JsValue::from_str(key))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    Ok(JSON::stringify(&value)?.as_string())
}

/// Writes JSON text to `storage.local` under `key`, as an object rather than a string.
pub async fn storage_set(key: &str, json: &str) -> Result<(), JsValue> {
    let items = Object::new();
    Reflect::set(&items, &JsValue::from_str(key), &JSON::parse(json)?)?;

    call(&["storage", "local", "set"], &[items.into()]).await?;
    Ok(())
}

/// Deletes `key` from `storage.local`.
pub async fn storage_remove(key: &str) -> Result<(), JsValue> {
    call(&["storage", "local", "remove"], &[JsValue::from_str(key)]).await?;
    Ok(())
}

/// Returns the tab the popup is about: the tab named by `?tabId=N` in the popup's URL
/// (used when the popup page is opened as a normal tab, as the browser tests do), else the
/// active tab of the current window.
///
/// NOTE: without the `tabs` permission the browser fills in `title` and `url` only while
/// `activeTab` is granted, that is after the person clicked the toolbar button or pressed
/// its shortcut. Otherwise both come back empty and the form starts blank.
pub async fn current_tab(tab_id: Option<i32>) -> Result<TabInfo, JsValue> {
    let tab = match tab_id {
        Some(id) => call(&["tabs", "get"], &[JsValue::from(id)]).await?,
        None => {
            let query = Object::new();
            Reflect::set(&query, &"active".into(), &JsValue::TRUE)?;
            Reflect::set(&query, &"currentWindow".into(), &JsValue::TRUE)?;
            let tabs: Array = call(&["tabs", "query"], &[query.into()])
                .await?
                .dyn_into()?;
            tabs.get(0)
        }
    };

    if !tab.is_object() {
        return Ok(TabInfo::default());
    }
    let text = |name: &str| {
        Reflect::get(&tab, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    let number = |name: &str| {
        Reflect::get(&tab, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_f64())
            .map(|v| v as i32)
    };
    Ok(TabInfo {
        id: number("id"),
        window_id: number("windowId"),
        title: text("title").unwrap_or_default(),
        url: text("url").unwrap_or_default(),
    })
}

/// Returns the text selected in the tab, read by running `selection.js` in it with
/// `scripting.executeScript`. Works only while `activeTab` is granted for the tab; the
/// caller treats an error as "no selection".
pub async fn selected_text(tab_id: i32) -> Result<String, JsValue> {
    let target = Object::new();
    Reflect::set(&target, &"tabId".into(), &JsValue::from(tab_id))?;
    let options = Object::new();
    Reflect::set(&options, &"target".into(), &target)?;
    let files: Array = std::iter::once(JsValue::from_str("selection.js")).collect();
    Reflect::set(&options, &"files".into(), &files)?;

    let results: Array = call(&["scripting", "executeScript"], &[options.into()])
        .await?
        .dyn_into()?;
    let first = results.get(0);
    if !first.is_object() {
        return Ok(String::new());
    }
    Ok(Reflect::get(&first, &"result".into())?.as_string().unwrap_or_default())
}

/// Captures the visible part of the window's active tab as PNG and returns it as base64,
/// without the `data:` prefix. Needs `activeTab` granted on that tab.
pub async fn capture_visible_tab(window_id: Option<i32>) -> Result<String, JsValue> {
    let options = Object::new();
    Reflect::set(&options, &"format".into(), &"png".into())?;
    let window = window_id.map(JsValue::from).unwrap_or(JsValue::NULL);

    let data_url = call(&["tabs", "captureVisibleTab"], &[window, options.into()])
        .await?
        .as_string()
        .unwrap_or_default();
    match data_url.split_once(";base64,") {
        Some((prefix, data)) if prefix == "data:image/png" => Ok(data.to_string()),
        _ => Err(JsValue::from_str("the browser returned no PNG image")),
    }
}

/// Opens `url` in a new tab next to the current one.
pub async fn open_tab(url: &str) -> Result<(), JsValue> {
    let properties = Object::new();
    Reflect::set(&properties, &"url".into(), &JsValue::from_str(url))?;
    call(&["tabs", "create"], &[properties.into()]).await?;
    Ok(())
}

/// Calls the API function at `path` (for example `["storage", "local", "get"]`) with its
/// namespace as `this`, and awaits the result when it is a promise.
async fn call(path: &[&str], args: &[JsValue]) -> Result<JsValue, JsValue> {
    let (method, namespaces) = path
        .split_last()
        .ok_or_else(|| JsValue::from_str("empty API path"))?;

    let mut target = extension_api()?;
    for namespace in namespaces {
        target = Reflect::get(&target, &JsValue::from_str(namespace))?;
        if !target.is_object() {
            return Err(JsValue::from_str(&format!(
                "the extension API has no {}",
                path.join(".")
            )));
        }
    }
    let function: Function = Reflect::get(&target, &JsValue::from_str(method))?
        .dyn_into()
        .map_err(|_| JsValue::from_str(&format!("{} is not a function", path.join("."))))?;

    let arguments: Array = args.iter().collect();
    let value = function.apply(&target, &arguments)?;
    match value.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(value) => Ok(value),
    }
}

/// Returns `browser` where it exists (Firefox) and `chrome` otherwise.
fn extension_api() -> Result<JsValue, JsValue> {
    let global = js_sys::global();

    for name in ["browser", "chrome"] {
        let candidate = Reflect::get(&global, &JsValue::from_str(name))?;
        if candidate.is_object() && Reflect::get(&candidate, &"runtime".into())?.is_object() {
            return Ok(candidate);
        }
    }
    Err(JsValue::from_str(
        "this page has no WebExtension API; open it as the extension's popup",
    ))
}

/// Returns the message of a JS error, or its string form.
pub fn describe(error: &JsValue) -> String {
    if let Some(text) = error.as_string() {
        return text;
    }
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

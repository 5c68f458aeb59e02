//! Native-host manifests built from the templates in `manifests/`, the caller allow-list
//! (`callers.json`) the host checks on start, and validation of extension ids.

use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::browsers::Family;

/// Id of the jira-bridge extension in Chromium-based browsers, fixed by the `key` in the
/// extension's manifest.json.
pub const CHROME_EXTENSION_ID: &str = "anpegadfdelagnlbdnaabihagcgccfgl";

/// Id of the jira-bridge add-on in Firefox-based browsers (`browser_specific_settings`).
pub const FIREFOX_ADDON_ID: &str = "jira-bridge@jira-bridge.dev";

const CHROMIUM_TEMPLATE: &str = include_str!("../../../manifests/chromium.json");
const FIREFOX_TEMPLATE: &str = include_str!("../../../manifests/firefox.json");

/// Placeholder the templates carry in place of the host's absolute path.
const PATH_PLACEHOLDER: &str = "@HOST_PATH@";

/// The extensions allowed to start the host: written into every manifest and into
/// `callers.json`, so the browser and the host apply the same list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callers {
    pub chrome_extension_ids: Vec<String>,
    pub firefox_addon_ids: Vec<String>,
}

impl Callers {
    /// Returns the built-in ids followed by `extra_chrome` and `extra_firefox`, without
    /// duplicates, after checking that each extra id is well formed.
    pub fn with_extra(
        extra_chrome: &[String],
        extra_firefox: &[String],
    ) -> anyhow::Result<Callers> {
        let mut callers = Callers {
            chrome_extension_ids: vec![CHROME_EXTENSION_ID.to_string()],
            firefox_addon_ids: vec![FIREFOX_ADDON_ID.to_string()],
        };

        for id in extra_chrome {
            validate_chrome_extension_id(id)?;
            if !callers.chrome_extension_ids.contains(id) {
                callers.chrome_extension_ids.push(id.clone());
            }
        }
        for id in extra_firefox {
            validate_firefox_addon_id(id)?;
            if !callers.firefox_addon_ids.contains(id) {
                callers.firefox_addon_ids.push(id.clone());
            }
        }
        Ok(callers)
    }

    /// Returns the text of `callers.json`.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("string lists always serialize");
        text.push('\n');
        text
    }
}

/// Checks a Chromium extension id: 32 letters from `a` to `p` (the hex digits of a SHA-256
/// prefix of the extension's public key, mapped 0-f to a-p).
pub fn validate_chrome_extension_id(id: &str) -> anyhow::Result<()> {
    if id.len() != 32 || !id.bytes().all(|byte| (b'a'..=b'p').contains(&byte)) {
        bail!(
            "invalid Chromium extension id {id:?}: expected 32 letters a-p, as shown on \
             chrome://extensions with Developer mode on"
        );
    }
    Ok(())
}

/// Checks a Firefox add-on id: an email-like id (`name@domain`) or a GUID in braces.
pub fn validate_firefox_addon_id(id: &str) -> anyhow::Result<()> {
    let email_like = id
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    let guid = id.len() == 38
        && id.starts_with('{')
        && id.ends_with('}')
        && id[1..37]
            .bytes()
            .all(|byte| byte.is_ascii_hexdigit() || byte == b'-');
    let plain = id
        .bytes()
        .all(|byte| byte.is_ascii_graphic() && byte != b'"');

    if !(plain && (email_like || guid)) {
        bail!(
            "invalid Firefox add-on id {id:?}: expected name@domain or a GUID in braces, as \
             shown on about:debugging"
        );
    }
    Ok(())
}

/// Renders the manifest of `family` for a host at `host_path`, allowing `callers`.
pub fn render(family: Family, host_path: &Path, callers: &Callers) -> anyhow::Result<String> {
    let (template, list_field, entries): (&str, &str, Vec<String>) = match family {
        Family::Chromium => (
            CHROMIUM_TEMPLATE,
            "allowed_origins",
            callers
                .chrome_extension_ids
                .iter()
                .map(|id| format!("chrome-extension://{id}/"))
                .collect(),
        ),
        Family::Firefox => (
            FIREFOX_TEMPLATE,
            "allowed_extensions",
            callers.firefox_addon_ids.clone(),
        ),
    };

    let host_path = host_path
        .to_str()
        .with_context(|| format!("host path {} is not valid UTF-8", host_path.display()))?;
    if !Path::new(host_path).is_absolute() {
        bail!("host path {host_path} is not absolute; browsers need an absolute path");
    }

    let mut manifest: Value =
        serde_json::from_str(template).context("the built-in manifest template is not JSON")?;
    let object = manifest
        .as_object_mut()
        .context("the built-in manifest template is not a JSON object")?;
    if object.get("path").and_then(Value::as_str) != Some(PATH_PLACEHOLDER) {
        bail!("the built-in manifest template has no {PATH_PLACEHOLDER} path");
    }
    object.insert("path".to_string(), Value::from(host_path));
    object.insert(list_field.to_string(), Value::from(entries));

    let mut text = serde_json::to_string_pretty(&manifest).expect("JSON values always serialize");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_host_and_builtin_ids() {
        let chromium: Value = serde_json::from_str(CHROMIUM_TEMPLATE).unwrap();
        let firefox: Value = serde_json::from_str(FIREFOX_TEMPLATE).unwrap();

        for template in [&chromium, &firefox] {
            assert_eq!(
                template["name"],
                jira_bridge_protocol::NATIVE_HOST_NAME,
                "host name"
            );
            assert_eq!(template["type"], "stdio", "transport type");
            assert_eq!(template["path"], PATH_PLACEHOLDER, "path placeholder");
        }
        assert_eq!(
            chromium["allowed_origins"],
            serde_json::json!([format!("chrome-extension://{CHROME_EXTENSION_ID}/")]),
            "Chromium template lists the built-in extension origin"
        );
        assert!(
            chromium.get("allowed_extensions").is_none(),
            "Chromium rejects allowed_extensions"
        );
        assert_eq!(
            firefox["allowed_extensions"],
            serde_json::json!([FIREFOX_ADDON_ID]),
            "Firefox template lists the built-in add-on id"
        );
        assert!(
            firefox.get("allowed_origins").is_none(),
            "Firefox rejects allowed_origins"
        );
    }

    #[test]
    fn render_sets_path_and_every_id() {
        let extra = "abcdefghijklmnopabcdefghijklmnop".to_string();
        let callers =
            Callers::with_extra(std::slice::from_ref(&extra), &["other@example.org".into()])
                .unwrap();
        let host = if cfg!(windows) {
            Path::new(r"C:\Program Files\jira bridge\jira-bridge-host.exe")
        } else {
            Path::new("/home/a b/.local/share/jira-bridge/bin/jira-bridge-host")
        };

        let chromium: Value =
            serde_json::from_str(&render(Family::Chromium, host, &callers).unwrap()).unwrap();
        let firefox: Value =
            serde_json::from_str(&render(Family::Firefox, host, &callers).unwrap()).unwrap();

        assert_eq!(
            chromium["path"],
            host.to_str().unwrap(),
            "absolute path with spaces kept"
        );
        assert_eq!(
            chromium["allowed_origins"],
            serde_json::json!([
                format!("chrome-extension://{CHROME_EXTENSION_ID}/"),
                format!("chrome-extension://{extra}/"),
            ]),
            "one Chromium manifest carries every origin"
        );
        assert_eq!(
            firefox["allowed_extensions"],
            serde_json::json!([FIREFOX_ADDON_ID, "other@example.org"]),
            "Firefox manifest carries every add-on id"
        );
    }

    #[test]
    fn render_rejects_relative_path() {
        let callers = Callers::with_extra(&[], &[]).unwrap();

        let result = render(Family::Chromium, Path::new("jira-bridge-host"), &callers);

        assert!(result.is_err(), "a relative host path must be rejected");
    }

    #[test]
    fn extension_id_validation() {
        assert!(
            validate_chrome_extension_id(CHROME_EXTENSION_ID).is_ok(),
            "built-in id"
        );
        assert!(
            validate_chrome_extension_id("anpegadfdelagnlbdnaabihagcgccfg").is_err(),
            "31 letters"
        );
        assert!(
            validate_chrome_extension_id("zzpegadfdelagnlbdnaabihagcgccfgl").is_err(),
            "letter past p"
        );
        assert!(
            validate_firefox_addon_id(FIREFOX_ADDON_ID).is_ok(),
            "built-in add-on id"
        );
        assert!(
            validate_firefox_addon_id("{12345678-1234-1234-1234-123456789abc}").is_ok(),
            "GUID add-on id"
        );
        assert!(
            validate_firefox_addon_id("no-at-sign").is_err(),
            "id without @ or braces"
        );
        assert!(
            validate_firefox_addon_id("a\"b@c").is_err(),
            "id with a quote"
        );
    }

    #[test]
    fn callers_json_shape() {
        let callers = Callers::with_extra(&[CHROME_EXTENSION_ID.into()], &[]).unwrap();

        let value: Value = serde_json::from_str(&callers.to_json()).unwrap();

        assert_eq!(
            value,
            serde_json::json!({
                "chromeExtensionIds": [CHROME_EXTENSION_ID],
                "firefoxAddonIds": [FIREFOX_ADDON_ID],
            }),
            "callers.json lists each id once under the agreed field names"
        );
    }
}

//! Who started the host. Browsers pass the caller on the command line: Chromium-family
//! browsers the extension's origin, Firefox the manifest path and the add-on id. Windows
//! Chromium adds `--parent-window=N`, and other flags may follow, so unknown flags are
//! ignored.

use jira_bridge_protocol::{ErrorCode, ErrorReply};

use crate::config::Callers;

/// The browser-side caller of a native-messaging session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A Chromium-family browser; the origin is `chrome-extension://ID/`.
    Chromium { extension_id: String },
    /// Firefox and its forks.
    Firefox { manifest_path: String, addon_id: String },
}

impl Caller {
    /// Recognises a browser's command line, or returns `None` for a person's command.
    pub fn from_args(args: &[String]) -> Option<Caller> {
        let positional: Vec<&String> = args.iter().skip(1).filter(|arg| !arg.starts_with("--")).collect();
        let first = positional.first()?;

        if let Some(rest) = first.strip_prefix("chrome-extension://") {
            let extension_id = rest.trim_end_matches('/').to_string();
            return Some(Caller::Chromium { extension_id });
        }
        if first.ends_with(".json") {
            if let Some(addon_id) = positional.get(1) {
                return Some(Caller::Firefox { manifest_path: first.to_string(), addon_id: addon_id.to_string() });
            }
        }
        None
    }

    /// Checks the caller against the allow-list, beyond the browser's own manifest check.
    pub fn check(&self, callers: &Callers) -> Result<(), ErrorReply> {
        let allowed = match self {
            Caller::Chromium { extension_id } => callers.chrome_extension_ids.iter().any(|id| id == extension_id),
            Caller::Firefox { addon_id, .. } => callers.firefox_addon_ids.iter().any(|id| id == addon_id),
        };
        if allowed {
            return Ok(());
        }
        Err(ErrorReply::new(
            ErrorCode::CallerNotAllowed,
            format!(
                "The jira-bridge native host does not serve {}. Only the jira-bridge extension may use it; to allow another build, run `jira-bridge-host install` with its id.",
                self.describe()
            ),
        )
        .with_details(serde_json::json!({ "caller": self.describe() })))
    }

    /// Returns the caller in the words the browser uses.
    pub fn describe(&self) -> String {
        match self {
            Caller::Chromium { extension_id } => format!("chrome-extension://{extension_id}/"),
            Caller::Firefox { addon_id, .. } => format!("the Firefox add-on {addon_id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn chrome_origin_with_parent_window() {
        let caller = Caller::from_args(&args(&["host", "chrome-extension://abc/", "--parent-window=42"]));

        assert_eq!(caller, Some(Caller::Chromium { extension_id: "abc".into() }));
    }

    #[test]
    fn firefox_manifest_and_addon_id() {
        let caller = Caller::from_args(&args(&["host", "/home/a/.mozilla/native-messaging-hosts/x.json", "me@example"]));

        assert_eq!(
            caller,
            Some(Caller::Firefox {
                manifest_path: "/home/a/.mozilla/native-messaging-hosts/x.json".into(),
                addon_id: "me@example".into()
            })
        );
    }

    #[test]
    fn person_commands_are_not_callers() {
        for list in [&["host"][..], &["host", "status"], &["host", "login", "--site", "x"], &["host", "--help"]] {
            assert_eq!(Caller::from_args(&args(list)), None, "args {list:?}");
        }
    }

    #[test]
    fn unknown_extension_rejected() {
        let callers = Callers::default().with_defaults();
        let stranger = Caller::Chromium { extension_id: "zzzz".into() };
        let ours = Caller::Chromium { extension_id: crate::config::KEYED_CHROME_EXTENSION_ID.into() };

        assert_eq!(stranger.check(&callers).unwrap_err().code, ErrorCode::CallerNotAllowed);
        assert!(ours.check(&callers).is_ok(), "the keyed extension id should be allowed");
    }
}

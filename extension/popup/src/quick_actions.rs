//! Quick actions: saved one-click actions such as "Bug in WEB with label checkout", "Log
//! 15m on this page's issue" or "Move to In review". They are kept in `storage.local`,
//! contain no secret, and can be exported and imported as JSON.

use jira_bridge_protocol::parse_jira_duration;
use serde::{Deserialize, Serialize};

/// `storage.local` key of the saved quick actions.
pub const QUICK_ACTIONS_STORAGE_KEY: &str = "quickActions";

/// `format` of an exported file, so an unrelated JSON file is recognised as such.
pub const EXPORT_FORMAT: &str = "jira-bridge-quick-actions";

/// Version of the export format this build reads and writes.
pub const EXPORT_VERSION: u32 = 1;

/// Most quick actions kept; the home view lists them all.
pub const MAX_QUICK_ACTIONS: usize = 30;

/// Longest name of a quick action, in characters.
pub const MAX_NAME_CHARS: usize = 60;

/// What a quick action does when run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ActionKind {
    /// Opens the create form with this project, issue type (by name, because ids differ
    /// between sites) and labels filled in.
    CreateIssue {
        project_key: String,
        issue_type_name: String,
        #[serde(default)]
        labels: Vec<String>,
    },
    /// Logs `time_spent` (Jira notation) on the page's issue.
    LogWork { time_spent: String },
    /// Applies the transition whose name or target status is `to`, ignoring case.
    Transition { to: String },
    /// Assigns the page's issue to the connected account.
    AssignToMe,
}

/// A saved quick action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuickAction {
    pub name: String,
    pub action: ActionKind,
}

/// The JSON file written by export and read by import.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExportFile {
    format: String,
    version: u32,
    actions: Vec<QuickAction>,
}

impl ActionKind {
    /// Returns whether the action works on an existing issue (the page's or the open one).
    pub fn needs_issue(&self) -> bool {
        !matches!(self, ActionKind::CreateIssue { .. })
    }

    /// Returns a short description for the list, such as "Log 15m".
    pub fn describe(&self) -> String {
        match self {
            ActionKind::CreateIssue {
                project_key,
                issue_type_name,
                labels,
            } if labels.is_empty() => format!("New {issue_type_name} in {project_key}"),
            ActionKind::CreateIssue {
                project_key,
                issue_type_name,
                labels,
            } => format!(
                "New {issue_type_name} in {project_key}, labels {}",
                labels.join(", ")
            ),
            ActionKind::LogWork { time_spent } => format!("Log {time_spent}"),
            ActionKind::Transition { to } => format!("Move to {to}"),
            ActionKind::AssignToMe => "Assign to me".to_string(),
        }
    }
}

impl QuickAction {
    /// Checks the action and returns it with trimmed text and normalised time, or a
    /// sentence naming what is wrong.
    pub fn validated(&self) -> Result<QuickAction, String> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err("The name is empty. Give the action a name, such as \"Log 15m\".".into());
        }
        let name_chars = name.chars().count();
        if name_chars > MAX_NAME_CHARS {
            return Err(format!(
                "The name has {name_chars} characters; at most {MAX_NAME_CHARS} are allowed."
            ));
        }

        let action = match &self.action {
            ActionKind::CreateIssue {
                project_key,
                issue_type_name,
                labels,
            } => {
                let project_key = project_key.trim().to_ascii_uppercase();
                if !is_project_key(&project_key) {
                    return Err(format!("The project key {project_key:?} is invalid: it starts with a letter and has letters, digits or underscores, such as WEB."));
                }
                let issue_type_name = issue_type_name.trim().to_string();
                if issue_type_name.is_empty() {
                    return Err("The issue type is empty. Enter its name, such as Bug.".into());
                }
                let labels = validated_labels(labels)?;
                ActionKind::CreateIssue {
                    project_key,
                    issue_type_name,
                    labels,
                }
            }
            ActionKind::LogWork { time_spent } => ActionKind::LogWork {
                time_spent: parse_jira_duration(time_spent)?.text,
            },
            ActionKind::Transition { to } => {
                let to = to.trim().to_string();
                if to.is_empty() {
                    return Err("The transition is empty. Enter a transition or status name, such as In Review.".into());
                }
                ActionKind::Transition { to }
            }
            ActionKind::AssignToMe => ActionKind::AssignToMe,
        };
        Ok(QuickAction { name, action })
    }
}

/// Splits "a, b c" into labels. Jira labels cannot contain spaces, so spaces and commas
/// both separate labels.
pub fn parse_labels(text: &str) -> Vec<String> {
    text.split(|character: char| character == ',' || character.is_whitespace())
        .filter(|label| !label.is_empty())
        .map(str::to_string)
        .collect()
}

fn validated_labels(labels: &[String]) -> Result<Vec<String>, String> {
    let mut checked: Vec<String> = Vec::new();
    for label in labels {
        let label = label.trim();
        if label.is_empty() || label.chars().any(char::is_whitespace) {
            return Err(format!(
                "The label {label:?} is invalid: a label is one word without spaces."
            ));
        }
        if label.chars().count() > 255 {
            return Err(format!(
                "The label {label:?} is longer than Jira's 255 characters."
            ));
        }
        if !checked.iter().any(|existing| existing == label) {
            checked.push(label.to_string());
        }
    }
    Ok(checked)
}

fn is_project_key(key: &str) -> bool {
    let mut characters = key.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_uppercase())
        && key.len() >= 2
        && characters.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Adds `action` to `actions` after checking it and that its name is not taken.
pub fn add(actions: &mut Vec<QuickAction>, action: &QuickAction) -> Result<(), String> {
    let action = action.validated()?;
    if actions.len() >= MAX_QUICK_ACTIONS {
        return Err(format!(
            "There are already {MAX_QUICK_ACTIONS} quick actions. Delete one first."
        ));
    }
    if actions
        .iter()
        .any(|existing| existing.name.eq_ignore_ascii_case(&action.name))
    {
        return Err(format!(
            "A quick action named {:?} exists already. Choose another name.",
            action.name
        ));
    }
    actions.push(action);
    Ok(())
}

/// Writes the actions as the JSON text of an export file.
pub fn export(actions: &[QuickAction]) -> String {
    let file = ExportFile {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        actions: actions.to_vec(),
    };
    // These derived types always serialise: every map key is a string.
    serde_json::to_string_pretty(&file).expect("quick actions always serialise to JSON")
}

/// Reads an export file and checks every action. The error says which action is wrong
/// and why, so the person can fix the file.
pub fn import(text: &str) -> Result<Vec<QuickAction>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Paste the JSON of exported quick actions first.".into());
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| format!("The text is not valid JSON: {error}."))?;
    let format = value.get("format").and_then(|format| format.as_str());
    if format != Some(EXPORT_FORMAT) {
        return Err(format!("This is not a jira-bridge quick actions file: its \"format\" should be {EXPORT_FORMAT:?}."));
    }
    let version = value.get("version").and_then(|version| version.as_u64());
    if version != Some(u64::from(EXPORT_VERSION)) {
        return Err(format!(
            "The file has version {}, but this extension reads version {EXPORT_VERSION}. Update the extension.",
            version.map_or("none".to_string(), |version| version.to_string())
        ));
    }
    let Some(entries) = value.get("actions").and_then(|actions| actions.as_array()) else {
        return Err("The file has no \"actions\" list.".into());
    };
    if entries.len() > MAX_QUICK_ACTIONS {
        return Err(format!(
            "The file has {} actions; at most {MAX_QUICK_ACTIONS} are kept.",
            entries.len()
        ));
    }

    let mut actions = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let position = index + 1;
        let action: QuickAction = serde_json::from_value(entry.clone())
            .map_err(|error| format!("Action {position} is invalid: {error}."))?;
        add(&mut actions, &action).map_err(|error| {
            format!("Action {position} ({:?}) is invalid: {error}", action.name)
        })?;
    }
    Ok(actions)
}

/// Finds the transition a quick action means: by transition name first, then by target
/// status, ignoring case. Returns its index in `candidates` of (name, target status).
pub fn match_transition(to: &str, candidates: &[(&str, &str)]) -> Option<usize> {
    let to = to.trim();
    candidates
        .iter()
        .position(|(name, _)| name.eq_ignore_ascii_case(to))
        .or_else(|| {
            candidates
                .iter()
                .position(|(_, status)| status.eq_ignore_ascii_case(to))
        })
}

/// `storage.local` key of the issue opened last, the target of issue actions on the home
/// view when the page shows no issue key.
pub const LAST_ISSUE_STORAGE_KEY: &str = "lastIssue";

/// The issue opened last and the site it belongs to, kept in `storage.local`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastIssue {
    pub site_url: String,
    pub key: String,
}

impl LastIssue {
    /// Returns the key when it was opened on `site_url`, because keys of another site
    /// name other issues.
    pub fn key_for(&self, site_url: &str) -> Option<&str> {
        (self.site_url == site_url && !self.key.is_empty()).then_some(self.key.as_str())
    }
}

/// Origin of the issue that issue actions act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueSource {
    /// The issue shown in the issue view.
    Open,
    /// The first key found on the page.
    Page,
    /// The issue opened last on this site.
    LastOpened,
}

/// The issue that issue actions act on, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueTarget {
    pub key: String,
    pub source: IssueSource,
}

impl IssueTarget {
    /// Chooses the issue: the open one, else the first key on the page, else the one
    /// opened last.
    pub fn choose(
        open: Option<&str>,
        on_page: Option<&str>,
        last_opened: Option<&str>,
    ) -> Option<IssueTarget> {
        let candidates = [
            (open, IssueSource::Open),
            (on_page, IssueSource::Page),
            (last_opened, IssueSource::LastOpened),
        ];
        candidates.into_iter().find_map(|(key, source)| {
            key.filter(|key| !key.is_empty()).map(|key| IssueTarget {
                key: key.to_string(),
                source,
            })
        })
    }

    /// Returns the sentence under the home view's quick actions that names the issue.
    pub fn describe(&self) -> String {
        match self.source {
            IssueSource::Open => format!("Issue actions act on {}, the open issue.", self.key),
            IssueSource::Page => format!("Issue actions act on {}, found on this page.", self.key),
            IssueSource::LastOpened => format!(
                "Issue actions act on {}, the issue you opened last: this page shows no issue key.",
                self.key
            ),
        }
    }
}

/// Sentence under the home view's quick actions when no issue is known.
pub const NO_ISSUE_TARGET: &str =
    "Issue actions need an issue: open one, or open the popup on a page that shows an issue key.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_target_order() {
        let open = IssueTarget::choose(Some("WEB-3"), Some("WEB-2"), Some("WEB-1"));
        let page = IssueTarget::choose(None, Some("WEB-2"), Some("WEB-1"));
        let last = IssueTarget::choose(None, None, Some("WEB-1"));

        assert_eq!(open.map(|target| target.source), Some(IssueSource::Open), "the open issue wins");
        assert_eq!(page.map(|target| target.key), Some("WEB-2".to_string()), "then the page's key");
        assert_eq!(
            last,
            Some(IssueTarget {
                key: "WEB-1".into(),
                source: IssueSource::LastOpened
            }),
            "then the issue opened last"
        );
        assert_eq!(IssueTarget::choose(None, Some(""), None), None, "an empty key is no target");
    }

    #[test]
    fn issue_target_named_in_sentence() {
        let last = IssueTarget::choose(None, None, Some("WEB-1")).unwrap();
        let page = IssueTarget::choose(None, Some("OPS-2"), None).unwrap();

        assert!(last.describe().contains("WEB-1"), "the sentence names the issue: {}", last.describe());
        assert!(last.describe().contains("opened last"), "the sentence says where it came from: {}", last.describe());
        assert!(page.describe().contains("on this page"), "the sentence says where it came from: {}", page.describe());
    }

    #[test]
    fn last_issue_only_for_its_site() {
        let last = LastIssue {
            site_url: "https://a.atlassian.net".into(),
            key: "WEB-1".into(),
        };

        assert_eq!(last.key_for("https://a.atlassian.net"), Some("WEB-1"));
        assert_eq!(last.key_for("https://b.atlassian.net"), None, "a key of another site names another issue");
    }

    fn log(name: &str, time: &str) -> QuickAction {
        QuickAction {
            name: name.into(),
            action: ActionKind::LogWork {
                time_spent: time.into(),
            },
        }
    }

    fn bug_in_web() -> QuickAction {
        QuickAction {
            name: "Bug in WEB with label checkout".into(),
            action: ActionKind::CreateIssue {
                project_key: " web ".into(),
                issue_type_name: "Bug".into(),
                labels: vec!["checkout".into(), "checkout".into()],
            },
        }
    }

    #[test]
    fn validation_normalises() {
        let action = bug_in_web().validated().expect("a valid action");

        assert_eq!(
            action.action,
            ActionKind::CreateIssue {
                project_key: "WEB".into(),
                issue_type_name: "Bug".into(),
                labels: vec!["checkout".into()]
            }
        );
        assert_eq!(
            log(" Log ", "15M").validated().unwrap(),
            log("Log", "15m"),
            "name trimmed and time normalised"
        );
    }

    #[test]
    fn invalid_actions_rejected() {
        let cases = [
            (log("", "15m"), "name is empty"),
            (log(&"n".repeat(61), "15m"), "61 characters"),
            (log("Log", "15 minutes"), "15 minutes"),
            (
                QuickAction {
                    name: "T".into(),
                    action: ActionKind::Transition { to: " ".into() },
                },
                "transition is empty",
            ),
            (
                QuickAction {
                    name: "C".into(),
                    action: ActionKind::CreateIssue {
                        project_key: "1WEB".into(),
                        issue_type_name: "Bug".into(),
                        labels: vec![],
                    },
                },
                "\"1WEB\" is invalid",
            ),
            (
                QuickAction {
                    name: "C".into(),
                    action: ActionKind::CreateIssue {
                        project_key: "WEB".into(),
                        issue_type_name: "Bug".into(),
                        labels: vec!["two words".into()],
                    },
                },
                "without spaces",
            ),
        ];

        for (action, expected) in cases {
            let error = action.validated().expect_err("should be rejected");
            assert!(
                error.contains(expected),
                "{:?}: {error:?} should mention {expected:?}",
                action.name
            );
        }
    }

    #[test]
    fn duplicate_names_rejected() {
        let mut actions = Vec::new();
        add(&mut actions, &log("Log 15m", "15m")).unwrap();

        let error = add(&mut actions, &log("log 15M", "30m")).unwrap_err();

        assert!(error.contains("exists already"), "{error}");
        assert_eq!(actions.len(), 1);
    }

    #[test]
    fn export_import_round_trip() {
        let mut actions = Vec::new();
        add(&mut actions, &bug_in_web()).unwrap();
        add(&mut actions, &log("Log 15m", "15m")).unwrap();
        add(
            &mut actions,
            &QuickAction {
                name: "Review".into(),
                action: ActionKind::Transition {
                    to: "In Review".into(),
                },
            },
        )
        .unwrap();
        add(
            &mut actions,
            &QuickAction {
                name: "Mine".into(),
                action: ActionKind::AssignToMe,
            },
        )
        .unwrap();

        let text = export(&actions);
        let imported = import(&text).expect("an export should import");

        assert_eq!(imported, actions);
        assert!(
            text.contains("\"kind\": \"logWork\""),
            "camelCase kinds: {text}"
        );
    }

    #[test]
    fn import_errors_are_specific() {
        let cases = [
            ("", "Paste the JSON"),
            ("{", "not valid JSON"),
            ("[]", "not a jira-bridge quick actions file"),
            (r#"{"format":"jira-bridge-quick-actions","version":2,"actions":[]}"#, "version 2"),
            (r#"{"format":"jira-bridge-quick-actions","version":1}"#, "no \"actions\" list"),
            (
                r#"{"format":"jira-bridge-quick-actions","version":1,"actions":[{"name":"x","action":{"kind":"deleteIssue"}}]}"#,
                "Action 1 is invalid",
            ),
            (
                r#"{"format":"jira-bridge-quick-actions","version":1,"actions":[{"name":"ok","action":{"kind":"assignToMe"}},{"name":"Log","action":{"kind":"logWork","timeSpent":"1 hour"}}]}"#,
                "Action 2 (\"Log\") is invalid",
            ),
            (
                r#"{"format":"jira-bridge-quick-actions","version":1,"actions":[{"name":"x","action":{"kind":"assignToMe"},"token":"secret"}]}"#,
                "unknown field `token`",
            ),
        ];

        for (text, expected) in cases {
            let error = import(text).expect_err("should be rejected");
            assert!(
                error.contains(expected),
                "{text:?}: {error:?} should mention {expected:?}"
            );
        }
    }

    #[test]
    fn import_caps_count() {
        let entries: Vec<String> = (0..=MAX_QUICK_ACTIONS)
            .map(|n| format!(r#"{{"name":"a{n}","action":{{"kind":"assignToMe"}}}}"#))
            .collect();
        let text = format!(
            r#"{{"format":"jira-bridge-quick-actions","version":1,"actions":[{}]}}"#,
            entries.join(",")
        );

        let error = import(&text).unwrap_err();

        assert!(error.contains("at most 30"), "{error}");
    }

    #[test]
    fn labels_split_on_commas_and_spaces() {
        assert_eq!(
            parse_labels(" checkout, ui  mobile,"),
            vec!["checkout", "ui", "mobile"]
        );
    }

    #[test]
    fn transition_matched_by_name_then_status() {
        let candidates = [("Start progress", "In Progress"), ("Review", "In Review")];

        assert_eq!(match_transition("review", &candidates), Some(1));
        assert_eq!(match_transition("in progress", &candidates), Some(0));
        assert_eq!(match_transition("Done", &candidates), None);
    }
}

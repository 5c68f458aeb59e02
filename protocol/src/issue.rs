//! Data carried by the everyday actions on an existing issue: the issue as pickers show
//! it, users, transitions, create-screen fields, and worklog estimates.

use serde::{Deserialize, Serialize};

/// An issue as search results and the issue header show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueSummary {
    pub key: String,
    pub summary: String,
    /// Status name, such as `In Progress`.
    pub status: String,
    /// Display name of the assignee; `None` when unassigned.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Issue type name, such as `Bug`.
    pub issue_type: String,
    /// Link to the issue on the site, for the person to open.
    pub url: String,
    /// Whether the account the token belongs to watches the issue. `None` when Jira
    /// returned no `watches` field, such as on a site with watching turned off.
    #[serde(default)]
    pub watching: Option<bool>,
}

/// A Jira user as the assignee and user-field pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The id Jira wants back: `accountId` on Cloud, the user `name` on Data Center.
    pub id: String,
    pub display_name: String,
    /// Shown only when Jira reveals it; Cloud hides most addresses.
    #[serde(default)]
    pub email: Option<String>,
}

/// Whom to assign an issue to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Assignee {
    /// The account the token belongs to.
    Me,
    /// A user found with `findAssignableUsers` or `findUsers`, by [`User::id`].
    User { id: String },
    /// No user: the issue becomes unassigned.
    Nobody,
}

/// A workflow transition the issue can take now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    pub id: String,
    pub name: String,
    /// Name of the status the issue moves to.
    pub to_status: String,
    /// Fields on the transition's screen. Required ones must be sent in
    /// `transitionIssue.fields`.
    #[serde(default)]
    pub fields: Vec<FieldMeta>,
}

/// The kind of value a field takes, which decides the input the popup shows and how the
/// host builds the value for Jira.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldKind {
    /// One line of text: send a string.
    Text,
    /// Multi-line text: send a plain-text string; the host turns it into ADF or wiki markup.
    MultiLineText,
    /// Send a JSON number.
    Number,
    /// Send `yyyy-mm-dd`.
    Date,
    /// Send the id of one of `allowedValues`.
    SingleSelect,
    /// Send an array of ids of `allowedValues`.
    MultiSelect,
    /// Send an array of labels without spaces.
    Labels,
    /// Send a [`User::id`].
    User,
    /// A field the host cannot fill yet (cascading select, version, sprint, ...). A
    /// required one means the issue must be created in Jira itself.
    Unsupported,
}

/// A choice of a select field, priority or similar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedValue {
    pub id: String,
    pub name: String,
}

/// A field on a create or transition screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMeta {
    /// Field id to use as the key in `fields`, such as `priority` or `customfield_10050`.
    pub id: String,
    pub name: String,
    pub required: bool,
    pub kind: FieldKind,
    /// Jira's schema type, such as `option` or `array`, for the details view.
    pub schema_type: String,
    #[serde(default)]
    pub allowed_values: Vec<AllowedValue>,
    /// Whether Jira fills the field itself when it is left out.
    #[serde(default)]
    pub has_default_value: bool,
}

/// Change to the remaining estimate when work is logged.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RemainingEstimate {
    /// Jira subtracts the time spent.
    #[default]
    Auto,
    /// The estimate stays as it is.
    Leave,
    /// The estimate becomes `value`, in Jira notation such as `2h`.
    New { value: String },
}

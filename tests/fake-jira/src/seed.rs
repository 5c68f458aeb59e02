//! Seed data every fake Jira starts with: projects, issue types and their create screens.
//!
//! Each project has Bug, Task and Story. Bug has a required single-select custom field
//! (Severity) and a multi-line text custom field, so clients must read the create
//! metadata instead of guessing.

/// A project as the fake serves it.
#[derive(Debug, Clone)]
pub struct SeedProject {
    pub id: &'static str,
    pub key: &'static str,
    pub name: &'static str,
}

/// An issue type available in every seeded project.
#[derive(Debug, Clone)]
pub struct SeedIssueType {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Fields on this type's create screen, besides `project` and `issuetype`.
    pub fields: &'static [&'static str],
    /// Fields the create screen requires, besides `project`, `issuetype` and `summary`.
    pub required: &'static [&'static str],
}

/// An option of a select list or a priority.
#[derive(Debug, Clone)]
pub struct SeedOption {
    pub id: &'static str,
    pub value: &'static str,
}

pub const PROJECTS: &[SeedProject] = &[
    SeedProject { id: "10000", key: "WEB", name: "Website" },
    SeedProject { id: "10001", key: "OPS", name: "Operations" },
    SeedProject { id: "10002", key: "AB2", name: "Alpha Beta 2" },
];

pub const SEVERITY_FIELD: &str = "customfield_10050";
pub const STEPS_FIELD: &str = "customfield_10060";
/// A number custom field on Story's create screen.
pub const POINTS_FIELD: &str = "customfield_10070";
/// A multi-select (checkboxes) custom field on Story's create screen.
pub const PLATFORMS_FIELD: &str = "customfield_10080";

pub const ISSUE_TYPES: &[SeedIssueType] = &[
    SeedIssueType {
        id: "10001",
        name: "Bug",
        description: "A problem which impairs or prevents the functions of the product.",
        fields: &["summary", "description", "priority", "labels", SEVERITY_FIELD, STEPS_FIELD],
        required: &[SEVERITY_FIELD],
    },
    SeedIssueType {
        id: "10002",
        name: "Task",
        description: "A task that needs to be done.",
        fields: &["summary", "description", "priority", "labels", "assignee", "duedate"],
        required: &[],
    },
    SeedIssueType {
        id: "10003",
        name: "Story",
        description: "A user story.",
        fields: &["summary", "description", "labels", POINTS_FIELD, PLATFORMS_FIELD],
        required: &[],
    },
];

pub const SEVERITY_OPTIONS: &[SeedOption] = &[
    SeedOption { id: "10100", value: "Critical" },
    SeedOption { id: "10101", value: "Major" },
    SeedOption { id: "10102", value: "Minor" },
];

pub const PLATFORM_OPTIONS: &[SeedOption] = &[
    SeedOption { id: "10200", value: "Web" },
    SeedOption { id: "10201", value: "iOS" },
    SeedOption { id: "10202", value: "Android" },
];

/// Resolutions offered on the screen of the `Resolve` transition.
pub const RESOLUTIONS: &[SeedOption] = &[
    SeedOption { id: "10000", value: "Done" },
    SeedOption { id: "10001", value: "Won't Do" },
];

pub const PRIORITIES: &[SeedOption] = &[
    SeedOption { id: "2", value: "High" },
    SeedOption { id: "3", value: "Medium" },
    SeedOption { id: "4", value: "Low" },
];

/// Workflow statuses, in order; every issue starts in the first.
pub const STATUSES: &[SeedOption] = &[
    SeedOption { id: "10000", value: "To Do" },
    SeedOption { id: "3", value: "In Progress" },
    SeedOption { id: "10001", value: "Done" },
];

/// Transitions available from any status: (transition id, name, target status id).
pub const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("11", "To Do", "10000"),
    ("21", "In Progress", "3"),
    ("31", "Done", "10001"),
    ("41", "Resolve", "10001"),
];

/// The one transition with a screen; it requires a `resolution`.
pub const RESOLVE_TRANSITION: &str = "41";

/// A Jira user besides the configured account.
#[derive(Debug, Clone)]
pub struct SeedUser {
    /// Cloud `accountId`.
    pub account_id: &'static str,
    /// Data Center user `name` (and `key`).
    pub name: &'static str,
    pub display_name: &'static str,
    pub email: &'static str,
}

/// Other users who may be assigned issues. Their names are not ASCII, so clients must
/// send and search them as UTF-8.
pub const USERS: &[SeedUser] = &[
    SeedUser { account_id: "5f0c1d2e3a4b5c6d7e8f9a0b", name: "zoe", display_name: "Zoë Ångström", email: "zoe@example.com" },
    SeedUser { account_id: "60a1b2c3d4e5f60718293a4b", name: "jürgen", display_name: "Jürgen Groß", email: "juergen@example.com" },
];

/// Returns the project with this key (any case) or id.
pub fn project(key_or_id: &str) -> Option<&'static SeedProject> {
    PROJECTS
        .iter()
        .find(|project| project.id == key_or_id || project.key.eq_ignore_ascii_case(key_or_id))
}

/// Returns the issue type with this id.
pub fn issue_type(id: &str) -> Option<&'static SeedIssueType> {
    ISSUE_TYPES.iter().find(|issue_type| issue_type.id == id)
}

/// Returns the issue type with this name, ignoring case.
pub fn issue_type_by_name(name: &str) -> Option<&'static SeedIssueType> {
    ISSUE_TYPES.iter().find(|issue_type| issue_type.name.eq_ignore_ascii_case(name))
}

/// Returns the status with this id.
pub fn status(id: &str) -> Option<&'static SeedOption> {
    STATUSES.iter().find(|status| status.id == id)
}

//! Toolbar popup of the jira-bridge extension.

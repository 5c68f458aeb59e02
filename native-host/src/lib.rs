//! The jira-bridge native host: framing, dispatch, Jira client, credential store, install.

pub mod install;

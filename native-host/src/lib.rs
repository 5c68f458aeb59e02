//! The jira-bridge native host: framing, dispatch, Jira client, credential store, install.
//!
//! `main.rs` only decides between a browser session ([`session`]) and a person's command
//! ([`cli`]); everything else lives in these modules.

pub mod actions;
pub mod caller;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod doctor;
pub mod framing;
pub mod host;
pub mod install;
pub mod jira;
pub mod logging;
pub mod server;
pub mod session;
pub mod text;

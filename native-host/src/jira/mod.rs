//! The Jira REST client and the pieces that shape what is sent to Jira.

pub mod adf;
pub mod client;
pub mod site_url;

pub use client::{Credentials, JiraClient};

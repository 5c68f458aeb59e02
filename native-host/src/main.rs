//! Entry point of the jira-bridge native host.
fn main() {}

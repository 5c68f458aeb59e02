//! Fake Jira server.
fn main() {}

//! One file per action: what the host does for each request.

pub mod connect;
pub mod create_issue;
pub mod projects;

//! One file per action: what the host does for each request.

pub mod assign;
pub mod attachment;
pub mod comment;
pub mod connect;
pub mod create_issue;
pub mod fields;
pub mod issue;
pub mod pending;
pub mod projects;
pub mod remote_link;
pub mod search;
pub mod sites;
pub mod transitions;
pub mod watch;
pub mod worklog;

//! One module per benchmark figure.

pub mod jira_call;
pub mod memory;
pub mod popup;
pub mod round_trip;
pub mod start;
pub mod store;

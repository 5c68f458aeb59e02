//! A stateful fake Jira for jira-bridge's tests, and a loopback sandbox for trying the
//! product without a Jira account.
//!
//! It speaks Cloud (REST v3, Basic auth with email and API token, ADF) or Data Center
//! (REST v2 under an optional context path, Bearer personal access token, wiki markup).
//! It checks every request the way Jira would and records each one. Requests that Jira
//! would reject are also listed as violations.
//!
//! ```no_run
//! let jira = fake_jira::FakeJira::start(fake_jira::Config::cloud()).unwrap();
//! let site = jira.url(); // http://127.0.0.1:PORT
//! // ... run the client against `site` ...
//! assert!(jira.violations().is_empty(), "{:#?}", jira.violations());
//! ```

pub mod adf;
mod api;
mod config;
mod control;
mod error;
mod gate;
mod record;
pub mod seed;
mod server;
mod state;

pub use config::{Config, Mode};
pub use error::JiraError;
pub use record::{RecordedRequest, Violation};
pub use server::FakeJira;
pub use state::{Fault, StoredIssue};

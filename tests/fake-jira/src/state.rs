//! Mutable state shared by the handlers: issues, recorded requests, violations, faults.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::Config;
use crate::record::{self, RecordedRequest, Violation};

/// An issue created through the fake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredIssue {
    pub id: String,
    pub key: String,
    pub project_key: String,
    pub issue_type_id: String,
    pub status_id: String,
    /// The `fields` object of the create request, as sent.
    pub fields: Map<String, Value>,
    /// Issue properties by key.
    pub properties: BTreeMap<String, Value>,
    /// Comment bodies as sent (ADF on Cloud, wiki markup strings on Data Center).
    pub comments: Vec<Value>,
    /// Worklog requests as sent.
    pub worklogs: Vec<Value>,
    /// Remote link requests as sent; a repeated `globalId` replaces the earlier link.
    pub remote_links: Vec<Value>,
    /// Account ids (Cloud) or user names (Data Center) watching the issue.
    pub watchers: Vec<String>,
    /// File names of uploaded attachments with their sizes in bytes.
    pub attachments: Vec<(String, usize)>,
    /// Creation time in Jira's format, such as `2025-01-31T09:15:00.000+0000`.
    pub created: String,
}

impl StoredIssue {
    /// Returns the summary sent at creation.
    pub fn summary(&self) -> &str {
        self.fields.get("summary").and_then(Value::as_str).unwrap_or("")
    }
}

/// Instruction to answer the next `count` matching requests differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// Applies to requests whose path (without the context path) starts with this.
    pub path_prefix: String,
    /// Applies only to this method when set, such as `POST`.
    #[serde(default)]
    pub method: Option<String>,
    /// Number of matching requests the fault applies to.
    #[serde(default = "default_fault_count")]
    pub count: u32,
    /// Status to answer with instead of serving the request. When absent, the request is
    /// served normally after the delay.
    #[serde(default)]
    pub status: Option<u16>,
    /// Value of the `Retry-After` header, in seconds.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// Reply body: a JSON string is sent as `text/plain`, any other value as JSON. Defaults
    /// to a Jira error body naming the status.
    #[serde(default)]
    pub body: Option<Value>,
    /// Delay before answering, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
}

fn default_fault_count() -> u32 {
    1
}

impl Fault {
    /// A fault that answers the next request under `path_prefix` with `status`.
    pub fn status(path_prefix: impl Into<String>, status: u16) -> Self {
        Fault {
            path_prefix: path_prefix.into(),
            method: None,
            count: 1,
            status: Some(status),
            retry_after: None,
            body: None,
            delay_ms: 0,
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_matches = self
            .method
            .as_deref()
            .is_none_or(|expected| expected.eq_ignore_ascii_case(method));
        method_matches && path.starts_with(&self.path_prefix)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub issues: Vec<StoredIssue>,
    pub next_issue_id: u64,
    /// Last issue number used per project key.
    pub issue_numbers: BTreeMap<String, u64>,
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<Violation>,
    pub faults: Vec<Fault>,
    pub next_comment_id: u64,
}

/// State behind every handler.
#[derive(Debug)]
pub struct Shared {
    pub config: Config,
    /// `http://127.0.0.1:PORT` plus the context path.
    pub base_url: String,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(config: Config, base_url: String) -> Self {
        Shared {
            config,
            base_url,
            inner: Mutex::new(Inner::fresh()),
        }
    }

    /// Locks the state. A panic in another handler does not make the state unusable,
    /// because every change is a single push or field update.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns the REST base, such as `http://127.0.0.1:8089/jira/rest/api/2`.
    pub fn api_base(&self) -> String {
        format!("{}/rest/api/{}", self.base_url, self.config.mode.api_version())
    }

    /// Stores a finished request in memory and in the record file, if one is configured.
    pub(crate) fn record(&self, request: RecordedRequest, violations: Vec<String>) {
        if let Some(path) = &self.config.record_file {
            if let Err(error) = record::append_to_file(path, &request) {
                eprintln!("fake-jira: failed to append to record file {}: {error}", path.display());
            }
        }
        let mut inner = self.lock();
        for message in violations {
            eprintln!("fake-jira: violation: {} {}: {message}", request.method, request.path);
            inner.violations.push(Violation {
                method: request.method.clone(),
                path: request.path.clone(),
                message,
            });
        }
        inner.requests.push(request);
    }

    /// Removes one use of the first fault matching the request and returns it.
    pub(crate) fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut inner = self.lock();
        let index = inner.faults.iter().position(|fault| fault.matches(method, path))?;
        let fault = inner.faults[index].clone();
        inner.faults[index].count -= 1;
        if inner.faults[index].count == 0 {
            inner.faults.remove(index);
        }
        Some(fault)
    }

    pub(crate) fn add_fault(&self, fault: Fault) {
        if fault.count > 0 {
            self.lock().faults.push(fault);
        }
    }

    pub(crate) fn reset(&self) {
        *self.lock() = Inner::fresh();
    }
}

impl Inner {
    fn fresh() -> Self {
        Inner {
            next_issue_id: 10000,
            next_comment_id: 10000,
            ..Inner::default()
        }
    }

    pub(crate) fn issue_mut(&mut self, key_or_id: &str) -> Option<&mut StoredIssue> {
        self.issues
            .iter_mut()
            .find(|issue| issue.id == key_or_id || issue.key.eq_ignore_ascii_case(key_or_id))
    }

    pub(crate) fn issue(&self, key_or_id: &str) -> Option<&StoredIssue> {
        self.issues
            .iter()
            .find(|issue| issue.id == key_or_id || issue.key.eq_ignore_ascii_case(key_or_id))
    }
}

/// Returns the current time in Jira's timestamp format, in UTC.
pub(crate) fn jira_timestamp() -> String {
    jira_timestamp_at(SystemTime::now())
}

/// Formats `time` in Jira's timestamp format, in UTC. Strings of this format sort in time
/// order, which the JQL `created` clause relies on.
pub(crate) fn jira_timestamp_at(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}+0000",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        since_epoch.subsec_millis()
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day), using
/// Howard Hinnant's published `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_date_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1), "day 0 is the Unix epoch");
        assert_eq!(civil_from_days(19_782), (2024, 2, 29), "leap day 2024");
        assert_eq!(civil_from_days(20_089), (2025, 1, 1), "first day of 2025");
    }
}

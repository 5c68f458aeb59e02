//! A small file of recent creates by client request id, so that a retry reaching another
//! host process is recognised too.
//!
//! An entry is written before the create is sent. It gets the issue key once Jira responds,
//! so a retry returns that key; it is removed when Jira refused the create. An entry
//! without a key means the process died or the connection dropped mid-request, and the
//! next attempt looks the issue up in Jira before sending again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Entries older than this are dropped: the lookup searches only recent issues anyway.
const MAX_AGE_SECONDS: u64 = 24 * 60 * 60;

/// One create in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When the create was first sent, in seconds since the Unix epoch.
    pub started: u64,
    /// The issue key and link once Jira created the issue.
    #[serde(default)]
    pub created: Option<(String, String)>,
}

/// The journal of recent creates, shared by every host process of the account.
pub struct PendingCreates {
    path: Option<PathBuf>,
    /// Serialises this process's read-modify-write of the file.
    lock: Mutex<()>,
}

impl PendingCreates {
    /// Keeps the journal in `path`; `None` keeps nothing (for tests of other parts).
    pub fn new(path: Option<PathBuf>) -> PendingCreates {
        PendingCreates { path, lock: Mutex::new(()) }
    }

    /// Returns the journal's entry for a create, if an earlier attempt was recorded.
    pub fn get(&self, id: &str) -> Option<Entry> {
        let _guard = self.lock.lock().expect("pending creates lock");
        self.load().remove(id)
    }

    /// Records a create that is about to be sent.
    pub fn insert(&self, id: &str) {
        self.update(|entries| {
            entries.insert(id.to_string(), Entry { started: now(), created: None });
        });
    }

    /// Records the issue a create made.
    pub fn complete(&self, id: &str, key: &str, url: &str) {
        self.update(|entries| {
            let started = entries.get(id).map(|entry| entry.started).unwrap_or_else(now);
            entries.insert(id.to_string(), Entry { started, created: Some((key.to_string(), url.to_string())) });
        });
    }

    /// Forgets a create that Jira refused, so it may be sent again.
    pub fn remove(&self, id: &str) {
        self.update(|entries| {
            entries.remove(id);
        });
    }

    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, Entry>)) {
        let Some(path) = &self.path else { return };
        let _guard = self.lock.lock().expect("pending creates lock");
        let mut entries = self.load();
        change(&mut entries);

        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let temporary = path.with_extension(format!("json.{}.tmp", std::process::id()));
            std::fs::write(&temporary, serde_json::to_vec(&entries).unwrap_or_default())?;
            std::fs::rename(&temporary, path)
        })();
        if let Err(error) = result {
            // Without the journal only this process can recognise a retry, so the log records it.
            log::warn!("updating {} failed: {error}; an interrupted create may be sent again by another process", path.display());
        }
    }

    fn load(&self) -> BTreeMap<String, Entry> {
        let Some(path) = &self.path else { return BTreeMap::new() };
        let mut entries: BTreeMap<String, Entry> =
            std::fs::read(path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default();
        let oldest = now().saturating_sub(MAX_AGE_SECONDS);
        entries.retain(|_, entry| entry.started >= oldest);
        entries
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_survives_a_new_instance() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pending-creates.json");
        PendingCreates::new(Some(path.clone())).insert("site draft-1");

        let next_process = PendingCreates::new(Some(path));
        let entry = next_process.get("site draft-1").expect("a new process should see the interrupted create");

        assert_eq!(entry.created, None, "the create has no known issue yet");
        next_process.complete("site draft-1", "WEB-7", "https://x/browse/WEB-7");
        assert_eq!(next_process.get("site draft-1").unwrap().created, Some(("WEB-7".into(), "https://x/browse/WEB-7".into())));
        next_process.remove("site draft-1");
        assert_eq!(next_process.get("site draft-1"), None, "a removed entry should be gone");
    }

    #[test]
    fn stale_entries_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pending-creates.json");
        std::fs::write(&path, r#"{"site old": {"started": 1}}"#).unwrap();

        let pending = PendingCreates::new(Some(path));

        assert_eq!(pending.get("site old"), None, "an entry from 1970 should be dropped");
    }
}

//! A private config and data folder for the host with one connected Cloud site. It is
//! set up the way a successful `connect` leaves it, with the site in `config.json` and
//! the API token in the OS credential store under the host's service name.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

/// Origin Chromium passes to the host for the keyed build of the extension.
pub const EXTENSION_ORIGIN: &str = "chrome-extension://anpegadfdelagnlbdnaabihagcgccfgl/";

/// Account of the fake Jira's test user.
pub const ACCOUNT: &str = "tester@example.com";

/// API token the fake Jira accepts in this benchmark.
pub const TOKEN: &str = "bench-token-3f6a";

pub struct HostHome {
    pub dir: tempfile::TempDir,
    pub host_binary: PathBuf,
}

impl HostHome {
    /// Creates an empty home, where the host replies `notConnected` to Jira requests.
    pub fn new(host_binary: &Path) -> std::io::Result<HostHome> {
        let dir = tempfile::Builder::new().prefix("jira-bridge-bench-").tempdir()?;
        std::fs::create_dir_all(dir.path().join("config/jira-bridge"))?;
        std::fs::create_dir_all(dir.path().join("data"))?;
        Ok(HostHome { dir, host_binary: host_binary.to_path_buf() })
    }

    pub fn config_home(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn data_home(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Saves `site_url` as the default site and stores the token for it in the OS store.
    pub fn connect_site(&self, site_url: &str) -> Result<(), String> {
        let config = json!({
            "sites": [{
                "siteUrl": site_url,
                "account": ACCOUNT,
                "displayName": "Test User",
                "deployment": "cloud",
                "accountId": "5b10ac8d82e05b22cc7d4ef5",
            }],
            "defaultSite": site_url,
        });
        let path = self.config_home().join("jira-bridge/config.json");
        std::fs::write(&path, config.to_string()).map_err(|error| format!("writing {} failed: {error}", path.display()))?;
        store_token(site_url, TOKEN)
    }

    /// Returns the command a Chromium browser runs for the extension's port.
    pub fn host_command(&self) -> Command {
        let mut command = Command::new(&self.host_binary);
        command
            .arg(EXTENSION_ORIGIN)
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("XDG_DATA_HOME", self.data_home())
            .env("JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK", "1")
            .env_remove("JIRA_BRIDGE_LOG");
        command
    }
}

/// Returns the credential store entry the host reads for a site (`jira-bridge SITE`).
pub fn store_entry(site_url: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(&format!("jira-bridge {site_url}"), ACCOUNT).map_err(|error| {
        format!("opening the OS credential store failed ({error}); run the benchmark inside scripts/with-keyring.sh")
    })
}

fn store_token(site_url: &str, token: &str) -> Result<(), String> {
    store_entry(site_url)?
        .set_password(token)
        .map_err(|error| format!("saving the token in the OS credential store failed: {error}"))
}

/// Returns a `{"id": ID, "request": REQUEST}` frame.
pub fn request(id: u64, request: serde_json::Value) -> serde_json::Value {
    json!({ "id": id, "request": request })
}

//! The host's settings file: connected sites, the default site and the caller allow-list.
//! Nothing secret is kept here; tokens live in the OS credential store.

use std::path::{Path, PathBuf};

use jira_bridge_protocol::{Deployment, SiteInfo};
use serde::{Deserialize, Serialize};

/// Chromium extension id that the unpacked build gets from the `key` in its manifest.
pub const KEYED_CHROME_EXTENSION_ID: &str = "anpegadfdelagnlbdnaabihagcgccfgl";

/// Firefox add-on id from `browser_specific_settings.gecko.id`.
pub const FIREFOX_ADDON_ID: &str = "jira-bridge@jira-bridge.dev";

/// A connected site as saved on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteConfig {
    pub site_url: String,
    pub account: String,
    pub display_name: String,
    pub deployment: Deployment,
    /// Jira's id for the account: `accountId` on Cloud, the user name on Data Center.
    #[serde(default)]
    pub account_id: String,
    /// Base of REST requests when it is not the site itself: Atlassian's API gateway
    /// `https://api.atlassian.com/ex/jira/{cloudId}`, which is the only address that
    /// accepts a scoped API token. Absent for sites whose token works on the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

impl SiteConfig {
    pub fn info(&self) -> SiteInfo {
        SiteInfo {
            site_url: self.site_url.clone(),
            account: self.account.clone(),
            display_name: self.display_name.clone(),
            deployment: self.deployment,
        }
    }
}

/// Contents of `config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    /// Site used when a request names none: the last one connected or chosen.
    #[serde(default)]
    pub default_site: Option<String>,
}

impl Config {
    /// Finds a site by URL, or the default site when no URL is given.
    pub fn site(&self, site_url: Option<&str>) -> Option<&SiteConfig> {
        // A URL from a person (`logout --site`) is cleaned like the one saved at connect.
        let cleaned = site_url.map(|url| {
            crate::jira::site_url::normalize_site_url(url, true).unwrap_or_else(|_| url.trim().trim_end_matches('/').to_string())
        });
        let wanted = cleaned.as_deref().or(self.default_site.as_deref());
        match wanted {
            Some(url) => self.sites.iter().find(|site| site.site_url == url),
            None => self.sites.first(),
        }
    }

    /// Adds or replaces a site and makes it the default.
    pub fn upsert(&mut self, site: SiteConfig) {
        self.sites.retain(|existing| existing.site_url != site.site_url);
        self.default_site = Some(site.site_url.clone());
        self.sites.push(site);
    }

    /// Removes a site; the default moves to another site if there is one.
    pub fn remove(&mut self, site_url: &str) -> Option<SiteConfig> {
        let position = self.sites.iter().position(|site| site.site_url == site_url)?;
        let removed = self.sites.remove(position);
        if self.default_site.as_deref() == Some(site_url) {
            self.default_site = self.sites.first().map(|site| site.site_url.clone());
        }
        Some(removed)
    }
}

/// Extension ids allowed to start the host, written by `install`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callers {
    #[serde(default)]
    pub chrome_extension_ids: Vec<String>,
    #[serde(default)]
    pub firefox_addon_ids: Vec<String>,
}

impl Callers {
    /// Returns the ids written by `install` plus the ids the extension ships under.
    pub fn with_defaults(mut self) -> Callers {
        if !self.chrome_extension_ids.iter().any(|id| id == KEYED_CHROME_EXTENSION_ID) {
            self.chrome_extension_ids.push(KEYED_CHROME_EXTENSION_ID.to_string());
        }
        if !self.firefox_addon_ids.iter().any(|id| id == FIREFOX_ADDON_ID) {
            self.firefox_addon_ids.push(FIREFOX_ADDON_ID.to_string());
        }
        self
    }
}

/// Returns the folder of the host's settings, such as `~/.config/jira-bridge`.
pub fn config_dir() -> PathBuf {
    dirs::config_dir().unwrap_or_else(std::env::temp_dir).join("jira-bridge")
}

/// Returns the folder of the host's log file, such as `~/.local/share/jira-bridge`.
pub fn data_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("jira-bridge")
}

/// Reads and writes `config.json` in one folder.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    pub fn in_dir(dir: &Path) -> ConfigFile {
        ConfigFile { path: dir.join("config.json") }
    }

    pub fn default_location() -> ConfigFile {
        ConfigFile::in_dir(&config_dir())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the file; a missing file is an empty configuration.
    pub fn load(&self) -> anyhow::Result<Config> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                anyhow::anyhow!("{} is not valid JSON ({error}); fix or delete it and connect again", self.path.display())
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(error) => Err(anyhow::anyhow!("reading {} failed: {error}", self.path.display())),
        }
    }

    /// Saves the file atomically: a crash leaves either the old or the new file, never half.
    pub fn save(&self, config: &Config) -> anyhow::Result<()> {
        let dir = self.path.parent().expect("the config path has a folder");
        std::fs::create_dir_all(dir).map_err(|error| anyhow::anyhow!("creating {} failed: {error}", dir.display()))?;

        let temporary = self.path.with_extension(format!("json.{}.tmp", std::process::id()));
        let text = serde_json::to_vec_pretty(config)?;
        std::fs::write(&temporary, text)
            .map_err(|error| anyhow::anyhow!("writing {} failed: {error}", temporary.display()))?;
        std::fs::rename(&temporary, &self.path).map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            anyhow::anyhow!("replacing {} failed: {error}", self.path.display())
        })
    }
}

/// Loads `callers.json` from the config folder; missing means only the built-in ids.
pub fn load_callers(dir: &Path) -> Callers {
    let path = dir.join("callers.json");
    let callers = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            log::warn!("ignoring {}: not valid JSON ({error}); only the built-in extension ids are allowed", path.display());
            Callers::default()
        }),
        Err(_) => Callers::default(),
    };
    callers.with_defaults()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(url: &str) -> SiteConfig {
        SiteConfig {
            site_url: url.into(),
            account: "a@example.com".into(),
            display_name: "A".into(),
            deployment: Deployment::Cloud,
            account_id: "1".into(),
            api_url: None,
        }
    }

    #[test]
    fn save_then_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let file = ConfigFile::in_dir(dir.path());
        let mut config = Config::default();
        config.upsert(site("https://a.atlassian.net"));

        file.save(&config).unwrap();

        assert_eq!(file.load().unwrap(), config);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec!["config.json"], "a temporary file was left behind");
    }

    #[test]
    fn site_without_api_url_loads() {
        let text = r#"{"sites":[{"siteUrl":"https://a.atlassian.net","account":"a@example.com","displayName":"A","deployment":"cloud","accountId":"1"}]}"#;

        let config: Config = serde_json::from_str(text).expect("a config file written before apiUrl existed should load");

        assert_eq!(config.sites[0].api_url, None);
    }

    #[test]
    fn api_url_round_trip() {
        let mut gateway_site = site("https://a.atlassian.net");
        gateway_site.api_url = Some("https://api.atlassian.com/ex/jira/11223344-aaaa-bbbb-cccc-556677889900".into());

        let text = serde_json::to_string(&gateway_site).unwrap();
        let plain = serde_json::to_string(&site("https://b.atlassian.net")).unwrap();

        assert!(text.contains(r#""apiUrl":"https://api.atlassian.com/ex/jira/"#), "apiUrl should be saved: {text}");
        assert_eq!(serde_json::from_str::<SiteConfig>(&text).unwrap(), gateway_site);
        assert!(!plain.contains("apiUrl"), "a site without a gateway should not write apiUrl: {plain}");
    }

    #[test]
    fn remove_moves_default() {
        let mut config = Config::default();
        config.upsert(site("https://a.atlassian.net"));
        config.upsert(site("https://b.atlassian.net"));

        config.remove("https://b.atlassian.net");

        assert_eq!(config.default_site.as_deref(), Some("https://a.atlassian.net"));
    }

    #[test]
    fn corrupt_file_reports_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{not json").unwrap();

        let error = ConfigFile::in_dir(dir.path()).load().unwrap_err().to_string();

        assert!(error.contains("config.json is not valid JSON"), "unexpected error: {error}");
    }
}

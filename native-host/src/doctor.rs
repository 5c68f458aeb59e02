//! `jira-bridge-host doctor`: checks what the extension needs to work (each browser's
//! native-host manifest and the binary it points at, the OS credential store, each
//! connected site and its token) and prints every result with the fix.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jira_bridge_protocol::{ErrorCode, NATIVE_HOST_NAME};
use serde_json::Value;

use crate::config::{ConfigFile, SiteConfig, FIREFOX_ADDON_ID, KEYED_CHROME_EXTENSION_ID};
use crate::credentials::{OsStore, StoreError, TokenStore};
use crate::host::Host;
use crate::install::Environment;
use crate::jira::site_url::http_loopback_allowed;

/// Site of the entry the store probe saves and deletes when no site is connected. The
/// `.invalid` name is reserved, so it can never be a real site's entry.
const PROBE_SITE: &str = "https://doctor-probe.invalid";

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Passed,
    /// Not broken, but the extension cannot do everything yet (no site connected).
    Warning,
    Failed,
}

/// The result of one check: what was checked, what was found, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub status: Status,
    pub subject: String,
    pub finding: String,
    pub fix: Option<String>,
}

impl Check {
    fn passed(subject: impl Into<String>, finding: impl Into<String>) -> Check {
        Check { status: Status::Passed, subject: subject.into(), finding: finding.into(), fix: None }
    }

    fn failed(subject: impl Into<String>, finding: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { status: Status::Failed, subject: subject.into(), finding: finding.into(), fix: Some(fix.into()) }
    }

    fn warning(subject: impl Into<String>, finding: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { status: Status::Warning, subject: subject.into(), finding: finding.into(), fix: Some(fix.into()) }
    }
}

/// Runs every check, prints the results to `out`, and returns whether none failed.
pub fn run(out: &mut dyn Write) -> anyhow::Result<bool> {
    let env = Environment::current()?;
    let mut checks = check_manifests(&env);

    let store: Arc<dyn TokenStore> = Arc::new(OsStore);
    let config_file = ConfigFile::default_location();
    let sites = match config_file.load() {
        Ok(config) => config.sites,
        Err(error) => {
            checks.push(Check::failed(
                "settings",
                format!("{error:#}"),
                format!("Fix or delete {} and connect your site again.", config_file.path().display()),
            ));
            Vec::new()
        }
    };
    checks.extend(check_store(store.as_ref(), &sites));

    let host = Host::new(config_file, store, http_loopback_allowed());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    for site in &sites {
        checks.push(runtime.block_on(check_site(&host, site)));
    }

    print_checks(out, &checks)?;
    Ok(checks.iter().all(|check| check.status != Status::Failed))
}

/// Prints one block per check: a status word, the subject and finding, then the fix.
pub fn print_checks(out: &mut dyn Write, checks: &[Check]) -> std::io::Result<()> {
    for check in checks {
        let word = match check.status {
            Status::Passed => "ok  ",
            Status::Warning => "warn",
            Status::Failed => "FAIL",
        };
        writeln!(out, "{word}  {}: {}", check.subject, check.finding)?;
        if let Some(fix) = &check.fix {
            writeln!(out, "      fix: {fix}")?;
        }
    }
    let failed = checks.iter().filter(|check| check.status == Status::Failed).count();
    writeln!(out, "{} checks, {failed} failed.", checks.len())
}

/// Checks each manifest the last per-user install wrote.
///
/// NOTE: the manifest folders are known only to the install module, which keeps them
/// private, so this reads the install receipt (`<data>/jira-bridge/install.json`).
/// A manifest written by hand, or a system-wide install, is not checked.
pub fn check_manifests(env: &Environment) -> Vec<Check> {
    let receipt_path = env.data_dir.join("jira-bridge").join("install.json");
    let manifests = match manifests_in_receipt(&receipt_path) {
        Ok(manifests) => manifests,
        Err(finding) => {
            return vec![Check::failed(
                "browser registration",
                finding,
                "Run `jira-bridge-host install` to register the native host with your browsers.",
            )];
        }
    };
    if manifests.is_empty() {
        return vec![Check::failed(
            "browser registration",
            format!("the install receipt {} lists no manifest", receipt_path.display()),
            "Run `jira-bridge-host install` to register the native host with your browsers.",
        )];
    }
    manifests.iter().map(|(path, owners)| check_manifest(path, owners)).collect()
}

/// Returns each manifest file in the receipt with the browsers that need it.
fn manifests_in_receipt(receipt_path: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let text = std::fs::read_to_string(receipt_path)
        .map_err(|error| format!("no install was found: reading {} failed ({error})", receipt_path.display()))?;
    let receipt: Value = serde_json::from_str(&text)
        .map_err(|error| format!("the install receipt {} is not valid JSON ({error})", receipt_path.display()))?;

    let mut manifests = Vec::new();
    for artifact in receipt["artifacts"].as_array().into_iter().flatten() {
        let Some(path) = artifact["target"]["path"].as_str().map(PathBuf::from) else { continue };
        let is_manifest = path.extension().is_some_and(|extension| extension == "json")
            && path.file_name().is_some_and(|name| name != "callers.json");
        if !is_manifest {
            continue;
        }
        let owners: Vec<&str> = artifact["owners"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        manifests.push((path, owners.join(", ")));
    }
    Ok(manifests)
}

/// Checks one manifest: readable JSON with our name, an absolute path to an executable
/// file, and our extension among its callers.
pub fn check_manifest(path: &Path, owners: &str) -> Check {
    let subject = format!("manifest for {owners}");
    let reinstall = format!("Run `jira-bridge-host install --browser {}` again.", owners.split(", ").next().unwrap_or(owners));
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => return Check::failed(subject, format!("{} could not be read ({error})", path.display()), reinstall),
    };
    let Ok(manifest) = serde_json::from_str::<Value>(&text) else {
        return Check::failed(subject, format!("{} is not valid JSON", path.display()), reinstall);
    };
    if manifest["name"] != NATIVE_HOST_NAME || manifest["type"] != "stdio" {
        return Check::failed(
            subject,
            format!("{} does not register {NATIVE_HOST_NAME} as a stdio host", path.display()),
            reinstall,
        );
    }

    let chrome_origin = format!("chrome-extension://{KEYED_CHROME_EXTENSION_ID}/");
    let allows_us = [("allowed_origins", chrome_origin.as_str()), ("allowed_extensions", FIREFOX_ADDON_ID)]
        .iter()
        .any(|(field, id)| manifest[*field].as_array().is_some_and(|ids| ids.iter().any(|value| value == id)));
    if !allows_us {
        return Check::failed(subject, format!("{} does not allow the jira-bridge extension", path.display()), reinstall);
    }

    let Some(binary) = manifest["path"].as_str().map(PathBuf::from) else {
        return Check::failed(subject, format!("{} has no \"path\"", path.display()), reinstall);
    };
    if let Err(problem) = check_binary(&binary) {
        return Check::failed(subject, format!("{} points at {}, which {problem}", path.display(), binary.display()), reinstall);
    }
    Check::passed(subject, format!("{} points at {}", path.display(), binary.display()))
}

/// Checks that the browser can start `binary`: an absolute path to an executable file.
fn check_binary(binary: &Path) -> Result<(), String> {
    if !binary.is_absolute() {
        return Err("is not an absolute path (browsers need one)".to_string());
    }
    let metadata = std::fs::metadata(binary).map_err(|error| format!("cannot be read ({error})"))?;
    if !metadata.is_file() {
        return Err("is not a file".to_string());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o111 == 0 {
            return Err("is not executable".to_string());
        }
    }
    Ok(())
}

/// Checks that the store is reachable and unlocked: reads each connected site's token,
/// or, with no site connected, saves and deletes a probe entry as `connect` would.
pub fn check_store(store: &dyn TokenStore, sites: &[SiteConfig]) -> Vec<Check> {
    let subject = "credential store";
    let unavailable_fix = |error: &StoreError| error.to_reply().message.trim_end_matches(". Nothing was saved.").to_string();

    if sites.is_empty() {
        let token = jira_bridge_protocol::Secret::new("probe".to_string());
        let outcome = store.set(PROBE_SITE, "doctor", &token).and_then(|()| store.delete(PROBE_SITE, "doctor"));
        return vec![
            match outcome {
                Ok(()) => Check::passed(subject, "reachable and unlocked: a probe entry was saved and deleted"),
                Err(error) => Check::failed(subject, error.to_string(), unavailable_fix(&error)),
            },
            Check::warning(
                "sites",
                "no Jira site is connected",
                "Connect one in the extension's popup, or run `jira-bridge-host login --site URL --email EMAIL`.",
            ),
        ];
    }

    sites
        .iter()
        .map(|site| match store.get(&site.site_url, &site.account) {
            Ok(_) => Check::passed(subject, format!("the token for {} on {} is readable", site.account, site.site_url)),
            Err(error @ StoreError::NotFound { .. }) => Check::failed(
                subject,
                error.to_string(),
                format!("Connect {} again: run `jira-bridge-host login --site {}`.", site.site_url, site.site_url),
            ),
            Err(error) => Check::failed(subject, error.to_string(), unavailable_fix(&error)),
        })
        .collect()
}

/// Checks that a site answers and accepts its token, with `GET /myself`.
pub async fn check_site(host: &Host, site: &SiteConfig) -> Check {
    let subject = format!("site {}", site.site_url);
    let client = match host.client_for(Some(&site.site_url)).await {
        Ok((client, _)) => client,
        Err(error) => return Check::failed(subject, error.message.clone(), "Connect the site again."),
    };

    match client.get(&format!("{}/myself", client.api()), &[]).await {
        Ok(myself) => {
            let name = myself["displayName"].as_str().unwrap_or(&site.display_name);
            Check::passed(subject, format!("reachable; the token is valid for {name} ({})", site.account))
        }
        Err(error) => {
            let fix = match error.code {
                ErrorCode::AuthenticationFailed => format!(
                    "Create a new API token (or personal access token) and connect again: `jira-bridge-host login --site {}`.",
                    site.site_url
                ),
                ErrorCode::NetworkError => "Check your network connection, VPN and proxy, and that the site address is right.".to_string(),
                ErrorCode::RateLimited | ErrorCode::JiraUnavailable => "Jira is busy or down; try again later.".to_string(),
                _ => "Check the site in a web browser, then connect again.".to_string(),
            };
            Check::failed(subject, error.message, fix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_manifest(dir: &Path, binary: &Path, origins: &[&str]) -> PathBuf {
        let path = dir.join(format!("{NATIVE_HOST_NAME}.json"));
        let manifest = serde_json::json!({
            "name": NATIVE_HOST_NAME, "type": "stdio", "path": binary, "allowed_origins": origins,
        });
        std::fs::write(&path, manifest.to_string()).unwrap();
        path
    }

    fn executable(dir: &Path) -> PathBuf {
        let binary = dir.join("jira-bridge-host");
        std::fs::write(&binary, b"#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        binary
    }

    #[test]
    fn manifest_with_executable_passes() {
        let dir = tempfile::tempdir().unwrap();
        let binary = executable(dir.path());
        let origin = format!("chrome-extension://{KEYED_CHROME_EXTENSION_ID}/");
        let path = write_manifest(dir.path(), &binary, &[&origin]);

        let check = check_manifest(&path, "chromium");

        assert_eq!(check.status, Status::Passed, "{check:?}");
    }

    #[test]
    fn manifest_missing_binary_fails() {
        let dir = tempfile::tempdir().unwrap();
        let origin = format!("chrome-extension://{KEYED_CHROME_EXTENSION_ID}/");
        let path = write_manifest(dir.path(), &dir.path().join("gone"), &[&origin]);

        let check = check_manifest(&path, "chromium");

        assert_eq!(check.status, Status::Failed);
        assert!(check.finding.contains("cannot be read"), "finding: {}", check.finding);
        assert!(check.fix.as_deref().unwrap().contains("install --browser chromium"), "{check:?}");
    }

    #[cfg(unix)]
    #[test]
    fn manifest_binary_not_executable_fails() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let binary = executable(dir.path());
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o644)).unwrap();
        let origin = format!("chrome-extension://{KEYED_CHROME_EXTENSION_ID}/");
        let path = write_manifest(dir.path(), &binary, &[&origin]);

        let check = check_manifest(&path, "chromium");

        assert_eq!(check.status, Status::Failed);
        assert!(check.finding.contains("not executable"), "finding: {}", check.finding);
    }

    #[test]
    fn manifest_for_other_extension_fails() {
        let dir = tempfile::tempdir().unwrap();
        let binary = executable(dir.path());
        let path = write_manifest(dir.path(), &binary, &["chrome-extension://someoneelse/"]);

        let check = check_manifest(&path, "chrome");

        assert_eq!(check.status, Status::Failed);
        assert!(check.finding.contains("does not allow"), "finding: {}", check.finding);
    }

    #[test]
    fn no_receipt_asks_for_install() {
        let dir = tempfile::tempdir().unwrap();
        let env = Environment::for_home(crate::install::Os::Linux, dir.path());

        let checks = check_manifests(&env);

        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].status, Status::Failed);
        assert!(checks[0].fix.as_deref().unwrap().contains("jira-bridge-host install"), "{checks:?}");
    }

    #[test]
    fn store_probe_with_no_site() {
        let store = crate::credentials::MemoryStore::default();

        let checks = check_store(&store, &[]);

        assert_eq!(checks[0].status, Status::Passed, "{checks:?}");
        assert_eq!(checks[1].status, Status::Warning, "no site connected should be a warning");
        assert!(store.0.lock().unwrap().is_empty(), "the probe entry should be deleted");
    }

    #[test]
    fn store_missing_token_fails() {
        let store = crate::credentials::MemoryStore::default();
        let site = SiteConfig {
            site_url: "https://a.atlassian.net".into(),
            account: "a@example.com".into(),
            display_name: "A".into(),
            deployment: jira_bridge_protocol::Deployment::Cloud,
            account_id: "1".into(),
            api_url: None,
        };

        let checks = check_store(&store, &[site]);

        assert_eq!(checks[0].status, Status::Failed);
        assert!(checks[0].fix.as_deref().unwrap().contains("login --site https://a.atlassian.net"), "{checks:?}");
    }

    #[test]
    fn printed_checks_carry_fix() {
        let checks = [Check::passed("a", "fine"), Check::failed("b", "broken", "do this")];
        let mut out = Vec::new();

        print_checks(&mut out, &checks).unwrap();

        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("ok    a: fine"), "{text}");
        assert!(text.contains("FAIL  b: broken\n      fix: do this"), "{text}");
        assert!(text.ends_with("2 checks, 1 failed.\n"), "{text}");
    }
}

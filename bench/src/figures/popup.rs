//! Popup figures. The open time runs from navigation start to the projects list being
//! drawn in headless Chromium, with the real extension, host and Secret Service and the
//! fake Jira. The size is that of the popup's WebAssembly module, gzipped.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::figures::jira_call::start_jira;
use crate::home::{HostHome, EXTENSION_ORIGIN};
use crate::results::{format_duration, median, Figure};
use crate::Settings;

/// Name under which the extension looks the host up.
const NATIVE_HOST_NAME: &str = "com.jira_bridge.host";

/// Target time from opening the popup to the projects list being drawn.
const TARGET: Duration = Duration::from_millis(150);

/// Target gzipped size of the popup's Wasm module, in bytes (150 KB).
const TARGET_WASM_BYTES: u64 = 150_000;

pub fn run(settings: &Settings, extension_dir: &Path, script: &Path, playwright_dir: &Path) -> Result<(), String> {
    let jira = start_jira()?;
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;
    home.connect_site(&jira.url())?;

    // With a custom user-data-dir, Chromium reads host manifests from the profile.
    let profile = home.dir.path().join("chromium-profile");
    let manifests = profile.join("NativeMessagingHosts");
    std::fs::create_dir_all(&manifests).map_err(|error| format!("creating {} failed: {error}", manifests.display()))?;
    // Chromium runs only a host whose manifest path is absolute.
    let host_path = settings
        .host_binary
        .canonicalize()
        .map_err(|error| format!("finding the host binary {} failed: {error}", settings.host_binary.display()))?;
    let manifest = json!({
        "name": NATIVE_HOST_NAME,
        "description": "jira-bridge native host (benchmark)",
        "path": host_path,
        "type": "stdio",
        "allowed_origins": [EXTENSION_ORIGIN],
    });
    std::fs::write(manifests.join(format!("{NATIVE_HOST_NAME}.json")), manifest.to_string())
        .map_err(|error| format!("writing the host manifest failed: {error}"))?;

    let opens = settings.scaled(20);
    let output = Command::new("node")
        .arg(script)
        .env("BENCH_EXTENSION_DIR", extension_dir)
        .env("BENCH_PROFILE_DIR", &profile)
        .env("BENCH_PLAYWRIGHT_DIR", playwright_dir)
        .env("BENCH_OPENS", (opens + 1).to_string())
        // Chromium passes its environment to the host it starts.
        .env("XDG_CONFIG_HOME", home.config_home())
        .env("XDG_DATA_HOME", home.data_home())
        .env("JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("starting node failed ({error}); install Node.js 20 or later"))?;
    if !output.status.success() {
        return Err(format!("the popup benchmark script failed with {}", output.status));
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("the popup script printed no JSON report ({error}): {}", String::from_utf8_lossy(&output.stdout)))?;

    let opens_measured = report["opens"].as_array().ok_or("the popup report has no opens")?;
    let milliseconds = |open: &Value, mark: &str| open[mark].as_f64().map(|ms| Duration::from_secs_f64(ms / 1000.0));
    let mut drawn = Vec::new();
    let mut connected = Vec::new();
    for open in opens_measured.iter().skip(1) {
        drawn.push(milliseconds(open, "projectsDrawn").ok_or("an open has no projectsDrawn mark")?);
        connected.push(milliseconds(open, "statusShown").ok_or("an open has no statusShown mark")?);
    }
    let cold = milliseconds(&opens_measured[0], "projectsDrawn").ok_or("the first open has no projectsDrawn mark")?;
    let warm = median(&drawn);

    Figure {
        name: "popup open to projects drawn (headless Chromium)".into(),
        value: format_duration(warm),
        baseline: "-".into(),
        ratio: None,
        target: format!("<= {}", format_duration(TARGET)),
        met: Some(warm <= TARGET),
        note: format!(
            "median of {} opens of popup.html?view=create with the host's port already open; the host's status showed after {} (median); the first open, which starts the host, took {}; the popup has no projects cache, so every open asks the host (status, then listProjects through the fake Jira)",
            drawn.len(),
            format_duration(median(&connected)),
            format_duration(cold)
        ),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())
}

/// Records the gzip -9 size of the popup's Wasm module.
pub fn record_wasm_size(settings: &Settings, wasm: &Path, wasm_opt_note: &str) -> Result<(), String> {
    let raw = std::fs::metadata(wasm).map_err(|error| format!("reading {} failed: {error}", wasm.display()))?.len();
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(wasm)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("running gzip failed: {error}"))?;
    if !output.status.success() {
        return Err(format!("gzip failed with {}", output.status));
    }
    let gzipped = output.stdout.len() as u64;

    Figure {
        name: "popup Wasm size (gzip -9)".into(),
        value: format!("{:.1} KB", gzipped as f64 / 1e3),
        baseline: "-".into(),
        ratio: None,
        target: "<= 150 KB".into(),
        met: Some(gzipped <= TARGET_WASM_BYTES),
        note: format!("{gzipped} bytes gzipped, {raw} bytes raw; {wasm_opt_note}"),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())
}

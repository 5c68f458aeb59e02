//! Peak memory of the host over a session of 10,000 requests on one port: pings with a
//! `listProjects` Jira call in every tenth request. VmHWM (the peak resident set) is read
//! from /proc before stdin is closed.

use serde_json::json;

use crate::figures::jira_call::{list_projects, start_jira};
use crate::home::{request, HostHome};
use crate::process::FramedProcess;
use crate::results::Figure;
use crate::Settings;

/// Target peak resident set, in bytes (15 MB).
const TARGET_BYTES: u64 = 15_000_000;

pub fn run(settings: &Settings) -> Result<(), String> {
    let jira = start_jira()?;
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;
    home.connect_site(&jira.url())?;

    let requests = 10_000u64;
    let mut host = FramedProcess::spawn(home.host_command()).map_err(|error| format!("starting the host failed: {error}"))?;
    let start_kib = wait_for_first_reply(&mut host)?;
    for id in 1..=requests {
        if id % 10 == 0 {
            list_projects(&mut host, id)?;
        } else {
            let reply = host.call(&request(id, json!({ "type": "ping" }))).map_err(|error| format!("ping {id} got no reply: {error}"))?;
            if reply["result"]["type"] != "pong" {
                return Err(format!("ping {id} failed: {reply}"));
            }
        }
    }
    let peak_kib = host.status_kib("VmHWM").ok_or("reading VmHWM from /proc failed")?;
    let rss_kib = host.status_kib("VmRSS").ok_or("reading VmRSS from /proc failed")?;
    host.close_and_wait().map_err(|error| format!("waiting for the host failed: {error}"))?;

    let peak_bytes = peak_kib * 1024;
    Figure {
        name: format!("host peak memory over {requests} requests"),
        value: format!("{:.1} MB", peak_bytes as f64 / 1e6),
        baseline: "-".into(),
        ratio: None,
        target: "<= 15 MB".into(),
        met: Some(peak_bytes <= TARGET_BYTES),
        note: format!(
            "VmHWM {peak_kib} KiB; VmRSS {rss_kib} KiB at the end and {start_kib} KiB after the first reply; {} Jira calls among the requests",
            requests / 10
        ),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())
}

/// Sends a first ping and returns the resident set right after it, in KiB.
fn wait_for_first_reply(host: &mut FramedProcess) -> Result<u64, String> {
    host.call(&request(0, json!({ "type": "ping" }))).map_err(|error| format!("the first ping got no reply: {error}"))?;
    host.status_kib("VmRSS").ok_or_else(|| "reading VmRSS from /proc failed".to_string())
}

//! One Jira call through the host (`listProjects` against the fake Jira) against the same
//! HTTP request sent directly with reqwest, and the number of TCP connections the host
//! opens for many calls on one port.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::home::{request, HostHome, ACCOUNT, TOKEN};
use crate::process::FramedProcess;
use crate::proxy::CountingProxy;
use crate::results::{format_duration, median, ratio, Figure};
use crate::Settings;

/// Starts the fake Jira (Cloud dialect) that accepts the benchmark's token.
pub fn start_jira() -> Result<fake_jira::FakeJira, String> {
    let mut config = fake_jira::Config::cloud();
    config.email = ACCOUNT.into();
    config.token = TOKEN.into();
    fake_jira::FakeJira::start(config).map_err(|error| format!("starting the fake Jira failed: {error}"))
}

/// Sends `listProjects` and checks that the reply is a list of projects.
pub fn list_projects(host: &mut FramedProcess, id: u64) -> Result<Value, String> {
    let reply = host
        .call(&request(id, json!({ "type": "listProjects" })))
        .map_err(|error| format!("listProjects {id} got no reply: {error}"))?;
    if reply["result"]["type"] != "projects" {
        return Err(format!("listProjects {id} failed: {reply}"));
    }
    Ok(reply)
}

pub fn run(settings: &Settings) -> Result<(), String> {
    let jira = start_jira()?;
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;
    home.connect_site(&jira.url())?;
    let mut host = FramedProcess::spawn(home.host_command()).map_err(|error| format!("starting the host failed: {error}"))?;

    // The first call reads the token and connects; replaying its recorded request
    // directly guarantees that both sides send the same request.
    list_projects(&mut host, 1)?;
    let recorded = jira.requests().pop().ok_or("the fake Jira recorded no request for listProjects")?;
    let url = format!("{}{}?{}", jira.origin(), recorded.path, recorded.query);
    let authorization =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}")));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("starting a runtime failed: {error}"))?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| format!("building the HTTP client failed: {error}"))?;
    let direct = || -> Result<Duration, String> {
        let started = Instant::now();
        runtime.block_on(async {
            let response = client
                .get(&url)
                .header("Authorization", &authorization)
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|error| format!("the direct request failed: {error}"))?;
            if !response.status().is_success() {
                return Err(format!("the direct request got HTTP {}", response.status()));
            }
            let bytes = response.bytes().await.map_err(|error| format!("reading the direct answer failed: {error}"))?;
            serde_json::from_slice::<Value>(&bytes).map_err(|error| format!("the direct answer is not JSON: {error}"))?;
            Ok(())
        })?;
        Ok(started.elapsed())
    };

    for id in 2..7 {
        list_projects(&mut host, id)?;
        direct()?;
    }
    let calls = settings.scaled(300) as u64;
    let (mut through_host, mut direct_times) = (Vec::new(), Vec::new());
    for id in 0..calls {
        let started = Instant::now();
        list_projects(&mut host, 100 + id)?;
        through_host.push(started.elapsed());
        direct_times.push(direct()?);
    }
    host.close_and_wait().map_err(|error| format!("waiting for the host failed: {error}"))?;
    let (through_host, direct_median) = (median(&through_host), median(&direct_times));

    let overhead = through_host.saturating_sub(direct_median);
    Figure {
        name: "one Jira call through the host (listProjects)".into(),
        value: format_duration(through_host),
        baseline: format!("reqwest direct {}", format_duration(direct_median)),
        ratio: Some(ratio(through_host, direct_median)),
        target: "<= 1.05x".into(),
        met: Some(ratio(through_host, direct_median) <= 1.05),
        note: format!(
            "median of {calls} warm calls alternating with the direct request; the host adds {} per call",
            format_duration(overhead)
        ),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())?;

    count_connections(settings, &jira)
}

/// Runs many calls on one port through a counting proxy and records the connects.
fn count_connections(settings: &Settings, jira: &fake_jira::FakeJira) -> Result<(), String> {
    let upstream = format!("127.0.0.1:{}", jira.port()).parse().expect("a socket address");
    let proxy = CountingProxy::start(upstream).map_err(|error| format!("starting the counting proxy failed: {error}"))?;
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;
    home.connect_site(&format!("http://{}", proxy.address))?;

    let calls = 50;
    let mut host = FramedProcess::spawn(home.host_command()).map_err(|error| format!("starting the host failed: {error}"))?;
    for id in 0..calls {
        list_projects(&mut host, id)?;
    }
    host.close_and_wait().map_err(|error| format!("waiting for the host failed: {error}"))?;

    let connections = proxy.connections();
    Figure {
        name: format!("TCP connects for {calls} Jira calls on one port"),
        value: connections.to_string(),
        baseline: "-".into(),
        ratio: None,
        target: "1 (connection reused)".into(),
        met: Some(connections == 1),
        note: "counted by a forwarding proxy between the host and the fake Jira".into(),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())
}

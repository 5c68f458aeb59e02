//! Host start to first reply: spawn the host as the browser does, send one `ping`, read
//! the `pong`, close stdin and wait for the exit. Compared with spawning programs that
//! do nothing and with a minimal Python native host, in interleaved rounds so that noise
//! hits every contender alike.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::home::{request, HostHome};
use crate::process::{spawn_and_wait, FramedProcess};
use crate::results::{format_duration, median, ratio, Figure};
use crate::Settings;

/// Spawns the host (or a baseline host), exchanges one ping and waits for its exit.
fn ping_once(command: Command) -> Result<Duration, String> {
    let started = Instant::now();
    let mut process = FramedProcess::spawn(command).map_err(|error| format!("starting a host failed: {error}"))?;
    let reply = process.call(&request(1, json!({ "type": "ping" }))).map_err(|error| format!("the ping got no reply: {error}"))?;
    let status = process.close_and_wait().map_err(|error| format!("waiting for the host failed: {error}"))?;
    let elapsed = started.elapsed();

    // The echo host returns the request itself, so only the echoed id is checked.
    if reply["id"] != 1 {
        return Err(format!("the ping got an unexpected reply: {reply}"));
    }
    if !status.success() {
        return Err(format!("the host exited with {status} after the ping"));
    }
    Ok(elapsed)
}

fn nothing_once(command: Command) -> Result<Duration, String> {
    let started = Instant::now();
    let status = spawn_and_wait(command).map_err(|error| format!("starting a baseline failed: {error}"))?;
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(format!("the baseline exited with {status}"));
    }
    Ok(elapsed)
}

pub fn run(settings: &Settings) -> Result<(), String> {
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;
    let python = || {
        let mut command = Command::new(&settings.python);
        command.arg(&settings.python_host);
        command
    };
    let echo = || Command::new(&settings.echo_host);

    // One warm-up round loads every binary into the page cache.
    ping_once(home.host_command())?;
    ping_once(python())?;
    ping_once(echo())?;

    let rounds = settings.scaled(50);
    let (mut host, mut noop, mut true_bin, mut python_host, mut echo_host) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        host.push(ping_once(home.host_command())?);
        noop.push(nothing_once(Command::new(&settings.noop))?);
        true_bin.push(nothing_once(Command::new("/bin/true"))?);
        python_host.push(ping_once(python())?);
        echo_host.push(ping_once(echo())?);
    }
    let (host, noop, true_bin, python_host, echo_host) =
        (median(&host), median(&noop), median(&true_bin), median(&python_host), median(&echo_host));

    let name = "host start to first reply";
    let note = format!(
        "{rounds} interleaved rounds; /bin/true {} ({:.2}x); Rust echo host spawn+ping+exit {} ({:.2}x)",
        format_duration(true_bin),
        ratio(host, true_bin),
        format_duration(echo_host),
        ratio(host, echo_host),
    );
    Figure {
        name: format!("{name} (vs do-nothing)"),
        value: format_duration(host),
        baseline: format!("Rust no-op process {}", format_duration(noop)),
        ratio: Some(ratio(host, noop)),
        target: "<= 2x".into(),
        met: Some(ratio(host, noop) <= 2.0),
        note,
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())?;

    let speedup = ratio(python_host, host);
    Figure {
        name: format!("{name} (vs Python host)"),
        value: format_duration(host),
        baseline: format!("Python host {}", format_duration(python_host)),
        ratio: Some(ratio(host, python_host)),
        target: ">= 10x faster (<= 0.10x)".into(),
        met: Some(speedup >= 10.0),
        note: format!("the host is {speedup:.1}x faster than the Python host"),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())
}

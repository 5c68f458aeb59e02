//! Round trip of small messages on one open port: N sequential `ping` requests, each sent
//! after the previous reply arrived, against an echo host that returns each frame
//! unchanged. Runs of the two alternate.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::home::{request, HostHome};
use crate::process::FramedProcess;
use crate::results::{format_duration, median, ratio, Figure};
use crate::Settings;

/// Requests sent before timing starts, so that lazy set-up is not counted.
const WARM_UP: u64 = 20;

/// Times `count` sequential pings on a fresh process and returns the time per round trip.
fn run_pings(command: Command, count: u64) -> Result<Duration, String> {
    let mut process = FramedProcess::spawn(command).map_err(|error| format!("starting a host failed: {error}"))?;
    let frames: Vec<Vec<u8>> =
        (0..WARM_UP + count).map(|id| request(id, json!({ "type": "ping" })).to_string().into_bytes()).collect();

    let mut started = Instant::now();
    for (index, frame) in frames.iter().enumerate() {
        if index as u64 == WARM_UP {
            started = Instant::now();
        }
        process.send(frame).map_err(|error| format!("sending ping {index} failed: {error}"))?;
        let reply = process.recv().map_err(|error| format!("ping {index} got no reply: {error}"))?;
        if reply.len() < 8 {
            return Err(format!("ping {index} got a short reply: {}", String::from_utf8_lossy(&reply)));
        }
    }
    let elapsed = started.elapsed();

    process.close_and_wait().map_err(|error| format!("waiting for the host failed: {error}"))?;
    Ok(elapsed / count as u32)
}

pub fn run(settings: &Settings) -> Result<(), String> {
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;

    for (count, runs) in [(1_000u64, settings.scaled(7)), (10_000, settings.scaled(3))] {
        let (mut host, mut echo) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            host.push(run_pings(home.host_command(), count)?);
            echo.push(run_pings(Command::new(&settings.echo_host), count)?);
        }
        let (host, echo) = (median(&host), median(&echo));

        Figure {
            name: format!("round trip, {count} sequential pings"),
            value: format!("{} per ping", format_duration(host)),
            baseline: format!("echo host {}", format_duration(echo)),
            ratio: Some(ratio(host, echo)),
            target: "<= 1.5x".into(),
            met: Some(ratio(host, echo) <= 1.5),
            note: format!("median of {runs} runs of {count} pings on one port, alternating with the echo host"),
        }
        .record(&settings.results)
        .map_err(|error| error.to_string())?;
    }
    Ok(())
}

//! Token reads from the Secret Service. dbus-monitor counts how many times one host
//! process reads the token over many Jira calls. The extra time of the first call over
//! later ones is compared with a set+get pair of the store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::figures::jira_call::{list_projects, start_jira};
use crate::home::{store_entry, HostHome};
use crate::process::FramedProcess;
use crate::results::{format_duration, median, ratio, Figure};
use crate::Settings;

/// Watches Secret Service method calls on the session bus.
struct BusMonitor {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl BusMonitor {
    /// Starts dbus-monitor and waits until it is attached to the bus.
    fn start() -> Result<BusMonitor, String> {
        let mut child = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Secret.Service'",
                "type='method_call',interface='org.freedesktop.Secret.Item'",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("starting dbus-monitor failed ({error}); install the dbus package"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });

        // A monitor prints the NameLost signal once the bus has made it a monitor.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) if line.contains("member=NameLost") => return Ok(BusMonitor { child, lines }),
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err("dbus-monitor did not attach to the session bus within 5 s; is DBUS_SESSION_BUS_ADDRESS set?".into())
    }

    /// Stops the monitor and returns the members of the method calls it saw.
    fn stop(mut self) -> Vec<String> {
        // Give the monitor time to print the last calls before it is stopped.
        std::thread::sleep(Duration::from_millis(300));
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut members = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            if line.starts_with("method call") {
                if let Some(member) = line.split("member=").nth(1) {
                    members.push(member.trim().to_string());
                }
            }
        }
        members
    }
}

pub fn run(settings: &Settings) -> Result<(), String> {
    let jira = start_jira()?;
    let home = HostHome::new(&settings.host_binary).map_err(|error| format!("creating the host's home failed: {error}"))?;
    home.connect_site(&jira.url())?;

    // Baseline: set+get pairs of the store itself, in this process, on the entry the host reads.
    let entry = store_entry(&jira.url())?;
    let mut pairs = Vec::new();
    for _ in 0..settings.scaled(20) {
        let started = Instant::now();
        entry.set_password(crate::home::TOKEN).map_err(|error| format!("setting the token failed: {error}"))?;
        let token = entry.get_password().map_err(|error| format!("reading the token failed: {error}"))?;
        pairs.push(started.elapsed());
        if token != crate::home::TOKEN {
            return Err("the store returned another token than the one just set".into());
        }
    }
    let pair = median(&pairs);

    let monitor = BusMonitor::start()?;
    let calls = settings.scaled(100) as u64;
    let mut times = Vec::new();
    let mut host = FramedProcess::spawn(home.host_command()).map_err(|error| format!("starting the host failed: {error}"))?;
    for id in 0..calls {
        let started = Instant::now();
        list_projects(&mut host, id)?;
        times.push(started.elapsed());
    }
    host.close_and_wait().map_err(|error| format!("waiting for the host failed: {error}"))?;
    let members = monitor.stop();

    let reads = members.iter().filter(|member| member.starts_with("GetSecret")).count();
    let searches = members.iter().filter(|member| *member == "SearchItems").count();
    let first = times[0];
    let later = median(&times[1..]);
    let extra = first.saturating_sub(later);

    Figure {
        name: format!("token reads from the Secret Service per port ({calls} Jira calls)"),
        value: format!("{reads} read(s)"),
        baseline: "-".into(),
        ratio: None,
        target: "1 per host process".into(),
        met: Some(reads == 1),
        note: format!(
            "GetSecret(s) calls counted with dbus-monitor; {searches} SearchItems and {} Secret Service calls in all",
            members.len()
        ),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())?;

    Figure {
        name: "first Jira call on a port, extra time (token read + TCP connect)".into(),
        value: format_duration(extra),
        baseline: format!("keyring set+get pair {}", format_duration(pair)),
        ratio: Some(ratio(extra, pair)),
        target: "paid once per port".into(),
        met: None,
        note: format!(
            "first call {}, later calls median {}; the set+get pair is the median of {} pairs in one process",
            format_duration(first),
            format_duration(later),
            pairs.len()
        ),
    }
    .record(&settings.results)
    .map_err(|error| error.to_string())
}

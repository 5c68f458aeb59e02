//! A child process that speaks native-messaging frames over its stdin and stdout, as a
//! browser runs a native host, and a watchdog that kills any child still running after
//! its deadline so that a hung host cannot hang the benchmark.

use std::io::{BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Maximum run time of any benchmark child before the watchdog kills it.
pub const CHILD_DEADLINE: Duration = Duration::from_secs(120);

/// A running child with framed pipes. Dropping it kills the child.
pub struct FramedProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    _watch: WatchGuard,
}

impl FramedProcess {
    /// Starts `command` with piped stdin and stdout; stderr goes to /dev/null, because a
    /// browser only collects it and the benchmark must not wait on it.
    pub fn spawn(mut command: Command) -> std::io::Result<FramedProcess> {
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = command.spawn()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let watch = watchdog().watch(child.id());
        Ok(FramedProcess { child, stdin, stdout, _watch: watch })
    }

    /// Writes one frame around `body` in a single write.
    pub fn send(&mut self, body: &[u8]) -> std::io::Result<()> {
        let mut frame = Vec::with_capacity(4 + body.len());
        frame.extend_from_slice(&(body.len() as u32).to_ne_bytes());
        frame.extend_from_slice(body);
        let stdin = self.stdin.as_mut().expect("stdin is open until close_stdin");
        stdin.write_all(&frame)?;
        stdin.flush()
    }

    /// Reads one frame's body. Fails when stdout ends first.
    pub fn recv(&mut self) -> std::io::Result<Vec<u8>> {
        let mut prefix = [0u8; 4];
        self.stdout.read_exact(&mut prefix)?;
        let mut body = vec![0u8; u32::from_ne_bytes(prefix) as usize];
        self.stdout.read_exact(&mut body)?;
        Ok(body)
    }

    /// Sends a request frame and returns the reply parsed as JSON.
    pub fn call(&mut self, frame: &serde_json::Value) -> std::io::Result<serde_json::Value> {
        self.send(frame.to_string().as_bytes())?;
        let reply = self.recv()?;
        serde_json::from_slice(&reply).map_err(std::io::Error::other)
    }

    /// Closes stdin, as the browser does when the port closes, and waits for the exit.
    pub fn close_and_wait(mut self) -> std::io::Result<ExitStatus> {
        self.stdin.take();
        self.child.wait()
    }

    /// Returns a field of /proc/PID/status in KiB, such as `VmHWM` (peak resident set).
    pub fn status_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|line| line.starts_with(&format!("{field}:")))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for FramedProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `command` with every stdio stream closed and waits for it: the cost of
/// starting a program that does nothing.
pub fn spawn_and_wait(mut command: Command) -> std::io::Result<ExitStatus> {
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = command.spawn()?;
    let _watch = watchdog().watch(child.id());
    child.wait()
}

/// One thread that kills children past [`CHILD_DEADLINE`]; shared by all children so
/// that watching adds no thread start to a timed spawn.
pub struct Watchdog {
    watched: Mutex<Vec<(u64, u32, Instant)>>,
    next_key: AtomicU64,
}

/// Stops watching a child when dropped.
pub struct WatchGuard {
    key: u64,
    watchdog: Arc<Watchdog>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.watchdog.watched.lock().expect("watchdog lock").retain(|(key, _, _)| *key != self.key);
    }
}

impl Watchdog {
    fn watch(self: &Arc<Self>, pid: u32) -> WatchGuard {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        self.watched.lock().expect("watchdog lock").push((key, pid, Instant::now() + CHILD_DEADLINE));
        WatchGuard { key, watchdog: self.clone() }
    }

    fn run(&self) {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let now = Instant::now();
            let overdue: Vec<u32> = {
                let mut watched = self.watched.lock().expect("watchdog lock");
                let overdue = watched.iter().filter(|(_, _, deadline)| *deadline <= now).map(|(_, pid, _)| *pid).collect();
                watched.retain(|(_, _, deadline)| *deadline > now);
                overdue
            };
            for pid in overdue {
                eprintln!("jira-bridge-bench: process {pid} ran past {CHILD_DEADLINE:?}; killing it");
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            }
        }
    }
}

fn watchdog() -> Arc<Watchdog> {
    static WATCHDOG: OnceLock<Arc<Watchdog>> = OnceLock::new();
    WATCHDOG
        .get_or_init(|| {
            let watchdog = Arc::new(Watchdog { watched: Mutex::new(Vec::new()), next_key: AtomicU64::new(0) });
            let runner = watchdog.clone();
            std::thread::Builder::new()
                .name("watchdog".into())
                .spawn(move || runner.run())
                .expect("starting the watchdog thread");
            watchdog
        })
        .clone()
}

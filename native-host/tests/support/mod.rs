//! Helpers for tests that run the real host binary over real pipes: a private config and
//! data folder per test, framed JSON in and out, and the OS credential store checked
//! from a second process with `secret-tool`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Origin Chromium passes for the keyed build of the extension.
pub const OUR_ORIGIN: &str = "chrome-extension://anpegadfdelagnlbdnaabihagcgccfgl/";

/// A token that must never appear outside the OS credential store.
pub const CANARY_TOKEN: &str = "CANARY-9d41f6c2-token";

/// How long a test waits for one reply before failing.
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);

/// A private home for one test: config and data folders that the host uses.
pub struct TestHome {
    pub dir: tempfile::TempDir,
}

impl TestHome {
    pub fn new() -> TestHome {
        TestHome { dir: tempfile::tempdir().expect("a temporary folder") }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir().join("jira-bridge").join("host.log")
    }

    /// Returns every file under the test home with its contents, for leak checks.
    pub fn all_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        collect(self.dir.path(), &mut files);
        files
    }

    /// Starts the host as a browser would, with `args` after the program name.
    pub fn spawn_host(&self, args: &[&str]) -> HostProcess {
        self.spawn_host_with_env(args, &[])
    }

    /// Starts the host with extra environment variables.
    pub fn spawn_host_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> HostProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jira-bridge-host"));
        command
            .args(args)
            .env("XDG_CONFIG_HOME", self.config_dir())
            .env("XDG_DATA_HOME", self.data_dir())
            .env("JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK", "1")
            .env("JIRA_BRIDGE_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .envs(env.iter().copied());
        HostProcess::spawn(command)
    }

    /// Starts the host for the keyed Chromium extension.
    pub fn spawn_browser_host(&self) -> HostProcess {
        self.spawn_host(&[OUR_ORIGIN])
    }
}

fn collect(dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.push((path, bytes));
        }
    }
}

/// A running host with framed pipes.
pub struct HostProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    frames: mpsc::Receiver<Result<Value, String>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// Every frame received, as raw text, for leak checks.
    pub received: Vec<String>,
}

impl HostProcess {
    fn spawn(mut command: Command) -> HostProcess {
        let mut child = command.spawn().expect("the host binary starts");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));

        let (sender, frames) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut prefix = [0u8; 4];
            if stdout.read_exact(&mut prefix).is_err() {
                return;
            }
            let length = u32::from_ne_bytes(prefix) as usize;
            let mut body = vec![0u8; length];
            if let Err(error) = stdout.read_exact(&mut body) {
                let _ = sender.send(Err(format!("stdout ended inside a frame: {error}")));
                return;
            }
            let parsed = serde_json::from_slice(&body).map_err(|error| {
                format!("the host wrote a frame that is not JSON ({error}): {}", String::from_utf8_lossy(&body))
            });
            if sender.send(parsed).is_err() {
                return;
            }
        });
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(count) = stderr_pipe.read(&mut buffer) {
                if count == 0 {
                    return;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..count]);
            }
        });

        HostProcess { stdin: child.stdin.take(), child, frames, stderr, received: Vec::new() }
    }

    /// Writes raw bytes to the host's stdin.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).expect("writing to the host");
        stdin.flush().expect("flushing the host's stdin");
    }

    /// Writes one frame around `body`.
    pub fn write_frame(&mut self, body: &[u8]) {
        let mut framed = (body.len() as u32).to_ne_bytes().to_vec();
        framed.extend_from_slice(body);
        self.write_raw(&framed);
    }

    /// Sends a request with an id.
    pub fn send(&mut self, id: u64, request: Value) {
        let frame = json!({ "id": id, "request": request });
        self.write_frame(frame.to_string().as_bytes());
    }

    /// Waits for the next frame.
    pub fn recv(&mut self) -> Value {
        match self.frames.recv_timeout(REPLY_TIMEOUT) {
            Ok(Ok(value)) => {
                self.received.push(value.to_string());
                value
            }
            Ok(Err(error)) => panic!("{error}\nhost stderr:\n{}", self.stderr_text()),
            Err(_) => panic!("no reply within {REPLY_TIMEOUT:?}\nhost stderr:\n{}", self.stderr_text()),
        }
    }

    /// Sends a request and returns its reply, checking that the id is echoed.
    pub fn call(&mut self, id: u64, request: Value) -> Value {
        self.send(id, request);
        let reply = self.recv();
        assert_eq!(reply["id"], json!(id), "the reply should echo id {id}: {reply}");
        reply
    }

    /// Sends a request and returns its result, failing the test on an error reply.
    pub fn ok(&mut self, id: u64, request: Value) -> Value {
        let reply = self.call(id, request.clone());
        assert!(reply.get("error").is_none(), "request {request} failed: {reply}");
        reply["result"].clone()
    }

    /// Sends a request and returns its error, failing the test on success.
    pub fn err(&mut self, id: u64, request: Value) -> Value {
        let reply = self.call(id, request.clone());
        assert!(reply.get("result").is_none(), "request {request} should have failed: {reply}");
        reply["error"].clone()
    }

    /// Closes stdin as the browser does when the port closes.
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("polling the host") {
                return status;
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                panic!("the host did not exit within {timeout:?}\nstderr:\n{}", self.stderr_text());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a fake Jira that records requests for the contract check when
/// `JIRA_BRIDGE_CONTRACT_DIR` is set.
pub fn start_jira(mut config: fake_jira::Config, test_name: &str) -> fake_jira::FakeJira {
    if let Ok(dir) = std::env::var("JIRA_BRIDGE_CONTRACT_DIR") {
        std::fs::create_dir_all(&dir).expect("creating the contract record folder");
        config.record_file = Some(PathBuf::from(dir).join(format!("host-{test_name}.jsonl")));
    }
    fake_jira::FakeJira::start(config).expect("the fake Jira starts")
}

/// Reads a secret from the OS credential store in a second process, as a person's
/// keyring tool would. Returns `None` when there is no such entry.
pub fn secret_tool_lookup(site_url: &str, account: &str) -> Option<String> {
    let service = format!("jira-bridge {site_url}");
    let output = Command::new("secret-tool")
        .args(["lookup", "service", &service, "username", account])
        .output()
        .expect("secret-tool runs (install libsecret-tools; scripts/deps.sh does)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() && !text.is_empty() {
        Some(text)
    } else {
        None
    }
}

/// Fails the test if the canary token appears in any of the texts.
pub fn assert_no_canary(place: &str, text: &str) {
    assert!(!text.contains(CANARY_TOKEN), "the token leaked into {place}:\n{text}");
    let encoded = base64_basic("tester@example.com", CANARY_TOKEN);
    assert!(!text.contains(&encoded), "the Basic credentials leaked into {place}:\n{text}");
}

fn base64_basic(email: &str, token: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))
}

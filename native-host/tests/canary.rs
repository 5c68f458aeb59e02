//! A canary token driven through every error path of the real host binary (run inside
//! `scripts/with-keyring.sh`): a wrong token, Jira responding 401, 403 and 500, Jira
//! echoing the Authorization header in its error body, a redirect to another host, a
//! malformed connect request, the command line, and Debug formatting of every type that
//! holds the token. The canary must appear in no reply frame, log line, printed output or
//! file outside the OS credential store.

mod raw_site;
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use jira_bridge_host::jira::{Credentials, JiraClient};
use jira_bridge_protocol::{Deployment, Request, RequestFrame, Secret};
use serde_json::{json, Value};
use support::{assert_no_canary, start_jira, HostProcess, TestHome, CANARY_TOKEN};

const EMAIL: &str = "tester@example.com";

/// Returns `email:token` in base64, the form the token takes in a Basic header.
fn basic_credentials(email: &str, token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))
}

fn cloud_jira(test_name: &str) -> fake_jira::FakeJira {
    let mut config = fake_jira::Config::cloud();
    config.token = CANARY_TOKEN.to_string();
    start_jira(config, test_name)
}

/// Starts a host whose home, temporary folder, config and data all lie in the test home,
/// so that `assert_kept_secret` reads every file the host could write.
fn spawn_host(home: &TestHome) -> HostProcess {
    let (home_dir, temp_dir) = private_dirs(home);
    home.spawn_host_with_env(
        &[support::OUR_ORIGIN],
        &[("HOME", home_dir.to_str().unwrap()), ("TMPDIR", temp_dir.to_str().unwrap())],
    )
}

fn private_dirs(home: &TestHome) -> (std::path::PathBuf, std::path::PathBuf) {
    let home_dir = home.dir.path().join("home");
    let temp_dir = home.dir.path().join("tmp");
    std::fs::create_dir_all(&home_dir).unwrap();
    std::fs::create_dir_all(&temp_dir).unwrap();
    (home_dir, temp_dir)
}

fn connect(host: &mut HostProcess, site_url: &str) -> Value {
    host.ok(1, json!({"type": "connect", "siteUrl": site_url, "email": EMAIL, "token": CANARY_TOKEN}))
}

/// Checks every reply frame, the host's stderr and every file in the test home, the log
/// file included, for the canary in plain and in Basic form.
fn assert_kept_secret(home: &TestHome, host: &HostProcess) {
    assert!(!host.received.is_empty(), "the test should have received frames to check");
    for frame in &host.received {
        assert_no_canary("a reply frame", frame);
    }
    assert_no_canary("the host's stderr", &host.stderr_text());
    let log = std::fs::read_to_string(home.log_file()).expect("the host should write its log file");
    assert!(!log.is_empty(), "the log file should have lines to check");
    assert_no_canary("host.log", &log);
    for (path, bytes) in home.all_files() {
        assert_no_canary(&path.display().to_string(), &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn wrong_token_canary_absent() {
    let mut config = fake_jira::Config::cloud();
    config.token = "the-right-token".to_string();
    let jira = start_jira(config, "canary-wrong-token");
    let home = TestHome::new();
    let mut host = spawn_host(&home);

    let error = host.err(1, json!({"type": "connect", "siteUrl": jira.url(), "email": EMAIL, "token": CANARY_TOKEN}));

    assert_eq!(error["name"], "authenticationFailed", "{error}");
    assert_kept_secret(&home, &host);
}

#[test]
fn jira_errors_echoing_token_scrubbed() {
    let jira = cloud_jira("canary-echo");
    let home = TestHome::new();
    let mut host = spawn_host(&home);
    connect(&mut host, &jira.url());
    let basic = basic_credentials(EMAIL, CANARY_TOKEN);
    let echo = json!({
        "errorMessages": [format!("Rejected Authorization: Basic {basic}"), format!("token was {CANARY_TOKEN}")],
        "errors": {"authorization": format!("Basic {basic}")}
    });
    let cases = [(401, "authenticationFailed"), (403, "permissionDenied"), (500, "jiraUnavailable"), (400, "jiraRejected"), (404, "notFound")];

    for (index, (status, name)) in cases.into_iter().enumerate() {
        jira.add_fault(serde_json::from_value(json!({"pathPrefix": "/rest/api/3/project/search", "status": status, "body": echo})).unwrap());

        let error = host.err(10 + index as u64, json!({"type": "listProjects"}));

        assert_eq!(error["name"], name, "status {status}: {error}");
        let details = error["details"].to_string();
        if status != 500 {
            assert!(details.contains("<redacted>"), "status {status}: Jira's messages should be kept, scrubbed: {details}");
        }
    }
    let text_echo = format!("Authorization: Basic {basic}\ntoken={CANARY_TOKEN}");
    jira.add_fault(serde_json::from_value(json!({"pathPrefix": "/rest/api/3/project/search", "status": 401, "body": text_echo})).unwrap());
    let error = host.err(20, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "authenticationFailed", "{error}");
    host.ok(21, json!({"type": "disconnect"}));
    assert_kept_secret(&home, &host);
}

#[test]
fn connect_errors_echoing_token_scrubbed() {
    let jira = cloud_jira("canary-connect-echo");
    let home = TestHome::new();
    let mut host = spawn_host(&home);
    let basic = basic_credentials(EMAIL, CANARY_TOKEN);
    let echo = json!({"errorMessages": [format!("Basic {basic} is not allowed here: {CANARY_TOKEN}")], "errors": {}});

    for (id, status) in [(1, 401), (2, 403), (3, 500)] {
        jira.add_fault(serde_json::from_value(json!({"pathPrefix": "/rest/api/3/myself", "status": status, "body": echo})).unwrap());

        let error = host.err(id, json!({"type": "connect", "siteUrl": jira.url(), "email": EMAIL, "token": CANARY_TOKEN}));

        assert!(error["name"].is_string(), "status {status}: {error}");
    }
    let status = host.ok(4, json!({"type": "status"}));

    assert_eq!(status["sites"], json!([]), "a failed connect should save nothing");
    assert_kept_secret(&home, &host);
}

#[test]
fn data_center_bearer_echo_scrubbed() {
    let mut config = fake_jira::Config::datacenter();
    config.token = CANARY_TOKEN.to_string();
    let jira = start_jira(config, "canary-bearer-echo");
    let home = TestHome::new();
    let mut host = spawn_host(&home);
    host.ok(1, json!({"type": "connect", "siteUrl": jira.url(), "token": CANARY_TOKEN}));
    let echo = json!({"errorMessages": [format!("Bearer {CANARY_TOKEN} expired")], "errors": {}});
    jira.add_fault(serde_json::from_value(json!({"pathPrefix": "/rest/api/2/project", "status": 403, "body": echo})).unwrap());

    let error = host.err(2, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "permissionDenied", "{error}");
    assert!(error["message"].as_str().unwrap().contains("Bearer <redacted> expired"), "{error}");
    host.ok(3, json!({"type": "disconnect"}));
    assert_kept_secret(&home, &host);
}

#[test]
fn redirect_to_other_host_not_followed() {
    let elsewhere = raw_site::RawSite::start(raw_site::cloud_connect_routes(EMAIL));
    let basic = basic_credentials(EMAIL, CANARY_TOKEN);
    let mut routes = raw_site::cloud_connect_routes(EMAIL);
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nlocation: {}/steal?auth={basic}\r\ncontent-length: 0\r\n\r\n",
        elsewhere.url
    );
    routes.push(("/rest/api/3/project/search".to_string(), redirect.into_bytes()));
    let site = raw_site::RawSite::start(routes);
    let home = TestHome::new();
    let mut host = spawn_host(&home);
    connect(&mut host, &site.url);

    let error = host.err(2, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "jiraRejected", "{error}");
    assert!(error["message"].as_str().unwrap().contains("redirected"), "{error}");
    assert!(elsewhere.heads().is_empty(), "the other host received requests: {:?}", elsewhere.heads());
    host.ok(3, json!({"type": "disconnect"}));
    assert_kept_secret(&home, &host);
}

#[test]
fn malformed_connect_frames_canary_absent() {
    let home = TestHome::new();
    let mut host = spawn_host(&home);
    let frames = [
        json!({"id": 1, "request": {"type": "connect", "token": CANARY_TOKEN}}),
        json!({"id": 2, "request": {"type": "connect", "siteUrl": 5, "token": CANARY_TOKEN}}),
        json!({"id": 3, "request": {"type": "connect", "siteUrl": "https://a.atlassian.net", "token": CANARY_TOKEN, "extra": 1}}),
        json!({"id": 4, "request": {"type": "connect", "siteUrl": "https://a.atlassian.net", "token": [CANARY_TOKEN]}}),
        json!({"id": 5, "request": {"type": "connect", "siteUrl": format!("https://me:{CANARY_TOKEN}@a.atlassian.net"), "email": EMAIL, "token": "x"}}),
    ];

    for frame in &frames {
        host.write_frame(frame.to_string().as_bytes());
        let reply = host.recv();
        assert!(reply.get("error").is_some(), "frame {frame} should be rejected: {reply}");
    }
    host.write_frame(format!("{{\"id\":6,\"request\":{{\"type\":\"connect\",\"token\":\"{CANARY_TOKEN}\"").as_bytes());
    let cut = host.recv();

    assert_eq!(cut["error"]["name"], "invalidMessage", "a frame cut inside the JSON should be invalid: {cut}");
    assert_kept_secret(&home, &host);
}

/// Runs the host's command line with the test home's folders and returns its exit
/// status, stdout and stderr.
fn run_cli(home: &TestHome, args: &[&str], stdin: &str) -> (bool, String, String) {
    let (home_dir, temp_dir) = private_dirs(home);
    let mut child = Command::new(env!("CARGO_BIN_EXE_jira-bridge-host"))
        .args(args)
        .env("HOME", &home_dir)
        .env("TMPDIR", &temp_dir)
        .env("XDG_CONFIG_HOME", home.config_dir())
        .env("XDG_DATA_HOME", home.data_dir())
        .env("JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK", "1")
        .env("JIRA_BRIDGE_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the host binary starts");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().expect("the command finishes");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn command_line_canary_absent() {
    let jira = cloud_jira("canary-cli");
    let home = TestHome::new();
    let token_line = format!("{CANARY_TOKEN}\n");
    let site = jira.url();

    let wrong = run_cli(&home, &["login", "--site", &site, "--email", "someone@example.com", "--token-stdin"], &token_line);
    let login = run_cli(&home, &["login", "--site", &site, "--email", EMAIL, "--token-stdin"], &token_line);
    let status = run_cli(&home, &["status"], "");
    let doctor = run_cli(&home, &["doctor"], "");
    let logout = run_cli(&home, &["logout"], "");

    assert!(!wrong.0, "a wrong account should fail: {}", wrong.2);
    assert!(login.0, "login should succeed: {}", login.2);
    assert!(status.1.contains(&site), "status should list the site: {}", status.1);
    assert!(doctor.1.contains(&format!("ok    site {site}")), "doctor should pass the site: {}", doctor.1);
    assert!(logout.0, "logout should succeed: {}", logout.2);
    for (name, (_, stdout, stderr)) in [("login (wrong)", &wrong), ("login", &login), ("status", &status), ("doctor", &doctor), ("logout", &logout)] {
        assert_no_canary(&format!("{name} stdout"), stdout);
        assert_no_canary(&format!("{name} stderr"), stderr);
    }
    for (path, bytes) in home.all_files() {
        assert_no_canary(&path.display().to_string(), &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn debug_formatting_hides_token() {
    let secret = Secret::new(CANARY_TOKEN.to_string());
    let basic = Credentials::Basic { email: EMAIL.to_string(), token: secret.clone() };
    let bearer = Credentials::Bearer { token: secret.clone() };
    let client = JiraClient::new(jira_bridge_host::jira::client::build_http_client(false), "https://a.atlassian.net", Deployment::Cloud, basic.clone());
    let connect = Request::Connect { site_url: "https://a.atlassian.net".into(), email: Some(EMAIL.into()), token: secret.clone() };
    let frame = RequestFrame { id: 1, request: connect.clone() };

    let texts = [
        format!("{secret:?}"),
        format!("{secret:#?}"),
        format!("{secret}"),
        format!("{basic:?}"),
        format!("{bearer:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{connect:?}"),
        format!("{frame:#?}"),
    ];

    for text in &texts {
        assert_no_canary("Debug or Display output", text);
        assert!(text.contains("redacted"), "the output should show a placeholder: {text}");
    }
}

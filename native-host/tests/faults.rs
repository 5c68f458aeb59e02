//! The real host binary against a failing Jira (run inside `scripts/with-keyring.sh`):
//! server errors, rate limits, slow and broken responses, oversized lists, a missing
//! credential store, a host killed mid-create, and a thousand requests in flight. Each
//! test checks the reply the popup gets and what the host sent to Jira.

mod raw_site;
mod support;

use std::time::{Duration, Instant};

use jira_bridge_protocol::MAX_REPLY_BYTES;
use serde_json::{json, Value};
use support::{start_jira, HostProcess, TestHome};

const TOKEN: &str = "fault-test-token";
const EMAIL: &str = "tester@example.com";
const PROJECT_SEARCH: &str = "/rest/api/3/project/search";

fn cloud_jira(test_name: &str) -> fake_jira::FakeJira {
    let mut config = fake_jira::Config::cloud();
    config.token = TOKEN.to_string();
    start_jira(config, test_name)
}

fn connect(host: &mut HostProcess, site_url: &str) -> Value {
    host.ok(1, json!({"type": "connect", "siteUrl": site_url, "email": EMAIL, "token": TOKEN}))
}

fn fault(value: Value) -> fake_jira::Fault {
    serde_json::from_value(value).expect("a valid fault")
}

/// Counts the requests the fake received for `method path`.
fn count_requests(jira: &fake_jira::FakeJira, method: &str, path: &str) -> usize {
    jira.requests().iter().filter(|request| request.method == method && request.path == path).count()
}

/// Starts a host connected to `jira` and returns it.
fn connected_host(home: &TestHome, jira: &fake_jira::FakeJira, env: &[(&str, &str)]) -> HostProcess {
    let mut host = home.spawn_host_with_env(&[support::OUR_ORIGIN], env);
    connect(&mut host, &jira.url());
    host
}

fn disconnect(host: &mut HostProcess) {
    host.ok(999_999, json!({"type": "disconnect"}));
}

#[test]
fn jira_500_not_retried() {
    let jira = cloud_jira("fault-500");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 500})));

    let error = host.err(2, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "jiraUnavailable", "{error}");
    assert!(error["message"].as_str().unwrap().contains("server error (500)"), "{error}");
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 1, "a 500 is not transient and should not be repeated");
    disconnect(&mut host);
}

#[test]
fn get_retried_after_503_retry_after() {
    let jira = cloud_jira("fault-503-retry");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 503, "retryAfter": "1"})));

    let started = Instant::now();
    let projects = host.ok(2, json!({"type": "listProjects"}));

    assert!(!projects["projects"].as_array().unwrap().is_empty(), "the retry should return the projects: {projects}");
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 2, "one 503, then one successful retry");
    assert!(started.elapsed() >= Duration::from_secs(1), "the host should wait out Retry-After: 1");
    assert!(host.stderr_text().contains("retrying in 1000 ms (attempt 2 of 3)"), "the retry should be logged");
    disconnect(&mut host);
}

#[test]
fn get_retried_after_502_backoff() {
    let jira = cloud_jira("fault-502-backoff");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 502, "count": 2})));

    let projects = host.ok(2, json!({"type": "listProjects"}));

    assert!(!projects["projects"].as_array().unwrap().is_empty(), "{projects}");
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 3, "two 502s, then the third attempt succeeds");
    disconnect(&mut host);
}

#[test]
fn get_gives_up_after_three_attempts() {
    let jira = cloud_jira("fault-503-give-up");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 503, "count": 10})));

    let error = host.err(2, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "jiraUnavailable", "{error}");
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 3, "the host should stop after three attempts");
    disconnect(&mut host);
}

#[test]
fn post_not_retried_after_503() {
    let jira = cloud_jira("fault-post-503");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": "/rest/api/3/issue", "method": "POST", "status": 503, "retryAfter": "1"})));

    let error = host.err(2, json!({
        "type": "createIssue",
        "issue": {"projectKey": "WEB", "issueTypeId": "10002", "summary": "Busy Jira"}
    }));

    assert_eq!(error["name"], "jiraUnavailable", "{error}");
    assert_eq!(count_requests(&jira, "POST", "/rest/api/3/issue"), 1, "a POST must never be repeated by the host");
    assert!(jira.issues().is_empty(), "no issue should exist");
    disconnect(&mut host);
}

#[test]
fn rate_limit_with_html_body() {
    let jira = cloud_jira("fault-429-html");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    let html = "<html><body><h1>Too Many Requests</h1><script>alert(1)</script></body></html>";
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 429, "retryAfter": "120", "body": html})));

    let error = host.err(2, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "rateLimited", "{error}");
    assert_eq!(error["details"]["retryAfterSeconds"], 120, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("Try again in 120 seconds"), "{message}");
    assert!(!error.to_string().contains("<script>"), "Jira's HTML should not reach the popup: {error}");
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 1, "a Retry-After above the cap goes to the person, not a wait");
    disconnect(&mut host);
}

#[test]
fn rate_limit_short_wait_retried() {
    let jira = cloud_jira("fault-429-short");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 429, "retryAfter": "1", "body": "<html>slow down</html>"})));

    let projects = host.ok(2, json!({"type": "listProjects"}));

    assert!(!projects["projects"].as_array().unwrap().is_empty(), "{projects}");
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 2);
    disconnect(&mut host);
}

#[test]
fn slow_answer_times_out() {
    let jira = cloud_jira("fault-slow");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[("JIRA_BRIDGE_REQUEST_TIMEOUT_SECS", "1")]);
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "delayMs": 3_000})));

    let started = Instant::now();
    host.send(2, json!({"type": "listProjects"}));
    let pong = host.ok(3, json!({"type": "ping"}));
    let reply = host.recv();

    assert_eq!(pong["type"], "pong", "a slow Jira call must not block other requests");
    assert_eq!(reply["id"], 2);
    assert_eq!(reply["error"]["name"], "networkError", "{reply}");
    assert!(reply["error"]["message"].as_str().unwrap().contains("timed out"), "{reply}");
    assert!(started.elapsed() < Duration::from_millis(2_900), "the host should give up after 1 s, not wait for Jira");
    disconnect(&mut host);
}

#[test]
fn non_json_success_body() {
    let jira = cloud_jira("fault-not-json");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    for (id, body) in [(2, "{\"values\": [{\"id\": \"1\""), (3, "<html>Login page</html>")] {
        jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 200, "body": body})));

        let error = host.err(id, json!({"type": "listProjects"}));

        assert_eq!(error["name"], "jiraUnavailable", "body {body:?}: {error}");
        assert!(error["message"].as_str().unwrap().contains("not JSON"), "body {body:?}: {error}");
    }
    disconnect(&mut host);
}

#[test]
fn body_cut_before_content_length() {
    let mut routes = raw_site::cloud_connect_routes(EMAIL);
    let cut = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\nconnection: close\r\n\r\n{\"values\": [";
    routes.push((PROJECT_SEARCH.to_string(), cut.to_vec()));
    let site = raw_site::RawSite::start(routes);
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    connect(&mut host, &site.url);

    let error = host.err(2, json!({"type": "listProjects"}));
    let pong = host.ok(3, json!({"type": "ping"}));

    assert_eq!(error["name"], "networkError", "{error}");
    assert!(error["message"].as_str().unwrap().contains("could not be read"), "{error}");
    assert_eq!(pong["type"], "pong", "the host should keep serving");
    disconnect(&mut host);
}

/// Returns `count` projects whose names are `name_chars` long.
fn projects(count: usize, name_chars: usize) -> Vec<Value> {
    (0..count)
        .map(|index| json!({"id": format!("{}", 20_000 + index), "key": format!("P{index}"), "name": format!("{index:05}{}", "n".repeat(name_chars))}))
        .collect()
}

#[test]
fn huge_data_center_list_trimmed() {
    let mut config = fake_jira::Config::datacenter();
    config.token = TOKEN.to_string();
    let jira = start_jira(config, "fault-huge-dc");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    host.ok(1, json!({"type": "connect", "siteUrl": jira.url(), "token": TOKEN}));
    let all = Value::Array(projects(5_000, 300));
    assert!(all.to_string().len() > MAX_REPLY_BYTES, "the test list should be larger than a reply may be");
    jira.add_fault(fault(json!({"pathPrefix": "/rest/api/2/project", "method": "GET", "status": 200, "body": all})));

    let reply = host.call(2, json!({"type": "listProjects"}));

    let frame_bytes = reply.to_string().len();
    assert!(frame_bytes <= MAX_REPLY_BYTES, "a reply frame of {frame_bytes} bytes exceeds 1 MiB");
    let listed = reply["result"]["projects"].as_array().expect("a project list");
    assert_eq!(listed.len(), 500, "the host should trim the list to its 500-project limit");
    disconnect(&mut host);
}

#[test]
fn huge_cloud_pages_reported_too_large() {
    let jira = cloud_jira("fault-huge-cloud");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    let page = json!({"startAt": 0, "maxResults": 100, "total": 5_000, "isLast": false, "values": projects(100, 3_000)});
    jira.add_fault(fault(json!({"pathPrefix": PROJECT_SEARCH, "status": 200, "body": page, "count": 50})));

    let reply = host.call(2, json!({"type": "listProjects"}));

    let frame_bytes = reply.to_string().len();
    assert!(frame_bytes <= MAX_REPLY_BYTES, "a reply frame of {frame_bytes} bytes exceeds 1 MiB");
    assert_eq!(reply["error"]["name"], "replyTooLarge", "{}", &reply.to_string()[..300.min(frame_bytes)]);
    assert!(reply["error"]["details"]["bytes"].as_u64().unwrap() > MAX_REPLY_BYTES as u64, "{}", reply["error"]);
    assert_eq!(count_requests(&jira, "GET", PROJECT_SEARCH), 5, "the host should stop paging at 500 projects");
    disconnect(&mut host);
}

#[test]
fn credential_store_missing() {
    let jira = cloud_jira("fault-no-store");
    let home = TestHome::new();
    let mut host = home.spawn_host_with_env(&[support::OUR_ORIGIN], &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/jira-bridge-bus")]);

    let error = host.err(1, json!({"type": "connect", "siteUrl": jira.url(), "email": EMAIL, "token": TOKEN}));
    let status = host.ok(2, json!({"type": "status"}));

    assert_eq!(error["name"], "credentialStoreUnavailable", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("Install and unlock a keyring"), "the message should say what to install: {message}");
    assert!(message.contains("Nothing was saved"), "{message}");
    assert_eq!(status["sites"], json!([]), "no site may be listed without its token");
    assert!(!home.config_dir().join("jira-bridge/config.json").exists(), "no config file should be written");
}

#[test]
fn killed_host_next_process_works() {
    let jira = cloud_jira("fault-killed");
    let home = TestHome::new();
    let mut first = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": "/rest/api/3/issue", "method": "POST", "delayMs": 2_000})));
    let request = json!({
        "type": "createIssue",
        "issue": {"projectKey": "WEB", "issueTypeId": "10002", "summary": "Killed mid-create", "clientRequestId": "killed-draft"}
    });

    first.send(2, request.clone());
    std::thread::sleep(Duration::from_millis(500));
    drop(first);
    std::thread::sleep(Duration::from_millis(2_500));
    let created_while_dead = jira.issues().len();
    eprintln!("killed_host_next_process_works: {created_while_dead} issue(s) existed after the kill");
    let mut second = home.spawn_browser_host();
    let status = second.ok(1, json!({"type": "status"}));
    let retried = second.ok(2, request);

    assert_eq!(status["sites"][0]["siteUrl"], json!(jira.url()), "the site should survive the kill");
    assert!(retried["key"].as_str().is_some(), "the next process should create: {retried}");
    let issues = jira.issues();
    let copies = issues.iter().filter(|issue| issue.summary() == "Killed mid-create").count();
    assert_eq!(copies, 1, "the create must not be duplicated ({created_while_dead} issue(s) existed before the retry)");
    disconnect(&mut second);
}

/// The reply to a finished create is lost with the host; the popup's retry reaches a new
/// process, which finds the create in the journal of creates in the data folder.
#[test]
fn killed_after_jira_created_not_duplicated() {
    let jira = cloud_jira("fault-killed-after-create");
    let home = TestHome::new();
    let mut first = connected_host(&home, &jira, &[]);
    let request = json!({
        "type": "createIssue",
        "issue": {"projectKey": "WEB", "issueTypeId": "10002", "summary": "Created, then killed", "clientRequestId": "late-draft"}
    });
    // Jira creates the issue; the reply is lost because the host dies before the popup reads it.
    first.ok(2, request.clone());
    drop(first);

    let mut second = home.spawn_browser_host();
    second.ok(2, request);

    let copies = jira.issues().iter().filter(|issue| issue.summary() == "Created, then killed").count();
    assert_eq!(copies, 1, "the next process should find the issue carrying the client request id");
    disconnect(&mut second);
}

/// Reads the peak resident set size of a process, in KiB, from /proc.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("reading /proc/PID/status");
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).expect("a VmHWM line");
    line.split_whitespace().nth(1).and_then(|value| value.parse().ok()).expect("a number of kB")
}

/// Finds the host's process id in its log lines, `jira-bridge-host[PID]`.
fn host_pid(host: &HostProcess) -> u32 {
    let text = host.stderr_text();
    let start = text.find("jira-bridge-host[").expect("a log line with the process id") + "jira-bridge-host[".len();
    let end = start + text[start..].find(']').expect("a closing bracket");
    text[start..end].parse().expect("a numeric process id")
}

#[test]
fn thousand_requests_in_flight() {
    const REQUESTS: u64 = 1_000;
    /// Generous bound on the host's peak memory; a debug build serving this needs far less.
    const MAX_PEAK_RSS_KIB: u64 = 256 * 1024;
    let jira = cloud_jira("fault-thousand");
    let home = TestHome::new();
    let mut host = connected_host(&home, &jira, &[]);
    jira.add_fault(fault(json!({"pathPrefix": "/rest/api/3/issue/createmeta", "delayMs": 1_000, "count": REQUESTS})));

    let started = Instant::now();
    for id in 0..REQUESTS {
        host.send(10 + id, json!({"type": "listIssueTypes", "projectKey": "WEB"}));
    }
    let mut answered: Vec<u64> = Vec::new();
    for _ in 0..REQUESTS {
        let reply = host.recv();
        assert!(reply.get("result").is_some(), "every request should succeed: {reply}");
        answered.push(reply["id"].as_u64().expect("a numeric id"));
    }
    let elapsed = started.elapsed();
    let peak = peak_rss_kib(host_pid(&host));

    answered.sort_unstable();
    assert_eq!(answered, (10..10 + REQUESTS).collect::<Vec<_>>(), "each request should get exactly one reply");
    assert!(elapsed < Duration::from_secs(30), "1,000 requests of 1 s each took {elapsed:?}; they should run concurrently");
    assert!(peak < MAX_PEAK_RSS_KIB, "peak RSS {peak} KiB exceeds {MAX_PEAK_RSS_KIB} KiB");
    eprintln!("thousand_requests_in_flight: {REQUESTS} requests in {elapsed:?}, host peak RSS {peak} KiB");
    disconnect(&mut host);
}

//! Malformed input over the host's real stdin: each bad frame gets a clear error, and
//! the host either keeps serving or, when the stream cannot be trusted, says so and exits.

mod support;

use std::time::Duration;

use serde_json::json;
use support::TestHome;

#[test]
fn bad_frames_answered_then_serving_continues() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    let cases: [(&str, &[u8], &str); 6] = [
        ("zero length", b"", "empty"),
        ("invalid UTF-8", b"{\"id\":1,\xff}", "not valid UTF-8"),
        ("not JSON", b"hello", "not valid JSON"),
        ("no id", br#"{"request":{"type":"ping"}}"#, "no numeric \"id\""),
        ("deeply nested", &[b'['; 10_000], "not valid JSON"),
        ("no request", br#"{"id":5}"#, "no \"request\""),
    ];

    for (name, body, expected) in cases {
        host.write_frame(body);
        let reply = host.recv();

        assert_eq!(reply["error"]["name"], "invalidMessage", "{name}: {reply}");
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{name}: expected {expected:?} in {message:?}");
    }

    let pong = host.ok(99, json!({"type": "ping"}));
    assert_eq!(pong["type"], "pong", "the host should still serve after bad frames");
}

#[test]
fn unknown_request_type_keeps_its_id() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let error = host.err(7, json!({"type": "dropAllIssues"}));

    assert_eq!(error["name"], "invalidMessage");
    assert!(error["message"].as_str().unwrap().contains("\"dropAllIssues\" is unknown"), "{error}");
}

#[test]
fn unknown_fields_rejected_with_id() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    host.write_frame(br#"{"id":3,"request":{"type":"ping"},"extra":true}"#);
    let reply = host.recv();

    assert_eq!(reply["id"], 3);
    assert_eq!(reply["error"]["name"], "invalidMessage");
}

#[test]
fn huge_string_field_answered() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    let summary = "x".repeat(4 * 1024 * 1024);

    let error = host.err(4, json!({"type": "listIssueTypes", "projectKey": summary}));

    assert_eq!(error["name"], "invalidInput");
    let pong = host.ok(5, json!({"type": "ping"}));
    assert_eq!(pong["type"], "pong");
}

#[test]
fn oversized_length_reported_then_exit() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    host.write_raw(&(200u32 * 1024 * 1024).to_ne_bytes());
    let reply = host.recv();
    let status = host.wait(Duration::from_secs(5));

    assert_eq!(reply["id"], json!(null));
    assert_eq!(reply["error"]["name"], "messageTooLarge");
    assert_eq!(status.code(), Some(2), "the host should exit with status 2 on an untrusted stream");
}

#[test]
fn truncated_frame_reported_then_exit() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    host.write_raw(&100u32.to_ne_bytes());
    host.write_raw(b"{\"id\":1");
    host.close_stdin();
    let reply = host.recv();
    let status = host.wait(Duration::from_secs(5));

    assert_eq!(reply["error"]["name"], "invalidMessage");
    assert!(reply["error"]["message"].as_str().unwrap().contains("7 of 100 bytes"), "{reply}");
    assert_eq!(status.code(), Some(2));
}

#[test]
fn eof_between_frames_exits_cleanly() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    host.ok(1, json!({"type": "ping"}));

    host.close_stdin();
    let status = host.wait(Duration::from_secs(5));

    assert!(status.success(), "closing the port should end the host with status 0, got {status}");
}

#[test]
fn concurrent_requests_all_answered() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    for id in 1..=200 {
        host.send(id, json!({"type": "ping"}));
    }
    let mut ids: Vec<u64> = (0..200).map(|_| host.recv()["id"].as_u64().expect("a numeric id")).collect();
    ids.sort_unstable();

    assert_eq!(ids, (1..=200).collect::<Vec<u64>>(), "every request should get exactly one reply");
}

#[test]
fn hello_reports_versions() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let hello = host.ok(1, json!({"type": "hello", "extensionVersion": "0.1.0", "protocolVersion": 1}));
    let newer = host.err(2, json!({"type": "hello", "extensionVersion": "9.0.0", "protocolVersion": 99}));

    assert_eq!(hello["protocolVersion"], 1);
    assert_eq!(hello["hostVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(newer["name"], "hostOutdated");
}

#[test]
fn unknown_caller_refused() {
    let home = TestHome::new();
    let mut host = home.spawn_host(&["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"]);

    let error = host.err(1, json!({"type": "status"}));

    assert_eq!(error["name"], "callerNotAllowed");
    assert!(error["message"].as_str().unwrap().contains("abcdefghijklmnopabcdefghijklmnop"), "{error}");
}

#[test]
fn firefox_caller_with_extra_args_served() {
    let home = TestHome::new();
    let mut host = home.spawn_host(&["/tmp/com.jira_bridge.host.json", "jira-bridge@jira-bridge.dev", "--parent-window=0"]);

    let pong = host.ok(1, json!({"type": "ping"}));

    assert_eq!(pong["type"], "pong");
}

#[test]
fn unknown_firefox_addon_refused() {
    let home = TestHome::new();
    let mut host = home.spawn_host(&["/tmp/com.jira_bridge.host.json", "evil@example.com"]);

    let error = host.err(1, json!({"type": "ping"}));

    assert_eq!(error["name"], "callerNotAllowed");
}

#[test]
fn huge_unknown_type_name_shortened() {
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    let kind = "z".repeat(600 * 1024);

    let error = host.err(8, json!({"type": kind}));

    assert_eq!(error["name"], "invalidMessage", "a long type name should still be reported as unknown");
    assert!(error["message"].as_str().unwrap().len() < 1000, "the message should not echo the whole name");
}

//! Tests of the `fake-jira` binary: the first stdout line and exit on stdin close.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn serve_prints_url_and_exits_on_stdin_close() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-jira"))
        .args(["serve", "--mode", "datacenter", "--context-path", "/jira", "--token", "pat-1", "--exit-on-stdin-close"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("fake-jira binary starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout piped"))
        .read_line(&mut first_line)
        .expect("first line readable");

    let url = first_line
        .trim()
        .strip_prefix("fake-jira listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    let reply = ureq::get(&format!("{url}/rest/api/2/myself"))
        .set("Accept", "application/json")
        .set("Authorization", "Bearer pat-1")
        .call()
        .expect("the token from --token is accepted");
    drop(child.stdin.take());
    let status = child.wait().expect("child exits");

    assert!(url.starts_with("http://127.0.0.1:"), "URL is on loopback: {url}");
    assert!(url.ends_with("/jira"), "URL ends with the context path: {url}");
    assert_eq!(reply.status(), 200, "myself answers 200");
    assert!(status.success(), "closing stdin ends the server cleanly: {status}");
}

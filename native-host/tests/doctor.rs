//! `jira-bridge-host doctor` run as a person would, in a private home (inside
//! `scripts/with-keyring.sh`): after a real `install`, with the binary made
//! non-executable, with a site whose token Jira rejects, and with no credential store.

mod support;

use std::process::{Command, Stdio};

use serde_json::json;
use support::{start_jira, TestHome};

const TOKEN: &str = "doctor-test-token";
const EMAIL: &str = "tester@example.com";

/// Runs the host's command line in the test home and returns success and stdout.
fn run(home: &TestHome, args: &[&str], env: &[(&str, &str)], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let home_dir = home.dir.path().join("home");
    std::fs::create_dir_all(&home_dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jira-bridge-host"))
        .args(args)
        .env("HOME", &home_dir)
        .env("XDG_CONFIG_HOME", home.config_dir())
        .env("XDG_DATA_HOME", home.data_dir())
        .env("JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the host binary starts");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().expect("the command finishes");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

fn installed_binary(home: &TestHome) -> std::path::PathBuf {
    home.data_dir().join("jira-bridge/bin/jira-bridge-host")
}

#[test]
fn doctor_after_install_and_login() {
    let mut config = fake_jira::Config::cloud();
    config.token = TOKEN.to_string();
    let jira = start_jira(config, "doctor-flow");
    let home = TestHome::new();
    let (installed, install_output) = run(&home, &["install", "--browser", "chromium", "--browser", "firefox"], &[], "");
    assert!(installed, "install should succeed: {install_output}");
    let (logged_in, _) = run(&home, &["login", "--site", &jira.url(), "--email", EMAIL, "--token-stdin"], &[], TOKEN);
    assert!(logged_in, "login should succeed");

    let (passed, report) = run(&home, &["doctor"], &[], "");

    assert!(passed, "every check should pass:\n{report}");
    assert!(report.contains("ok    manifest for chromium"), "{report}");
    assert!(report.contains("ok    manifest for firefox"), "{report}");
    assert!(report.contains(&format!("ok    credential store: the token for {EMAIL} on {}", jira.url())), "{report}");
    assert!(report.contains(&format!("ok    site {}: reachable; the token is valid", jira.url())), "{report}");

    jira.add_fault(serde_json::from_value(json!({"pathPrefix": "/rest/api/3/myself", "status": 401})).unwrap());
    let (passed, report) = run(&home, &["doctor"], &[], "");

    assert!(!passed, "a rejected token should fail the doctor:\n{report}");
    assert!(report.contains(&format!("FAIL  site {}", jira.url())), "{report}");
    assert!(report.contains("fix: Create a new API token"), "{report}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(installed_binary(&home), std::fs::Permissions::from_mode(0o644)).unwrap();
        let (passed, report) = run(&home, &["doctor"], &[], "");

        assert!(!passed, "a non-executable binary should fail the doctor:\n{report}");
        assert!(report.contains("which is not executable"), "{report}");
        assert!(report.contains("fix: Run `jira-bridge-host install --browser chromium` again."), "{report}");
    }

    run(&home, &["logout", "--all"], &[], "");
}

#[test]
fn doctor_without_install_or_store() {
    let home = TestHome::new();

    let (passed, report) = run(&home, &["doctor"], &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/jira-bridge-bus")], "");

    assert!(!passed, "doctor should fail:\n{report}");
    assert!(report.contains("FAIL  browser registration: no install was found"), "{report}");
    assert!(report.contains("fix: Run `jira-bridge-host install`"), "{report}");
    assert!(report.contains("FAIL  credential store"), "{report}");
    assert!(report.contains("Install and unlock a keyring"), "{report}");
}

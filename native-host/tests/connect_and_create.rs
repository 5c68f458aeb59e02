//! The real host binary against the fake Jira and the real OS credential store (run
//! inside `scripts/with-keyring.sh`): connect, status, projects, issue types, create,
//! disconnect, with a canary token that must appear nowhere but the store.

mod support;

use serde_json::{json, Value};
use support::{assert_no_canary, secret_tool_lookup, start_jira, TestHome, CANARY_TOKEN};

fn cloud_jira(test_name: &str) -> fake_jira::FakeJira {
    let mut config = fake_jira::Config::cloud();
    config.token = CANARY_TOKEN.to_string();
    start_jira(config, test_name)
}

fn connect_cloud(host: &mut support::HostProcess, jira: &fake_jira::FakeJira) -> Value {
    host.ok(1, json!({
        "type": "connect",
        "siteUrl": format!("  {}/browse/WEB-1 ", jira.url()),
        "email": " tester@example.com ",
        "token": format!("{CANARY_TOKEN}\n"),
    }))
}

/// Checks that the canary token is in no frame, log line, stderr or file of the test home.
fn assert_token_kept_secret(home: &TestHome, host: &support::HostProcess) {
    for frame in &host.received {
        assert_no_canary("a reply frame", frame);
    }
    assert_no_canary("the host's stderr", &host.stderr_text());
    for (path, bytes) in home.all_files() {
        assert_no_canary(&path.display().to_string(), &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn connect_create_disconnect_cloud() {
    let jira = cloud_jira("cloud-flow");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let connected = connect_cloud(&mut host, &jira);
    let status = host.ok(2, json!({"type": "status"}));
    let projects = host.ok(3, json!({"type": "listProjects"}));
    let issue_types = host.ok(4, json!({"type": "listIssueTypes", "projectKey": "WEB"}));
    let created = host.ok(5, json!({
        "type": "createIssue",
        "issue": {
            "projectKey": "WEB",
            "issueTypeId": "10002",
            "summary": "Checkout button\nis broken",
            "description": "Steps:\nopen the cart",
            "pageUrl": "https://shop.example.com/cart",
            "pageTitle": "Cart",
            "clientRequestId": "draft-1"
        }
    }));

    let site_url = jira.url();
    assert_eq!(connected["site"]["siteUrl"], json!(site_url), "the pasted /browse/ link should be cut to the site");
    assert_eq!(connected["site"]["deployment"], "cloud");
    assert_eq!(connected["site"]["account"], "tester@example.com", "whitespace around the email should go");
    assert_eq!(status["sites"][0]["siteUrl"], json!(site_url));
    assert_eq!(status["defaultSite"], json!(site_url));
    let keys: Vec<&str> = projects["projects"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"WEB"), "WEB should be listed: {keys:?}");
    assert!(keys.contains(&"AB2"), "AB2 (digits in the key) should be listed: {keys:?}");
    assert!(issue_types["issueTypes"].as_array().unwrap().iter().any(|t| t["name"] == "Task"), "{issue_types}");
    let key = created["key"].as_str().expect("a created key");
    assert_eq!(created["url"], json!(format!("{site_url}/browse/{key}")));

    let issues = jira.issues();
    assert_eq!(issues.len(), 1, "exactly one issue should exist");
    assert_eq!(issues[0].summary(), "Checkout button is broken", "the newline should become a space");
    let description = issues[0].fields["description"].to_string();
    assert!(description.contains("https://shop.example.com/cart"), "the page link should be in the ADF: {description}");
    assert!(jira.violations().is_empty(), "the fake Jira saw requests Jira would refuse: {:#?}", jira.violations());

    let stored = secret_tool_lookup(&site_url, "tester@example.com");
    assert_eq!(stored.as_deref(), Some(CANARY_TOKEN), "a second process should read the trimmed token from the store");

    host.ok(6, json!({"type": "disconnect"}));
    let after = host.ok(7, json!({"type": "status"}));
    assert_eq!(after["sites"], json!([]), "no site should remain after disconnect");
    assert_eq!(secret_tool_lookup(&site_url, "tester@example.com"), None, "disconnect should delete the secret");

    assert_token_kept_secret(&home, &host);
}

#[test]
fn wrong_token_saves_nothing() {
    let jira = cloud_jira("wrong-token");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let error = host.err(1, json!({
        "type": "connect", "siteUrl": jira.url(), "email": "tester@example.com", "token": "not-the-token"
    }));
    let status = host.ok(2, json!({"type": "status"}));

    assert_eq!(error["name"], "authenticationFailed", "{error}");
    assert_eq!(status["sites"], json!([]), "a rejected token must not be saved");
    assert_eq!(secret_tool_lookup(&jira.url(), "tester@example.com"), None, "nothing may reach the store");
    assert!(!home.config_dir().join("jira-bridge/config.json").exists(), "no config file should be written");
}

#[test]
fn repeated_request_id_creates_once() {
    let jira = cloud_jira("create-once");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    connect_cloud(&mut host, &jira);
    let request = json!({
        "type": "createIssue",
        "issue": {"projectKey": "OPS", "issueTypeId": "10002", "summary": "Disk full", "clientRequestId": "same-draft"}
    });

    let first = host.ok(2, request.clone());
    let second = host.ok(3, request);

    assert_eq!(first["key"], second["key"], "the retry should return the first issue");
    assert_eq!(jira.issues().len(), 1, "the retry must not create a second issue");
    host.ok(4, json!({"type": "disconnect"}));
}

#[test]
fn unknown_outcome_looked_up_before_retry() {
    let jira = cloud_jira("create-lookup");
    let home = TestHome::new();
    let mut host = home.spawn_host_with_env(&[support::OUR_ORIGIN], &[("JIRA_BRIDGE_REQUEST_TIMEOUT_SECS", "2")]);
    connect_cloud(&mut host, &jira);
    // The issue is created, but the response arrives after the host stopped waiting.
    jira.add_fault(serde_json::from_value(json!({
        "pathPrefix": "/rest/api/3/issue", "method": "POST", "count": 1, "delayMs": 4_000
    })).expect("a valid fault"));
    let request = json!({
        "type": "createIssue",
        "issue": {"projectKey": "WEB", "issueTypeId": "10002", "summary": "Slow create", "clientRequestId": "slow-draft"}
    });

    let timed_out = host.err(2, request.clone());
    std::thread::sleep(std::time::Duration::from_secs(3));
    let retried = host.ok(3, request);

    assert_eq!(timed_out["name"], "networkError", "{timed_out}");
    assert_eq!(jira.issues().len(), 1, "the retry must find the first issue instead of creating another");
    assert_eq!(retried["key"], json!(jira.issues()[0].key));
    let paths: Vec<String> = jira.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert!(paths.contains(&"GET /rest/api/3/search/jql".to_string()), "the retry should search first: {paths:?}");
    let creates = paths.iter().filter(|path| *path == "POST /rest/api/3/issue").count();
    assert_eq!(creates, 1, "only the first attempt should POST: {paths:?}");
    host.ok(4, json!({"type": "disconnect"}));
}

#[test]
fn data_center_context_path_flow() {
    let mut config = fake_jira::Config::datacenter();
    config.token = CANARY_TOKEN.to_string();
    config.context_path = "/jira".to_string();
    let jira = start_jira(config, "datacenter-flow");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let connected = host.ok(1, json!({"type": "connect", "siteUrl": format!("{}/", jira.url()), "token": CANARY_TOKEN}));
    let created = host.ok(2, json!({
        "type": "createIssue",
        "issue": {"projectKey": "AB2", "issueTypeId": "10002", "summary": "Report", "description": "Numbers are off",
                  "pageUrl": "https://intranet.example.com/report", "pageTitle": "Q3 | report"}
    }));

    assert_eq!(connected["site"]["deployment"], "dataCenter");
    assert_eq!(connected["site"]["account"], "tester");
    assert!(jira.url().ends_with("/jira"), "the fake should serve under /jira: {}", jira.url());
    assert_eq!(connected["site"]["siteUrl"], json!(jira.url()), "the trailing slash should go, the context path stay");
    assert!(created["key"].as_str().unwrap().starts_with("AB2-"), "{created}");
    let description = &jira.issues()[0].fields["description"];
    assert_eq!(description, &json!("Numbers are off\n\nPage: [Q3   report|https://intranet.example.com/report]"));
    let authorization = jira.requests().iter().find_map(|r| r.header("authorization").map(str::to_string)).unwrap();
    assert!(authorization.starts_with("Bearer"), "Data Center should get a Bearer token, got {authorization}");
    assert!(jira.violations().is_empty(), "{:#?}", jira.violations());

    host.ok(3, json!({"type": "disconnect"}));
    assert_token_kept_secret(&home, &host);
}

#[test]
fn second_process_reuses_stored_token() {
    let jira = cloud_jira("second-process");
    let home = TestHome::new();
    let mut first = home.spawn_browser_host();
    connect_cloud(&mut first, &jira);
    drop(first);

    let mut second = home.spawn_browser_host();
    let projects = second.ok(1, json!({"type": "listProjects", "query": "web"}));

    let names: Vec<&str> = projects["projects"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Website"], "the query should narrow the list");
    second.ok(2, json!({"type": "disconnect"}));
}

#[test]
fn plain_http_refused_without_test_setting() {
    let jira = cloud_jira("http-refused");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let remote = host.err(1, json!({"type": "connect", "siteUrl": "http://jira.example.com", "email": "a@b.c", "token": "t"}));

    assert_eq!(remote["name"], "insecureSiteUrl");
    assert!(jira.requests().is_empty(), "nothing should be sent for a refused URL");
}

#[test]
fn http_site_without_test_setting_named() {
    let jira = cloud_jira("http-site-later");
    let home = TestHome::new();
    let mut test_mode = home.spawn_browser_host();
    connect_cloud(&mut test_mode, &jira);
    drop(test_mode);
    let sent_before = jira.requests().len();

    let mut normal = home.spawn_host_with_env(&[support::OUR_ORIGIN], &[("JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK", "0")]);
    let error = normal.err(1, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "insecureSiteUrl", "a plain-http site should be named as such, not as a network error: {error}");
    assert_eq!(jira.requests().len(), sent_before, "nothing should be sent to a plain-http site outside test mode");
    let mut cleanup = home.spawn_browser_host();
    cleanup.ok(1, json!({"type": "disconnect"}));
}

#[test]
fn disconnect_accepts_pasted_issue_link() {
    let jira = cloud_jira("disconnect-link");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    connect_cloud(&mut host, &jira);

    let unknown = host.err(2, json!({"type": "disconnect", "siteUrl": "https://other.example.com"}));
    let done = host.ok(3, json!({"type": "disconnect", "siteUrl": format!("{}/browse/WEB-1", jira.url())}));

    assert_eq!(unknown["name"], "notConnected");
    assert!(unknown["message"].as_str().unwrap().contains(&jira.url()), "the error should name the connected site: {unknown}");
    assert_eq!(done["siteUrl"], json!(jira.url()), "an issue link of the site should select the site");
}

//! Scoped API tokens through Atlassian's API gateway: the real host binary against a fake
//! Jira that rejects the token on the site and accepts it under `/ex/jira/{cloudId}`. The
//! fake plays both the site and the gateway on 127.0.0.1, reached through the host's
//! loopback-only gateway override. Run inside `scripts/with-keyring.sh`.

mod support;

use serde_json::{json, Value};
use support::{assert_no_canary, secret_tool_lookup, start_jira, HostProcess, TestHome, CANARY_TOKEN};

const GATEWAY_URL_ENV: &str = "JIRA_BRIDGE_GATEWAY_URL";

fn scoped_jira(test_name: &str) -> fake_jira::FakeJira {
    let mut config = fake_jira::Config::cloud();
    config.token = CANARY_TOKEN.to_string();
    config.scoped_token = true;
    start_jira(config, test_name)
}

/// Starts the host for the extension with the fake Jira as the API gateway.
fn spawn_host(home: &TestHome, jira: &fake_jira::FakeJira) -> HostProcess {
    let origin = jira.origin();
    home.spawn_host_with_env(&[support::OUR_ORIGIN], &[(GATEWAY_URL_ENV, origin.as_str())])
}

fn connect(host: &mut HostProcess, jira: &fake_jira::FakeJira, token: &str) -> Value {
    host.call(1, json!({
        "type": "connect",
        "siteUrl": jira.url(),
        "email": "tester@example.com",
        "token": token,
    }))
}

fn saved_config(home: &TestHome) -> Option<Value> {
    let text = std::fs::read_to_string(home.config_dir().join("jira-bridge/config.json")).ok()?;
    Some(serde_json::from_str(&text).expect("config.json is JSON"))
}

/// Checks that the canary token is in no frame, log line, stderr or file of the test home.
fn assert_token_kept_secret(home: &TestHome, host: &HostProcess) {
    for frame in &host.received {
        assert_no_canary("a reply frame", frame);
    }
    assert_no_canary("the host's stderr", &host.stderr_text());
    for (path, bytes) in home.all_files() {
        assert_no_canary(&path.display().to_string(), &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn scoped_token_connects_through_gateway() {
    let jira = scoped_jira("scoped-gateway");
    let home = TestHome::new();
    let mut host = spawn_host(&home, &jira);
    let gateway_prefix = jira.config().gateway_prefix();
    let site_url = jira.url();

    let connected = connect(&mut host, &jira, CANARY_TOKEN);
    let created = host.ok(2, json!({
        "type": "createIssue",
        "issue": {"projectKey": "WEB", "issueTypeId": "10002", "summary": "Made with a scoped token", "clientRequestId": "scoped-1"}
    }));

    assert!(connected.get("error").is_none(), "a scoped token should connect through the gateway: {connected}");
    assert_eq!(connected["result"]["site"]["siteUrl"], json!(site_url), "the site, not the gateway, is what the person sees");
    let key = created["key"].as_str().expect("a created key");
    assert_eq!(created["url"], json!(format!("{site_url}/browse/{key}")), "the link should use the site URL");
    assert_eq!(jira.issues().len(), 1, "exactly one issue should exist");

    let requests = jira.requests();
    let create = requests
        .iter()
        .find(|request| request.method == "POST" && request.path == "/rest/api/3/issue")
        .expect("the create should reach the fake Jira");
    assert_eq!(create.context_path, gateway_prefix, "the create should go to {gateway_prefix}/rest/api/3/issue");
    let myself: Vec<&str> = requests
        .iter()
        .filter(|request| request.path == "/rest/api/3/myself")
        .map(|request| request.context_path.as_str())
        .collect();
    assert_eq!(myself, vec!["", gateway_prefix.as_str()], "connect should try /myself on the site, then through the gateway");
    let direct_after_connect: Vec<String> = requests
        .iter()
        .skip_while(|request| request.context_path.is_empty())
        .filter(|request| request.context_path.is_empty())
        .map(|request| format!("{} {}", request.method, request.path))
        .collect();
    assert!(direct_after_connect.is_empty(), "no call should go to the site after the gateway worked: {direct_after_connect:?}");
    assert!(jira.violations().is_empty(), "the fake Jira saw requests Jira would reject: {:#?}", jira.violations());

    let config = saved_config(&home).expect("the site should be saved");
    let expected_api_url = format!("{}{gateway_prefix}", jira.origin());
    assert_eq!(config["sites"][0]["siteUrl"], json!(site_url));
    assert_eq!(config["sites"][0]["apiUrl"], json!(expected_api_url), "the gateway base should be saved with the site");
    assert_eq!(secret_tool_lookup(&site_url, "tester@example.com").as_deref(), Some(CANARY_TOKEN), "the token is kept under the site URL");

    assert_token_kept_secret(&home, &host);
}

#[test]
fn saved_gateway_used_after_restart() {
    let jira = scoped_jira("scoped-restart");
    let home = TestHome::new();
    let mut first = spawn_host(&home, &jira);
    let connected = connect(&mut first, &jira, CANARY_TOKEN);
    assert!(connected.get("error").is_none(), "connect failed: {connected}");
    first.close_stdin();
    jira.reset();

    let mut second = spawn_host(&home, &jira);
    let projects = second.ok(1, json!({"type": "listProjects"}));

    assert!(projects["projects"].as_array().is_some_and(|projects| !projects.is_empty()), "{projects}");
    let requests = jira.requests();
    assert!(!requests.is_empty(), "listing projects should reach the fake Jira");
    for request in &requests {
        assert_eq!(request.context_path, jira.config().gateway_prefix(), "{} {} should go through the gateway", request.method, request.path);
    }
    assert_token_kept_secret(&home, &second);
}

#[test]
fn server_info_rejection_still_connects() {
    let jira = scoped_jira("scoped-server-info-401");
    jira.add_fault(fake_jira::Fault::status("/rest/api/3/serverInfo", 401));
    let home = TestHome::new();
    let mut host = spawn_host(&home, &jira);

    let connected = connect(&mut host, &jira, CANARY_TOKEN);

    assert!(connected.get("error").is_none(), "a site rejecting the token on serverInfo is still Cloud: {connected}");
    assert_eq!(connected["result"]["site"]["deployment"], "cloud");
    let config = saved_config(&home).expect("the site should be saved");
    assert_eq!(config["sites"][0]["apiUrl"], json!(format!("{}{}", jira.origin(), jira.config().gateway_prefix())));
    assert_token_kept_secret(&home, &host);
}

#[test]
fn wrong_scoped_token_saves_nothing() {
    let jira = scoped_jira("scoped-wrong-token");
    let home = TestHome::new();
    let mut host = spawn_host(&home, &jira);

    let reply = connect(&mut host, &jira, "not-the-token");
    let status = host.ok(2, json!({"type": "status"}));

    assert_eq!(reply["error"]["name"], "authenticationFailed", "{reply}");
    let gateway_statuses: Vec<u16> = jira
        .requests()
        .iter()
        .filter(|request| request.context_path == jira.config().gateway_prefix())
        .map(|request| request.status)
        .collect();
    assert_eq!(gateway_statuses, vec![401], "the gateway should have been tried once and have rejected the token");
    assert_eq!(status["sites"], json!([]), "a rejected token must not be saved");
    assert_eq!(secret_tool_lookup(&jira.url(), "tester@example.com"), None, "nothing may reach the store");
    assert!(saved_config(&home).is_none(), "no config file should be written");
}

#[test]
fn unreachable_gateway_named_in_error() {
    let jira = scoped_jira("scoped-gateway-unreachable");
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gateway = format!("http://127.0.0.1:{closed_port}");
    let home = TestHome::new();
    let mut host = home.spawn_host_with_env(&[support::OUR_ORIGIN], &[(GATEWAY_URL_ENV, gateway.as_str())]);

    let reply = connect(&mut host, &jira, CANARY_TOKEN);

    assert_eq!(reply["error"]["name"], "authenticationFailed", "the site's rejection is certain: {reply}");
    assert_eq!(reply["error"]["details"]["gateway"]["name"], "networkError", "the gateway failure should be named: {reply}");
    let message = reply["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("API gateway"), "the message should mention the gateway: {message}");
    assert!(saved_config(&home).is_none(), "no config file should be written");
    assert_token_kept_secret(&home, &host);
}

#[test]
fn loopback_site_skips_real_gateway() {
    let jira = scoped_jira("scoped-no-override");
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();

    let reply = connect(&mut host, &jira, CANARY_TOKEN);

    assert_eq!(reply["error"]["name"], "authenticationFailed", "{reply}");
    assert!(
        reply["error"]["details"].get("gateway").is_none(),
        "a loopback site must never be tried through https://api.atlassian.com: {reply}"
    );
    assert!(saved_config(&home).is_none(), "no config file should be written");
}

#[test]
fn gateway_override_elsewhere_rejected() {
    let jira = scoped_jira("scoped-override-rejected");
    let home = TestHome::new();
    // `.invalid` never resolves, so even a bug could not reach another machine.
    let mut host = home.spawn_host_with_env(&[support::OUR_ORIGIN], &[(GATEWAY_URL_ENV, "https://gateway.invalid")]);

    let reply = connect(&mut host, &jira, CANARY_TOKEN);

    assert_eq!(reply["error"]["name"], "insecureSiteUrl", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains(GATEWAY_URL_ENV), "the message should name the setting: {message}");
    assert!(
        jira.requests().iter().all(|request| request.context_path.is_empty()),
        "nothing should be sent through any gateway: {:?}",
        jira.requests()
    );
    assert!(saved_config(&home).is_none(), "no config file should be written");
    assert_eq!(secret_tool_lookup(&jira.url(), "tester@example.com"), None, "nothing may reach the store");
    assert_token_kept_secret(&home, &host);
}

#[test]
fn edited_api_url_not_used() {
    let jira = scoped_jira("scoped-edited-config");
    let home = TestHome::new();
    let mut first = spawn_host(&home, &jira);
    let connected = connect(&mut first, &jira, CANARY_TOKEN);
    assert!(connected.get("error").is_none(), "connect failed: {connected}");
    first.close_stdin();
    jira.reset();

    // `localhost` reaches the same fake Jira, so a request sent there would be recorded,
    // but it is not the gateway origin the host was started with.
    let config_path = home.config_dir().join("jira-bridge/config.json");
    let mut config = saved_config(&home).expect("a saved config");
    let edited = format!("http://localhost:{}{}", jira.port(), jira.config().gateway_prefix());
    config["sites"][0]["apiUrl"] = json!(edited);
    std::fs::write(&config_path, config.to_string()).expect("editing config.json");
    let mut second = spawn_host(&home, &jira);

    let error = second.err(1, json!({"type": "listProjects"}));

    assert_eq!(error["name"], "invalidSiteUrl", "{error}");
    assert!(jira.requests().is_empty(), "no request may be sent with an edited apiUrl: {:?}", jira.requests());
    assert_token_kept_secret(&home, &second);
}

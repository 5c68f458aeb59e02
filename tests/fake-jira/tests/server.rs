//! Integration tests of the fake Jira over real HTTP on loopback.

use base64::Engine;
use fake_jira::{Config, FakeJira, Fault, Mode};
use serde_json::{json, Value};

/// Status and parsed JSON body (Null when empty or not JSON) of one response.
struct Reply {
    status: u16,
    body: Value,
    retry_after: Option<String>,
}

fn cloud_auth(email: &str, token: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"));
    format!("Basic {encoded}")
}

fn auth_for(jira: &FakeJira) -> String {
    let config = jira.config();
    match config.mode {
        Mode::Cloud => cloud_auth(&config.email, &config.token),
        Mode::DataCenter => format!("Bearer {}", config.token),
    }
}

/// Sends a request with Jira's usual headers; `auth` None sends no Authorization header.
fn send(method: &str, url: &str, auth: Option<&str>, body: Option<&Value>) -> Reply {
    let mut request = ureq::request(method, url).set("Accept", "application/json");
    if let Some(auth) = auth {
        request = request.set("Authorization", auth);
    }
    let result = match body {
        Some(body) => request.set("Content-Type", "application/json").send_string(&body.to_string()),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {url} failed to send: {error}"),
    };
    let status = response.status();
    let retry_after = response.header("retry-after").map(str::to_owned);
    let text = response.into_string().expect("response body is readable");
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        retry_after,
    }
}

fn api(jira: &FakeJira, path: &str) -> String {
    format!("{}/rest/api/{}{path}", jira.url(), jira.config().mode.api_version())
}

fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

fn create_task(jira: &FakeJira, summary: &str) -> Reply {
    let description = match jira.config().mode {
        Mode::Cloud => adf("Found on the pricing page."),
        Mode::DataCenter => json!("Found on the *pricing* page."),
    };
    let body = json!({"fields": {
        "project": {"key": "WEB"},
        "issuetype": {"id": "10002"},
        "summary": summary,
        "description": description,
    }});
    send("POST", &api(jira, "/issue"), Some(&auth_for(jira)), Some(&body))
}

fn unique_temp_file(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    std::env::temp_dir().join(format!("fake-jira-{name}-{}-{nanos}.jsonl", std::process::id()))
}

#[test]
fn auth_wrong_token_rejected() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");

    let wrong = send("GET", &api(&jira, "/myself"), Some(&cloud_auth("tester@example.com", "nope")), None);
    let missing = send("GET", &api(&jira, "/myself"), None, None);
    let bearer = send("GET", &api(&jira, "/myself"), Some("Bearer test-token"), None);

    assert_eq!(wrong.status, 401, "a wrong API token gets 401");
    assert!(wrong.body["errorMessages"].is_array(), "401 has Jira's error shape: {}", wrong.body);
    assert_eq!(missing.status, 401, "no Authorization header gets 401");
    assert_eq!(bearer.status, 401, "Cloud API tokens must use Basic auth, not Bearer");
    let violations = jira.violations();
    assert_eq!(violations.len(), 2, "missing and wrong-scheme auth are violations, a wrong token is not: {violations:#?}");
}

#[test]
fn auth_right_token_returns_myself() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");

    let reply = send("GET", &api(&jira, "/myself"), Some(&auth_for(&jira)), None);

    assert_eq!(reply.status, 200, "the configured account is accepted");
    assert_eq!(reply.body["accountId"], "5b10ac8d82e05b22cc7d4ef5", "Cloud users carry accountId");
    assert_eq!(reply.body["emailAddress"], "tester@example.com", "myself returns the account email");
    assert!(jira.violations().is_empty(), "a correct call is no violation: {:#?}", jira.violations());
}

#[test]
fn server_info_anonymous_reports_deployment() {
    let cloud = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let datacenter = FakeJira::start(Config::datacenter()).expect("fake Jira starts");

    let cloud_info = send("GET", &format!("{}/rest/api/3/serverInfo", cloud.url()), None, None);
    let cloud_v2_info = send("GET", &format!("{}/rest/api/2/serverInfo", cloud.url()), None, None);
    let dc_info = send("GET", &format!("{}/rest/api/2/serverInfo", datacenter.url()), None, None);

    assert_eq!(cloud_info.body["deploymentType"], "Cloud", "Cloud reports Cloud");
    assert_eq!(cloud_v2_info.body["deploymentType"], "Cloud", "v2 serverInfo works on Cloud too");
    assert_eq!(dc_info.body["deploymentType"], "Server", "Data Center 10.3 reports Server");
    assert_eq!(dc_info.body["baseUrl"], json!(datacenter.url()), "baseUrl is the site URL");
}

#[test]
fn create_issue_then_get_it() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");

    let created = create_task(&jira, "Pricing page shows the wrong currency");
    let fetched = send("GET", &api(&jira, "/issue/WEB-1"), Some(&auth_for(&jira)), None);

    assert_eq!(created.status, 201, "create answers 201: {}", created.body);
    assert_eq!(created.body["key"], "WEB-1", "first issue in WEB is WEB-1");
    assert_eq!(fetched.status, 200, "the new issue can be read back: {}", fetched.body);
    assert_eq!(fetched.body["fields"]["summary"], "Pricing page shows the wrong currency", "summary round-trips");
    assert_eq!(fetched.body["fields"]["description"], adf("Found on the pricing page."), "ADF description round-trips");
    assert_eq!(fetched.body["fields"]["status"]["name"], "To Do", "new issues start in To Do");
    assert_eq!(jira.issues().len(), 1, "the library API lists the stored issue");
    assert!(jira.violations().is_empty(), "no violations: {:#?}", jira.violations());
}

#[test]
fn create_issue_keys_count_per_project() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let body = |project: &str| {
        json!({"fields": {"project": {"key": project}, "issuetype": {"name": "Story"}, "summary": "s"}})
    };

    let first = send("POST", &api(&jira, "/issue"), Some(&auth_for(&jira)), Some(&body("AB2")));
    let second = send("POST", &api(&jira, "/issue"), Some(&auth_for(&jira)), Some(&body("AB2")));
    let other = send("POST", &api(&jira, "/issue"), Some(&auth_for(&jira)), Some(&body("OPS")));

    assert_eq!(first.body["key"], "AB2-1", "a key with digits gets -1");
    assert_eq!(second.body["key"], "AB2-2", "numbers grow per project");
    assert_eq!(other.body["key"], "OPS-1", "another project starts at 1");
}

#[test]
fn create_issue_not_on_screen_rejected() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let body = json!({"fields": {
        "project": {"key": "WEB"},
        "issuetype": {"id": "10003"},
        "summary": "Story with a due date",
        "duedate": "2025-03-01",
    }});

    let reply = send("POST", &api(&jira, "/issue"), Some(&auth_for(&jira)), Some(&body));

    assert_eq!(reply.status, 400, "Story has no due date on its create screen");
    let message = reply.body["errors"]["duedate"].as_str().unwrap_or("");
    assert!(message.contains("not on the appropriate screen"), "Jira's message names the screen: {}", reply.body);
    assert!(jira.issues().is_empty(), "nothing is created");
    assert_eq!(jira.violations().len(), 1, "the refusal is recorded as a violation");
}

#[test]
fn create_issue_checks_fields() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let auth = auth_for(&jira);
    let cases = [
        (json!({}), "summary", "no fields at all"),
        (json!({"fields": {"project": {"key": "WEB"}, "issuetype": {"id": "10001"}, "summary": "s"}}), "customfield_10050", "Bug requires Severity"),
        (json!({"fields": {"project": {"key": "WEB"}, "issuetype": {"id": "10002"}, "summary": "a\nb"}}), "summary", "newline in summary"),
        (json!({"fields": {"project": {"key": "WEB"}, "issuetype": {"id": "10002"}, "summary": "x".repeat(256)}}), "summary", "summary over 255 characters"),
        (json!({"fields": {"project": {"key": "WEB"}, "issuetype": {"id": "10002"}, "summary": "s", "description": "plain"}}), "description", "plain string description on Cloud"),
        (json!({"fields": {"project": {"key": "NOPE"}, "issuetype": {"id": "10002"}, "summary": "s"}}), "project", "unknown project"),
        (json!({"fields": {"project": {"key": "WEB"}, "issuetype": {"id": "10001"}, "summary": "s", "customfield_10050": {"id": "1"}}}), "customfield_10050", "option not allowed"),
    ];

    for (body, field, case) in cases {
        let reply = send("POST", &api(&jira, "/issue"), Some(&auth), Some(&body));
        assert_eq!(reply.status, 400, "{case}: expected 400, got {}", reply.body);
        assert!(reply.body["errors"][field].is_string(), "{case}: expected an error on {field}: {}", reply.body);
    }

    let valid_bug = json!({"fields": {"project": {"key": "WEB"}, "issuetype": {"id": "10001"}, "summary": "s",
        "customfield_10050": {"value": "Major"}, "labels": ["from-browser"]}});
    let reply = send("POST", &api(&jira, "/issue"), Some(&auth), Some(&valid_bug));
    assert_eq!(reply.status, 201, "a Bug with Severity is created: {}", reply.body);
}

#[test]
fn createmeta_marks_required_custom_field() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");

    let types = send("GET", &api(&jira, "/issue/createmeta/WEB/issuetypes"), Some(&auth_for(&jira)), None);
    let fields = send("GET", &api(&jira, "/issue/createmeta/WEB/issuetypes/10001"), Some(&auth_for(&jira)), None);

    let names: Vec<&str> = types.body["issueTypes"].as_array().expect("issueTypes array").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["Bug", "Task", "Story"], "every project has Bug, Task and Story");
    let severity = fields.body["fields"]
        .as_array()
        .expect("fields array")
        .iter()
        .find(|field| field["fieldId"] == "customfield_10050")
        .expect("Bug has Severity");
    assert_eq!(severity["required"], true, "Severity is required on Bug");
    assert_eq!(severity["allowedValues"].as_array().map(Vec::len), Some(3), "Severity has three options");
}

#[test]
fn project_search_pages() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let auth = auth_for(&jira);

    let first = send("GET", &api(&jira, "/project/search?startAt=0&maxResults=2"), Some(&auth), None);
    let second = send("GET", &api(&jira, "/project/search?startAt=2&maxResults=2"), Some(&auth), None);
    let filtered = send("GET", &api(&jira, "/project/search?query=oper"), Some(&auth), None);

    assert_eq!(first.body["values"].as_array().map(Vec::len), Some(2), "first page has two projects");
    assert_eq!(first.body["isLast"], false, "first page is not the last");
    assert_eq!(first.body["total"], 3, "three projects in all");
    assert_eq!(second.body["values"][0]["key"], "AB2", "second page starts at the third project");
    assert_eq!(second.body["isLast"], true, "second page is the last");
    assert_eq!(filtered.body["values"][0]["key"], "OPS", "query matches the name");
    assert_eq!(filtered.body["values"].as_array().map(Vec::len), Some(1), "query filters out the rest");
}

#[test]
fn search_jql_finds_property_and_pages() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let auth = auth_for(&jira);
    for index in 0..3 {
        create_task(&jira, &format!("Task {index}"));
    }
    let put = send("PUT", &api(&jira, "/issue/WEB-2/properties/jiraBridge"), Some(&auth), Some(&json!({"clientRequestId": "r-2"})));

    let jql = "issue.property[jiraBridge].clientRequestId = \"r-2\"";
    let found = send("POST", &api(&jira, "/search/jql"), Some(&auth), Some(&json!({"jql": jql, "fields": ["summary"]})));
    let page_one = send("GET", &api(&jira, "/search/jql?jql=project%20%3D%20WEB&maxResults=2"), Some(&auth), None);
    let token = page_one.body["nextPageToken"].as_str().expect("a next page token").to_owned();
    let page_two = send("GET", &api(&jira, &format!("/search/jql?jql=project%20%3D%20WEB&maxResults=2&nextPageToken={token}")), Some(&auth), None);

    assert_eq!(put.status, 201, "a new property answers 201");
    assert_eq!(found.body["issues"][0]["key"], "WEB-2", "the property lookup finds the tagged issue: {}", found.body);
    assert_eq!(found.body["issues"][0]["fields"]["summary"], "Task 1", "requested fields come back");
    assert_eq!(page_one.body["issues"].as_array().map(Vec::len), Some(2), "page one has two issues");
    assert!(page_one.body["issues"][0]["fields"].as_object().is_some_and(|f| f.is_empty()), "only id and key without fields");
    assert_eq!(page_two.body["issues"][0]["key"], "WEB-3", "page two continues");
    assert_eq!(page_two.body["isLast"], true, "page two is the last");
}

#[test]
fn removed_cloud_search_answers_gone() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");

    let reply = send("GET", &api(&jira, "/search?jql=project%3DWEB"), Some(&auth_for(&jira)), None);

    assert_eq!(reply.status, 410, "live Cloud answers the old search with 410");
    assert_eq!(jira.violations().len(), 1, "using it is a violation");
}

#[test]
fn fault_injection_answers_then_recovers() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    jira.add_fault(Fault {
        retry_after: Some("7".to_owned()),
        count: 2,
        ..Fault::status("/rest/api/3/myself", 429)
    });

    let first = send("GET", &api(&jira, "/myself"), Some(&auth_for(&jira)), None);
    let second = send("GET", &api(&jira, "/myself"), Some(&auth_for(&jira)), None);
    let third = send("GET", &api(&jira, "/myself"), Some(&auth_for(&jira)), None);

    assert_eq!(first.status, 429, "first request gets the injected 429");
    assert_eq!(first.retry_after.as_deref(), Some("7"), "the Retry-After header is sent");
    assert_eq!(second.status, 429, "count 2 covers the second request");
    assert_eq!(third.status, 200, "the third request is served normally");
    assert!(jira.violations().is_empty(), "injected faults are not violations");
    assert_eq!(jira.requests().len(), 3, "faulted requests are still recorded");
}

#[test]
fn fault_delay_then_served() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    jira.add_fault(Fault { status: None, delay_ms: 300, ..Fault::status("/rest/api/3/myself", 0) });

    let started = std::time::Instant::now();
    let reply = send("GET", &api(&jira, "/myself"), Some(&auth_for(&jira)), None);

    assert_eq!(reply.status, 200, "a delay-only fault still serves the request");
    assert!(started.elapsed() >= std::time::Duration::from_millis(300), "the reply was delayed");
}

#[test]
fn control_api_faults_and_reset() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let fault = json!({"pathPrefix": "/rest/api/3/issue", "method": "POST", "status": 503, "body": "down for maintenance"});

    let added = send("POST", &format!("{}/__fake/faults", jira.origin()), None, Some(&fault));
    let faulted = create_task(&jira, "s");
    let created = create_task(&jira, "s");
    let issues = send("GET", &format!("{}/__fake/issues", jira.origin()), None, None);
    let reset = send("POST", &format!("{}/__fake/reset", jira.origin()), None, None);
    let requests = send("GET", &format!("{}/__fake/requests", jira.origin()), None, None);

    assert_eq!(added.status, 201, "the control API accepts the fault: {}", added.body);
    assert_eq!(faulted.status, 503, "the create gets the injected 503");
    assert_eq!(created.status, 201, "the next create succeeds");
    assert_eq!(issues.body.as_array().map(Vec::len), Some(1), "one issue was stored");
    assert_eq!(reset.status, 204, "reset answers 204");
    assert_eq!(requests.body, json!([]), "reset forgets requests, and control calls are never recorded");
}

#[test]
fn record_file_written_with_redaction() {
    let path = unique_temp_file("record");
    let jira = FakeJira::start(Config { record_file: Some(path.clone()), ..Config::cloud() }).expect("fake Jira starts");

    create_task(&jira, "Recorded");
    send("GET", &format!("{}/__fake/requests", jira.origin()), None, None);
    drop(jira);

    let text = std::fs::read_to_string(&path).expect("record file exists");
    let _ = std::fs::remove_file(&path);
    let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), 1, "one Jira request, control calls not recorded: {text}");
    let record = &lines[0];
    assert_eq!(record["mode"], "cloud", "mode is recorded");
    assert_eq!(record["method"], "POST", "method is recorded");
    assert_eq!(record["path"], "/rest/api/3/issue", "path is recorded");
    assert_eq!(record["headers"]["authorization"], "Basic <redacted>", "credentials are redacted");
    assert!(!text.contains("test-token"), "the API token is not in the file");
    let encoded_credentials = &cloud_auth("tester@example.com", "test-token")["Basic ".len()..];
    assert!(!text.contains(encoded_credentials), "the encoded credentials are not in the file");
    assert_eq!(record["status"], 201, "status is recorded");
    let body: Value = serde_json::from_str(record["body"].as_str().expect("body is text")).expect("body is JSON");
    assert_eq!(body["fields"]["summary"], "Recorded", "body is recorded as sent");
}

#[test]
fn datacenter_context_path_and_bearer() {
    let path = unique_temp_file("datacenter");
    let config = Config { context_path: "/jira".to_owned(), record_file: Some(path.clone()), ..Config::datacenter() };
    let jira = FakeJira::start(config).expect("fake Jira starts");
    let auth = auth_for(&jira);

    let myself = send("GET", &api(&jira, "/myself"), Some(&auth), None);
    let projects = send("GET", &api(&jira, "/project"), Some(&auth), None);
    let created = create_task(&jira, "Wiki markup description");
    let adf_description = send("POST", &api(&jira, "/issue"), Some(&auth), Some(&json!({"fields": {
        "project": {"key": "OPS"}, "issuetype": {"id": "10002"}, "summary": "s", "description": adf("x")}})));
    let search = send("GET", &api(&jira, "/search?jql=key%20in%20(WEB-1)&startAt=0"), Some(&auth), None);
    let outside = send("GET", &format!("{}/rest/api/2/myself", jira.origin()), Some(&auth), None);
    drop(jira);

    assert!(jira_url_has_context(&myself), "myself works under /jira: {}", myself.body);
    assert_eq!(myself.body["name"], "tester", "Data Center users carry name");
    assert_eq!(projects.body.as_array().map(Vec::len), Some(3), "GET project lists every project");
    assert_eq!(created.status, 201, "a wiki markup description is accepted: {}", created.body);
    assert_eq!(adf_description.status, 400, "ADF is refused on Data Center");
    assert_eq!(search.body["total"], 1, "DC search has a total");
    assert_eq!(search.body["issues"][0]["fields"]["summary"], "Wiki markup description", "DC search returns navigable fields");
    assert_eq!(outside.status, 404, "paths outside the context path are not served");
    let text = std::fs::read_to_string(&path).expect("record file exists");
    let _ = std::fs::remove_file(&path);
    let first: Value = serde_json::from_str(text.lines().next().expect("a line")).expect("JSON line");
    assert_eq!(first["path"], "/rest/api/2/myself", "recorded path has no context path");
    assert_eq!(first["contextPath"], "/jira", "context path recorded separately");
    assert_eq!(first["headers"]["authorization"], "Bearer <redacted>", "PAT redacted");
}

fn jira_url_has_context(reply: &Reply) -> bool {
    reply.status == 200 && reply.body["self"].as_str().is_some_and(|url| url.contains("/jira/rest/api/2/"))
}

#[test]
fn activity_endpoints_store_changes() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts");
    let auth = auth_for(&jira);
    create_task(&jira, "Work");

    let comment = send("POST", &api(&jira, "/issue/WEB-1/comment"), Some(&auth), Some(&json!({"body": adf("Seen again")})));
    let plain_comment = send("POST", &api(&jira, "/issue/WEB-1/comment"), Some(&auth), Some(&json!({"body": "plain"})));
    let transitions = send("GET", &api(&jira, "/issue/WEB-1/transitions"), Some(&auth), None);
    let moved = send("POST", &api(&jira, "/issue/WEB-1/transitions"), Some(&auth), Some(&json!({"transition": {"id": "31"}})));
    let assigned = send("PUT", &api(&jira, "/issue/WEB-1/assignee"), Some(&auth), Some(&json!({"accountId": "5b10ac8d82e05b22cc7d4ef5"})));
    let worklog = send("POST", &api(&jira, "/issue/WEB-1/worklog"), Some(&auth), Some(&json!({"timeSpent": "1h 30m"})));
    let link = json!({"globalId": "page-1", "object": {"url": "https://example.com/a", "title": "A"}});
    let linked = send("POST", &api(&jira, "/issue/WEB-1/remotelink"), Some(&auth), Some(&link));
    let relinked = send("POST", &api(&jira, "/issue/WEB-1/remotelink"), Some(&auth), Some(&link));
    let bad_link = send("POST", &api(&jira, "/issue/WEB-1/remotelink"), Some(&auth), Some(&json!({"object": {"url": "https://example.com"}})));

    assert_eq!(comment.status, 201, "ADF comment accepted: {}", comment.body);
    assert_eq!(plain_comment.status, 400, "plain comment refused on Cloud");
    assert_eq!(transitions.body["transitions"].as_array().map(Vec::len), Some(3), "In Progress, Done and Resolve lead away from To Do");
    assert_eq!(moved.status, 204, "transition answers 204");
    assert_eq!(assigned.status, 204, "assign answers 204");
    assert_eq!(worklog.body["timeSpentSeconds"], 5400, "1h 30m is 5400 seconds");
    assert_eq!(linked.status, 201, "new remote link answers 201");
    assert_eq!(relinked.status, 200, "same globalId updates with 200");
    assert!(bad_link.body["errors"]["title"].is_string(), "remote link needs a title: {}", bad_link.body);
    let issue = &jira.issues()[0];
    assert_eq!(issue.status_id, "10001", "issue moved to Done");
    assert_eq!(issue.remote_links.len(), 1, "repeated globalId kept one link");
    assert_eq!(issue.comments.len(), 1, "one comment stored");
}

#[tokio::test]
async fn works_inside_tokio_test() {
    let jira = FakeJira::start(Config::cloud()).expect("fake Jira starts inside a runtime");
    let url = format!("{}/rest/api/3/serverInfo", jira.url());

    let reply = tokio::task::spawn_blocking(move || send("GET", &url, None, None)).await.expect("request task");

    assert_eq!(reply.status, 200, "served from its own runtime thread");
    drop(jira);
}

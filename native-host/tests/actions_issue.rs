//! The real host binary against the fake Jira and the real OS credential store (run
//! inside `scripts/with-keyring.sh`): reading, searching and changing existing issues,
//! each test once on Cloud and once on Data Center under a `/jira` context path.

mod support;

use fake_jira::Mode;
use serde_json::{json, Value};
use support::{assert_no_canary, secret_tool_lookup, start_jira, HostProcess, TestHome, CANARY_TOKEN};

const MODES: [Mode; 2] = [Mode::Cloud, Mode::DataCenter];

/// A fake Jira, a host connected to it, and the site URL the host saved.
struct Connected {
    jira: fake_jira::FakeJira,
    _home: TestHome,
    host: HostProcess,
    site_url: String,
    next_id: u64,
}

impl Connected {
    /// Starts a fake Jira in `mode` and connects a host to it. The token is pasted with a
    /// trailing newline, and the Data Center URL has a context path and a trailing slash.
    fn start(mode: Mode, test_name: &str) -> Connected {
        let mut config = fake_jira::Config::for_mode(mode);
        config.token = CANARY_TOKEN.to_string();
        if mode == Mode::DataCenter {
            config.context_path = "/jira".to_string();
        }
        let jira = start_jira(config, &format!("{test_name}-{}", mode.as_str()));
        let home = TestHome::new();
        let mut host = home.spawn_browser_host();

        let request = match mode {
            Mode::Cloud => json!({"type": "connect", "siteUrl": jira.url(), "email": "tester@example.com", "token": format!("{CANARY_TOKEN}\n")}),
            Mode::DataCenter => json!({"type": "connect", "siteUrl": format!("{}/", jira.url()), "token": format!("{CANARY_TOKEN}\n")}),
        };
        let connected = host.ok(1, request);
        let site_url = connected["site"]["siteUrl"].as_str().expect("a site URL").to_string();
        Connected { jira, _home: home, host, site_url, next_id: 100 }
    }

    fn ok(&mut self, request: Value) -> Value {
        self.next_id += 1;
        self.host.ok(self.next_id, request)
    }

    fn err(&mut self, request: Value) -> Value {
        self.next_id += 1;
        self.host.err(self.next_id, request)
    }

    /// Creates a Task and returns its key.
    fn create(&mut self, project: &str, summary: &str) -> String {
        let created = self.ok(json!({
            "type": "createIssue",
            "issue": {"projectKey": project, "issueTypeId": "10002", "summary": summary}
        }));
        created["key"].as_str().expect("a created key").to_string()
    }

    fn stored(&self, key: &str) -> fake_jira::StoredIssue {
        self.jira.issues().into_iter().find(|issue| issue.key == key).expect("the issue exists in the fake")
    }

    fn paths(&self) -> Vec<String> {
        self.jira.requests().iter().map(|request| format!("{} {}", request.method, request.path)).collect()
    }

    /// Checks that Jira saw nothing it would refuse and that the token stayed secret.
    fn finish(self) {
        assert!(self.jira.violations().is_empty(), "the fake Jira saw requests Jira would refuse: {:#?}", self.jira.violations());
        for frame in &self.host.received {
            assert_no_canary("a reply frame", frame);
        }
        assert_no_canary("the host's stderr", &self.host.stderr_text());
    }
}

#[test]
fn site_url_with_context_path_and_trailing_slash() {
    let mut site = Connected::start(Mode::DataCenter, "context-path");

    let key = site.create("WEB", "Under a context path");
    let issue = site.ok(json!({"type": "getIssue", "key": key}));

    assert!(site.site_url.ends_with("/jira"), "the trailing slash should go, the context path stay: {}", site.site_url);
    assert_eq!(issue["issue"]["url"], json!(format!("{}/browse/{key}", site.site_url)), "links keep the context path");
    site.finish();
}

#[test]
fn token_with_trailing_newline() {
    for mode in MODES {
        let site = Connected::start(mode, "token-newline");
        let account = if mode == Mode::Cloud { "tester@example.com" } else { "tester" };

        let stored = secret_tool_lookup(&site.site_url, account);

        assert_eq!(stored.as_deref(), Some(CANARY_TOKEN), "{mode:?}: the store should hold the token without the newline");
        let authorizations: Vec<String> = site.jira.requests().iter().filter_map(|r| r.header("authorization").map(str::to_string)).collect();
        assert!(!authorizations.is_empty(), "{mode:?}: requests should carry credentials");
        site.finish();
    }
}

#[test]
fn get_issue_both_dialects() {
    for mode in MODES {
        let mut site = Connected::start(mode, "get-issue");
        let key = site.create("WEB", "Checkout is slow");

        let issue = site.ok(json!({"type": "getIssue", "key": format!(" {} ", key.to_lowercase())}))["issue"].clone();
        let missing = site.err(json!({"type": "getIssue", "key": "WEB-999"}));
        let invalid = site.err(json!({"type": "getIssue", "key": "WEB-1/../../myself"}));

        assert_eq!(issue["key"], json!(key), "{mode:?}: the key is upper-cased");
        assert_eq!(issue["summary"], "Checkout is slow", "{mode:?}");
        assert_eq!(issue["status"], "To Do", "{mode:?}");
        assert_eq!(issue["issueType"], "Task", "{mode:?}");
        assert_eq!(issue["assignee"], json!(null), "{mode:?}: a new issue is unassigned");
        assert_eq!(issue["url"], json!(format!("{}/browse/{key}", site.site_url)), "{mode:?}");
        assert_eq!(issue["watching"], json!(false), "{mode:?}: nobody watches a new issue");
        assert_eq!(missing["name"], "notFound", "{mode:?}: {missing}");
        assert!(missing["message"].as_str().unwrap().contains("WEB-999"), "{mode:?}: the message names the key: {missing}");
        assert_eq!(invalid["name"], "invalidInput", "{mode:?}: {invalid}");
        site.finish();
    }
}

#[test]
fn keys_with_digits_in_project_part() {
    for mode in MODES {
        let mut site = Connected::start(mode, "digit-keys");
        let key = site.create("AB2", "Project key with a digit");

        let page_url = format!("{}/browse/{key}", site.site_url);
        let detected = jira_bridge_protocol::detect_issue_keys(&page_url, "", "");
        let issue = site.ok(json!({"type": "getIssue", "key": detected[0].key}));
        let found = site.ok(json!({"type": "searchIssues", "text": key}));

        assert_eq!(key, "AB2-1", "{mode:?}");
        assert_eq!(detected[0].key, key, "{mode:?}: the key is found in its own browse URL");
        assert_eq!(issue["issue"]["summary"], "Project key with a digit", "{mode:?}");
        assert_eq!(found["issues"][0]["key"], json!(key), "{mode:?}: searching for a key finds the issue");
        site.finish();
    }
}

#[test]
fn search_text_jql_and_recent() {
    for mode in MODES {
        let mut site = Connected::start(mode, "search");
        site.create("WEB", "Checkout button broken");
        site.create("OPS", "Disk full on db-1");
        for number in 0..20 {
            site.create("WEB", &format!("Filler {number}"));
        }

        let by_text = site.ok(json!({"type": "searchIssues", "text": "checkout"}));
        let by_jql = site.ok(json!({"type": "searchIssues", "jql": "project = OPS"}));
        let first_page = site.ok(json!({"type": "recentIssues"}));
        let token = first_page["nextPageToken"].as_str().expect("a second page").to_string();
        let second_page = site.ok(json!({"type": "recentIssues", "pageToken": token}));
        let both = site.err(json!({"type": "searchIssues", "text": "a", "jql": "project = WEB"}));
        let bad_jql = site.err(json!({"type": "searchIssues", "jql": "project = WEB AND ("}));

        let keys = |page: &Value| page["issues"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(keys(&by_text), vec!["WEB-1"], "{mode:?}: text search");
        assert_eq!(by_text["issues"][0]["status"], "To Do", "{mode:?}: results carry their fields");
        assert_eq!(keys(&by_jql), vec!["OPS-1"], "{mode:?}: JQL search");
        assert_eq!(keys(&first_page).len(), 20, "{mode:?}: a full first page");
        assert_eq!(keys(&second_page).len(), 2, "{mode:?}: the rest on the second page");
        assert_eq!(second_page.get("nextPageToken"), None, "{mode:?}: the last page has no token");
        assert_eq!(both["name"], "invalidInput", "{mode:?}: {both}");
        assert_eq!(bad_jql["name"], "jiraRejected", "{mode:?}: {bad_jql}");

        let searches: Vec<_> = site.jira.requests().into_iter().filter(|r| r.path.contains("/search")).collect();
        for request in &searches {
            let expected = if mode == Mode::Cloud { "/rest/api/3/search/jql" } else { "/rest/api/2/search" };
            assert_eq!(request.path, expected, "{mode:?}: searches use the dialect's endpoint");
            assert!(request.query.contains("fields=summary"), "{mode:?}: searches name their fields: {}", request.query);
        }
        // The bad JQL is refused by Jira; every other request must be clean.
        let violations: Vec<_> = site.jira.violations().into_iter().filter(|v| !v.path.contains("/search")).collect();
        assert!(violations.is_empty(), "{mode:?}: {violations:#?}");
    }
}

#[test]
fn comment_rich_text_per_dialect() {
    for mode in MODES {
        let mut site = Connected::start(mode, "comment");
        let key = site.create("WEB", "Needs a comment");

        let added = site.ok(json!({"type": "addComment", "key": key, "body": "First line\nsecond line"}));
        let empty = site.err(json!({"type": "addComment", "key": key, "body": "  \n"}));

        assert_eq!(added["key"], json!(key), "{mode:?}");
        assert!(!added["commentId"].as_str().unwrap().is_empty(), "{mode:?}: a comment id");
        let comment = &site.stored(&key).comments[0];
        match mode {
            Mode::Cloud => assert_eq!(comment["type"], "doc", "Cloud comments are ADF: {comment}"),
            Mode::DataCenter => assert_eq!(comment, &json!("First line\nsecond line"), "Data Center comments are wiki markup"),
        }
        assert_eq!(empty["name"], "invalidInput", "{mode:?}: {empty}");
        site.finish();
    }
}

#[test]
fn transitions_with_required_screen_field() {
    for mode in MODES {
        let mut site = Connected::start(mode, "transitions");
        let key = site.create("WEB", "Move me");

        let listed = site.ok(json!({"type": "listTransitions", "key": key}));
        let started = site.ok(json!({"type": "transitionIssue", "key": key, "transitionId": "21"}));
        let posts_before = site.paths().iter().filter(|p| p.starts_with("POST") && p.ends_with("/transitions")).count();
        let missing = site.err(json!({"type": "transitionIssue", "key": key, "transitionId": "41"}));
        let off_screen = site.err(json!({"type": "transitionIssue", "key": key, "transitionId": "31", "fields": {"labels": ["x"]}}));
        let posts_after = site.paths().iter().filter(|p| p.starts_with("POST") && p.ends_with("/transitions")).count();
        let resolved = site.ok(json!({"type": "transitionIssue", "key": key, "transitionId": "41", "fields": {"resolution": "10001"}}));

        let transitions = listed["transitions"].as_array().unwrap();
        let resolve = transitions.iter().find(|t| t["name"] == "Resolve").expect("a Resolve transition");
        assert_eq!(resolve["toStatus"], "Done", "{mode:?}");
        assert_eq!(resolve["fields"][0]["id"], "resolution", "{mode:?}: {resolve}");
        assert_eq!(resolve["fields"][0]["required"], true, "{mode:?}");
        assert_eq!(resolve["fields"][0]["kind"], "singleSelect", "{mode:?}");
        assert_eq!(resolve["fields"][0]["allowedValues"][1], json!({"id": "10001", "name": "Won't Do"}), "{mode:?}");
        assert_eq!(started["issue"]["status"], "In Progress", "{mode:?}");
        assert_eq!(missing["name"], "invalidInput", "{mode:?}: {missing}");
        assert_eq!(missing["details"]["field"], "resolution", "{mode:?}: the error names the field");
        assert_eq!(off_screen["details"]["field"], "labels", "{mode:?}: {off_screen}");
        assert_eq!(posts_before, posts_after, "{mode:?}: rejected transitions are not sent");
        assert_eq!(resolved["issue"]["status"], "Done", "{mode:?}");
        assert_eq!(site.stored(&key).fields["resolution"], json!({"id": "10001"}), "{mode:?}");
        let get = site.jira.requests().into_iter().find(|r| r.method == "GET" && r.path.ends_with("/transitions")).unwrap();
        assert!(get.query.contains("expand=transitions.fields"), "{mode:?}: {}", get.query);
        site.finish();
    }
}

#[test]
fn non_ascii_assignee_name() {
    for mode in MODES {
        let mut site = Connected::start(mode, "assign");
        let key = site.create("WEB", "Who takes this?");

        let users = site.ok(json!({"type": "findAssignableUsers", "key": key, "query": "groß"}));
        let user_id = users["users"][0]["id"].as_str().expect("a user").to_string();
        let assigned = site.ok(json!({"type": "assignIssue", "key": key, "assignee": {"kind": "user", "id": user_id}}));
        let search = site.ok(json!({"type": "findAssignableUsers", "key": key, "query": "ZOË"}));
        let mine = site.ok(json!({"type": "assignIssue", "key": key, "assignee": {"kind": "me"}}));
        let recent = site.ok(json!({"type": "searchIssues", "jql": "assignee = currentUser()"}));
        let nobody = site.ok(json!({"type": "assignIssue", "key": key, "assignee": {"kind": "nobody"}}));

        assert_eq!(users["users"].as_array().unwrap().len(), 1, "{mode:?}: {users}");
        assert_eq!(users["users"][0]["displayName"], "Jürgen Groß", "{mode:?}");
        if mode == Mode::DataCenter {
            assert_eq!(user_id, "jürgen", "Data Center identifies users by a name that need not be ASCII");
        }
        assert_eq!(assigned["issue"]["assignee"], "Jürgen Groß", "{mode:?}: {assigned}");
        assert_eq!(search["users"][0]["displayName"], "Zoë Ångström", "{mode:?}: case-insensitive non-ASCII search");
        assert_eq!(mine["issue"]["assignee"], "Test User", "{mode:?}");
        assert_eq!(recent["issues"][0]["key"], json!(key), "{mode:?}: assigned to me");
        assert_eq!(nobody["issue"]["assignee"], json!(null), "{mode:?}");
        let put = site.jira.requests().into_iter().find(|r| r.method == "PUT").unwrap().json().unwrap();
        let expected = if mode == Mode::Cloud { json!({"accountId": user_id}) } else { json!({"name": "jürgen"}) };
        assert_eq!(put, expected, "{mode:?}: users by accountId on Cloud, by name on Data Center");
        site.finish();
    }
}

#[test]
fn find_users_by_project_for_create() {
    for mode in MODES {
        let mut site = Connected::start(mode, "find-users");

        let found = site.ok(json!({"type": "findUsers", "projectKey": " WEB ", "query": "groß"}));
        let user_id = found["users"][0]["id"].as_str().expect("a user").to_string();
        let by_email = site.ok(json!({"type": "findUsers", "projectKey": "WEB", "query": "ZOE@EXAMPLE"}));
        let created = site.ok(json!({
            "type": "createIssue",
            "issue": {"projectKey": "WEB", "issueTypeId": "10002", "summary": "For Jürgen", "fields": {"assignee": user_id}}
        }));
        let requests_before = site.jira.requests().len();
        let bad_project = site.err(json!({"type": "findUsers", "projectKey": "WEB/../myself", "query": "zo"}));
        let empty_query = site.err(json!({"type": "findUsers", "projectKey": "WEB", "query": "  "}));
        let requests_after = site.jira.requests().len();
        let unknown_project = site.err(json!({"type": "findUsers", "projectKey": "NOPE", "query": "zo"}));

        assert_eq!(found["users"].as_array().unwrap().len(), 1, "{mode:?}: {found}");
        assert_eq!(found["users"][0]["displayName"], "Jürgen Groß", "{mode:?}");
        if mode == Mode::DataCenter {
            assert_eq!(user_id, "jürgen", "Data Center identifies users by name");
        }
        assert_eq!(by_email["users"][0]["displayName"], "Zoë Ångström", "{mode:?}: case-insensitive search: {by_email}");
        let key = created["key"].as_str().expect("a created key");
        let id_field = if mode == Mode::Cloud { "accountId" } else { "name" };
        assert_eq!(site.stored(key).fields["assignee"][id_field], json!(user_id), "{mode:?}: the found id fills a user field");
        assert_eq!(bad_project["name"], "invalidInput", "{mode:?}: {bad_project}");
        assert_eq!(bad_project["details"]["field"], "projectKey", "{mode:?}");
        assert_eq!(empty_query["details"]["field"], "query", "{mode:?}: {empty_query}");
        assert_eq!(requests_before, requests_after, "{mode:?}: invalid searches are not sent");
        assert_eq!(unknown_project["name"], "notFound", "{mode:?}: {unknown_project}");
        assert!(unknown_project["message"].as_str().unwrap().contains("NOPE"), "{mode:?}: the message names the project: {unknown_project}");

        let searches: Vec<_> = site.jira.requests().into_iter().filter(|r| r.path.ends_with("/user/assignable/search")).collect();
        let expected_path = if mode == Mode::Cloud { "/rest/api/3/user/assignable/search" } else { "/rest/api/2/user/assignable/search" };
        let query_parameter = if mode == Mode::Cloud { "query=" } else { "username=" };
        assert_eq!(searches.len(), 3, "{mode:?}: one request per valid search");
        for request in &searches {
            assert_eq!(request.path, expected_path, "{mode:?}");
            assert!(request.query.starts_with("project="), "{mode:?}: searched by project, not issue: {}", request.query);
            assert!(request.query.contains(query_parameter), "{mode:?}: the dialect's query parameter: {}", request.query);
        }
        // Jira rejects the unknown project with 404. Every other request must be clean.
        let violations: Vec<_> = site.jira.violations().into_iter().filter(|v| !v.path.ends_with("/user/assignable/search")).collect();
        assert!(violations.is_empty(), "{mode:?}: {violations:#?}");
    }
}

#[test]
fn log_work_with_estimate() {
    for mode in MODES {
        let mut site = Connected::start(mode, "worklog");
        let key = site.create("WEB", "Track time");

        let logged = site.ok(json!({
            "type": "logWork", "key": key, "timeSpent": "1h30m", "started": "2025-01-31T09:15:00+01:00",
            "comment": "Pairing", "remainingEstimate": {"kind": "new", "value": "2h"}
        }));
        let left = site.ok(json!({"type": "logWork", "key": key, "timeSpent": "2d", "remainingEstimate": {"kind": "leave"}}));
        let requests_before = site.jira.requests().len();
        let bad_time = site.err(json!({"type": "logWork", "key": key, "timeSpent": "90"}));
        let bad_start = site.err(json!({"type": "logWork", "key": key, "timeSpent": "1h", "started": "yesterday"}));
        let bad_estimate = site.err(json!({"type": "logWork", "key": key, "timeSpent": "1h", "remainingEstimate": {"kind": "new", "value": "soon"}}));

        assert_eq!(logged["timeSpentSeconds"], 5400, "{mode:?}");
        assert_eq!(left["timeSpentSeconds"], 2 * 8 * 3600, "{mode:?}: 2d is two 8-hour days");
        assert_eq!(bad_time["details"]["field"], "timeSpent", "{mode:?}: {bad_time}");
        assert_eq!(bad_start["details"]["field"], "started", "{mode:?}: {bad_start}");
        assert_eq!(bad_estimate["details"]["field"], "remainingEstimate", "{mode:?}: {bad_estimate}");
        assert_eq!(site.jira.requests().len(), requests_before, "{mode:?}: invalid worklogs are not sent");
        let posts: Vec<_> = site.jira.requests().into_iter().filter(|r| r.method == "POST" && r.path.ends_with("/worklog")).collect();
        assert_eq!(posts[0].query, "adjustEstimate=new&newEstimate=2h", "{mode:?}");
        assert_eq!(posts[1].query, "adjustEstimate=leave", "{mode:?}");
        let body = posts[0].json().unwrap();
        assert_eq!(body["timeSpent"], "1h 30m", "{mode:?}: the time is sent normalised");
        assert_eq!(body["started"], "2025-01-31T09:15:00.000+0100", "{mode:?}: Jira's timestamp form");
        match mode {
            Mode::Cloud => assert_eq!(body["comment"]["type"], "doc", "Cloud worklog comments are ADF"),
            Mode::DataCenter => assert_eq!(body["comment"], "Pairing", "Data Center worklog comments are wiki markup"),
        }
        assert_eq!(posts[1].json().unwrap()["started"].as_str().unwrap().len(), 28, "{mode:?}: a default start time");
        site.finish();
    }
}

#[test]
fn remote_link_twice_updates() {
    for mode in MODES {
        let mut site = Connected::start(mode, "remote-link");
        let key = site.create("WEB", "Link a page");
        let page = "https://docs.example.com/runbook?section=disk#top";

        let first = site.ok(json!({"type": "linkPage", "key": key, "url": page, "title": "Runbook"}));
        let second = site.ok(json!({"type": "linkPage", "key": key, "url": page, "title": "Runbook\n(updated)"}));
        let invalid = site.err(json!({"type": "linkPage", "key": key, "url": "javascript:alert(1)"}));

        assert_eq!(first["linkId"], second["linkId"], "{mode:?}: the same page keeps its link");
        let links = site.stored(&key).remote_links;
        assert_eq!(links.len(), 1, "{mode:?}: linking twice must not duplicate: {links:?}");
        assert_eq!(links[0]["globalId"], page, "{mode:?}: the page URL is the global id");
        assert_eq!(links[0]["object"]["title"], "Runbook (updated)", "{mode:?}: the second link updated the title");
        assert_eq!(invalid["details"]["field"], "url", "{mode:?}: {invalid}");
        site.finish();
    }
}

#[test]
fn watch_then_unwatch() {
    for mode in MODES {
        let mut site = Connected::start(mode, "watch");
        let key = site.create("WEB", "Keep an eye on this");
        let own_id = if mode == Mode::Cloud { site.jira.config().account_id.clone() } else { "tester".to_string() };

        let before = site.ok(json!({"type": "getIssue", "key": key}));
        let watching = site.ok(json!({"type": "setWatching", "key": key, "watching": true}));
        let watchers_after_watch = site.stored(&key).watchers;
        let read_back = site.ok(json!({"type": "getIssue", "key": key}));
        let searched = site.ok(json!({"type": "searchIssues", "text": "keep an eye"}));
        let recent = site.ok(json!({"type": "recentIssues"}));
        let stopped = site.ok(json!({"type": "setWatching", "key": key, "watching": false}));
        let after = site.ok(json!({"type": "getIssue", "key": key}));

        assert_eq!(before["issue"]["watching"], false, "{mode:?}: not watched before: {before}");
        assert_eq!(watching["watching"], true, "{mode:?}");
        assert_eq!(watchers_after_watch, vec![own_id], "{mode:?}: the account watches");
        assert_eq!(read_back["issue"]["watching"], true, "{mode:?}: getIssue reports the watch: {read_back}");
        assert_eq!(searched["issues"][0]["watching"], true, "{mode:?}: search results report the watch: {searched}");
        assert_eq!(recent["issues"][0]["watching"], true, "{mode:?}: recent issues report the watch: {recent}");
        assert_eq!(stopped["watching"], false, "{mode:?}");
        assert!(site.stored(&key).watchers.is_empty(), "{mode:?}: unwatch removes the account");
        assert_eq!(after["issue"]["watching"], false, "{mode:?}: getIssue reports the unwatch: {after}");
        let reads: Vec<_> = site.jira.requests().into_iter().filter(|r| r.method == "GET" && r.query.contains("fields=")).collect();
        assert!(!reads.is_empty(), "{mode:?}: issues were read with named fields");
        for request in &reads {
            assert!(request.query.contains("watches"), "{mode:?}: {} should ask for the watches field: {}", request.path, request.query);
        }
        site.finish();
    }
}

#[test]
fn default_site_switches() {
    let mut cloud = Connected::start(Mode::Cloud, "default-site");
    let mut config = fake_jira::Config::datacenter();
    config.token = CANARY_TOKEN.to_string();
    let datacenter = start_jira(config, "default-site-second");
    cloud.ok(json!({"type": "connect", "siteUrl": datacenter.url(), "token": CANARY_TOKEN}));
    cloud.create("OPS", "On the Data Center site");

    let before = cloud.ok(json!({"type": "status"}));
    let switched = cloud.ok(json!({"type": "setDefaultSite", "siteUrl": format!("{}/", cloud.site_url)}));
    let created_on_cloud = cloud.create("WEB", "On the Cloud site");
    let unknown = cloud.err(json!({"type": "setDefaultSite", "siteUrl": "https://unknown.example.com"}));

    assert_eq!(before["defaultSite"], json!(datacenter.url()), "the last connected site is the default");
    assert_eq!(switched["defaultSite"], json!(cloud.site_url), "setDefaultSite replies with the new status");
    assert_eq!(created_on_cloud, "WEB-1");
    assert_eq!(cloud.jira.issues().len(), 1, "the create went to the new default site");
    assert_eq!(datacenter.issues().len(), 1, "the Data Center site kept its one issue");
    assert_eq!(unknown["name"], "notConnected", "{unknown}");
    cloud.finish();
}

#[test]
fn screenshot_attached_as_multipart() {
    use base64::Engine;
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 2048]].concat();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&png);

    for mode in MODES {
        let mut site = Connected::start(mode, "attach-screenshot");
        let key = site.create("WEB", "Layout broken");

        let added = site.ok(json!({"type": "attachScreenshot", "key": key, "fileName": "../shot.png", "pngBase64": encoded}));
        let not_png = site.err(json!({"type": "attachScreenshot", "key": key, "fileName": "x.png", "pngBase64": "aGVsbG8="}));

        assert_eq!(added["type"], "attachmentAdded", "{mode:?}: {added}");
        assert_eq!(added["fileName"], "shot.png", "{mode:?}: the folder part should be dropped");
        assert_eq!(added["size"], json!(png.len()), "{mode:?}");
        assert_eq!(site.stored(&key).attachments, vec![("shot.png".to_string(), png.len())], "{mode:?}");
        assert_eq!(not_png["name"], "invalidInput", "{mode:?}: {not_png}");
        let upload = site.jira.requests().into_iter().find(|r| r.path.ends_with("/attachments")).expect("an upload request");
        assert_eq!(upload.header("x-atlassian-token"), Some("no-check"), "{mode:?}");
        assert!(upload.header("content-type").unwrap_or_default().starts_with("multipart/form-data"), "{mode:?}");
        site.finish();
    }
}

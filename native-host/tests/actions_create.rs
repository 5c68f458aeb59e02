//! Create driven by create metadata, through the real host binary against the fake Jira
//! and the real OS credential store (run inside `scripts/with-keyring.sh`). The tests
//! cover the fields of a create screen, values built per field kind, fields left out or
//! not on the screen, long summaries and quoted selections, on Cloud and on Data Center.

mod support;

use fake_jira::Mode;
use serde_json::{json, Value};
use support::{start_jira, HostProcess, TestHome, CANARY_TOKEN};

const MODES: [Mode; 2] = [Mode::Cloud, Mode::DataCenter];

/// Starts a fake Jira in `mode` and a host connected to it.
fn connect(mode: Mode, test_name: &str) -> (fake_jira::FakeJira, TestHome, HostProcess) {
    let mut config = fake_jira::Config::for_mode(mode);
    config.token = CANARY_TOKEN.to_string();
    if mode == Mode::DataCenter {
        config.context_path = "/jira".to_string();
    }
    let jira = start_jira(config, &format!("{test_name}-{}", mode.as_str()));
    let home = TestHome::new();
    let mut host = home.spawn_browser_host();
    let request = match mode {
        Mode::Cloud => json!({"type": "connect", "siteUrl": jira.url(), "email": "tester@example.com", "token": CANARY_TOKEN}),
        Mode::DataCenter => json!({"type": "connect", "siteUrl": jira.url(), "token": CANARY_TOKEN}),
    };
    host.ok(1, request);
    (jira, home, host)
}

fn create_request(issue_type_id: &str, summary: &str, fields: Value) -> Value {
    json!({"type": "createIssue", "issue": {"projectKey": "WEB", "issueTypeId": issue_type_id, "summary": summary, "fields": fields}})
}

fn field<'a>(fields: &'a Value, id: &str) -> &'a Value {
    fields["fields"].as_array().unwrap().iter().find(|field| field["id"] == id).unwrap_or_else(|| panic!("no field {id} in {fields}"))
}

fn create_posts(jira: &fake_jira::FakeJira) -> usize {
    jira.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/issue")).count()
}

#[test]
fn create_fields_per_kind() {
    for mode in MODES {
        let (jira, _home, mut host) = connect(mode, "create-fields");

        let bug = host.ok(2, json!({"type": "getCreateFields", "projectKey": "WEB", "issueTypeId": "10001"}));
        let story = host.ok(3, json!({"type": "getCreateFields", "projectKey": "WEB", "issueTypeId": "10003"}));
        let task = host.ok(4, json!({"type": "getCreateFields", "projectKey": "WEB", "issueTypeId": "10002"}));

        let severity = field(&bug, "customfield_10050");
        assert_eq!(severity["name"], "Severity", "{mode:?}");
        assert_eq!(severity["required"], true, "{mode:?}");
        assert_eq!(severity["kind"], "singleSelect", "{mode:?}");
        assert_eq!(severity["allowedValues"][0], json!({"id": "10100", "name": "Critical"}), "{mode:?}");
        assert_eq!(field(&bug, "customfield_10060")["kind"], "multiLineText", "{mode:?}");
        assert_eq!(field(&bug, "priority")["hasDefaultValue"], true, "{mode:?}");
        assert_eq!(field(&bug, "labels")["kind"], "labels", "{mode:?}");
        assert_eq!(field(&story, "customfield_10070")["kind"], "number", "{mode:?}");
        assert_eq!(field(&story, "customfield_10080")["kind"], "multiSelect", "{mode:?}");
        assert_eq!(field(&task, "assignee")["kind"], "user", "{mode:?}");
        assert_eq!(field(&task, "duedate")["kind"], "date", "{mode:?}");
        let ids: Vec<&str> = bug["fields"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        for built_in in ["project", "issuetype", "summary", "description"] {
            assert!(!ids.contains(&built_in), "{mode:?}: {built_in} has its own input and is not listed: {ids:?}");
        }
        assert!(jira.violations().is_empty(), "{mode:?}: {:#?}", jira.violations());
    }
}

#[test]
fn required_select_custom_field() {
    for mode in MODES {
        let (jira, _home, mut host) = connect(mode, "required-select");

        let missing = host.err(2, create_request("10001", "Crash on save", json!({"labels": ["crash"]})));
        let posts_after_missing = create_posts(&jira);
        let created = host.ok(3, create_request("10001", "Crash on save", json!({
            "customfield_10050": "10100",
            "customfield_10060": "Open the editor\nPress save",
            "labels": ["crash", "editor"],
            "priority": "2"
        })));

        assert_eq!(missing["name"], "invalidInput", "{mode:?}: {missing}");
        assert_eq!(missing["details"]["field"], "customfield_10050", "{mode:?}: the error names the field");
        assert!(missing["message"].as_str().unwrap().contains("Severity"), "{mode:?}: and its name: {missing}");
        assert_eq!(posts_after_missing, 0, "{mode:?}: nothing is sent while a required field is missing");
        let stored = &jira.issues()[0];
        assert_eq!(created["key"], json!(stored.key), "{mode:?}");
        assert_eq!(stored.fields["customfield_10050"], json!({"id": "10100"}), "{mode:?}: options are sent by id");
        assert_eq!(stored.fields["labels"], json!(["crash", "editor"]), "{mode:?}");
        assert_eq!(stored.fields["priority"], json!({"id": "2"}), "{mode:?}");
        match mode {
            Mode::Cloud => assert_eq!(stored.fields["customfield_10060"]["type"], "doc", "multi-line text is ADF on Cloud"),
            Mode::DataCenter => assert_eq!(stored.fields["customfield_10060"], "Open the editor\nPress save", "wiki markup on Data Center"),
        }
        assert!(jira.violations().is_empty(), "{mode:?}: {:#?}", jira.violations());
    }
}

#[test]
fn field_not_on_create_screen() {
    for mode in MODES {
        let (jira, _home, mut host) = connect(mode, "off-screen");

        let off_screen = host.err(2, create_request("10003", "Story with a due date", json!({"duedate": "2025-03-01"})));
        let built_in = host.err(3, create_request("10003", "Story", json!({"summary": "again"})));
        let bad_option = host.err(4, create_request("10003", "Story", json!({"customfield_10080": ["10200", "99999"]})));

        assert_eq!(off_screen["name"], "invalidInput", "{mode:?}: {off_screen}");
        assert_eq!(off_screen["details"]["field"], "duedate", "{mode:?}: the error names the field");
        assert!(off_screen["message"].as_str().unwrap().contains("duedate"), "{mode:?}: {off_screen}");
        assert_eq!(built_in["details"]["field"], "summary", "{mode:?}: {built_in}");
        assert_eq!(bad_option["details"]["field"], "customfield_10080", "{mode:?}: {bad_option}");
        assert_eq!(create_posts(&jira), 0, "{mode:?}: no rejected create reaches Jira");
    }
}

#[test]
fn number_multi_select_user_and_date_values() {
    for mode in MODES {
        let (jira, _home, mut host) = connect(mode, "field-kinds");
        let user_id = if mode == Mode::Cloud { "5f0c1d2e3a4b5c6d7e8f9a0b" } else { "jürgen" };

        host.ok(2, create_request("10003", "Sized story", json!({"customfield_10070": "5", "customfield_10080": ["10200", "10202"]})));
        host.ok(3, create_request("10002", "Dated task", json!({"assignee": user_id, "duedate": "2025-03-01"})));

        let issues = jira.issues();
        assert_eq!(issues[0].fields["customfield_10070"], json!(5.0), "{mode:?}: a number from text");
        assert_eq!(issues[0].fields["customfield_10080"], json!([{"id": "10200"}, {"id": "10202"}]), "{mode:?}");
        let expected_user = if mode == Mode::Cloud { json!({"accountId": user_id}) } else { json!({"name": user_id}) };
        assert_eq!(issues[1].fields["assignee"], expected_user, "{mode:?}");
        assert_eq!(issues[1].fields["duedate"], "2025-03-01", "{mode:?}");
        assert!(jira.violations().is_empty(), "{mode:?}: {:#?}", jira.violations());
    }
}

#[test]
fn title_with_newlines_over_255_characters() {
    for mode in MODES {
        let (jira, _home, mut host) = connect(mode, "long-title");
        let title = format!("Crash report\n{}", "ä".repeat(300));

        let created = host.ok(2, create_request("10002", &title, json!({})));
        let short = host.ok(3, create_request("10002", "Short\ntitle", json!({})));

        let summary = jira.issues()[0].summary().to_string();
        assert_eq!(created["summaryTruncated"], true, "{mode:?}: the reply says the summary was cut");
        assert_eq!(short["summaryTruncated"], false, "{mode:?}");
        assert_eq!(summary.chars().count(), 255, "{mode:?}");
        assert!(!summary.contains('\n'), "{mode:?}: the newline became a space");
        assert!(summary.starts_with("Crash report ä"), "{mode:?}: {summary}");
        assert!(jira.violations().is_empty(), "{mode:?}: {:#?}", jira.violations());
    }
}

#[test]
fn selection_quoted_in_description() {
    for mode in MODES {
        let (jira, _home, mut host) = connect(mode, "selection");

        host.ok(2, json!({"type": "createIssue", "issue": {
            "projectKey": "WEB", "issueTypeId": "10002", "summary": "Wrong price",
            "description": "The price is wrong.", "selection": "Total: 12,00 €\nincl. VAT",
            "pageUrl": "https://shop.example.com/cart", "pageTitle": "Cart"
        }}));

        let description = &jira.issues()[0].fields["description"];
        match mode {
            Mode::Cloud => {
                let content = description["content"].as_array().unwrap();
                assert_eq!(content[1]["type"], "blockquote", "the selection is an ADF blockquote: {description}");
                assert_eq!(content[1]["content"][0]["content"][0]["text"], "Total: 12,00 €");
                assert_eq!(content[2]["content"][1]["marks"][0]["attrs"]["href"], "https://shop.example.com/cart");
            }
            Mode::DataCenter => assert_eq!(
                description,
                "The price is wrong.\n\n{quote}\nTotal: 12,00 €\nincl. VAT\n{quote}\n\nPage: [Cart|https://shop.example.com/cart]",
                "the selection is a wiki {{quote}}"
            ),
        }
        assert!(jira.violations().is_empty(), "{mode:?}: {:#?}", jira.violations());
    }
}

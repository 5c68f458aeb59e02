//! The home view: issue keys found on the page, search (text or JQL), the account's
//! recent issues, quick actions and "New issue".

use super::app::App;
use super::dom::{clear, create, data_of_target, element, listen, set_hidden, set_text};
use super::issue_view::IssueLoad;
use crate::connect_form::ReconnectTarget;
use crate::relay::RelayError;
use super::extension_api::{current_tab, describe, selected_text, send_request};
use crate::navigation::View;
use jira_bridge_protocol::{detect_issue_keys, is_issue_key, IssueSummary, KeySource, Request, Response};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Event, HtmlButtonElement, HtmlInputElement};

/// Lists whose buttons carry `data-key` and open that issue.
const ISSUE_LISTS: [&str; 3] = ["detected-keys", "search-results", "recent-issues"];

impl App {
    pub(super) fn bind_home_events(self: &Rc<Self>) -> Result<(), JsValue> {
        for list in ISSUE_LISTS {
            let app = self.clone();
            listen(&self.document, list, "click", move |event: Event| {
                if let Some(key) = data_of_target(&event, "key") {
                    let app = app.clone();
                    spawn_local(async move {
                        app.open_issue(key).await;
                    });
                }
            })?;
        }

        let app = self.clone();
        listen(&self.document, "search-form", "submit", move |event: Event| {
            event.prevent_default();
            let app = app.clone();
            spawn_local(async move { app.search(false).await });
        })?;

        let app = self.clone();
        listen(&self.document, "search-more", "click", move |_| {
            let app = app.clone();
            spawn_local(async move { app.search(true).await });
        })?;

        let app = self.clone();
        listen(&self.document, "new-issue", "click", move |_| {
            let app = app.clone();
            spawn_local(async move { app.open_create().await });
        })?;

        let app = self.clone();
        listen(&self.document, "edit-quick-actions", "click", move |_| {
            app.clear_messages();
            app.open_view(View::QuickActions);
            app.render_quick_action_editor();
        })?;

        let app = self.clone();
        listen(&self.document, "quick-actions", "click", move |event: Event| {
            let index = data_of_target(&event, "index").and_then(|index| index.parse().ok());
            if let Some(index) = index {
                let app = app.clone();
                spawn_local(async move { app.run_quick_action(index).await });
            }
        })
    }

    /// Reads the active tab's title and URL and, while `activeTab` allows it, its selected
    /// text, and finds the issue keys in them.
    pub(super) async fn load_tab(&self) {
        let tab = match current_tab(tab_id_from_location()).await {
            Ok(tab) => tab,
            Err(error) => {
                warn(&format!("reading the active tab failed: {}", describe(&error)));
                Default::default()
            }
        };
        let selection = match tab.id {
            Some(id) if is_web_page(&tab.url) => selected_text(id).await.unwrap_or_else(|error| {
                // Expected on pages scripts may not run in, such as the browser's store.
                warn(&format!("reading the selection failed: {}", describe(&error)));
                String::new()
            }),
            _ => String::new(),
        };

        let detected = detect_issue_keys(&tab.url, &tab.title, &selection);
        let mut state = self.state.borrow_mut();
        state.tab = tab;
        state.selection = selection;
        state.detected = detected;
    }

    /// Fills the home view: detected keys at once, then the recent issues from Jira.
    pub(super) async fn load_home(self: &Rc<Self>) {
        self.render_detected_keys();
        self.render_quick_actions();

        let Some(site_url) = self.site_url() else {
            return;
        };
        let reply = send_request(&Request::RecentIssues {
            site_url: Some(site_url),
            page_token: None,
        })
        .await;
        match reply {
            Ok(Response::Issues { issues, .. }) => {
                self.render_issues("recent-issues", &issues, "No recent issues.");
            }
            Ok(other) => self.show_unexpected("recentIssues", &other),
            Err(error) => self.show_relay_error(&error),
        }
    }

    fn render_detected_keys(&self) {
        let detected = self.state.borrow().detected.clone();
        let Ok(list) = clear(&self.document, "detected-keys") else {
            return;
        };
        let _ = set_hidden(&self.document, "detected-title", detected.is_empty());
        for found in detected {
            let source = match found.source {
                KeySource::Selection => "in the selection",
                KeySource::JiraUrl => "in the Jira URL",
                KeySource::BranchUrl => "in the branch name",
                KeySource::Title => "in the page title",
            };
            if let Ok(item) = issue_item(&self.document, &found.key, "", source) {
                let _ = list.append_child(&item);
            }
        }
    }

    /// Replaces the list `id` with one button per issue.
    pub(super) fn render_issues(&self, id: &str, issues: &[IssueSummary], empty: &str) {
        let Ok(list) = clear(&self.document, id) else {
            return;
        };
        if issues.is_empty() {
            if let Ok(item) = create(&self.document, "li", Some("empty-note"), Some(empty)) {
                let _ = list.append_child(&item);
            }
            return;
        }
        self.append_issues(id, issues);
    }

    fn append_issues(&self, id: &str, issues: &[IssueSummary]) {
        let Ok(list) = element::<web_sys::Element>(&self.document, id) else {
            return;
        };
        for issue in issues {
            let detail = match &issue.assignee {
                Some(assignee) => format!("{} · {} · {assignee}", issue.issue_type, issue.status),
                None => format!("{} · {} · unassigned", issue.issue_type, issue.status),
            };
            if let Ok(item) = issue_item(&self.document, &issue.key, &issue.summary, &detail) {
                let _ = list.append_child(&item);
            }
        }
    }

    /// Searches by words, key or JQL; `more` reads the next page of the last search.
    async fn search(self: &Rc<Self>, more: bool) {
        let Some(site_url) = self.site_url() else {
            return;
        };
        self.clear_messages();
        let typed = element::<HtmlInputElement>(&self.document, "search")
            .map(|input| input.value().trim().to_string())
            .unwrap_or_default();
        let (query, page_token) = match (more, self.state.borrow().search.clone()) {
            (true, Some((query, token))) => (query, Some(token)),
            _ => (typed, None),
        };
        if query.is_empty() {
            return self.clear_search_results();
        }
        // A bare key opens the issue directly, once Jira returned it.
        if is_issue_key(&query.to_ascii_uppercase()) && !more {
            return self.open_searched_key(query.to_ascii_uppercase()).await;
        }

        let (text, jql) = if crate::screen::looks_like_jql(&query) {
            (None, Some(query.clone()))
        } else {
            (Some(query.clone()), None)
        };
        set_busy_button(self, "search-submit", true);
        let reply = send_request(&Request::SearchIssues {
            site_url: Some(site_url),
            text,
            jql,
            page_token: page_token.clone(),
        })
        .await;
        set_busy_button(self, "search-submit", false);

        match reply {
            Ok(Response::Issues {
                issues,
                next_page_token,
            }) => {
                if page_token.is_some() {
                    self.append_issues("search-results", &issues);
                } else {
                    self.render_issues("search-results", &issues, "No issues match.");
                }
                let _ = set_hidden(&self.document, "search-more", next_page_token.is_none());
                self.state.borrow_mut().search = next_page_token.map(|token| (query, token));
                self.announce(&format!("{} issues found.", issues.len()));
            }
            Ok(other) => self.show_unexpected("searchIssues", &other),
            Err(error) => {
                self.clear_search_results();
                self.show_search_error(&error);
            }
        }
    }

    /// Opens the issue a searched key names, or says in the search area why not.
    async fn open_searched_key(self: &Rc<Self>, key: String) {
        set_busy_button(self, "search-submit", true);
        let loaded = self.load_issue(key).await;
        set_busy_button(self, "search-submit", false);

        match loaded {
            IssueLoad::Loaded(issue) => self.show_loaded_issue(issue).await,
            IssueLoad::Superseded => {}
            IssueLoad::Failed(error) => {
                self.clear_search_results();
                self.show_search_error(&error);
            }
            IssueLoad::Unexpected(other) => self.show_unexpected("getIssue", &other),
        }
    }

    /// Shows a failed search under the search box. An error that offers Reconnect goes to
    /// `#error` instead, where the Reconnect button is.
    fn show_search_error(&self, error: &RelayError) {
        if ReconnectTarget::from_error(error).is_some() {
            return self.show_relay_error(error);
        }
        let _ = set_text(&self.document, "search-error", &error.message());
        let _ = set_hidden(&self.document, "search-error", false);
        self.focus("search");
    }

    /// Empties the search results, so results of an earlier search are not taken for
    /// this one's.
    pub(super) fn clear_search_results(&self) {
        let _ = clear(&self.document, "search-results");
        let _ = set_hidden(&self.document, "search-more", true);
        self.state.borrow_mut().search = None;
    }
}

/// Builds `<li><button data-key=KEY><span class=issue-line><span class=key>KEY</span>
/// summary</span> <span class=detail>detail</span></button></li>`.
fn issue_item(
    document: &web_sys::Document,
    key: &str,
    summary: &str,
    detail: &str,
) -> Result<web_sys::Element, JsValue> {
    let item = create(document, "li", None, None)?;
    let button = create(document, "button", None, None)?;
    button.set_attribute("type", "button")?;
    button.set_attribute("data-key", key)?;
    // The line shows at most two lines of the summary, so the title carries all of it.
    if !summary.is_empty() {
        button.set_attribute("title", &format!("{key} {summary}"))?;
    }
    let line = create(document, "span", Some("issue-line"), None)?;
    let key_span = create(document, "span", Some("key"), Some(key))?;
    line.append_child(&key_span)?;
    line.append_child(&document.create_text_node(summary))?;
    button.append_child(&line)?;
    if !detail.is_empty() {
        let detail_span = create(document, "span", Some("detail"), Some(detail))?;
        button.append_child(&detail_span)?;
    }
    item.append_child(&button)?;
    Ok(item)
}

fn is_web_page(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn set_busy_button(app: &App, id: &str, busy: bool) {
    if let Ok(button) = element::<HtmlButtonElement>(&app.document, id) {
        button.set_disabled(busy);
    }
}

/// Returns N from `?tabId=N` in the popup's URL.
pub(super) fn tab_id_from_location() -> Option<i32> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get("tabId")?.parse().ok()
}

pub(super) fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("jira-bridge: {message}")));
}

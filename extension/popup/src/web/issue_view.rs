//! The issue view: the issue's header and its actions (comment, transition, assign, log
//! work, link this page, attach a screenshot, watch).

use super::app::App;
use super::dom::{
    clear, create, data_of_target, element, fill_select, listen, now_ms, set_hidden, set_text,
    set_timeout,
};
use super::extension_api::{capture_visible_tab, describe, send_request};
use super::home::warn;
use super::screen_fields::{read_fields, render_fields};
use crate::fields::{field_values, fields_to_render};
use crate::issue_forms::{comment_request, WorklogForm};
use crate::navigation::View;
use crate::relay::RelayError;
use crate::screen;
use crate::user_search::{short_query_note, user_label, ReplyKind, Step, UserSearch, NO_MATCHING_USERS};
use jira_bridge_protocol::{Assignee, ErrorCode, IssueSummary, Request, Response, User};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Event, HtmlAnchorElement, HtmlButtonElement, HtmlElement, HtmlFormElement, HtmlInputElement,
    HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent,
};

/// Outcome of [`App::load_issue`].
pub(super) enum IssueLoad {
    Loaded(IssueSummary),
    /// Another issue was requested before the reply came, or no site is in use.
    Superseded,
    Failed(RelayError),
    Unexpected(Response),
}

impl App {
    pub(super) fn bind_issue_events(self: &Rc<Self>) -> Result<(), JsValue> {
        self.on_submit("comment-form", |app| async move { app.add_comment().await })?;
        self.on_submit("transition-form", |app| async move { app.apply_transition().await })?;
        self.on_submit("worklog-form", |app| async move { app.log_work().await })?;
        self.on_click("assign-me", |app| async move { app.assign(Assignee::Me).await })?;
        self.on_click("unassign", |app| async move { app.assign(Assignee::Nobody).await })?;
        self.on_click("link-page", |app| async move { app.link_page().await })?;
        self.on_click("attach-screenshot", |app| async move { app.attach_screenshot().await })?;
        self.on_click("watch", |app| async move { app.toggle_watch().await })?;

        let app = self.clone();
        listen(&self.document, "transition", "change", move |_| app.render_transition_fields())?;

        let app = self.clone();
        listen(&self.document, "worklog-estimate", "change", move |_| {
            let new = element::<HtmlSelectElement>(&app.document, "worklog-estimate")
                .map(|select| select.value() == "new")
                .unwrap_or(false);
            if let Ok(input) = element::<HtmlInputElement>(&app.document, "worklog-new-estimate") {
                input.set_disabled(!new);
            }
        })?;

        // Ctrl+Enter (Cmd+Enter) submits the comment; Enter alone is a new line.
        let app = self.clone();
        listen(&self.document, "comment-body", "keydown", move |event: Event| {
            let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                event.prevent_default();
                if let Ok(form) = element::<HtmlFormElement>(&app.document, "comment-form") {
                    let _ = form.request_submit();
                }
            }
        })?;

        let app = self.clone();
        listen(&self.document, "assign-user", "input", move |_| app.on_user_input())?;

        // Escape in the user picker closes its results before it closes the view.
        let app = self.clone();
        listen(&self.document, "assign-user", "keydown", move |event: Event| {
            let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            let has_results = element::<web_sys::Element>(&app.document, "assign-user-results")
                .map(|list| list.child_element_count() > 0)
                .unwrap_or(false);
            if event.key() == "Escape" && has_results {
                event.prevent_default();
                app.show_users(&[]);
            }
        })?;

        let app = self.clone();
        listen(&self.document, "assign-user-results", "click", move |event: Event| {
            if let Some(id) = data_of_target(&event, "user-id") {
                let app = app.clone();
                spawn_local(async move { app.assign(Assignee::User { id }).await });
            }
        })
    }

    fn on_submit<F, Fut>(self: &Rc<Self>, form: &str, action: F) -> Result<(), JsValue>
    where
        F: Fn(Rc<App>) -> Fut + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let app = self.clone();
        listen(&self.document, form, "submit", move |event: Event| {
            event.prevent_default();
            spawn_local(action(app.clone()));
        })
    }

    fn on_click<F, Fut>(self: &Rc<Self>, button: &str, action: F) -> Result<(), JsValue>
    where
        F: Fn(Rc<App>) -> Fut + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let app = self.clone();
        listen(&self.document, button, "click", move |_| spawn_local(action(app.clone())))
    }

    /// Loads `key` and opens the issue view once Jira returned the issue, then loads its
    /// transitions. Returns whether the view opened; a failure is shown in `#error`.
    pub(super) async fn open_issue(self: &Rc<Self>, key: String) -> bool {
        match self.load_issue(key).await {
            IssueLoad::Loaded(issue) => {
                self.show_loaded_issue(issue).await;
                true
            }
            IssueLoad::Superseded => false,
            IssueLoad::Failed(error) => {
                self.show_relay_error(&error);
                false
            }
            IssueLoad::Unexpected(other) => {
                self.show_unexpected("getIssue", &other);
                false
            }
        }
    }

    /// Sends `getIssue` for `key` without changing the view, so a key that does not exist
    /// leaves the person where they were.
    pub(super) async fn load_issue(&self, key: String) -> IssueLoad {
        let Some(site_url) = self.site_url() else {
            return IssueLoad::Superseded;
        };
        self.clear_messages();
        self.state.borrow_mut().opening_issue = Some(key.clone());
        self.announce(&format!("Opening {key}…"));

        let reply = send_request(&Request::GetIssue { site_url: Some(site_url), key: key.clone() }).await;
        // Another issue was requested while this one loaded: its reply decides.
        if self.state.borrow().opening_issue.as_deref() != Some(key.as_str()) {
            return IssueLoad::Superseded;
        }
        self.state.borrow_mut().opening_issue = None;
        self.announce("");
        match reply {
            Ok(Response::Issue { issue }) => IssueLoad::Loaded(issue),
            Ok(other) => IssueLoad::Unexpected(other),
            Err(error) => IssueLoad::Failed(error),
        }
    }

    /// Opens the issue view on an issue Jira returned. Another issue's forms, transitions,
    /// user search and result line are cleared first.
    pub(super) async fn show_loaded_issue(self: &Rc<Self>, issue: IssueSummary) {
        let key = issue.key.clone();
        let same_issue = self.state.borrow().issue.as_ref().is_some_and(|shown| shown.key == key);
        if !same_issue {
            self.reset_issue_forms();
        }
        self.open_view(View::Issue { key: key.clone() });
        self.show_issue(issue);
        self.remember_last_issue(&key);
        self.render_issue_quick_actions();
        self.load_transitions(&key).await;
    }

    /// Returns the key of the issue in the issue view.
    pub(super) fn issue_key(&self) -> Option<String> {
        match self.state.borrow().navigation.current() {
            View::Issue { key } => Some(key.clone()),
            _ => None,
        }
    }

    pub(super) fn show_issue(&self, issue: IssueSummary) {
        let _ = set_text(&self.document, "issue-heading", &format!("{} {}", issue.key, issue.summary));
        let assignee = issue.assignee.clone().unwrap_or_else(|| "Unassigned".into());
        let _ = set_text(
            &self.document,
            "issue-meta",
            &format!("{} · {} · {assignee}", issue.issue_type, issue.status),
        );
        if let Ok(link) = element::<HtmlAnchorElement>(&self.document, "issue-open") {
            match screen::issue_link(&issue.url) {
                Some(url) => link.set_href(url),
                None => {
                    let _ = link.remove_attribute("href");
                }
            }
        }
        self.set_watch_button(issue.watching);
        self.state.borrow_mut().issue = Some(issue);
    }

    fn reset_issue_forms(&self) {
        for id in ["comment-body"] {
            if let Ok(area) = element::<HtmlTextAreaElement>(&self.document, id) {
                area.set_value("");
            }
        }
        for id in ["worklog-time", "worklog-started", "worklog-comment", "worklog-new-estimate", "assign-user"] {
            if let Ok(input) = element::<HtmlInputElement>(&self.document, id) {
                input.set_value("");
            }
        }
        let _ = set_hidden(&self.document, "issue-done", true);
        let _ = clear(&self.document, "transition-fields");
        if let Ok(select) = element::<HtmlSelectElement>(&self.document, "transition") {
            let _ = fill_select(&select, "Loading transitions…", &[], None);
            select.set_disabled(true);
        }
        {
            let mut state = self.state.borrow_mut();
            state.issue = None;
            state.transitions.clear();
            state.user_search = UserSearch::default();
            state.field_user_searches.clear();
        }
        self.show_users(&[]);
        self.set_watch_button(None);
    }

    pub(super) async fn load_transitions(self: &Rc<Self>, key: &str) {
        let Some(site_url) = self.site_url() else {
            return;
        };
        let Ok(select) = element::<HtmlSelectElement>(&self.document, "transition") else {
            return;
        };
        let _ = fill_select(&select, "Loading transitions…", &[], None);
        select.set_disabled(true);

        let reply = send_request(&Request::ListTransitions { site_url: Some(site_url), key: key.to_string() }).await;
        if self.issue_key().as_deref() != Some(key) {
            return;
        }
        let transitions = match reply {
            Ok(Response::Transitions { transitions, .. }) => transitions,
            Ok(other) => {
                self.show_unexpected("listTransitions", &other);
                return self.mark_transitions_not_loaded(&select);
            }
            Err(error) => {
                self.show_relay_error(&error);
                return self.mark_transitions_not_loaded(&select);
            }
        };
        let choices: Vec<(String, String)> = transitions
            .iter()
            .map(|transition| {
                let label = if transition.name.eq_ignore_ascii_case(&transition.to_status) {
                    transition.name.clone()
                } else {
                    format!("{} → {}", transition.name, transition.to_status)
                };
                (transition.id.clone(), label)
            })
            .collect();
        let placeholder = if transitions.is_empty() { "No transitions available" } else { "Choose a transition" };
        let _ = fill_select(&select, placeholder, &choices, None);
        select.set_disabled(transitions.is_empty());
        self.state.borrow_mut().transitions = transitions;
        self.render_transition_fields();
    }

    fn mark_transitions_not_loaded(&self, select: &HtmlSelectElement) {
        let _ = fill_select(select, "Transitions could not be loaded", &[], None);
        select.set_disabled(true);
        self.state.borrow_mut().transitions.clear();
        let _ = clear(&self.document, "transition-fields");
    }

    fn render_transition_fields(&self) {
        let chosen = element::<HtmlSelectElement>(&self.document, "transition").map(|select| select.value()).unwrap_or_default();
        let state = self.state.borrow();
        let fields = state
            .transitions
            .iter()
            .find(|transition| transition.id == chosen)
            .map(|transition| fields_to_render(&transition.fields, &[]))
            .unwrap_or_default();
        // Only required fields are shown: a transition screen's optional fields
        // (resolution comments, time tracking) are easier to set in Jira.
        let required: Vec<_> = fields.into_iter().filter(|field| field.required).collect();
        if let Err(error) = render_fields(&self.document, "transition-fields", &required) {
            drop(state);
            self.report(&error);
        }
    }

    async fn add_comment(self: &Rc<Self>) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let body = element::<HtmlTextAreaElement>(&self.document, "comment-body").map(|area| area.value()).unwrap_or_default();
        let request = match comment_request(&site_url, &key, &body) {
            Ok(request) => request,
            Err(error) => return self.show_field_error(&error),
        };

        match self.run_action("comment-submit", "Adding the comment…", &request).await {
            Some(Response::CommentAdded { key, .. }) => {
                if let Ok(area) = element::<HtmlTextAreaElement>(&self.document, "comment-body") {
                    area.set_value("");
                }
                self.show_done(&format!("Comment added to {key}."));
            }
            Some(other) => self.show_unexpected("addComment", &other),
            None => {}
        }
    }

    async fn apply_transition(self: &Rc<Self>) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let chosen = element::<HtmlSelectElement>(&self.document, "transition").map(|select| select.value()).unwrap_or_default();
        let transition = self.state.borrow().transitions.iter().find(|transition| transition.id == chosen).cloned();
        let Some(transition) = transition else {
            return self.show_field_error(&crate::FieldError::new("transition", "Choose a transition."));
        };
        let rendered: Vec<_> = fields_to_render(&transition.fields, &[]).into_iter().filter(|field| field.required).collect();
        let inputs = read_fields(&self.document, &rendered);
        let fields = match field_values(&rendered, &inputs) {
            Ok(fields) => fields,
            Err(error) => return self.show_field_error(&error),
        };

        let request = Request::TransitionIssue {
            site_url: Some(site_url),
            key: key.clone(),
            transition_id: transition.id.clone(),
            fields,
        };
        match self.run_action("transition-submit", "Moving the issue…", &request).await {
            Some(Response::Issue { issue }) => {
                let status = issue.status.clone();
                self.show_issue(issue);
                self.show_done(&format!("{key} is now {status}."));
                self.load_transitions(&key).await;
            }
            Some(other) => self.show_unexpected("transitionIssue", &other),
            None => {}
        }
    }

    pub(super) async fn assign(self: &Rc<Self>, assignee: Assignee) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let button = match assignee {
            Assignee::Me => "assign-me",
            Assignee::Nobody => "unassign",
            Assignee::User { .. } => "assign-me",
        };
        let request = Request::AssignIssue { site_url: Some(site_url), key: key.clone(), assignee };
        match self.run_action(button, "Changing the assignee…", &request).await {
            Some(Response::Issue { issue }) => {
                let assignee = issue.assignee.clone().unwrap_or_else(|| "nobody".into());
                self.show_issue(issue);
                self.show_users(&[]);
                if let Ok(input) = element::<HtmlInputElement>(&self.document, "assign-user") {
                    input.set_value("");
                }
                self.show_done(&format!("{key} is assigned to {assignee}."));
            }
            Some(other) => self.show_unexpected("assignIssue", &other),
            None => {}
        }
    }

    /// Handles typing in the user picker: the search waits for a pause in typing.
    fn on_user_input(self: &Rc<Self>) {
        let text = element::<HtmlInputElement>(&self.document, "assign-user").map(|input| input.value()).unwrap_or_default();
        let step = self.state.borrow_mut().user_search.on_input(&text, now_ms());
        self.follow_user_search(step);
        if let Some(note) = short_query_note(&text) {
            self.show_users_note(&note);
        }
    }

    fn follow_user_search(self: &Rc<Self>, step: Step) {
        match step {
            Step::Idle => {}
            Step::Clear => self.show_users(&[]),
            Step::Wait { ticket, delay_ms } => {
                let app = self.clone();
                let scheduled = set_timeout(delay_ms, move || {
                    let step = app.state.borrow_mut().user_search.on_timer(ticket, now_ms());
                    app.follow_user_search(step);
                });
                if let Err(error) = scheduled {
                    self.report(&error);
                }
            }
            Step::Send { query } => {
                let app = self.clone();
                spawn_local(async move { app.find_users(query).await });
            }
        }
    }

    async fn find_users(self: &Rc<Self>, query: String) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        let reply = send_request(&Request::FindAssignableUsers { site_url: Some(site_url), key, query }).await;

        let kind = match &reply {
            Err(RelayError::Host(error)) if error.code == ErrorCode::RateLimited => ReplyKind::RateLimited {
                retry_after_seconds: error
                    .details
                    .as_ref()
                    .and_then(|details| details.get("retryAfterSeconds"))
                    .and_then(|seconds| seconds.as_f64()),
            },
            _ => ReplyKind::Done,
        };
        let (current, next) = self.state.borrow_mut().user_search.on_reply(kind, now_ms());
        match reply {
            Ok(Response::Users { users }) if current && users.is_empty() => self.show_users_note(NO_MATCHING_USERS),
            Ok(Response::Users { users }) if current => self.show_users(&users),
            Ok(Response::Users { .. }) => {}
            Ok(other) => self.show_unexpected("findAssignableUsers", &other),
            Err(_) if matches!(kind, ReplyKind::RateLimited { .. }) => {
                self.announce("Jira asked to slow down; searching again shortly.");
            }
            Err(error) => self.show_relay_error(&error),
        }
        self.follow_user_search(next);
    }

    /// Replaces the assignee picker's results with a note such as "No matching users."
    fn show_users_note(&self, note: &str) {
        self.show_users(&[]);
        if let (Ok(list), Ok(item)) = (
            element::<web_sys::Element>(&self.document, "assign-user-results"),
            create(&self.document, "li", Some("empty-note"), Some(note)),
        ) {
            let _ = list.append_child(&item);
        }
    }

    fn show_users(&self, users: &[User]) {
        let Ok(list) = clear(&self.document, "assign-user-results") else {
            return;
        };
        for user in users {
            let Ok(item) = create(&self.document, "li", None, None) else {
                continue;
            };
            if let Ok(button) = create(&self.document, "button", None, Some(&user_label(user))) {
                let _ = button.set_attribute("type", "button");
                let _ = button.set_attribute("data-user-id", &user.id);
                let _ = item.append_child(&button);
                let _ = list.append_child(&item);
            }
        }
        if let Ok(input) = element::<web_sys::Element>(&self.document, "assign-user") {
            let _ = input.set_attribute("aria-expanded", if users.is_empty() { "false" } else { "true" });
        }
    }

    async fn log_work(self: &Rc<Self>) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let select = |id: &str| element::<HtmlSelectElement>(&self.document, id).map(|select| select.value()).unwrap_or_default();
        let form = WorklogForm {
            time_spent: self.input_value("worklog-time"),
            started: self.input_value("worklog-started"),
            utc_offset_minutes: local_utc_offset_minutes(&self.input_value("worklog-started")),
            comment: self.input_value("worklog-comment"),
            estimate_mode: select("worklog-estimate"),
            new_estimate: self.input_value("worklog-new-estimate"),
        };
        let request = match form.to_request(&site_url, &key) {
            Ok(request) => request,
            Err(error) => return self.show_field_error(&error),
        };
        self.send_worklog(&request).await;
    }

    pub(super) async fn send_worklog(self: &Rc<Self>, request: &Request) {
        match self.run_action("worklog-submit", "Logging work…", request).await {
            Some(Response::WorkLogged { key, time_spent_seconds, .. }) => {
                for id in ["worklog-time", "worklog-comment"] {
                    if let Ok(input) = element::<HtmlInputElement>(&self.document, id) {
                        input.set_value("");
                    }
                }
                self.show_done(&format!("Logged {} on {key}.", minutes_text(time_spent_seconds)));
            }
            Some(other) => self.show_unexpected("logWork", &other),
            None => {}
        }
    }

    async fn link_page(self: &Rc<Self>) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let (url, title) = {
            let state = self.state.borrow();
            (state.tab.url.clone(), state.tab.title.clone())
        };
        if screen::issue_link(&url).is_none() {
            return self.show_error("This tab shows no web page to link: only http and https pages can be linked.");
        }
        let request = Request::LinkPage {
            site_url: Some(site_url),
            key,
            url,
            title: (!title.trim().is_empty()).then(|| title.trim().to_string()),
        };
        match self.run_action("link-page", "Linking this page…", &request).await {
            Some(Response::PageLinked { key, .. }) => self.show_done(&format!("This page is linked from {key}.")),
            Some(other) => self.show_unexpected("linkPage", &other),
            None => {}
        }
    }

    /// Captures the visible part of the tab the popup was opened on and attaches it as PNG.
    async fn attach_screenshot(self: &Rc<Self>) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let _ = set_hidden(&self.document, "issue-done", true);
        let window_id = self.state.borrow().tab.window_id;

        self.announce("Capturing the visible part of the page…");
        let png_base64 = match capture_visible_tab(window_id).await {
            Ok(data) => data,
            Err(error) => {
                self.announce("");
                warn(&format!("tabs.captureVisibleTab failed: {}", describe(&error)));
                return self.show_error(&format!(
                    "The browser did not allow a screenshot of this tab ({}). Open the popup with the toolbar button on that page and try again.",
                    describe(&error)
                ));
            }
        };

        let file_name = screenshot_file_name(&key);
        let request = Request::AttachScreenshot { site_url: Some(site_url), key, file_name, png_base64 };
        match self.run_action("attach-screenshot", "Attaching the screenshot…", &request).await {
            Some(Response::AttachmentAdded { key, file_name, size, .. }) => {
                self.show_done(&format!("Attached {file_name} ({} KB) to {key}.", size.div_ceil(1024)));
            }
            Some(other) => self.show_unexpected("attachScreenshot", &other),
            None => {}
        }
    }

    /// Starts watching, or stops when the button shows the issue as watched.
    async fn toggle_watch(self: &Rc<Self>) {
        let (Some(site_url), Some(key)) = (self.site_url(), self.issue_key()) else {
            return;
        };
        self.clear_messages();
        let watching = element::<HtmlElement>(&self.document, "watch")
            .ok()
            .and_then(|button| button.get_attribute("aria-pressed"))
            .is_some_and(|pressed| pressed == "true");
        let request = Request::SetWatching { site_url: Some(site_url), key, watching: !watching };
        match self.run_action("watch", "Updating the watch…", &request).await {
            Some(Response::Watching { key, watching }) => {
                self.set_watch_button(Some(watching));
                if let Some(issue) = self.state.borrow_mut().issue.as_mut().filter(|issue| issue.key == key) {
                    issue.watching = Some(watching);
                }
                let news = if watching { format!("You are watching {key}.") } else { format!("You stopped watching {key}.") };
                self.show_done(&news);
            }
            Some(other) => self.show_unexpected("setWatching", &other),
            None => {}
        }
    }

    /// Shows the watch state from the issue or the last `watching` reply. When it is
    /// unknown (`None`, while the issue loads or when Jira left out `watches`), the
    /// button offers "Watch".
    fn set_watch_button(&self, watching: Option<bool>) {
        if let Ok(button) = element::<HtmlButtonElement>(&self.document, "watch") {
            let watching = watching.unwrap_or(false);
            let _ = button.set_attribute("aria-pressed", if watching { "true" } else { "false" });
            button.set_text_content(Some(if watching { "Stop watching" } else { "Watch" }));
        }
    }

    /// Sends an issue action with `button` disabled, announcing `progress`; shows an error
    /// and returns `None` when it fails.
    pub(super) async fn run_action(&self, button: &str, progress: &str, request: &Request) -> Option<Response> {
        if self.state.borrow().busy {
            return None;
        }
        let _ = set_hidden(&self.document, "issue-done", true);
        self.set_busy(button, true);
        self.announce(progress);
        let reply = send_request(request).await;
        self.set_busy(button, false);
        self.announce("");
        match reply {
            Ok(response) => Some(response),
            Err(error) => {
                self.show_relay_error(&error);
                None
            }
        }
    }

    pub(super) fn show_done(&self, text: &str) {
        let _ = set_text(&self.document, "issue-done", text);
        let _ = set_hidden(&self.document, "issue-done", false);
        self.fit_scroll_padding();
    }
}

/// Returns the browser's offset from UTC, in minutes east, at the given local time
/// (`yyyy-mm-ddThh:mm`), or now when it is empty, so daylight saving time is right.
fn local_utc_offset_minutes(local: &str) -> i32 {
    let date = if local.trim().is_empty() {
        js_sys::Date::new_0()
    } else {
        js_sys::Date::new(&JsValue::from_str(local))
    };
    let offset = date.get_timezone_offset();
    if offset.is_nan() {
        0
    } else {
        -(offset as i32)
    }
}

/// Returns `screenshot-KEY-2025-01-31T09-15-00.png`, in UTC, so names sort by time.
fn screenshot_file_name(key: &str) -> String {
    let iso = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
    let stamp: String = iso.chars().take(19).map(|c| if c == ':' { '-' } else { c }).collect();
    format!("screenshot-{key}-{stamp}.png")
}

fn minutes_text(seconds: u64) -> String {
    let minutes = seconds / 60;
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes}m"),
        (hours, 0) => format!("{hours}h"),
        (hours, minutes) => format!("{hours}h {minutes}m"),
    }
}

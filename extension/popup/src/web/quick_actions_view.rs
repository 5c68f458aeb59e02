//! Quick actions in the popup: the one-click buttons on the home view, running them, and
//! the editor with export and import.

use super::app::App;
use super::dom::{clear, create, data_of_target, element, listen};
use super::extension_api::{describe, storage_get, storage_set};
use super::home::warn;
use crate::issue_forms::WorklogForm;
use super::dom::set_hidden;
use crate::quick_actions::{
    self, parse_labels, ActionKind, IssueTarget, LastIssue, QuickAction, LAST_ISSUE_STORAGE_KEY, NO_ISSUE_TARGET,
    QUICK_ACTIONS_STORAGE_KEY,
};
use jira_bridge_protocol::{Assignee, Request, Response};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Event, HtmlElement, HtmlSelectElement, HtmlTextAreaElement};

impl App {
    pub(super) fn bind_quick_action_events(self: &Rc<Self>) -> Result<(), JsValue> {
        let app = self.clone();
        listen(&self.document, "quick-action-form", "submit", move |event: Event| {
            event.prevent_default();
            let app = app.clone();
            spawn_local(async move { app.save_quick_action().await });
        })?;

        let app = self.clone();
        listen(&self.document, "quick-action-kind", "change", move |_| app.show_kind_inputs())?;

        let app = self.clone();
        listen(&self.document, "quick-action-list", "click", move |event: Event| {
            let index = data_of_target(&event, "delete-index").and_then(|index| index.parse::<usize>().ok());
            if let Some(index) = index {
                let app = app.clone();
                spawn_local(async move { app.delete_quick_action(index).await });
            }
        })?;

        let app = self.clone();
        listen(&self.document, "quick-actions-export", "click", move |_| {
            let text = quick_actions::export(&app.state.borrow().quick_actions);
            if let Ok(area) = element::<HtmlTextAreaElement>(&app.document, "quick-actions-json") {
                area.set_value(&text);
                area.select();
            }
            app.announce("Exported. Copy the JSON from the text box.");
        })?;

        let app = self.clone();
        listen(&self.document, "issue-quick-actions", "click", move |event: Event| {
            let index = data_of_target(&event, "index").and_then(|index| index.parse().ok());
            if let Some(index) = index {
                let app = app.clone();
                spawn_local(async move { app.run_quick_action(index).await });
            }
        })?;

        let app = self.clone();
        listen(&self.document, "quick-actions-import", "click", move |_| {
            let app = app.clone();
            spawn_local(async move { app.import_quick_actions().await });
        })
    }

    /// Reads the saved quick actions and the issue opened last; unreadable ones are logged
    /// and dropped.
    pub(super) async fn load_quick_actions(&self) {
        if let Some(last) = self.load_stored::<LastIssue>(LAST_ISSUE_STORAGE_KEY).await {
            self.state.borrow_mut().last_issue = Some(last);
        }
        let text = match storage_get(QUICK_ACTIONS_STORAGE_KEY).await {
            Ok(Some(text)) => text,
            Ok(None) => return,
            Err(error) => return warn(&format!("reading quick actions failed: {}", describe(&error))),
        };
        match serde_json::from_str::<Vec<QuickAction>>(&text) {
            Ok(actions) => self.state.borrow_mut().quick_actions = actions,
            Err(error) => warn(&format!("the saved quick actions are unreadable: {error}")),
        }
    }

    async fn store_quick_actions(&self) {
        let json = serde_json::to_string(&self.state.borrow().quick_actions);
        let stored = match json {
            Ok(json) => storage_set(QUICK_ACTIONS_STORAGE_KEY, &json).await,
            Err(error) => Err(JsValue::from_str(&error.to_string())),
        };
        if let Err(error) = stored {
            self.show_error(&format!("Saving the quick actions failed: {}", describe(&error)));
        }
    }

    /// Records the issue just opened as the target of issue actions on the home view.
    pub(super) fn remember_last_issue(&self, key: &str) {
        let Some(site_url) = self.site_url() else {
            return;
        };
        let last = LastIssue { site_url, key: key.to_string() };
        let json = serde_json::to_string(&last);
        self.state.borrow_mut().last_issue = Some(last);
        if let Ok(json) = json {
            spawn_local(async move {
                if let Err(error) = storage_set(LAST_ISSUE_STORAGE_KEY, &json).await {
                    warn(&format!("saving the issue opened last failed: {}", describe(&error)));
                }
            });
        }
    }

    /// Returns the issue that issue actions act on now: the open issue, else the first key
    /// on the page, else the issue opened last on this site.
    pub(super) fn quick_action_target(&self) -> Option<IssueTarget> {
        let open = self.issue_key();
        let site_url = self.site_url().unwrap_or_default();
        let state = self.state.borrow();
        let on_page = state.detected.first().map(|found| found.key.as_str());
        let last = state.last_issue.as_ref().and_then(|last| last.key_for(&site_url));
        IssueTarget::choose(open.as_deref(), on_page, last)
    }

    /// Fills the home view's row of quick-action buttons and names the issue the issue
    /// actions act on.
    pub(super) fn render_quick_actions(&self) {
        self.fill_quick_action_buttons("quick-actions", false);
        let has_issue_actions = self.state.borrow().quick_actions.iter().any(|action| action.action.needs_issue());
        let sentence = match self.quick_action_target() {
            Some(target) => target.describe(),
            None => NO_ISSUE_TARGET.to_string(),
        };
        let _ = super::dom::set_text(&self.document, "quick-actions-target", &sentence);
        let _ = set_hidden(&self.document, "quick-actions-target", !has_issue_actions);
    }

    /// Fills the issue view's row with the quick actions that act on an issue.
    pub(super) fn render_issue_quick_actions(&self) {
        let buttons = self.fill_quick_action_buttons("issue-quick-actions", true);
        let _ = set_hidden(&self.document, "issue-quick-actions-group", buttons == 0);
    }

    /// Replaces the buttons in `list`, each carrying its action's index, and returns how
    /// many it added. `issue_only` leaves out the actions that create an issue.
    fn fill_quick_action_buttons(&self, list: &str, issue_only: bool) -> usize {
        let actions = self.state.borrow().quick_actions.clone();
        let Ok(list) = clear(&self.document, list) else {
            return 0;
        };
        let mut added = 0;
        for (index, action) in actions.iter().enumerate() {
            if issue_only && !action.action.needs_issue() {
                continue;
            }
            let Ok(item) = create(&self.document, "li", None, None) else {
                continue;
            };
            if let Ok(button) = create(&self.document, "button", Some("secondary"), Some(&action.name)) {
                let _ = button.set_attribute("type", "button");
                let _ = button.set_attribute("data-index", &index.to_string());
                let _ = button.set_attribute("title", &action.action.describe());
                let _ = item.append_child(&button);
                let _ = list.append_child(&item);
                added += 1;
            }
        }
        added
    }

    pub(super) fn render_quick_action_editor(&self) {
        let actions = self.state.borrow().quick_actions.clone();
        let Ok(list) = clear(&self.document, "quick-action-list") else {
            return;
        };
        if actions.is_empty() {
            if let Ok(item) = create(&self.document, "li", Some("empty-note"), Some("No quick actions yet.")) {
                let _ = list.append_child(&item);
            }
        }
        for (index, action) in actions.iter().enumerate() {
            let row = || -> Result<web_sys::Element, JsValue> {
                let item = create(&self.document, "li", None, None)?;
                let line = create(&self.document, "div", Some("row-actions"), None)?;
                let text = create(&self.document, "span", None, Some(&action.name))?;
                let detail = create(&self.document, "span", Some("detail"), Some(&action.action.describe()))?;
                text.append_child(&detail)?;
                line.append_child(&text)?;
                let delete = create(&self.document, "button", Some("link"), Some("Delete"))?;
                delete.set_attribute("type", "button")?;
                delete.set_attribute("data-delete-index", &index.to_string())?;
                delete.set_attribute("aria-label", &format!("Delete {}", action.name))?;
                line.append_child(&delete)?;
                item.append_child(&line)?;
                Ok(item)
            };
            if let Ok(item) = row() {
                let _ = list.append_child(&item);
            }
        }
        self.show_kind_inputs();
    }

    /// Shows the inputs of the chosen action kind and hides the others.
    fn show_kind_inputs(&self) {
        let kind = element::<HtmlSelectElement>(&self.document, "quick-action-kind").map(|select| select.value()).unwrap_or_default();
        let Ok(groups) = self.document.query_selector_all("#quick-action-form [data-kind]") else {
            return;
        };
        for index in 0..groups.length() {
            let Some(group) = groups.item(index) else {
                continue;
            };
            if let Ok(group) = wasm_bindgen::JsCast::dyn_into::<HtmlElement>(group) {
                let own = group.get_attribute("data-kind").unwrap_or_default();
                group.set_hidden(own != kind);
            }
        }
    }

    async fn save_quick_action(self: &Rc<Self>) {
        self.clear_messages();
        let kind = element::<HtmlSelectElement>(&self.document, "quick-action-kind").map(|select| select.value()).unwrap_or_default();
        let action = match kind.as_str() {
            "logWork" => ActionKind::LogWork { time_spent: self.input_value("quick-action-time") },
            "transition" => ActionKind::Transition { to: self.input_value("quick-action-to") },
            "assignToMe" => ActionKind::AssignToMe,
            _ => ActionKind::CreateIssue {
                project_key: self.input_value("quick-action-project"),
                issue_type_name: self.input_value("quick-action-issue-type"),
                labels: parse_labels(&self.input_value("quick-action-labels")),
            },
        };
        let candidate = QuickAction { name: self.input_value("quick-action-name"), action };

        let added = quick_actions::add(&mut self.state.borrow_mut().quick_actions, &candidate);
        if let Err(message) = added {
            self.show_error(&message);
            return self.focus("quick-action-name");
        }
        self.store_quick_actions().await;
        for id in ["quick-action-name", "quick-action-time", "quick-action-to", "quick-action-project", "quick-action-issue-type", "quick-action-labels"] {
            if let Ok(input) = element::<web_sys::HtmlInputElement>(&self.document, id) {
                input.set_value("");
            }
        }
        self.render_quick_action_editor();
        self.render_quick_actions();
        self.render_issue_quick_actions();
        self.announce(&format!("Saved the quick action {:?}.", candidate.name.trim()));
        self.focus("quick-action-name");
    }

    async fn delete_quick_action(self: &Rc<Self>, index: usize) {
        let removed = {
            let mut state = self.state.borrow_mut();
            (index < state.quick_actions.len()).then(|| state.quick_actions.remove(index))
        };
        let Some(removed) = removed else {
            return;
        };
        self.clear_messages();
        self.store_quick_actions().await;
        self.render_quick_action_editor();
        self.render_quick_actions();
        self.render_issue_quick_actions();
        self.announce(&format!("Deleted the quick action {:?}.", removed.name));
        self.focus("quick-action-name");
    }

    async fn import_quick_actions(self: &Rc<Self>) {
        self.clear_messages();
        let text = element::<HtmlTextAreaElement>(&self.document, "quick-actions-json").map(|area| area.value()).unwrap_or_default();
        match quick_actions::import(&text) {
            Ok(actions) => {
                let count = actions.len();
                self.state.borrow_mut().quick_actions = actions;
                self.store_quick_actions().await;
                self.render_quick_action_editor();
                self.render_quick_actions();
                self.render_issue_quick_actions();
                self.announce(&format!("Imported {count} quick actions."));
            }
            Err(message) => {
                self.show_error(&message);
                self.focus("quick-actions-json");
            }
        }
    }

    /// Runs the quick action at `index`. Issue actions use the issue that
    /// [`App::quick_action_target`] chooses.
    pub(super) async fn run_quick_action(self: &Rc<Self>, index: usize) {
        let Some(action) = self.state.borrow().quick_actions.get(index).cloned() else {
            return;
        };
        self.clear_messages();
        let Some(site_url) = self.site_url() else {
            return;
        };

        if let ActionKind::CreateIssue { project_key, issue_type_name, labels } = &action.action {
            return self.open_create_preset(project_key, issue_type_name, labels).await;
        }
        let Some(target) = self.quick_action_target() else {
            return self.show_error(&format!("{:?} needs an issue, and none is open, found on this page or opened before. Open an issue first, then run it.", action.name));
        };
        let key = target.key;
        // Show the issue, so the result appears next to it.
        if self.issue_key().as_deref() != Some(key.as_str()) && !self.open_issue(key.clone()).await {
            return;
        }

        match action.action {
            ActionKind::LogWork { time_spent } => {
                let form = WorklogForm { time_spent, estimate_mode: "auto".into(), ..WorklogForm::default() };
                match form.to_request(&site_url, &key) {
                    Ok(request) => self.send_worklog(&request).await,
                    Err(error) => self.show_error(&error.message),
                }
            }
            ActionKind::Transition { to } => self.run_transition_action(&site_url, &key, &to).await,
            ActionKind::AssignToMe => self.assign(Assignee::Me).await,
            ActionKind::CreateIssue { .. } => {}
        }
    }

    async fn run_transition_action(self: &Rc<Self>, site_url: &str, key: &str, to: &str) {
        let transitions = self.state.borrow().transitions.clone();
        let candidates: Vec<(&str, &str)> = transitions.iter().map(|transition| (transition.name.as_str(), transition.to_status.as_str())).collect();
        let Some(position) = quick_actions::match_transition(to, &candidates) else {
            let names: Vec<&str> = candidates.iter().map(|(name, _)| *name).collect();
            return self.show_error(&format!("{key} has no transition named {to:?} now. Available: {}.", if names.is_empty() { "none".to_string() } else { names.join(", ") }));
        };
        let transition = &transitions[position];
        if transition.fields.iter().any(crate::fields::must_fill) {
            return self.show_error(&format!("The transition {:?} needs fields filled in. Choose it under Transition below.", transition.name));
        }
        let request = Request::TransitionIssue {
            site_url: Some(site_url.to_string()),
            key: key.to_string(),
            transition_id: transition.id.clone(),
            fields: Default::default(),
        };
        match self.run_action("transition-submit", "Moving the issue…", &request).await {
            Some(Response::Issue { issue }) => {
                let status = issue.status.clone();
                self.show_issue(issue);
                self.show_done(&format!("{key} is now {status}."));
                self.load_transitions(key).await;
            }
            Some(other) => self.show_unexpected("transitionIssue", &other),
            None => {}
        }
    }
}

//! The create-issue form: project and issue-type pickers, the fields of the create
//! screen, the draft kept in extension storage, and the `createIssue` request.

use super::app::App;
use super::dom::{clear, element, fill_select, listen, set_hidden};
use super::extension_api::{describe, send_request, storage_get, storage_remove, storage_set};
use super::screen_fields::{prefill, read_fields, render_fields};
use crate::draft::{
    self, Draft, PendingSelection, Preferences, DRAFT_STORAGE_KEY, PENDING_SELECTION_MAX_AGE_MS,
    PENDING_SELECTION_STORAGE_KEY, PREFERENCES_STORAGE_KEY,
};
use crate::fields::{field_values, fields_to_render, BUILT_IN_CREATE_FIELDS};
use crate::navigation::View;
use crate::screen;
use jira_bridge_protocol::{Request, Response, SiteInfo};
use serde::de::DeserializeOwned;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Event, HtmlAnchorElement, HtmlFormElement, HtmlSelectElement, HtmlTextAreaElement,
    KeyboardEvent,
};

/// Text inputs whose every change is saved to the draft.
const DRAFT_INPUTS: [&str; 4] = ["summary", "description", "page-url", "selection"];

impl App {
    pub(super) fn bind_create_form_events(self: &Rc<Self>) -> Result<(), JsValue> {
        let app = self.clone();
        listen(
            &self.document,
            "create-form",
            "submit",
            move |event: Event| {
                event.prevent_default();
                let app = app.clone();
                spawn_local(async move { app.create_issue().await });
            },
        )?;

        let app = self.clone();
        listen(&self.document, "project", "change", move |_| {
            app.clear_field_error("project");
            let app = app.clone();
            spawn_local(async move { app.on_project_change().await });
        })?;

        let app = self.clone();
        listen(&self.document, "issue-type", "change", move |_| {
            app.clear_field_error("issue-type");
            app.read_draft_fields();
            app.save_draft();
            app.save_preferences();
            let app = app.clone();
            spawn_local(async move { app.load_create_fields().await });
        })?;

        for input in DRAFT_INPUTS {
            let app = self.clone();
            listen(&self.document, input, "input", move |_| {
                app.clear_field_error(input);
                app.read_draft_fields();
                if input == "summary" {
                    app.state.borrow_mut().draft.summary_cut = false;
                    let _ = set_hidden(&app.document, "summary-cut", true);
                }
                app.save_draft();
            })?;
        }

        // A textarea takes Enter for a new line, so Ctrl+Enter (Cmd+Enter) submits from it.
        let app = self.clone();
        listen(
            &self.document,
            "description",
            "keydown",
            move |event: Event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                    event.prevent_default();
                    if let Ok(form) = element::<HtmlFormElement>(&app.document, "create-form") {
                        let _ = form.request_submit();
                    }
                }
            },
        )
    }

    /// Opens the create form for the site in use.
    pub(super) async fn open_create(self: &Rc<Self>) {
        let Some(site) = self.state.borrow().site.clone() else {
            return;
        };
        self.clear_messages();
        self.open_view(View::Create);
        self.open_create_form(site).await;
    }

    /// Opens the create form with a quick action's project, issue type and labels over the
    /// draft.
    pub(super) async fn open_create_preset(self: &Rc<Self>, project_key: &str, issue_type_name: &str, labels: &[String]) {
        let mut draft = match self.load_stored::<Draft>(DRAFT_STORAGE_KEY).await {
            Some(saved) => saved,
            None => self.draft_for_current_tab(),
        };
        draft.project_key = project_key.to_string();
        draft.issue_type_id.clear();
        draft.issue_type_name = issue_type_name.to_string();
        draft.labels = labels.to_vec();
        store(DRAFT_STORAGE_KEY, serde_json::to_string(&draft));
        self.state.borrow_mut().draft = draft.clone();
        let Some(site) = self.state.borrow().site.clone() else {
            return;
        };
        self.clear_messages();
        self.open_view(View::Create);
        self.open_create_form_with(site, Some(draft)).await;
    }

    /// Turns a selection saved by the context-menu entry into the draft. Returns whether
    /// there was a fresh one, in which case the create form should open.
    pub(super) async fn take_pending_selection(&self) -> bool {
        let Some(pending) = self.load_stored::<PendingSelection>(PENDING_SELECTION_STORAGE_KEY).await else {
            return false;
        };
        if let Err(error) = storage_remove(PENDING_SELECTION_STORAGE_KEY).await {
            warn_storage("deleting the pending selection", &error);
        }
        if js_sys::Date::now() - pending.saved_at > PENDING_SELECTION_MAX_AGE_MS || pending.text.trim().is_empty() {
            return false;
        }
        let draft = Draft::for_selection(&pending, self.new_client_request_id());
        store(DRAFT_STORAGE_KEY, serde_json::to_string(&draft));
        self.state.borrow_mut().draft = draft;
        true
    }

    /// Restores the saved draft, or starts one from the active tab, and loads the pickers.
    pub(super) async fn open_create_form(self: &Rc<Self>, site: SiteInfo) {
        self.open_create_form_with(site, None).await;
    }

    async fn open_create_form_with(self: &Rc<Self>, site: SiteInfo, preset_draft: Option<Draft>) {
        let preferences: Preferences = self
            .load_stored(PREFERENCES_STORAGE_KEY)
            .await
            .unwrap_or_default();
        let stored = match preset_draft {
            Some(draft) => Some(draft),
            None => self.load_stored::<Draft>(DRAFT_STORAGE_KEY).await,
        };
        let draft = match stored {
            Some(mut saved) => {
                if saved.client_request_id.is_empty() {
                    saved.client_request_id = self.new_client_request_id();
                }
                saved
            }
            None => self.draft_for_current_tab(),
        };

        {
            let mut state = self.state.borrow_mut();
            state.site = Some(site);
            state.draft = draft;
            state.preferences = preferences;
        }
        let _ = set_hidden(&self.document, "created", true);
        let _ = clear(&self.document, "create-fields");
        self.write_draft_fields();

        self.load_projects().await;
    }

    /// Starts a draft from the tab the popup was opened on, quoting its selected text.
    fn draft_for_current_tab(&self) -> Draft {
        let client_request_id = self.new_client_request_id();
        let (tab, selection) = {
            let state = self.state.borrow();
            (state.tab.clone(), state.selection.clone())
        };
        if selection.trim().is_empty() {
            return Draft::for_page(&tab.title, &tab.url, client_request_id);
        }
        let pending = PendingSelection { text: selection, page_url: tab.url, page_title: tab.title, saved_at: 0.0 };
        Draft::for_selection(&pending, client_request_id)
    }

    async fn load_projects(self: &Rc<Self>) {
        let Some(site_url) = self.site_url() else {
            return;
        };
        let Ok(select) = element::<HtmlSelectElement>(&self.document, "project") else {
            return;
        };
        let _ = fill_select(&select, "Loading projects…", &[], None);
        select.set_disabled(true);

        let reply = send_request(&Request::ListProjects {
            site_url: Some(site_url.clone()),
            query: None,
        })
        .await;
        let projects = match reply {
            Ok(Response::Projects { projects, .. }) => projects,
            Ok(other) => {
                self.show_unexpected("listProjects", &other);
                return self.mark_not_loaded("project", "Projects could not be loaded");
            }
            Err(error) => {
                self.show_relay_error(&error);
                return self.mark_not_loaded("project", "Projects could not be loaded");
            }
        };

        let selected = {
            let state = self.state.borrow();
            screen::preselected_project(
                &projects,
                Some(&state.draft.project_key),
                state.preferences.project_for(&site_url),
            )
            .map(str::to_string)
        };
        let choices: Vec<(String, String)> = projects
            .iter()
            .map(|project| {
                (
                    project.key.clone(),
                    format!("{} ({})", project.name, project.key),
                )
            })
            .collect();
        let placeholder = if projects.is_empty() {
            "No projects visible to this account"
        } else {
            "Choose a project"
        };
        if let Err(error) = fill_select(&select, placeholder, &choices, selected.as_deref()) {
            return self.report(&error);
        }
        select.set_disabled(projects.is_empty());

        {
            let mut state = self.state.borrow_mut();
            state.projects = projects;
            state.draft.project_key = selected.clone().unwrap_or_default();
        }
        match selected {
            Some(project_key) => self.load_issue_types(project_key).await,
            None => self.clear_issue_types("Choose a project first"),
        }
    }

    async fn on_project_change(self: &Rc<Self>) {
        self.read_draft_fields();
        self.save_draft();
        self.save_preferences();

        let project_key = self.state.borrow().draft.project_key.clone();
        if project_key.is_empty() {
            self.clear_issue_types("Choose a project first");
        } else {
            self.load_issue_types(project_key).await;
        }
    }

    async fn load_issue_types(self: &Rc<Self>, project_key: String) {
        let Some(site_url) = self.site_url() else {
            return;
        };
        self.clear_issue_types("Loading issue types…");

        let request = Request::ListIssueTypes {
            site_url: Some(site_url.clone()),
            project_key: project_key.clone(),
        };
        let reply = send_request(&request).await;
        // The person may have picked another project while this one's types were loading.
        if self.state.borrow().draft.project_key != project_key {
            return;
        }
        let issue_types = match reply {
            Ok(Response::IssueTypes { issue_types }) => issue_types,
            Ok(other) => {
                self.show_unexpected("listIssueTypes", &other);
                return self.clear_issue_types("Issue types could not be loaded");
            }
            Err(error) => {
                self.show_relay_error(&error);
                return self.clear_issue_types("Issue types could not be loaded");
            }
        };

        let offered = screen::creatable_issue_types(&issue_types);
        let selected = {
            let state = self.state.borrow();
            // A quick action names the type, because type ids differ between sites.
            let by_name = offered
                .iter()
                .find(|issue_type| !state.draft.issue_type_name.is_empty() && issue_type.name.eq_ignore_ascii_case(&state.draft.issue_type_name))
                .map(|issue_type| issue_type.id.as_str());
            screen::preselected_issue_type(
                &offered,
                by_name.or(Some(&state.draft.issue_type_id)),
                state.preferences.issue_type_for(&site_url, &project_key),
            )
            .map(str::to_string)
        };
        let choices: Vec<(String, String)> = offered
            .iter()
            .map(|issue_type| (issue_type.id.clone(), issue_type.name.clone()))
            .collect();
        let placeholder = if offered.is_empty() {
            "No issue types can be created here"
        } else {
            "Choose an issue type"
        };

        let Ok(select) = element::<HtmlSelectElement>(&self.document, "issue-type") else {
            return;
        };
        if let Err(error) = fill_select(&select, placeholder, &choices, selected.as_deref()) {
            return self.report(&error);
        }
        select.set_disabled(offered.is_empty());

        {
            let mut state = self.state.borrow_mut();
            state.draft.issue_type_id = selected.unwrap_or_default();
            state.issue_types = issue_types;
        }
        self.load_create_fields().await;
    }

    /// Loads the create screen of the chosen project and issue type and renders its fields
    /// other than those the form always has.
    async fn load_create_fields(self: &Rc<Self>) {
        let _ = clear(&self.document, "create-fields");
        self.state.borrow_mut().create_fields.clear();
        let (Some(site_url), project_key, issue_type_id) = ({
            let state = self.state.borrow();
            (state.site.as_ref().map(|site| site.site_url.clone()), state.draft.project_key.clone(), state.draft.issue_type_id.clone())
        }) else {
            return;
        };
        if project_key.is_empty() || issue_type_id.is_empty() {
            return;
        }

        let reply = send_request(&Request::GetCreateFields {
            site_url: Some(site_url),
            project_key: project_key.clone(),
            issue_type_id: issue_type_id.clone(),
        })
        .await;
        {
            let state = self.state.borrow();
            if state.draft.project_key != project_key || state.draft.issue_type_id != issue_type_id {
                return;
            }
        }
        let fields = match reply {
            Ok(Response::CreateFields { fields }) => fields,
            Ok(other) => return self.show_unexpected("getCreateFields", &other),
            Err(error) => return self.show_relay_error(&error),
        };

        let rendered = fields_to_render(&fields, BUILT_IN_CREATE_FIELDS);
        if let Err(error) = render_fields(&self.document, "create-fields", &rendered) {
            return self.report(&error);
        }
        let labels = self.state.borrow().draft.labels.join(" ");
        if !labels.is_empty() && !prefill(&self.document, "labels", &labels) {
            self.announce("The labels of this quick action were not added: the create screen has no Labels field.");
        }
        self.state.borrow_mut().create_fields = fields;
    }

    /// Replaces a picker's "Loading…" placeholder after its list failed to load, so no
    /// spinner text stays up next to the error.
    fn mark_not_loaded(&self, id: &str, placeholder: &str) {
        if let Ok(select) = element::<HtmlSelectElement>(&self.document, id) {
            let _ = fill_select(&select, placeholder, &[], None);
            select.set_disabled(true);
        }
        self.clear_issue_types("Choose a project first");
    }

    fn clear_issue_types(&self, placeholder: &str) {
        if let Ok(select) = element::<HtmlSelectElement>(&self.document, "issue-type") {
            let _ = fill_select(&select, placeholder, &[], None);
            select.set_disabled(true);
        }
        let mut state = self.state.borrow_mut();
        state.draft.issue_type_id.clear();
        state.issue_types.clear();
    }

    async fn create_issue(self: &Rc<Self>) {
        if self.state.borrow().busy {
            return;
        }
        self.clear_messages();
        let _ = set_hidden(&self.document, "created", true);

        self.read_draft_fields();
        let Some(site_url) = self.site_url() else {
            return;
        };
        let create_fields = self.state.borrow().create_fields.clone();
        let rendered = fields_to_render(&create_fields, BUILT_IN_CREATE_FIELDS);
        let inputs = read_fields(&self.document, &rendered);
        let screen_fields = field_values(&rendered, &inputs);
        let checked = self.state.borrow().draft.to_request_in_form_order(&site_url, screen_fields);
        let request = match checked {
            Ok(request) => request,
            Err(error) => return self.show_field_error(&error),
        };

        self.set_busy("create-submit", true);
        self.announce("Creating the issue…");
        let reply = send_request(&request).await;
        self.set_busy("create-submit", false);

        match reply {
            Ok(Response::IssueCreated { key, url, summary_truncated }) => {
                let _ = set_hidden(&self.document, "created-cut", !summary_truncated);
                self.show_created(&key, &url).await
            }
            Ok(other) => self.show_unexpected("createIssue", &other),
            Err(error) => {
                self.announce("");
                self.show_relay_error(&error);
            }
        }
    }

    /// Shows the new issue's link and replaces the draft with an empty one.
    async fn show_created(self: &Rc<Self>, key: &str, url: &str) {
        if let Ok(link) = element::<HtmlAnchorElement>(&self.document, "created-link") {
            link.set_text_content(Some(key));
            match screen::issue_link(url) {
                Some(url) => link.set_href(url),
                None => {
                    let _ = link.remove_attribute("href");
                }
            }
        }
        // #created sits in its own live region, so showing it is announced; repeating it
        // in #status would show the same news twice.
        let _ = set_hidden(&self.document, "created", false);
        self.announce("");

        let next = self
            .state
            .borrow()
            .draft
            .next_after_create(self.new_client_request_id());
        self.state.borrow_mut().draft = next;
        self.write_draft_fields();
        if let Err(error) = storage_remove(DRAFT_STORAGE_KEY).await {
            warn_storage("deleting the draft", &error);
        }
        self.focus("summary");
    }

    /// Copies the form's values into the draft in `state`.
    fn read_draft_fields(&self) {
        let project_key = select_value(self, "project");
        let issue_type_id = select_value(self, "issue-type");
        let description = element::<HtmlTextAreaElement>(&self.document, "description")
            .map(|textarea| textarea.value())
            .unwrap_or_default();

        let selection = element::<HtmlTextAreaElement>(&self.document, "selection")
            .map(|textarea| textarea.value())
            .unwrap_or_default();

        let mut state = self.state.borrow_mut();
        if state.draft.project_key != project_key {
            state.draft.labels.clear();
            state.draft.issue_type_name.clear();
        }
        state.draft.project_key = project_key;
        state.draft.issue_type_id = issue_type_id;
        state.draft.summary = self.input_value("summary");
        state.draft.description = description;
        state.draft.page_url = self.input_value("page-url");
        state.draft.selection = selection;
    }

    /// Copies the draft's text into the form; the pickers are filled when their lists load.
    fn write_draft_fields(&self) {
        let draft = self.state.borrow().draft.clone();

        for (id, value) in [("summary", &draft.summary), ("page-url", &draft.page_url)] {
            if let Ok(input) = element::<web_sys::HtmlInputElement>(&self.document, id) {
                input.set_value(value);
            }
        }
        if let Ok(textarea) = element::<HtmlTextAreaElement>(&self.document, "description") {
            textarea.set_value(&draft.description);
        }
        if let Ok(textarea) = element::<HtmlTextAreaElement>(&self.document, "selection") {
            textarea.set_value(&draft.selection);
        }
        let _ = set_hidden(&self.document, "selection-group", draft.selection.is_empty());
        let _ = set_hidden(&self.document, "summary-cut", !draft.summary_cut);
    }

    fn save_draft(&self) {
        let json = serde_json::to_string(&self.state.borrow().draft);
        store(DRAFT_STORAGE_KEY, json);
    }

    fn save_preferences(&self) {
        let preferences = {
            let mut state = self.state.borrow_mut();
            let Some(site_url) = state.site.as_ref().map(|site| site.site_url.clone()) else {
                return;
            };
            state.preferences = Preferences {
                site_url,
                project_key: state.draft.project_key.clone(),
                issue_type_id: state.draft.issue_type_id.clone(),
            };
            state.preferences.clone()
        };
        store(PREFERENCES_STORAGE_KEY, serde_json::to_string(&preferences));
    }

    /// Reads a saved value; an unreadable one is logged and treated as absent.
    pub(super) async fn load_stored<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let text = match storage_get(key).await {
            Ok(text) => text?,
            Err(error) => {
                warn_storage(&format!("reading {key:?}"), &error);
                return None;
            }
        };

        match serde_json::from_str(&text) {
            Ok(value) => Some(value),
            Err(error) => {
                warn_storage(
                    &format!("reading {key:?}"),
                    &JsValue::from_str(&error.to_string()),
                );
                None
            }
        }
    }

    pub(super) fn new_client_request_id(&self) -> String {
        let mut bytes = [0u8; 16];
        let filled = web_sys::window()
            .ok_or_else(|| JsValue::from_str("no window"))
            .and_then(|window| window.crypto())
            .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes));
        if let Err(error) = filled {
            // Without an id the host cannot recognise a retried create, so the error is
            // shown to the person rather than replaced by a predictable id.
            self.report(&error);
            return String::new();
        }
        draft::client_request_id(bytes)
    }
}

fn select_value(app: &App, id: &str) -> String {
    element::<HtmlSelectElement>(&app.document, id)
        .map(|select| select.value())
        .unwrap_or_default()
}

/// Saves JSON text to `storage.local` without waiting; a failure is logged.
fn store(key: &'static str, json: Result<String, serde_json::Error>) {
    let json = match json {
        Ok(json) => json,
        Err(error) => {
            return warn_storage(
                &format!("encoding {key:?}"),
                &JsValue::from_str(&error.to_string()),
            )
        }
    };
    spawn_local(async move {
        if let Err(error) = storage_set(key, &json).await {
            warn_storage(&format!("saving {key:?}"), &error);
        }
    });
}

fn warn_storage(action: &str, error: &JsValue) {
    let message = format!(
        "jira-bridge: {action} in extension storage failed: {}",
        describe(error)
    );
    web_sys::console::warn_1(&JsValue::from_str(&message));
}

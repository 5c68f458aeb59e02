//! The create-issue form: project and issue-type pickers, the draft kept in extension
//! storage, and the `createIssue` request.

use super::app::App;
use super::dom::{element, fill_select, listen, set_hidden};
use super::extension_api::{
    current_tab, describe, send_request, storage_get, storage_remove, storage_set,
};
use crate::draft::{self, Draft, Preferences, DRAFT_STORAGE_KEY, PREFERENCES_STORAGE_KEY};
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
const DRAFT_INPUTS: [&str; 3] = ["summary", "description", "page-url"];

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
        })?;

        for input in DRAFT_INPUTS {
            let app = self.clone();
            listen(&self.document, input, "input", move |_| {
                app.clear_field_error(input);
                app.read_draft_fields();
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

    /// Restores the saved draft, or starts one from the active tab, and loads the pickers.
    pub(super) async fn open_create_form(self: &Rc<Self>, site: SiteInfo) {
        let preferences: Preferences = self
            .load_stored(PREFERENCES_STORAGE_KEY)
            .await
            .unwrap_or_default();
        let draft = match self.load_stored::<Draft>(DRAFT_STORAGE_KEY).await {
            Some(mut saved) => {
                if saved.client_request_id.is_empty() {
                    saved.client_request_id = self.new_client_request_id();
                }
                saved
            }
            None => self.draft_for_current_tab().await,
        };

        {
            let mut state = self.state.borrow_mut();
            state.site = Some(site);
            state.draft = draft;
            state.preferences = preferences;
        }
        let _ = set_hidden(&self.document, "created", true);
        self.write_draft_fields();

        self.load_projects().await;
    }

    async fn draft_for_current_tab(&self) -> Draft {
        let client_request_id = self.new_client_request_id();

        match current_tab(tab_id_from_location()).await {
            Ok(tab) => Draft::for_page(&tab.title, &tab.url, client_request_id),
            Err(error) => {
                web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "jira-bridge: reading the active tab failed: {}",
                    describe(&error)
                )));
                Draft {
                    client_request_id,
                    ..Draft::default()
                }
            }
        }
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
            Ok(Response::Projects { projects }) => projects,
            Ok(other) => return self.show_unexpected("listProjects", &other),
            Err(error) => return self.show_error(&error.message()),
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
            Ok(other) => return self.show_unexpected("listIssueTypes", &other),
            Err(error) => return self.show_error(&error.message()),
        };

        let offered = screen::creatable_issue_types(&issue_types);
        let selected = {
            let state = self.state.borrow();
            screen::preselected_issue_type(
                &offered,
                Some(&state.draft.issue_type_id),
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

        let mut state = self.state.borrow_mut();
        state.draft.issue_type_id = selected.unwrap_or_default();
        state.issue_types = issue_types;
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
        let checked = self.state.borrow().draft.to_request(&site_url);
        let request = match checked {
            Ok(request) => request,
            Err(error) => return self.show_field_error(&error),
        };

        self.set_busy("create-submit", true);
        self.announce("Creating the issue…");
        let reply = send_request(&request).await;
        self.set_busy("create-submit", false);

        match reply {
            Ok(Response::IssueCreated { key, url }) => self.show_created(&key, &url).await,
            Ok(other) => self.show_unexpected("createIssue", &other),
            Err(error) => {
                self.announce("");
                self.show_error(&error.message());
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

        let mut state = self.state.borrow_mut();
        state.draft.project_key = project_key;
        state.draft.issue_type_id = issue_type_id;
        state.draft.summary = self.input_value("summary");
        state.draft.description = description;
        state.draft.page_url = self.input_value("page-url");
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
    async fn load_stored<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
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

    fn site_url(&self) -> Option<String> {
        self.state
            .borrow()
            .site
            .as_ref()
            .map(|site| site.site_url.clone())
    }

    fn new_client_request_id(&self) -> String {
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

/// Returns N from `?tabId=N` in the popup's URL.
fn tab_id_from_location() -> Option<i32> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get("tabId")?.parse().ok()
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

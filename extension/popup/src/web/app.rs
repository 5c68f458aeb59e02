//! The popup's controller: shows one screen at a time, wires the forms and sends requests
//! through the background script. The views of a connected site live in `home`,
//! `issue_view`, `create_form` and `quick_actions_view`.

use super::dom::{element, listen, listen_on, set_hidden, set_text};
use super::extension_api::{describe, open_tab, send_request};
use super::user_fields;
use crate::connect_form::{
    disconnect_question, disconnected_message, ConnectForm, ReconnectTarget, API_TOKEN_PAGE,
};
use crate::relay::RelayError;
use super::extension_api::TabInfo;
use crate::draft::{Draft, Preferences};
use crate::navigation::{Navigation, View};
use crate::quick_actions::QuickAction;
use crate::screen::{self, Screen, INSTALL_COMMAND};
use crate::user_search::UserSearch;
use crate::FieldError;
use jira_bridge_protocol::{
    DetectedKey, ErrorCode, FieldMeta, IssueSummary, IssueType, Project, Request, Response,
    Secret, SiteInfo, Transition,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    Document, Element, Event, HtmlButtonElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement, KeyboardEvent,
};

/// Sections of popup.html, one per screen or view; `show_section` shows one and hides the
/// others.
const SECTIONS: [&str; 8] = [
    "loading",
    "host-missing",
    "failure",
    "connect-form",
    "home",
    "issue-view",
    "connected",
    "quick-actions-view",
];

/// Popup state shared by the event handlers. Handlers run on the page's single thread and
/// never keep a borrow of `state` across an `.await`.
pub(super) struct App {
    pub(super) document: Document,
    pub(super) state: RefCell<State>,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) site: Option<SiteInfo>,
    pub(super) draft: Draft,
    pub(super) preferences: Preferences,
    pub(super) projects: Vec<Project>,
    pub(super) issue_types: Vec<IssueType>,
    /// True while a connect, create or disconnect request is in flight.
    pub(super) busy: bool,
    /// Input named by the error on show, cleared once the person edits that input.
    pub(super) invalid_field: Option<String>,
    /// Every connected site, for the site switcher.
    pub(super) sites: Vec<SiteInfo>,
    pub(super) navigation: Navigation,
    /// The tab the popup was opened on.
    pub(super) tab: TabInfo,
    /// Text selected in that tab, when the browser let the popup read it.
    pub(super) selection: String,
    pub(super) detected: Vec<DetectedKey>,
    /// The issue shown in the issue view.
    pub(super) issue: Option<IssueSummary>,
    pub(super) transitions: Vec<Transition>,
    /// Fields of the create screen rendered in `#create-fields`.
    pub(super) create_fields: Vec<FieldMeta>,
    pub(super) user_search: UserSearch,
    /// Searches of the user pickers on create and transition screens, by the key each
    /// picker's input carries.
    pub(super) field_user_searches: HashMap<String, UserSearch>,
    /// Number of user pickers typed in so far, for their search keys.
    pub(super) user_pickers_started: u64,
    pub(super) quick_actions: Vec<QuickAction>,
    /// Query and `nextPageToken` of the search shown, for "More results".
    pub(super) search: Option<(String, String)>,
    /// Site whose token is missing, offered by the Reconnect button beside the error.
    pub(super) reconnect: Option<ReconnectTarget>,
    /// Key of the issue whose `getIssue` is in flight; a reply for another key is dropped.
    pub(super) opening_issue: Option<String>,
    /// The issue opened last, kept in `storage.local` across popup openings.
    pub(super) last_issue: Option<crate::quick_actions::LastIssue>,
}

/// Starts the popup and reports a failure to start in the page and the console.
pub async fn run() {
    if let Err(error) = start().await {
        let message = format!("The popup failed to start: {}", describe(&error));
        web_sys::console::error_1(&JsValue::from_str(&message));

        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            let _ = set_text(&document, "error", &message);
            let _ = set_hidden(&document, "error", false);
        }
    }
}

async fn start() -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsValue::from_str("the popup has no document"))?;
    let app = Rc::new(App {
        document,
        state: RefCell::new(State::default()),
    });

    app.bind_events()?;
    app.bind_create_form_events()?;
    app.bind_home_events()?;
    app.bind_issue_events()?;
    app.bind_quick_action_events()?;
    app.bind_user_field_events(user_fields::CREATE_FIELDS)?;
    app.bind_user_field_events(user_fields::TRANSITION_FIELDS)?;
    app.load_tab().await;
    app.load_status().await;
    Ok(())
}

impl App {
    fn bind_events(self: &Rc<Self>) -> Result<(), JsValue> {
        let app = self.clone();
        listen(
            &self.document,
            "connect-form",
            "submit",
            move |event: Event| {
                event.prevent_default();
                let app = app.clone();
                spawn_local(async move { app.connect().await });
            },
        )?;

        for input in ["site-url", "email", "token"] {
            let app = self.clone();
            listen(&self.document, input, "input", move |_| {
                app.clear_field_error(input)
            })?;
        }

        for button in ["retry", "recheck"] {
            let app = self.clone();
            listen(&self.document, button, "click", move |_| {
                let app = app.clone();
                spawn_local(async move { app.load_status().await });
            })?;
        }

        let app = self.clone();
        listen(&self.document, "back", "click", move |_| app.go_back())?;

        let app = self.clone();
        listen(&self.document, "connect-cancel", "click", move |_| app.go_back())?;

        let app = self.clone();
        listen(&self.document, "add-site", "click", move |_| {
            app.clear_messages();
            // The form may still hold the values of a reconnect.
            for id in ["site-url", "email", "token"] {
                if let Ok(input) = element::<HtmlInputElement>(&app.document, id) {
                    input.set_value("");
                }
            }
            app.open_view(View::AddSite);
        })?;

        let app = self.clone();
        listen(&self.document, "reconnect", "click", move |_| app.open_reconnect())?;

        // A link click would load the page inside the popup, so the page opens in a tab.
        let app = self.clone();
        listen(&self.document, "token-page", "click", move |event: Event| {
            event.prevent_default();
            let app = app.clone();
            spawn_local(async move {
                if let Err(error) = open_tab(API_TOKEN_PAGE).await {
                    app.show_error(&format!(
                        "Opening Atlassian's API token page failed ({}). Go to {API_TOKEN_PAGE} in a tab.",
                        describe(&error)
                    ));
                }
            });
        })?;

        let app = self.clone();
        listen(&self.document, "site-switcher", "change", move |_| {
            let app = app.clone();
            spawn_local(async move { app.switch_site().await });
        })?;

        let app = self.clone();
        listen(&self.document, "disconnect", "click", move |_| app.ask_disconnect())?;

        let app = self.clone();
        listen(&self.document, "disconnect-cancel", "click", move |_| app.cancel_disconnect())?;

        let app = self.clone();
        listen(&self.document, "disconnect-confirm-yes", "click", move |_| {
            let _ = set_hidden(&app.document, "disconnect-confirm", true);
            let app = app.clone();
            spawn_local(async move { app.disconnect().await });
        })?;

        let app = self.clone();
        listen(&self.document, "copy-install", "click", move |_| {
            let app = app.clone();
            spawn_local(async move { app.copy_install_command().await });
        })?;

        let app = self.clone();
        listen_on(&self.document, "keydown", move |event: Event| {
            if let Some(event) = event.dyn_ref::<KeyboardEvent>() {
                app.on_key(event);
            }
        })
    }

    /// Asks the host for its status and shows the screen that follows from it.
    pub(super) async fn load_status(self: &Rc<Self>) {
        self.clear_messages();
        self.render(&Screen::Loading);

        let screen = screen::screen_for_status(send_request(&Request::Status).await);
        if !matches!(screen, Screen::Connected { .. }) {
            return self.render(&screen);
        }

        // Everything read from storage is read before the home view shows, because a click
        // on it during an await would open a view that the code below then replaced.
        self.load_quick_actions().await;
        let pending_selection = self.take_pending_selection().await;
        self.render(&screen);
        if pending_selection || self.view_from_location().as_deref() == Some("create") {
            self.open_create().await;
        } else {
            self.open_view(View::Home);
            self.load_home().await;
        }
    }

    /// Returns `view` from `?view=create` in the popup's URL, set when the background
    /// opens the popup as a window.
    fn view_from_location(&self) -> Option<String> {
        let search = web_sys::window()?.location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search).ok()?.get("view")
    }

    /// Shows `view` of a connected site and records it for Escape and Back.
    pub(super) fn open_view(&self, view: View) {
        self.state.borrow_mut().navigation.open(view.clone());
        self.show_view(&view);
    }

    fn show_view(&self, view: &View) {
        self.show_section(view.section_id());
        let _ = set_hidden(&self.document, "disconnect-confirm", true);
        // The results in the top bar belong to the view that produced them.
        if !matches!(view, View::Issue { .. }) {
            let _ = set_hidden(&self.document, "issue-done", true);
        }
        if *view != View::Create {
            let _ = set_hidden(&self.document, "created", true);
        }
        let can_go_back = self.state.borrow().navigation.can_go_back();
        let _ = set_hidden(&self.document, "back", !can_go_back);
        let _ = set_hidden(&self.document, "connect-cancel", *view != View::AddSite);
        let focus = match view {
            View::Home => "search",
            View::Issue { .. } => "comment-body",
            View::Create => "summary",
            View::QuickActions => "quick-action-name",
            View::AddSite => "site-url",
        };
        self.focus(focus);
    }

    /// Returns to the previous view; Escape and the Back button call this.
    pub(super) fn go_back(self: &Rc<Self>) {
        let previous = self.state.borrow_mut().navigation.back().cloned();
        if let Some(view) = previous {
            self.clear_messages();
            self.show_view(&view);
            if view == View::Home {
                let app = self.clone();
                spawn_local(async move { app.load_home().await });
            }
        }
    }

    fn show_section(&self, visible: &str) {
        for section in SECTIONS {
            let _ = set_hidden(&self.document, section, section != visible);
        }
    }

    /// Makes the chosen site the one in use, on the host too, so the next popup opens
    /// with it. The host keeps only the site's URL, never the token.
    async fn switch_site(self: &Rc<Self>) {
        let Ok(select) = element::<HtmlSelectElement>(&self.document, "site-switcher") else {
            return;
        };
        let site_url = select.value();
        let site = self
            .state
            .borrow()
            .sites
            .iter()
            .find(|site| site.site_url == site_url)
            .cloned();
        let Some(site) = site else {
            return;
        };
        self.clear_messages();

        match send_request(&Request::SetDefaultSite { site_url }).await {
            Ok(_) => {}
            Err(error) => return self.show_relay_error(&error),
        }
        self.set_site(&site);
        select.set_title(&screen::site_label(&site));
        self.announce(&format!("Using {}.", screen::site_label(&site)));
        self.open_view(View::Home);
        self.load_home().await;
    }

    /// Shows `site` in the header and makes it the target of every request.
    fn set_site(&self, site: &SiteInfo) {
        let _ = set_text(&self.document, "site-label", &screen::site_label(site));
        let _ = set_text(&self.document, "account-label", &screen::account_label(site));
        let mut state = self.state.borrow_mut();
        if state.site.as_ref().map(|current| &current.site_url) != Some(&site.site_url) {
            // Issues, projects, transitions and the search belong to the old site.
            for list in ["search-results", "recent-issues"] {
                let _ = super::dom::clear(&self.document, list);
            }
            let _ = set_hidden(&self.document, "search-more", true);
            let _ = set_hidden(&self.document, "search-error", true);
            if let Ok(search) = element::<HtmlInputElement>(&self.document, "search") {
                search.set_value("");
            }
            state.issue = None;
            state.projects.clear();
            state.issue_types.clear();
            state.search = None;
        }
        state.site = Some(site.clone());
    }

    pub(super) fn render(&self, screen: &Screen) {
        if let Err(error) = self.try_render(screen) {
            self.report(&error);
        }
    }

    fn try_render(&self, screen: &Screen) -> Result<(), JsValue> {
        let visible = match screen {
            Screen::Loading => "loading",
            Screen::HostMissing => "host-missing",
            Screen::Failed { .. } => "failure",
            Screen::Connect => "connect-form",
            Screen::Connected { .. } => "home",
        };
        self.show_section(visible);
        set_hidden(&self.document, "back", true)?;
        set_hidden(&self.document, "connect-cancel", true)?;
        set_hidden(&self.document, "site-switcher", true)?;

        match screen {
            Screen::Loading => {}
            Screen::HostMissing => set_text(&self.document, "install-command", INSTALL_COMMAND)?,
            Screen::Failed { message } => self.show_error(message),
            Screen::Connect => {
                let mut state = self.state.borrow_mut();
                state.site = None;
                state.sites.clear();
                state.navigation = Navigation::default();
                drop(state);
                self.focus("site-url");
            }
            Screen::Connected { site, sites } => {
                self.set_site(site);
                self.state.borrow_mut().sites = sites.clone();
                self.fill_site_switcher(site, sites)?;
            }
        }
        Ok(())
    }

    fn fill_site_switcher(&self, site: &SiteInfo, sites: &[SiteInfo]) -> Result<(), JsValue> {
        let select = element::<HtmlSelectElement>(&self.document, "site-switcher")?;
        let choices: Vec<(String, String)> = sites
            .iter()
            .map(|site| (site.site_url.clone(), screen::site_label(site)))
            .collect();
        super::dom::fill_select(&select, "Jira site", &choices, Some(&site.site_url))?;
        select.set_title(&screen::site_label(site));
        select.set_hidden(sites.len() < 2);
        Ok(())
    }

    /// Sends `connect` with the form's values. The token input is emptied when the request
    /// is sent, whatever the reply, and the token is kept nowhere else.
    async fn connect(self: &Rc<Self>) {
        if self.state.borrow().busy {
            return;
        }
        self.clear_messages();

        let Ok(token_input) = element::<HtmlInputElement>(&self.document, "token") else {
            return;
        };
        let form = ConnectForm {
            site_url: self.input_value("site-url"),
            email: self.input_value("email"),
            token: Secret::new(token_input.value()),
        };
        let request = match form.to_request() {
            Ok(request) => request,
            Err(error) => return self.show_field_error(&error),
        };
        drop(form);

        self.set_busy("connect-submit", true);
        self.announce("Checking the token with Jira…");
        token_input.set_value("");
        let reply = send_request(&request).await;
        drop(request);
        self.set_busy("connect-submit", false);

        match reply {
            Ok(Response::Connected { site }) => {
                // A site added next to others becomes the one in use.
                if let Err(error) = send_request(&Request::SetDefaultSite {
                    site_url: site.site_url.clone(),
                })
                .await
                {
                    self.show_relay_error(&error);
                }
                self.state.borrow_mut().navigation = Navigation::default();
                self.load_status().await;
                self.announce(&format!("Connected to {}.", screen::site_label(&site)));
            }
            Ok(other) => self.show_unexpected("connect", &other),
            Err(error) if error.code() == Some(ErrorCode::HostNotInstalled) => {
                self.announce("");
                self.render(&Screen::HostMissing);
            }
            Err(error) => {
                self.announce("");
                self.show_relay_error(&error);
                match error.code() {
                    Some(
                        ErrorCode::InvalidSiteUrl
                        | ErrorCode::InsecureSiteUrl
                        | ErrorCode::NetworkError,
                    ) => self.focus("site-url"),
                    _ => self.focus("token"),
                }
            }
        }
    }

    /// Opens the connect form filled in with the site and account of the missing token,
    /// leaving the token empty for the person to paste.
    fn open_reconnect(&self) {
        let Some(target) = self.state.borrow_mut().reconnect.take() else {
            return;
        };
        let (site_url, email) = target.form_values(&self.state.borrow().sites);
        self.clear_messages();
        self.open_view(View::AddSite);

        for (id, value) in [("site-url", site_url.as_str()), ("email", email.as_str()), ("token", "")] {
            if let Ok(input) = element::<HtmlInputElement>(&self.document, id) {
                input.set_value(value);
            }
        }
        self.announce(&format!("Paste a new token for {}.", target.site_url));
        self.focus("token");
    }

    /// Shows the inline confirmation that names the site and account, because
    /// disconnecting deletes the token.
    fn ask_disconnect(&self) {
        let Some(site) = self.state.borrow().site.clone() else {
            return;
        };
        self.clear_messages();
        let _ = set_text(&self.document, "disconnect-question", &disconnect_question(&site));
        let _ = set_hidden(&self.document, "disconnect-confirm", false);
        // Cancel takes focus, so Enter pressed by habit keeps the token.
        self.focus("disconnect-cancel");
    }

    fn cancel_disconnect(&self) {
        let _ = set_hidden(&self.document, "disconnect-confirm", true);
        self.focus("disconnect");
    }

    async fn disconnect(self: &Rc<Self>) {
        let Some(site) = self.state.borrow().site.clone() else {
            return;
        };
        if self.state.borrow().busy {
            return;
        }
        self.clear_messages();

        self.set_busy("disconnect", true);
        let reply = send_request(&Request::Disconnect {
            site_url: Some(site.site_url.clone()),
        })
        .await;
        self.set_busy("disconnect", false);

        match reply {
            Ok(Response::Disconnected { .. }) => {
                self.load_status().await;
                let now_in_use = self.state.borrow().site.clone();
                self.announce(&disconnected_message(&site, now_in_use.as_ref()));
            }
            Ok(other) => self.show_unexpected("disconnect", &other),
            Err(error) => self.show_relay_error(&error),
        }
    }

    async fn copy_install_command(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };

        let copied =
            JsFuture::from(window.navigator().clipboard().write_text(INSTALL_COMMAND)).await;
        match copied {
            Ok(_) => self.announce("Copied the install command."),
            Err(error) => self.show_error(&format!(
                "Copying failed ({}). Select the command and copy it by hand.",
                describe(&error)
            )),
        }
    }

    /// Escape cancels the disconnect confirmation, else dismisses the error message, else
    /// the "created" notice, else goes back to the previous view. An open select or the user picker's results take Escape first.
    fn on_key(self: &Rc<Self>, event: &KeyboardEvent) {
        if event.key() != "Escape" || event.default_prevented() {
            return;
        }

        let error_shown = element::<HtmlElement>(&self.document, "error")
            .map(|e| !e.hidden())
            .unwrap_or(false);
        let created_shown = element::<HtmlElement>(&self.document, "created")
            .map(|e| !e.hidden())
            .unwrap_or(false);
        let confirm_shown = element::<HtmlElement>(&self.document, "disconnect-confirm")
            .map(|e| !e.hidden())
            .unwrap_or(false);
        if confirm_shown {
            event.prevent_default();
            self.cancel_disconnect();
        } else if error_shown {
            event.prevent_default();
            self.clear_messages();
        } else if created_shown {
            event.prevent_default();
            let _ = set_hidden(&self.document, "created", true);
            self.focus("summary");
        } else if self.state.borrow().navigation.can_go_back() {
            event.prevent_default();
            self.go_back();
        }
    }

    pub(super) fn input_value(&self, id: &str) -> String {
        element::<HtmlInputElement>(&self.document, id)
            .map(|input| input.value())
            .unwrap_or_default()
    }

    pub(super) fn set_busy(&self, button: &str, busy: bool) {
        self.state.borrow_mut().busy = busy;
        if let Ok(button) = element::<HtmlButtonElement>(&self.document, button) {
            button.set_disabled(busy);
        }
    }

    pub(super) fn focus(&self, id: &str) {
        self.fit_scroll_padding();
        if let Ok(element) = element::<HtmlElement>(&self.document, id) {
            let _ = element.focus();
        }
    }

    /// Keeps a focused input clear of the sticky top bar, whose height changes with the
    /// messages in it: browsers scroll a focused element below `scroll-padding-top`.
    pub(super) fn fit_scroll_padding(&self) {
        let Ok(bar) = element::<HtmlElement>(&self.document, "top-bar") else {
            return;
        };
        if let Some(root) = self.document.document_element() {
            let padding = format!("scroll-padding-top: {}px", bar.offset_height() + 8);
            let _ = root.set_attribute("style", &padding);
        }
    }

    /// Shows a status message in the polite live region.
    pub(super) fn announce(&self, text: &str) {
        let _ = set_text(&self.document, "status", text);
        self.fit_scroll_padding();
    }

    /// Shows an error in the alert region, which screen readers read at once.
    pub(super) fn show_error(&self, message: &str) {
        let _ = set_text(&self.document, "error", message);
        let _ = set_hidden(&self.document, "error", false);
        self.fit_scroll_padding();
    }

    /// Shows a failed request's message, with a Reconnect button when the error names a
    /// site whose token is missing.
    pub(super) fn show_relay_error(&self, error: &RelayError) {
        self.show_error(&error.message());
        let target = ReconnectTarget::from_error(error);
        let _ = set_hidden(&self.document, "reconnect-bar", target.is_none());
        self.state.borrow_mut().reconnect = target;
        self.fit_scroll_padding();
    }

    pub(super) fn show_field_error(&self, error: &FieldError) {
        self.show_error(&error.message);
        self.state.borrow_mut().invalid_field = Some(error.field.clone());
        if let Ok(field) = element::<Element>(&self.document, &error.field) {
            let _ = field.set_attribute("aria-invalid", "true");
        }
        self.focus(&error.field);
    }

    pub(super) fn show_unexpected(&self, request: &str, reply: &Response) {
        self.show_error(&format!(
            "The native host returned an unexpected reply ({}) to {request}. Update the extension and the native host to the same version.",
            screen::reply_type(reply)
        ));
    }

    /// Hides the error once the person edits the input it was about.
    pub(super) fn clear_field_error(&self, field: &str) {
        let matches = self.state.borrow().invalid_field.as_deref() == Some(field);
        if matches {
            self.clear_messages();
        }
    }

    pub(super) fn clear_messages(&self) {
        let invalid = self.state.borrow_mut().invalid_field.take();
        self.announce("");
        let _ = set_text(&self.document, "error", "");
        let _ = set_hidden(&self.document, "error", true);
        let _ = set_hidden(&self.document, "reconnect-bar", true);
        self.state.borrow_mut().reconnect = None;
        // A new action starts here, so the last one's result is old news.
        let _ = set_hidden(&self.document, "issue-done", true);
        let _ = set_hidden(&self.document, "search-error", true);
        self.fit_scroll_padding();
        if let Some(field) = invalid {
            if let Ok(field) = element::<Element>(&self.document, &field) {
                let _ = field.remove_attribute("aria-invalid");
            }
        }
    }

    pub(super) fn site_url(&self) -> Option<String> {
        self.state
            .borrow()
            .site
            .as_ref()
            .map(|site| site.site_url.clone())
    }

    /// Shows and logs a failure of the popup itself, such as a missing element.
    pub(super) fn report(&self, error: &JsValue) {
        let message = format!("The popup failed: {}", describe(error));
        web_sys::console::error_1(&JsValue::from_str(&message));
        self.show_error(&message);
    }
}

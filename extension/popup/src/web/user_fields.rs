//! User pickers of create and transition screen fields: typing searches the project's
//! users with `findUsers` once typing pauses, and choosing a result stores the user's id on
//! the input for `read_fields`.
//!
//! One listener per container serves every picker in it, because the fields are rendered
//! again whenever the screen changes.

use super::app::App;
use super::dom::{create, listen, now_ms, set_timeout};
use super::extension_api::send_request;
use super::screen_fields::{CHOSEN_USER_ATTRIBUTE, USER_FIELD_ATTRIBUTE};
use crate::relay::RelayError;
use crate::user_search::{short_query_note, user_label, ReplyKind, Step, NO_MATCHING_USERS};
use jira_bridge_protocol::{project_of_key, ErrorCode, Request, Response, User};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, Event, HtmlInputElement, KeyboardEvent};

/// Ids of the containers that `render_fields` fills: the create form's screen fields and
/// the transition screen's fields in the issue view.
pub(super) const CREATE_FIELDS: &str = "create-fields";
pub(super) const TRANSITION_FIELDS: &str = "transition-fields";

/// Attribute of a result button containing the user's display name, which the input shows
/// once the user is chosen.
const USER_NAME_ATTRIBUTE: &str = "data-user-name";

/// Attribute of a picker's input containing the key of its search state in
/// `State::field_user_searches`.
const SEARCH_KEY_ATTRIBUTE: &str = "data-search-key";

impl App {
    /// Listens for typing, choosing and Escape in the user pickers inside `container`.
    pub(super) fn bind_user_field_events(self: &Rc<Self>, container: &'static str) -> Result<(), JsValue> {
        let app = self.clone();
        listen(&self.document, container, "input", move |event: Event| {
            if let Some(input) = user_picker_of(&event) {
                app.on_user_field_input(container, input);
            }
        })?;

        let app = self.clone();
        listen(&self.document, container, "click", move |event: Event| {
            app.on_user_result_click(&event);
        })?;

        // Escape in a picker closes its results before it closes the view.
        let app = self.clone();
        listen(&self.document, container, "keydown", move |event: Event| {
            let Some(key) = event.dyn_ref::<KeyboardEvent>().map(KeyboardEvent::key) else {
                return;
            };
            let Some(input) = user_picker_of(&event) else {
                return;
            };
            let has_results = results_of(&input).is_some_and(|list| list.child_element_count() > 0);
            if key == "Escape" && has_results {
                event.prevent_default();
                app.show_field_users(&input, &[]);
            }
        })
    }

    fn on_user_field_input(self: &Rc<Self>, container: &'static str, input: HtmlInputElement) {
        // The text no longer names the chosen user, so the choice is dropped.
        let _ = input.remove_attribute(CHOSEN_USER_ATTRIBUTE);
        self.clear_field_error(&input.id());
        if !input.has_attribute(SEARCH_KEY_ATTRIBUTE) {
            let key = {
                let mut state = self.state.borrow_mut();
                state.user_pickers_started += 1;
                state.user_pickers_started.to_string()
            };
            let _ = input.set_attribute(SEARCH_KEY_ATTRIBUTE, &key);
        }

        let step = self
            .state
            .borrow_mut()
            .field_user_searches
            .entry(search_key(&input))
            .or_default()
            .on_input(&input.value(), now_ms());
        let note = short_query_note(&input.value());
        self.follow_field_search(container, input.clone(), step);
        if let Some(note) = note {
            self.show_field_users_note(&input, &note);
        }
    }

    fn follow_field_search(self: &Rc<Self>, container: &'static str, input: HtmlInputElement, step: Step) {
        match step {
            Step::Idle => {}
            Step::Clear => self.show_field_users(&input, &[]),
            Step::Wait { ticket, delay_ms } => {
                let app = self.clone();
                let scheduled = set_timeout(delay_ms, move || {
                    let step = app
                        .state
                        .borrow_mut()
                        .field_user_searches
                        .entry(search_key(&input))
                        .or_default()
                        .on_timer(ticket, now_ms());
                    app.follow_field_search(container, input, step);
                });
                if let Err(error) = scheduled {
                    self.report(&error);
                }
            }
            Step::Send { query } => {
                let app = self.clone();
                spawn_local(async move { app.find_field_users(container, input, query).await });
            }
        }
    }

    async fn find_field_users(self: &Rc<Self>, container: &'static str, input: HtmlInputElement, query: String) {
        let Some(site_url) = self.site_url() else {
            return;
        };
        let project_key = self.project_of_container(container);
        let reply = match project_key {
            Some(project_key) => send_request(&Request::FindUsers { site_url: Some(site_url), project_key, query }).await,
            None => {
                // Ending the search keeps the state machine ready for the next keystroke.
                self.state.borrow_mut().field_user_searches.entry(search_key(&input)).or_default().on_reply(ReplyKind::Done, now_ms());
                return self.show_error("Choose a project first, then search for a user.");
            }
        };

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
        let (current, next) = self
            .state
            .borrow_mut()
            .field_user_searches
            .entry(search_key(&input))
            .or_default()
            .on_reply(kind, now_ms());
        // The screen may have been rendered again while the search was in flight.
        let still_rendered = input.is_connected();
        match reply {
            Ok(Response::Users { users }) if current && still_rendered && users.is_empty() => {
                self.show_field_users_note(&input, NO_MATCHING_USERS)
            }
            Ok(Response::Users { users }) if current && still_rendered => self.show_field_users(&input, &users),
            Ok(Response::Users { .. }) => {}
            Ok(other) => self.show_unexpected("findUsers", &other),
            Err(_) if matches!(kind, ReplyKind::RateLimited { .. }) => {
                self.announce("Jira asked to slow down; searching again shortly.");
            }
            Err(error) => self.show_relay_error(&error),
        }
        if still_rendered {
            self.follow_field_search(container, input, next);
        } else {
            self.state.borrow_mut().field_user_searches.remove(&search_key(&input));
        }
    }

    /// Returns the project whose users the pickers in `container` search: the project
    /// chosen on the create form, or the project of the issue in the issue view.
    fn project_of_container(&self, container: &str) -> Option<String> {
        let project_key = if container == TRANSITION_FIELDS {
            let key = self.issue_key()?;
            project_of_key(&key)?.to_string()
        } else {
            self.state.borrow().draft.project_key.clone()
        };
        (!project_key.is_empty()).then_some(project_key)
    }

    /// Replaces the results under a picker with a button per user.
    fn show_field_users(&self, input: &HtmlInputElement, users: &[User]) {
        let Some(list) = results_of(input) else {
            return;
        };
        list.set_text_content(None);
        for user in users {
            if let Err(error) = self.append_user_choice(&list, user) {
                return self.report(&error);
            }
        }
        let _ = input.set_attribute("aria-expanded", if users.is_empty() { "false" } else { "true" });
    }

    /// Replaces the results under a picker with a note such as "No matching users."
    fn show_field_users_note(&self, input: &HtmlInputElement, note: &str) {
        self.show_field_users(input, &[]);
        if let (Some(list), Ok(item)) = (results_of(input), create(&self.document, "li", Some("empty-note"), Some(note))) {
            let _ = list.append_child(&item);
        }
    }

    fn append_user_choice(&self, list: &Element, user: &User) -> Result<(), JsValue> {
        let item = create(&self.document, "li", None, None)?;
        let button = create(&self.document, "button", None, Some(&user_label(user)))?;
        button.set_attribute("type", "button")?;
        button.set_attribute(CHOSEN_USER_ATTRIBUTE, &user.id)?;
        button.set_attribute(USER_NAME_ATTRIBUTE, &user.display_name)?;
        item.append_child(&button)?;
        list.append_child(&item)?;
        Ok(())
    }

    /// Puts the clicked user into the picker above the results list.
    fn on_user_result_click(&self, event: &Event) {
        let Some(button) = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|target| target.closest(&format!("button[{CHOSEN_USER_ATTRIBUTE}]")).ok().flatten())
        else {
            return;
        };
        let Some(list) = button.closest(&format!("ul[{USER_FIELD_ATTRIBUTE}]")).ok().flatten() else {
            return;
        };
        let Some(input) = list.previous_element_sibling().and_then(|sibling| sibling.dyn_into::<HtmlInputElement>().ok()) else {
            return;
        };
        let (Some(id), Some(name)) = (button.get_attribute(CHOSEN_USER_ATTRIBUTE), button.get_attribute(USER_NAME_ATTRIBUTE)) else {
            return;
        };

        input.set_value(&name);
        let _ = input.set_attribute(CHOSEN_USER_ATTRIBUTE, &id);
        self.show_field_users(&input, &[]);
        self.clear_field_error(&input.id());
        let _ = input.focus();
    }
}

/// Returns the user picker input an event happened in, if it happened in one.
fn user_picker_of(event: &Event) -> Option<HtmlInputElement> {
    let input = event.target()?.dyn_into::<HtmlInputElement>().ok()?;
    input.has_attribute(USER_FIELD_ATTRIBUTE).then_some(input)
}

/// Returns the results list that `render_fields` puts right after a picker's input.
fn results_of(input: &HtmlInputElement) -> Option<Element> {
    input.next_element_sibling().filter(|list| list.has_attribute(USER_FIELD_ATTRIBUTE))
}

/// Returns the key of a picker's search state, which `on_user_field_input` stores on the
/// input. A picker rendered again gets a new key, so a search left in flight by the old
/// input cannot hold up the new one.
fn search_key(input: &HtmlInputElement) -> String {
    input.get_attribute(SEARCH_KEY_ATTRIBUTE).unwrap_or_default()
}

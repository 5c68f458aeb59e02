//! Toolbar popup of the jira-bridge extension.
//!
//! The popup decides what to show and which request to send in plain Rust (`relay`,
//! `screen`, `navigation`, `connect_form`, `draft`, `fields`, `issue_forms`,
//! `quick_actions`, `user_search`), so that logic is unit-tested on the host target.
//! Only `web`, compiled for `wasm32`, touches the DOM and the extension APIs.

pub mod connect_form;
pub mod draft;
pub mod fields;
pub mod issue_forms;
pub mod navigation;
pub mod quick_actions;
pub mod relay;
pub mod screen;
pub mod user_search;

#[cfg(target_arch = "wasm32")]
mod web;

/// A form field that failed validation: the element id of the input and a sentence that
/// tells the person what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

//! Toolbar popup of the jira-bridge extension.
//!
//! The popup decides what to show and which request to send in plain Rust (`relay`,
//! `screen`, `connect_form`, `draft`), so that logic is unit-tested on the host target.
//! Only `web`, compiled for `wasm32`, touches the DOM and the extension APIs.

pub mod connect_form;
pub mod draft;
pub mod relay;
pub mod screen;

#[cfg(target_arch = "wasm32")]
mod web;

/// A form field that failed validation: the element id of the input and a sentence that
/// tells the person what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

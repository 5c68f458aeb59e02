//! The popup in the browser: DOM and extension APIs over the plain-Rust view model.

mod app;
mod create_form;
mod dom;
mod extension_api;
mod home;
mod issue_view;
mod quick_actions_view;
mod screen_fields;
mod user_fields;

use wasm_bindgen::prelude::*;

/// Entry point that wasm-bindgen runs once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(app::run());
}

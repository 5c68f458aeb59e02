//! Small typed helpers over the popup's DOM. Text is always set with `textContent`, never
//! as HTML, because site names, issue keys and messages come from outside the extension.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, HtmlElement, HtmlOptionElement, HtmlSelectElement};

/// Returns the element with `id`, cast to the expected type.
pub fn element<T: JsCast>(document: &Document, id: &str) -> Result<T, JsValue> {
    document
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("popup.html has no element #{id}")))?
        .dyn_into::<T>()
        .map_err(|_| {
            JsValue::from_str(&format!(
                "#{id} in popup.html has an unexpected element type"
            ))
        })
}

pub fn set_text(document: &Document, id: &str, text: &str) -> Result<(), JsValue> {
    element::<Element>(document, id)?.set_text_content(Some(text));
    Ok(())
}

pub fn set_hidden(document: &Document, id: &str, hidden: bool) -> Result<(), JsValue> {
    element::<HtmlElement>(document, id)?.set_hidden(hidden);
    Ok(())
}

/// Replaces a select's options with a disabled placeholder followed by `choices`
/// (value, label), and selects `selected` or else the placeholder.
pub fn fill_select(
    select: &HtmlSelectElement,
    placeholder: &str,
    choices: &[(String, String)],
    selected: Option<&str>,
) -> Result<(), JsValue> {
    select.set_length(0);

    let placeholder_option = HtmlOptionElement::new_with_text_and_value(placeholder, "")?;
    placeholder_option.set_disabled(true);
    select.add_with_html_option_element(&placeholder_option)?;
    for (value, label) in choices {
        select.add_with_html_option_element(&HtmlOptionElement::new_with_text_and_value(
            label, value,
        )?)?;
    }

    select.set_value(selected.unwrap_or(""));
    if selected.is_none() {
        select.set_selected_index(0);
    }
    Ok(())
}

/// Adds an event listener that lives as long as the popup page.
pub fn listen(
    document: &Document,
    id: &str,
    event: &str,
    handler: impl FnMut(Event) + 'static,
) -> Result<(), JsValue> {
    let target = element::<Element>(document, id)?;
    listen_on(&target, event, handler)
}

/// Adds an event listener to any target, such as the document itself.
pub fn listen_on(
    target: &web_sys::EventTarget,
    event: &str,
    handler: impl FnMut(Event) + 'static,
) -> Result<(), JsValue> {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())?;
    // The popup adds each listener once and never removes it. Closing the popup frees the
    // page and the Wasm memory together, so leaking the closure here loses nothing.
    closure.forget();
    Ok(())
}

/// Creates an element with an optional class and text.
pub fn create(
    document: &Document,
    tag: &str,
    class: Option<&str>,
    text: Option<&str>,
) -> Result<Element, JsValue> {
    let created = document.create_element(tag)?;
    if let Some(class) = class {
        created.set_class_name(class);
    }
    if text.is_some() {
        created.set_text_content(text);
    }
    Ok(created)
}

/// Removes every child of the element with `id`.
pub fn clear(document: &Document, id: &str) -> Result<Element, JsValue> {
    let parent = element::<Element>(document, id)?;
    parent.set_text_content(None);
    Ok(parent)
}

/// Returns the `data-NAME` attribute of the nearest element at or above the event's
/// target that has one, for click handlers on whole lists.
pub fn data_of_target(event: &Event, name: &str) -> Option<String> {
    let target = event.target()?.dyn_into::<Element>().ok()?;
    let attribute = format!("data-{name}");
    let carrier = target.closest(&format!("[{attribute}]")).ok()??;
    carrier.get_attribute(&attribute)
}

/// Runs `callback` once after `delay_ms` milliseconds.
pub fn set_timeout(delay_ms: f64, callback: impl FnOnce() + 'static) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let callback = Closure::once_into_js(callback);
    window.set_timeout_with_callback_and_timeout_and_arguments_0(
        callback.unchecked_ref(),
        delay_ms.clamp(0.0, f64::from(i32::MAX)) as i32,
    )?;
    Ok(())
}

/// Returns the current time in milliseconds since the Unix epoch, for timing the user
/// search.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

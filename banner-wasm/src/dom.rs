//! Building the dialog. Texts go in as text nodes (`textContent`, `append`
//! of a string), never as HTML.

use alloc::vec::Vec;

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use crate::config::{Config, list};
use crate::js;

/// Id of the dialog root; the banner's CSS styles it.
pub const ROOT_ID: &str = "nx-consent";
/// The same, as a selector.
pub const ROOT_SELECTOR: &str = "#nx-consent";

/// A new element with a class and (unless undefined) a text.
pub fn el(doc: &Document, tag: &str, class: &str, text: &JsValue) -> Element {
    let e = js::create(doc, tag);
    if !class.is_empty() {
        js::set(&e, "class", class);
    }
    if !text.is_undefined() {
        js::set_text(&e, text);
    }
    e
}

/// Appends a new element to `parent` and returns it.
fn add(doc: &Document, parent: &Element, tag: &str, class: &str, text: &JsValue) -> Element {
    let e = el(doc, tag, class, text);
    js::append(parent, &e);
    e
}

/// A row of equal-weight buttons: `(action, text key)`.
fn buttons(doc: &Document, cfg: &Config, parent: &Element, items: &[(&str, &str)]) {
    let row = add(doc, parent, "div", "nx-btns", &JsValue::UNDEFINED);
    for (action, key) in items {
        let b = add(doc, &row, "button", "nx-btn", &cfg.text(key));
        js::set(&b, "type", "button");
        js::set(&b, "data-a", action);
    }
}

/// The dialog with both layers; layer 2 starts hidden.
pub fn build(doc: &Document, cfg: &Config, on: &[bool], gpc: bool) -> (Element, Element, Element) {
    let none = JsValue::UNDEFINED;
    let root = el(doc, "div", "nx", &none);
    js::set(&root, "id", ROOT_ID);
    for (name, value) in [
        ("role", "dialog"),
        ("aria-modal", "true"),
        ("aria-labelledby", "nx-title"),
        ("aria-describedby", "nx-body"),
    ] {
        js::set(&root, name, value);
    }

    let first = add(doc, &root, "div", "nx-layer", &none);
    let title = add(doc, &first, "h2", "nx-title", &cfg.text("title"));
    js::set(&title, "id", "nx-title");
    // Focusable by script only: the dialog opens on its heading.
    js::set(&title, "tabindex", "-1");
    let body = add(doc, &first, "p", "nx-text", &cfg.text("body"));
    js::set(&body, "id", "nx-body");
    js::append(&body, &JsValue::from_str(" "));
    let link = add(doc, &body, "a", "nx-link", &cfg.text("privacy_link"));
    js::set(&link, "href", &cfg.privacy_url());
    if gpc {
        add(
            doc,
            &first,
            "p",
            "nx-text nx-gpc",
            &cfg.text("gpc_honoured"),
        );
    }
    buttons(
        doc,
        cfg,
        &first,
        &[
            ("accept", "accept_all"),
            ("reject", "reject_all"),
            ("settings", "settings"),
        ],
    );

    let second = add(doc, &root, "div", "nx-layer", &none);
    js::set(&second, "hidden", "");
    let heading = add(doc, &second, "h2", "nx-title", &cfg.text("settings"));
    js::set(&heading, "tabindex", "-1");
    for ((category, id), on) in cfg.categories.iter().zip(&cfg.ids).zip(on) {
        category_section(doc, cfg, &second, category, id, *on);
    }
    buttons(
        doc,
        cfg,
        &second,
        &[
            ("save", "save"),
            ("accept", "accept_all"),
            ("reject", "reject_all"),
        ],
    );
    (root, first, second)
}

fn category_section(
    doc: &Document,
    cfg: &Config,
    parent: &Element,
    c: &JsValue,
    id: &str,
    on: bool,
) {
    let none = JsValue::UNDEFINED;
    let section = add(doc, parent, "section", "nx-cat", &none);
    let label = add(doc, &section, "label", "nx-toggle", &none);
    // Attributes, not the `checked` and `disabled` properties: one import
    // for all of them.
    let input = add(doc, &label, "input", "", &none);
    js::set(&input, "type", "checkbox");
    js::set(&input, "role", "switch");
    js::set(&input, "data-c", id);
    if on {
        js::set(&input, "checked", "");
    }
    let necessary = id == crate::state::NECESSARY;
    if necessary {
        js::set(&input, "disabled", "");
    }
    add(doc, &label, "span", "nx-name", &js::field(c, "name"));
    if necessary {
        add(doc, &label, "span", "nx-always", &cfg.text("always_on"));
    }
    add(doc, &section, "p", "nx-text", &js::field(c, "description"));
    let vendors = list(c, "vendors");
    if vendors.is_empty() {
        return;
    }
    let details = add(doc, &section, "details", "", &none);
    add(doc, &details, "summary", "", &cfg.text("vendors"));
    let ul = add(doc, &details, "ul", "nx-vendors", &none);
    for v in &vendors {
        let item = add(doc, &ul, "li", "", &none);
        add(doc, &item, "strong", "", &js::field(v, "name"));
        js::append(&item, &JsValue::from_str(": "));
        js::append(&item, &js::field(v, "purpose"));
        for k in &list(v, "cookies") {
            let code = add(doc, &item, "code", "nx-cookie", &js::field(k, "name"));
            // A prefix covers every cookie whose name starts with it.
            let prefix = js::field(k, "prefix").is_truthy();
            js::append(&code, &JsValue::from_str(if prefix { "* (" } else { " (" }));
            js::append(&code, &js::field(k, "lifetime"));
            js::append(&code, &JsValue::from_str(")"));
        }
    }
}

/// Checkbox states in category order.
pub fn read_toggles(layer: &Element) -> Vec<bool> {
    let mut on = Vec::new();
    for input in js::each(&js::all(layer, "input[data-c]")) {
        on.push(js::field(&input, "checked").is_truthy());
    }
    on
}

/// What Tab may reach inside `layer`, in order.
pub fn focusables(layer: &Element) -> Vec<JsValue> {
    js::each(&js::all(
        layer,
        "a[href],button,input:not([disabled]),summary",
    ))
}

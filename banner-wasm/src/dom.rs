//! Building the dialog. Texts go in as text nodes (`textContent`, `append`
//! of a string), never as HTML.

use alloc::vec::Vec;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::config::{Category, Config};
use crate::js;

/// Id of the dialog root; the banner's CSS styles it.
pub const ROOT_ID: &str = "nx-consent";

/// A new element with a class and (unless undefined) a text.
pub fn el(doc: &Document, tag: &str, class: &str, text: &JsValue) -> Element {
    let e = js::create(doc, tag);
    if !class.is_empty() {
        e.set_class_name(class);
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
    root.set_id(ROOT_ID);
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
    title.set_id("nx-title");
    // Focusable by script only: the dialog opens on its heading.
    js::set(&title, "tabindex", "-1");
    let body = add(doc, &first, "p", "nx-text", &cfg.text("body"));
    body.set_id("nx-body");
    js::append(&body, &JsValue::from_str(" "));
    let link = add(doc, &body, "a", "nx-link", &cfg.text("privacy_link"));
    js::set(&link, "href", &cfg.privacy_url);
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
    for (category, on) in cfg.categories.iter().zip(on) {
        category_section(doc, cfg, &second, category, *on);
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

fn category_section(doc: &Document, cfg: &Config, parent: &Element, c: &Category, on: bool) {
    let none = JsValue::UNDEFINED;
    let section = add(doc, parent, "section", "nx-cat", &none);
    let label = add(doc, &section, "label", "nx-toggle", &none);
    let input: HtmlInputElement = add(doc, &label, "input", "", &none).unchecked_into();
    input.set_type("checkbox");
    js::set(&input, "role", "switch");
    js::set(&input, "data-c", &c.id);
    input.set_checked(on);
    let necessary = c.id == crate::state::NECESSARY;
    input.set_disabled(necessary);
    add(doc, &label, "span", "nx-name", &c.name);
    if necessary {
        add(doc, &label, "span", "nx-always", &cfg.text("always_on"));
    }
    add(doc, &section, "p", "nx-text", &c.description);
    if c.vendors.is_empty() {
        return;
    }
    let details = add(doc, &section, "details", "", &none);
    add(doc, &details, "summary", "", &cfg.text("vendors"));
    let list = add(doc, &details, "ul", "nx-vendors", &none);
    for v in &c.vendors {
        let item = add(doc, &list, "li", "", &none);
        add(doc, &item, "strong", "", &v.name);
        js::append(&item, &JsValue::from_str(": "));
        js::append(&item, &v.purpose);
        for k in &v.cookies {
            let code = add(doc, &item, "code", "nx-cookie", &JsValue::from_str(&k.name));
            // A prefix covers every cookie whose name starts with it.
            js::append(
                &code,
                &JsValue::from_str(if k.prefix { "* (" } else { " (" }),
            );
            js::append(&code, &k.lifetime);
            js::append(&code, &JsValue::from_str(")"));
        }
    }
}

/// Checkbox states in category order.
pub fn read_toggles(layer: &Element) -> Vec<bool> {
    js::all(layer, "input[data-c]")
        .iter()
        .map(|n| n.unchecked_into::<HtmlInputElement>().checked())
        .collect()
}

/// What Tab may reach inside `layer`, in order.
pub fn focusables(layer: &Element) -> Vec<HtmlElement> {
    js::all(layer, "a[href],button,input:not([disabled]),summary")
        .iter()
        .map(JsCast::unchecked_into)
        .collect()
}

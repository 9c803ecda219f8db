//! Building the dialog. Elements are made with `create_element` and
//! `set_text_content` only: policy texts are never parsed as HTML.

use alloc::vec::Vec;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::config::{Category, Config};

pub type Res<T> = Result<T, JsValue>;

/// Id of the dialog root; the loader's CSS styles it.
pub const ROOT_ID: &str = "nx-consent";

pub fn el(doc: &Document, tag: &str, class: &str, text: &str) -> Res<Element> {
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Ok(e)
}

/// Appends `child` to `parent`.
fn put(parent: &Element, child: &Element) -> Res<()> {
    parent.append_child(child)?;
    Ok(())
}

fn button(doc: &Document, action: &str, label: &str) -> Res<Element> {
    let b = el(doc, "button", "nx-btn", label)?;
    b.set_attribute("type", "button")?;
    b.set_attribute("data-a", action)?;
    Ok(b)
}

/// The three equal-weight buttons (or save plus both shortcuts in layer 2).
fn buttons(doc: &Document, items: &[(&str, &str)]) -> Res<Element> {
    let row = el(doc, "div", "nx-btns", "")?;
    for (action, label) in items {
        put(&row, &button(doc, action, label)?)?;
    }
    Ok(row)
}

/// The dialog with both layers; layer 2 starts hidden.
pub fn build(
    doc: &Document,
    cfg: &Config,
    on: &[bool],
    gpc: bool,
) -> Res<(Element, Element, Element)> {
    let t = &cfg.texts;
    let root = el(doc, "div", "nx", "")?;
    root.set_id(ROOT_ID);
    root.set_attribute("role", "dialog")?;
    root.set_attribute("aria-modal", "true")?;
    root.set_attribute("aria-labelledby", "nx-title")?;
    root.set_attribute("aria-describedby", "nx-body")?;

    let first = el(doc, "div", "nx-layer", "")?;
    let title = el(doc, "h2", "nx-title", &t.title)?;
    title.set_id("nx-title");
    first.append_child(&title)?;
    let body = el(doc, "p", "nx-text", &t.body)?;
    body.set_id("nx-body");
    body.append_with_str_1(" ")?;
    let link = el(doc, "a", "nx-link", &t.privacy_link)?;
    link.set_attribute("href", &cfg.privacy_url)?;
    body.append_child(&link)?;
    first.append_child(&body)?;
    if gpc {
        put(&first, &el(doc, "p", "nx-text nx-gpc", &t.gpc_honoured)?)?;
    }
    let first_buttons = [
        ("accept", t.accept_all.as_str()),
        ("reject", t.reject_all.as_str()),
        ("settings", t.settings.as_str()),
    ];
    put(&first, &buttons(doc, &first_buttons)?)?;

    let second = el(doc, "div", "nx-layer", "")?;
    second.set_attribute("hidden", "")?;
    put(&second, &el(doc, "h2", "nx-title", &t.settings)?)?;
    for (category, on) in cfg.categories.iter().zip(on) {
        put(&second, &category_section(doc, cfg, category, *on)?)?;
    }
    let second_buttons = [
        ("save", t.save.as_str()),
        ("accept", t.accept_all.as_str()),
        ("reject", t.reject_all.as_str()),
    ];
    put(&second, &buttons(doc, &second_buttons)?)?;

    root.append_child(&first)?;
    root.append_child(&second)?;
    Ok((root, first, second))
}

fn category_section(doc: &Document, cfg: &Config, c: &Category, on: bool) -> Res<Element> {
    let section = el(doc, "section", "nx-cat", "")?;
    let label = el(doc, "label", "nx-toggle", "")?;
    let input: HtmlInputElement = doc.create_element("input")?.unchecked_into();
    input.set_type("checkbox");
    input.set_attribute("role", "switch")?;
    input.set_attribute("data-c", &c.id)?;
    input.set_checked(on);
    let necessary = c.id == crate::state::NECESSARY;
    input.set_disabled(necessary);
    label.append_child(&input)?;
    put(&label, &el(doc, "span", "nx-name", &c.name)?)?;
    if necessary {
        put(&label, &el(doc, "span", "nx-always", &cfg.texts.always_on)?)?;
    }
    section.append_child(&label)?;
    put(&section, &el(doc, "p", "nx-text", &c.description)?)?;
    if c.vendors.is_empty() {
        return Ok(section);
    }
    let details = el(doc, "details", "", "")?;
    put(&details, &el(doc, "summary", "", &cfg.texts.vendors)?)?;
    let list = el(doc, "ul", "nx-vendors", "")?;
    for v in &c.vendors {
        let item = el(doc, "li", "", "")?;
        put(&item, &el(doc, "strong", "", &v.name)?)?;
        item.append_with_str_1(&[": ", v.purpose.as_str()].concat())?;
        for k in &v.cookies {
            let name = if k.prefix {
                [k.name.as_str(), "*"].concat()
            } else {
                k.name.clone()
            };
            let cookie = [name.as_str(), " (", k.lifetime.as_str(), ")"].concat();
            put(&item, &el(doc, "code", "nx-cookie", &cookie)?)?;
        }
        list.append_child(&item)?;
    }
    details.append_child(&list)?;
    section.append_child(&details)?;
    Ok(section)
}

/// Checkbox states in category order.
pub fn read_toggles(layer: &Element) -> Res<Vec<bool>> {
    let inputs = layer.query_selector_all("input[data-c]")?;
    Ok((0..inputs.length())
        .filter_map(|i| inputs.get(i))
        .map(|n| n.unchecked_into::<HtmlInputElement>().checked())
        .collect())
}

/// What Tab may reach inside `layer`, in order.
pub fn focusables(layer: &Element) -> Res<Vec<HtmlElement>> {
    let nodes = layer.query_selector_all("a[href],button,input:not([disabled]),summary")?;
    Ok((0..nodes.length())
        .filter_map(|i| nodes.get(i))
        .map(|n| n.unchecked_into())
        .collect())
}

//! The few DOM calls the banner makes, bound without `catch`: web-sys wraps
//! every throwing method in exception plumbing that costs bytes in both the
//! wasm and its glue, while none of these can throw on a live document.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

#[wasm_bindgen]
extern "C" {
    // The page's document, read directly: `web_sys::window()` probes four
    // global objects and costs half a kilobyte.
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Document;

    /// Any DOM object: the calls below are looked up by name at run time.
    type Dom;

    #[wasm_bindgen(method, js_name = createElement)]
    fn raw_create(this: &Dom, tag: &str) -> Element;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn raw_set(this: &Dom, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn raw_unset(this: &Dom, name: &str);
    /// `Element.append`: a node or a string.
    #[wasm_bindgen(method, js_name = append)]
    fn raw_append(this: &Dom, child: &JsValue);
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn raw_all(this: &Dom, css: &str) -> js_sys::Array;
    #[wasm_bindgen(method, js_name = querySelector)]
    fn raw_first(this: &Dom, css: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = closest)]
    fn raw_closest(this: &Dom, css: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = focus)]
    fn raw_focus(this: &Dom);
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn raw_listen(this: &Dom, kind: &str, handler: &JsValue);
    #[wasm_bindgen(method, js_name = call)]
    fn raw_call(this: &Dom, context: &JsValue, arg: &JsValue);
    /// Any property, read: one import for every getter the banner needs
    /// (each import costs its own glue function).
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    pub fn field(target: &JsValue, key: &str) -> JsValue;
    /// Any property, written.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    pub fn put(target: &JsValue, key: &str, value: &JsValue) -> bool;
}

fn dom(this: &JsValue) -> &Dom {
    this.unchecked_ref()
}

#[inline]
pub fn create(this: &Document, tag: &str) -> Element {
    dom(this).raw_create(tag)
}

#[inline]
pub fn set(this: &JsValue, name: &str, value: &str) {
    dom(this).raw_set(name, value)
}

#[inline]
pub fn unset(this: &JsValue, name: &str) {
    dom(this).raw_unset(name)
}

#[inline]
pub fn append(this: &JsValue, child: &JsValue) {
    dom(this).raw_append(child)
}

#[inline]
pub fn set_text(this: &JsValue, text: &JsValue) {
    put(this, "textContent", text);
}

#[inline]
pub fn all(this: &JsValue, css: &str) -> js_sys::Array {
    dom(this).raw_all(css)
}

#[inline]
pub fn first(this: &JsValue, css: &str) -> Option<Element> {
    dom(this).raw_first(css)
}

#[inline]
pub fn closest(this: &JsValue, css: &str) -> Option<Element> {
    dom(this).raw_closest(css)
}

#[inline]
pub fn focus(this: &JsValue) {
    dom(this).raw_focus()
}

#[inline]
pub fn listen(this: &JsValue, kind: &str, handler: &JsValue) {
    dom(this).raw_listen(kind, handler)
}

#[inline]
pub fn call(this: &Function, context: &JsValue, arg: &JsValue) {
    dom(this).raw_call(context, arg)
}

/// The items of an array or a NodeList, by index. (Plain loops in the
/// banner: iterator adapters cost several times their code in wasm.)
pub fn each(list: &js_sys::Array) -> Vec<JsValue> {
    let mut out = Vec::new();
    for i in 0..list.length() {
        out.push(list.get(i));
    }
    out
}

/// A string property; empty when there is none.
pub fn text(this: &JsValue, key: &str) -> String {
    field(this, key).as_string().unwrap_or_default()
}

/// An object property, when it is set (not `null` or `undefined`).
pub fn object(this: &JsValue, key: &str) -> Option<JsValue> {
    Some(field(this, key)).filter(JsValue::is_truthy)
}

/// The page's document.
pub fn document() -> Document {
    DOCUMENT.with(Document::clone)
}

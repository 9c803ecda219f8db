//! The few DOM calls the banner makes, bound without `catch`: web-sys wraps
//! every throwing method in exception plumbing that costs bytes in both the
//! wasm and its glue, while none of these can throw on a live document.

use alloc::string::String;

use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, Location};

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
    #[wasm_bindgen(method, setter = textContent)]
    fn raw_set_text(this: &Dom, text: &JsValue);
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn raw_all(this: &Dom, css: &str) -> js_sys::Array;
    #[wasm_bindgen(method, js_name = querySelector)]
    fn raw_first(this: &Dom, css: &str) -> Option<HtmlElement>;
    #[wasm_bindgen(method, js_name = closest)]
    fn raw_closest(this: &Dom, css: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = focus)]
    fn raw_focus(this: &Dom);
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn raw_listen(this: &Dom, kind: &str, handler: &JsValue);
    #[wasm_bindgen(method, getter = cookie)]
    fn raw_cookie(this: &Dom) -> String;
    #[wasm_bindgen(method, setter = cookie)]
    fn raw_set_cookie(this: &Dom, value: &str);
    #[wasm_bindgen(method, getter = hostname)]
    fn raw_hostname(this: &Dom) -> String;
    #[wasm_bindgen(method, js_name = call)]
    fn raw_call(this: &Dom, context: &JsValue, arg: &JsValue);
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    pub fn field(target: &JsValue, key: &str) -> JsValue;
    #[wasm_bindgen(js_namespace = Array, js_name = from)]
    pub fn array(items: &JsValue) -> js_sys::Array;
}

#[inline]
pub fn create(this: &Document, tag: &str) -> Element {
    this.unchecked_ref::<Dom>().raw_create(tag)
}

#[inline]
pub fn set(this: &Element, name: &str, value: &str) {
    this.unchecked_ref::<Dom>().raw_set(name, value)
}

#[inline]
pub fn unset(this: &Element, name: &str) {
    this.unchecked_ref::<Dom>().raw_unset(name)
}

#[inline]
pub fn append(this: &Element, child: &JsValue) {
    this.unchecked_ref::<Dom>().raw_append(child)
}

#[inline]
pub fn set_text(this: &Element, text: &JsValue) {
    this.unchecked_ref::<Dom>().raw_set_text(text)
}

#[inline]
pub fn all(this: &Element, css: &str) -> js_sys::Array {
    this.unchecked_ref::<Dom>().raw_all(css)
}

#[inline]
pub fn first(this: &Element, css: &str) -> Option<HtmlElement> {
    this.unchecked_ref::<Dom>().raw_first(css)
}

#[inline]
pub fn closest(this: &Element, css: &str) -> Option<Element> {
    this.unchecked_ref::<Dom>().raw_closest(css)
}

#[inline]
pub fn focus(this: &HtmlElement) {
    this.unchecked_ref::<Dom>().raw_focus()
}

#[inline]
pub fn listen(this: &Element, kind: &str, handler: &JsValue) {
    this.unchecked_ref::<Dom>().raw_listen(kind, handler)
}

#[inline]
pub fn cookie(this: &Document) -> String {
    this.unchecked_ref::<Dom>().raw_cookie()
}

#[inline]
pub fn set_cookie(this: &Document, value: &str) {
    this.unchecked_ref::<Dom>().raw_set_cookie(value)
}

#[inline]
pub fn hostname(this: &Location) -> String {
    this.unchecked_ref::<Dom>().raw_hostname()
}

#[inline]
pub fn call(this: &Function, context: &JsValue, arg: &JsValue) {
    this.unchecked_ref::<Dom>().raw_call(context, arg)
}

/// The page's document.
pub fn document() -> Document {
    DOCUMENT.with(Document::clone)
}

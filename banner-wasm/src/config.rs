//! The banner document the loader hands over (`/v1/sites/{site}/banner.json`).
//! It stays a JS object, read where it is used: texts, names and lifetimes
//! only go back into the DOM. Only what the banner reasons about becomes
//! Rust strings: the category ids, the categories GPC rules out, and the
//! cookie names when cookies are deleted. (Copying the whole document into
//! Rust structures cost about 1 KB of wasm.)

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

use crate::cookies::Rule;
use crate::js::{self, field};

pub struct Config {
    doc: JsValue,
    /// The category objects, in the document's order.
    pub categories: Vec<JsValue>,
    /// Their ids, in the same order.
    pub ids: Vec<String>,
    pub gpc_off: Vec<String>,
}

fn string(obj: &JsValue, key: &str) -> String {
    field(obj, key).as_string().unwrap_or_default()
}

/// Items of a JS array; nothing when it is not one.
pub fn items(value: &JsValue) -> Vec<JsValue> {
    if Array::is_array(value) {
        js::each(value.unchecked_ref())
    } else {
        Vec::new()
    }
}

/// Items of the array under `key`.
pub fn list(obj: &JsValue, key: &str) -> Vec<JsValue> {
    items(&field(obj, key))
}

/// Strings of a JS array (e.g. granted category ids).
pub fn strings(value: &JsValue) -> Vec<String> {
    let mut out = Vec::new();
    for item in items(value) {
        if let Some(s) = item.as_string() {
            out.push(s);
        }
    }
    out
}

impl Config {
    pub fn read(doc: &JsValue) -> Self {
        let categories = list(doc, "categories");
        let mut ids = Vec::new();
        for c in &categories {
            ids.push(string(c, "id"));
        }
        Self {
            ids,
            gpc_off: strings(&field(doc, "gpc_forces_off")),
            categories,
            doc: doc.clone(),
        }
    }

    /// One banner text (`title`, `accept_all`, …).
    pub fn text(&self, key: &str) -> JsValue {
        field(&field(&self.doc, "texts"), key)
    }

    pub fn privacy_url(&self) -> String {
        string(&self.doc, "privacy_url")
    }

    /// The cookie rules of every vendor in the given categories.
    pub fn rules_of(&self, categories: &[String]) -> Vec<Rule> {
        let mut rules = Vec::new();
        for (c, id) in self.categories.iter().zip(&self.ids) {
            if !categories.contains(id) {
                continue;
            }
            for v in list(c, "vendors") {
                for k in list(&v, "cookies") {
                    rules.push(Rule {
                        name: string(&k, "name"),
                        prefix: field(&k, "prefix").is_truthy(),
                    });
                }
            }
        }
        rules
    }
}

//! The banner document the loader hands over (`/v1/sites/{site}/banner.json`).
//! Texts stay JS strings (they only go back into the DOM); ids and cookie
//! names become Rust strings, because the banner reasons about them.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Array;
use wasm_bindgen::JsValue;

use crate::cookies::Rule;
use crate::js::field;

pub struct Cookie {
    pub name: String,
    pub prefix: bool,
    pub lifetime: JsValue,
}

pub struct Vendor {
    pub name: JsValue,
    pub purpose: JsValue,
    pub cookies: Vec<Cookie>,
}

pub struct Category {
    pub id: String,
    pub name: JsValue,
    pub description: JsValue,
    pub vendors: Vec<Vendor>,
}

pub struct Config {
    /// The `texts` object: read field by field with [`Config::text`].
    pub texts: JsValue,
    pub privacy_url: String,
    pub categories: Vec<Category>,
    pub gpc_off: Vec<String>,
}

fn string(obj: &JsValue, key: &str) -> String {
    field(obj, key).as_string().unwrap_or_default()
}

/// Items of a JS array; nothing when it is not one.
pub fn items(value: &JsValue) -> Vec<JsValue> {
    if Array::is_array(value) {
        Array::from(value).iter().collect()
    } else {
        Vec::new()
    }
}

/// Strings of a JS array (e.g. granted category ids).
pub fn strings(value: &JsValue) -> Vec<String> {
    items(value).iter().filter_map(JsValue::as_string).collect()
}

fn cookie(k: &JsValue) -> Cookie {
    Cookie {
        name: string(k, "name"),
        prefix: field(k, "prefix").is_truthy(),
        lifetime: field(k, "lifetime"),
    }
}

fn vendor(v: &JsValue) -> Vendor {
    Vendor {
        name: field(v, "name"),
        purpose: field(v, "purpose"),
        cookies: items(&field(v, "cookies")).iter().map(cookie).collect(),
    }
}

fn category(c: &JsValue) -> Category {
    Category {
        id: string(c, "id"),
        name: field(c, "name"),
        description: field(c, "description"),
        vendors: items(&field(c, "vendors")).iter().map(vendor).collect(),
    }
}

impl Config {
    pub fn read(obj: &JsValue) -> Self {
        Self {
            texts: field(obj, "texts"),
            privacy_url: string(obj, "privacy_url"),
            gpc_off: strings(&field(obj, "gpc_forces_off")),
            categories: items(&field(obj, "categories"))
                .iter()
                .map(category)
                .collect(),
        }
    }

    /// One banner text (`title`, `accept_all`, …).
    pub fn text(&self, key: &str) -> JsValue {
        field(&self.texts, key)
    }

    pub fn ids(&self) -> Vec<String> {
        self.categories.iter().map(|c| c.id.clone()).collect()
    }

    /// The cookie rules of every vendor in the given categories.
    pub fn rules_of(&self, categories: &[String]) -> Vec<Rule> {
        self.categories
            .iter()
            .filter(|c| categories.contains(&c.id))
            .flat_map(|c| &c.vendors)
            .flat_map(|v| &v.cookies)
            .map(|k| Rule {
                name: k.name.clone(),
                prefix: k.prefix,
            })
            .collect()
    }
}

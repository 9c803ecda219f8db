//! The banner document the loader hands over (`/v1/sites/{site}/banner.json`),
//! read field by field from the JS object: cheaper in bytes than serde.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

use crate::cookies::Rule;

pub struct Texts {
    pub title: String,
    pub body: String,
    pub accept_all: String,
    pub reject_all: String,
    pub settings: String,
    pub save: String,
    pub privacy_link: String,
    pub gpc_honoured: String,
    pub always_on: String,
    pub vendors: String,
}

pub struct Cookie {
    pub name: String,
    pub prefix: bool,
    pub lifetime: String,
}

pub struct Vendor {
    pub name: String,
    pub purpose: String,
    pub cookies: Vec<Cookie>,
}

pub struct Category {
    pub id: String,
    pub name: String,
    pub description: String,
    pub vendors: Vec<Vendor>,
}

pub struct Config {
    pub texts: Texts,
    pub privacy_url: String,
    pub categories: Vec<Category>,
    pub gpc_off: Vec<String>,
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

fn list<T>(obj: &JsValue, key: &str, item: impl Fn(&JsValue) -> T) -> Vec<T> {
    let value = get(obj, key);
    if !Array::is_array(&value) {
        return Vec::new();
    }
    Array::from(&value).iter().map(|v| item(&v)).collect()
}

/// Strings of a JS array (e.g. granted category ids); empty when not an array.
pub fn strings(value: &JsValue) -> Vec<String> {
    if !Array::is_array(value) {
        return Vec::new();
    }
    Array::from(value)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

impl Config {
    pub fn read(obj: &JsValue) -> Self {
        let t = get(obj, "texts");
        Self {
            texts: Texts {
                title: text(&t, "title"),
                body: text(&t, "body"),
                accept_all: text(&t, "accept_all"),
                reject_all: text(&t, "reject_all"),
                settings: text(&t, "settings"),
                save: text(&t, "save"),
                privacy_link: text(&t, "privacy_link"),
                gpc_honoured: text(&t, "gpc_honoured"),
                always_on: text(&t, "always_on"),
                vendors: text(&t, "vendors"),
            },
            privacy_url: text(obj, "privacy_url"),
            gpc_off: strings(&get(obj, "gpc_forces_off")),
            categories: list(obj, "categories", |c| Category {
                id: text(c, "id"),
                name: text(c, "name"),
                description: text(c, "description"),
                vendors: list(c, "vendors", |v| Vendor {
                    name: text(v, "name"),
                    purpose: text(v, "purpose"),
                    cookies: list(v, "cookies", |k| Cookie {
                        name: text(k, "name"),
                        prefix: get(k, "prefix").is_truthy(),
                        lifetime: text(k, "lifetime"),
                    }),
                }),
            }),
        }
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

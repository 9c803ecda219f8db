//! What a visitor was shown when they decided, read back from the archived
//! policy document of that decision, in the visitor's language.

use std::collections::BTreeMap;

use policies::{Organization, SitePolicy};
use serde::Serialize;

/// The first layer and the categories of one decision's policy.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub title: String,
    pub body: String,
    pub categories: Vec<ShownCategory>,
}

#[derive(Debug, Serialize)]
pub struct ShownCategory {
    pub name: String,
    /// The state this decision gave it.
    pub on: bool,
    /// Its vendors, by name.
    pub vendors: String,
}

/// What `document` showed in `lang` (else the site's default language),
/// with each category's state in `choices`; `None` when it does not parse.
pub fn shown(document: &str, lang: &str, choices: &BTreeMap<String, bool>) -> Option<Shown> {
    let (_, policy): (Organization, SitePolicy) = serde_json::from_str(document).ok()?;
    let lang = if policy.texts.contains_key(lang) {
        lang
    } else {
        policy.site.default_language.as_str()
    };
    let texts = policy.texts.get(lang)?;
    let local = |m: &BTreeMap<String, String>| m.get(lang).cloned().unwrap_or_default();
    let categories = policy
        .categories
        .iter()
        .map(|c| ShownCategory {
            name: local(&c.name),
            on: choices.get(&c.id) == Some(&true),
            vendors: policy
                .vendors
                .iter()
                .filter(|v| v.category == c.id)
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    Some(Shown {
        title: texts.title.clone(),
        body: texts.body.clone(),
        categories,
    })
}

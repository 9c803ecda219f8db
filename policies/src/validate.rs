//! The rules a policy must obey before any visitor sees it.

use std::collections::BTreeSet;

use crate::model::{CONSENT_MODE_KEYS, Localized, NECESSARY, SitePolicy};

/// One broken rule: `field` is a path into the file (`vendors[2].cookies[0].name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

/// Collects every violation instead of stopping at the first, so one run of
/// the loader tells the policy author everything to fix.
#[derive(Default)]
struct Checker {
    found: Vec<Violation>,
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.found.push(Violation {
            field: field.into(),
            message: message.into(),
        });
    }

    fn id(&mut self, field: &str, value: &str) {
        let ok = !value.is_empty()
            && value.len() <= 32
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.fail(field, format!("`{value}` must be 1-32 of a-z, 0-9 and -"));
        }
    }

    fn non_empty(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(field, "must not be empty");
        }
    }

    fn localized(&mut self, field: &str, text: &Localized, languages: &[String]) {
        for lang in languages {
            match text.get(lang) {
                Some(t) if !t.trim().is_empty() => {}
                _ => self.fail(format!("{field}.{lang}"), "missing translation"),
            }
        }
        for lang in text.keys().filter(|l| !languages.contains(l)) {
            self.fail(format!("{field}.{lang}"), "language not in site.languages");
        }
    }
}

/// Checks every rule; returns all violations found (empty when valid).
pub fn validate(policy: &SitePolicy) -> Vec<Violation> {
    let mut c = Checker::default();
    check_site(&mut c, policy);
    let categories = check_categories(&mut c, policy);
    check_vendors(&mut c, policy, &categories);
    for (i, id) in policy.site.gpc_forces_off.iter().enumerate() {
        let field = format!("site.gpc_forces_off[{i}]");
        if id == NECESSARY {
            c.fail(field, "necessary cannot be switched off");
        } else if !categories.contains(id.as_str()) {
            c.fail(field, format!("unknown category `{id}`"));
        }
    }
    c.found
}

fn check_site(c: &mut Checker, policy: &SitePolicy) {
    let site = &policy.site;
    c.id("site.id", &site.id);
    c.non_empty("site.name", &site.name);
    c.non_empty("site.version", &site.version);
    c.non_empty("site.privacy_url", &site.privacy_url);
    if site.languages.is_empty() {
        c.fail("site.languages", "at least one language is needed");
    }
    if !site.languages.contains(&site.default_language) {
        c.fail("site.default_language", "must be one of site.languages");
    }
    // CNIL and EDPB guidance: ask again after 13 months at the latest.
    if !(1..=395).contains(&site.consent_lifetime_days) {
        c.fail("site.consent_lifetime_days", "must be 1 to 395 (13 months)");
    }
    if site.retention_days == 0 {
        c.fail("site.retention_days", "must be at least 1");
    }
    for (i, origin) in site.origins.iter().enumerate() {
        let scheme_ok = origin.starts_with("https://") || origin.starts_with("http://");
        if !scheme_ok || origin.ends_with('/') {
            c.fail(format!("site.origins[{i}]"), "must be scheme://host[:port]");
        }
    }
    for lang in &site.languages {
        if !policy.texts.contains_key(lang) {
            c.fail(
                format!("texts.{lang}"),
                "banner texts missing for this language",
            );
        }
    }
}

fn check_categories<'a>(c: &mut Checker, policy: &'a SitePolicy) -> BTreeSet<&'a str> {
    let languages = &policy.site.languages;
    let mut seen = BTreeSet::new();
    for (i, cat) in policy.categories.iter().enumerate() {
        let field = format!("categories[{i}]");
        c.id(&format!("{field}.id"), &cat.id);
        if !seen.insert(cat.id.as_str()) {
            c.fail(
                format!("{field}.id"),
                format!("duplicate category `{}`", cat.id),
            );
        }
        c.localized(&format!("{field}.name"), &cat.name, languages);
        c.localized(&format!("{field}.description"), &cat.description, languages);
        for (j, key) in cat.consent_mode.iter().enumerate() {
            if !CONSENT_MODE_KEYS.contains(&key.as_str()) {
                c.fail(
                    format!("{field}.consent_mode[{j}]"),
                    format!("`{key}` is not a Consent Mode v2 key"),
                );
            }
        }
    }
    if policy.categories.first().map(|c| c.id.as_str()) != Some(NECESSARY) {
        c.fail("categories[0].id", "the first category must be `necessary`");
    }
    seen
}

fn check_vendors(c: &mut Checker, policy: &SitePolicy, categories: &BTreeSet<&str>) {
    let languages = &policy.site.languages;
    let mut seen = BTreeSet::new();
    for (i, vendor) in policy.vendors.iter().enumerate() {
        let field = format!("vendors[{i}]");
        c.id(&format!("{field}.id"), &vendor.id);
        if !seen.insert(vendor.id.as_str()) {
            c.fail(
                format!("{field}.id"),
                format!("duplicate vendor `{}`", vendor.id),
            );
        }
        c.non_empty(&format!("{field}.name"), &vendor.name);
        c.non_empty(&format!("{field}.company"), &vendor.company);
        c.non_empty(&format!("{field}.privacy_url"), &vendor.privacy_url);
        if !categories.contains(vendor.category.as_str()) {
            let msg = format!("unknown category `{}`", vendor.category);
            c.fail(format!("{field}.category"), msg);
        }
        c.localized(&format!("{field}.purpose"), &vendor.purpose, languages);
        for (j, cookie) in vendor.cookies.iter().enumerate() {
            let field = format!("{field}.cookies[{j}]");
            let name_ok = !cookie.name.is_empty()
                && cookie
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b'=');
            if !name_ok {
                c.fail(format!("{field}.name"), "not a valid cookie name");
            }
            if !is_lifetime(&cookie.lifetime) {
                let msg = "must be `session` or a number with min, h, d, mo or y";
                c.fail(format!("{field}.lifetime"), msg);
            }
            c.localized(&format!("{field}.purpose"), &cookie.purpose, languages);
        }
        for (j, host) in vendor.hosts.iter().enumerate() {
            if !is_host(host) {
                let msg =
                    format!("`{host}` must be a lower-case host name, without scheme or path");
                c.fail(format!("{field}.hosts[{j}]"), msg);
            }
        }
    }
}

/// `connect.facebook.net`: labels of a-z, 0-9 and `-`, no scheme, port or path.
fn is_host(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// `session`, or digits followed by one of the units the declaration prints.
pub(crate) fn is_lifetime(value: &str) -> bool {
    if value == "session" {
        return true;
    }
    let split = value.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(0);
    let (number, unit) = value.split_at(split);
    !number.is_empty()
        && number.parse::<u32>().is_ok_and(|n| n > 0)
        && matches!(unit, "min" | "h" | "d" | "mo" | "y")
}

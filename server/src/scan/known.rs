//! Known cookies, storage keys and tracker hosts, from the Open Cookie
//! Database (`server/data/open-cookie-database/`, Apache-2.0, embedded in
//! the binary) and the operator's own additions: what the scanner uses to
//! classify what a policy does not declare. NOTICE.md there says how the
//! data is normalised.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::report::{self, Classification};

const SHIPPED: &str = include_str!("../../data/open-cookie-database/open-cookie-database.csv");

/// Where a classification comes from, for the report and the suggestion.
pub const SOURCE: &str = "Open Cookie Database";

/// Prefixes shorter than this are too short to name one platform's cookies
/// (`_s`, `SR`); the data has a few.
const MIN_PREFIX: usize = 3;

/// The data's categories, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LikelyCategory {
    Necessary,
    Functional,
    Analytics,
    Marketing,
}

impl LikelyCategory {
    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "necessary" | "security" => Some(Self::Necessary),
            "functional" | "personalization" | "personalisation" | "preferences" => {
                Some(Self::Functional)
            }
            "analytics" | "statistics" => Some(Self::Analytics),
            "marketing" | "advertising" => Some(Self::Marketing),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Necessary => "necessary",
            Self::Functional => "functional",
            Self::Analytics => "analytics",
            Self::Marketing => "marketing",
        }
    }

    /// The Consent Mode signal a site's category for this kind of use
    /// carries, to find the category when the ids differ.
    fn consent_mode(self) -> Option<&'static str> {
        match self {
            Self::Necessary => None,
            Self::Functional => Some("functionality_storage"),
            Self::Analytics => Some("analytics_storage"),
            Self::Marketing => Some("ad_storage"),
        }
    }

    /// The site category this kind of use belongs to: the one of the same
    /// id, else the one carrying the same Consent Mode signal. `None` when
    /// the site has no such category: never `necessary` by default.
    pub fn site_category(self, policy: &policies::SitePolicy) -> Option<String> {
        let by_id = policy.categories.iter().find(|c| c.id == self.as_str());
        let by_mode = || {
            let mode = self.consent_mode()?;
            policy
                .categories
                .iter()
                .find(|c| c.consent_mode.iter().any(|m| m == mode))
        };
        by_id.or_else(by_mode).map(|c| c.id.clone())
    }
}

/// One entry: a cookie or storage key (or a prefix of them) of a platform.
#[derive(Debug, Clone)]
pub struct Known {
    pub platform: String,
    pub category: LikelyCategory,
    pub name: String,
    pub prefix: bool,
    /// Host the data ties the entry to, normalised; none for many entries.
    pub domain: Option<String>,
    pub purpose: String,
    /// The retention text as published.
    pub retention: String,
    /// The retention as a policy lifetime (`13mo`, `session`), when it reads as one.
    pub lifetime: Option<String>,
    pub controller: String,
    pub privacy_url: String,
}

/// How an entry was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    Name,
    Prefix,
    Domain,
}

pub struct KnownCookies {
    entries: Vec<Known>,
}

impl KnownCookies {
    /// The shipped data, read once.
    pub fn shipped() -> &'static Self {
        static SHIPPED_DATA: OnceLock<KnownCookies> = OnceLock::new();
        SHIPPED_DATA.get_or_init(|| Self {
            entries: parse(SHIPPED).expect("the shipped Open Cookie Database parses"),
        })
    }

    /// The shipped data with the operator's entries from `path` (same
    /// columns), which replace shipped ones of the same name and domain.
    ///
    /// # Errors
    /// When the file cannot be read or is not such a CSV file.
    pub fn with_overrides(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--known-cookies {}: cannot read it", path.display()))?;
        let own = parse(&text).with_context(|| format!("--known-cookies {}", path.display()))?;
        let same = |a: &Known, b: &Known| a.name == b.name && a.domain == b.domain;
        let mut entries = Self::shipped().entries.clone();
        for entry in own {
            match entries.iter().position(|k| same(k, &entry)) {
                Some(at) => entries[at] = entry,
                None => entries.push(entry),
            }
        }
        Ok(Self { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for a cookie or storage key: an exact name first (one tied
    /// to `domain` before others), else the longest prefix.
    pub fn by_name(&self, name: &str, domain: &str) -> Option<(&Known, MatchedBy)> {
        let exact = self.entries.iter().filter(|k| !k.prefix && k.name == name);
        let tied = |k: &&Known| k.domain.as_deref().is_some_and(|d| covers(d, domain));
        if let Some(k) = exact.clone().find(tied).or_else(|| exact.clone().next()) {
            return Some((k, MatchedBy::Name));
        }
        self.entries
            .iter()
            .filter(|k| k.prefix && k.name.len() >= MIN_PREFIX && name.starts_with(&k.name))
            .max_by_key(|k| k.name.len())
            .map(|k| (k, MatchedBy::Prefix))
    }

    /// The platform a host belongs to: the entry with the longest domain
    /// that is the host or a parent of it. Its category is the platform's
    /// most common one on that domain.
    pub fn by_host(&self, host: &str) -> Option<(Known, MatchedBy)> {
        let domain = self
            .entries
            .iter()
            .filter_map(|k| k.domain.as_deref())
            .filter(|d| covers(d, host))
            .max_by_key(|d| d.len())?;
        let on_domain: Vec<&Known> = self
            .entries
            .iter()
            .filter(|k| k.domain.as_deref() == Some(domain))
            .collect();
        let mut counts: BTreeMap<LikelyCategory, usize> = BTreeMap::new();
        for k in &on_domain {
            *counts.entry(k.category).or_default() += 1;
        }
        // Ties go to the more intrusive category: never under-classify.
        let category = counts
            .into_iter()
            .max_by_key(|(c, n)| (*n, *c))
            .map(|(c, _)| c)?;
        let first = on_domain[0];
        Some((
            Known {
                category,
                name: String::new(),
                prefix: false,
                purpose: String::new(),
                retention: String::new(),
                lifetime: None,
                ..first.clone()
            },
            MatchedBy::Domain,
        ))
    }
}

impl KnownCookies {
    /// What the data says of an undeclared thing of `kind` (`host` for a
    /// request host, any store kind otherwise), in the site's terms.
    pub fn classify(
        &self,
        kind: &str,
        name: &str,
        domain: &str,
        policy: &policies::SitePolicy,
    ) -> Classification {
        let found = if kind == "host" {
            self.by_host(name)
        } else {
            self.by_name(name, domain).map(|(k, by)| (k.clone(), by))
        };
        let Some((known, by)) = found else {
            return Classification::default();
        };
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Classification {
            classification: report::Known::Known,
            matched_by: Some(
                match by {
                    MatchedBy::Name => "name",
                    MatchedBy::Prefix => "prefix",
                    MatchedBy::Domain => "domain",
                }
                .to_owned(),
            ),
            known_name: text(&known.name).or_else(|| known.domain.clone()),
            platform: text(&known.platform),
            likely_category: Some(known.category.as_str().to_owned()),
            site_category: known.category.site_category(policy),
            purpose: text(&known.purpose),
            retention: text(&known.retention),
            lifetime: known.lifetime.clone(),
            controller: text(&known.controller),
            privacy_url: text(&known.privacy_url),
        }
    }
}

/// `domain` is `host` or a parent domain of it.
fn covers(domain: &str, host: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

#[derive(Deserialize)]
struct Row {
    #[serde(rename = "Platform")]
    platform: String,
    #[serde(rename = "Category")]
    category: String,
    #[serde(rename = "Cookie / Data Key name")]
    name: String,
    #[serde(rename = "Domain")]
    domain: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Retention period")]
    retention: String,
    #[serde(rename = "Data Controller")]
    controller: String,
    #[serde(rename = "User Privacy & GDPR Rights Portals")]
    privacy_url: String,
    #[serde(rename = "Wildcard match")]
    wildcard: String,
}

/// Rows with a name and a category we understand; others are skipped.
fn parse(text: &str) -> anyhow::Result<Vec<Known>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut entries = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row = row.with_context(|| format!("row {}", i + 2))?;
        let (name, Some(category)) = (row.name.trim(), LikelyCategory::parse(&row.category)) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        entries.push(Known {
            platform: row.platform.trim().to_owned(),
            category,
            name: name.to_owned(),
            prefix: row.wildcard.trim() == "1",
            domain: normalise_domain(&row.domain),
            purpose: row.description.trim().to_owned(),
            lifetime: normalise_retention(&row.retention),
            retention: row.retention.trim().to_owned(),
            controller: row.controller.trim().to_owned(),
            privacy_url: row.privacy_url.trim().to_owned(),
        });
    }
    Ok(entries)
}

/// `.LinkedIn.com`, `facebook.com (3rd party)` → `linkedin.com`, `facebook.com`.
fn normalise_domain(text: &str) -> Option<String> {
    let domain = text
        .to_ascii_lowercase()
        .replace("(3rd party)", "")
        .trim()
        .trim_start_matches('.')
        .to_owned();
    let is_host = !domain.is_empty()
        && domain.contains('.')
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    is_host.then_some(domain)
}

/// A published retention text as a policy lifetime: the longest
/// "number unit" in it (an upper bound is what a declaration needs),
/// `session` for session texts, `None` for `forever`, `Unknown` and the like.
pub fn normalise_retention(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    let mut longest: Option<(u64, String)> = None;
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        let Ok(number) = pair[0].parse::<u64>() else {
            continue;
        };
        let Some((seconds, lifetime)) = in_policy_units(number, pair[1]) else {
            continue;
        };
        if longest.as_ref().is_none_or(|(s, _)| seconds > *s) {
            longest = Some((seconds, lifetime));
        }
    }
    match longest {
        Some((_, lifetime)) => Some(lifetime),
        None if text.starts_with("session") || text.contains("end of session") => {
            Some("session".to_owned())
        }
        None => None,
    }
}

/// `13 months` → (seconds, `13mo`); seconds round up to a minute, weeks
/// become days. Zero is no lifetime.
fn in_policy_units(number: u64, unit: &str) -> Option<(u64, String)> {
    if number == 0 {
        return None;
    }
    let unit = unit.trim_end_matches(['.', ';']);
    let (per, text) = match unit {
        "second" | "seconds" | "sec" | "secs" => (1, format!("{}min", number.div_ceil(60))),
        "minute" | "minutes" | "min" | "mins" => (60, format!("{number}min")),
        "hour" | "hours" => (3_600, format!("{number}h")),
        "day" | "days" => (86_400, format!("{number}d")),
        "week" | "weeks" => (7 * 86_400, format!("{}d", number * 7)),
        "month" | "months" => (30 * 86_400, format!("{number}mo")),
        "year" | "years" => (365 * 86_400, format!("{number}y")),
        _ => return None,
    };
    Some((number * per, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_data_reads_with_every_usable_row() {
        let known = KnownCookies::shipped();
        // 2,264 rows; a handful have no name.
        assert!(known.len() > 2_200, "{}", known.len());
        let (ga, by) = known.by_name("_ga", "www.example.com").unwrap();
        assert_eq!(
            (ga.platform.as_str(), by),
            ("Google Analytics", MatchedBy::Name)
        );
        assert_eq!(ga.category, LikelyCategory::Analytics);
        assert_eq!(ga.lifetime.as_deref(), Some("2y"));
    }

    #[test]
    fn prefixes_match_the_longest_and_never_too_short() {
        let known = KnownCookies::shipped();
        let (entry, by) = known.by_name("_hjSessionUser_123", "example.com").unwrap();
        assert_eq!((entry.platform.as_str(), by), ("Hotjar", MatchedBy::Prefix));
        // Marfeel's `_s` prefix must not claim every cookie starting so.
        assert!(known.by_name("_shop_session", "example.com").is_none());
    }

    #[test]
    fn hosts_match_the_data_domain_or_a_parent_of_it() {
        let known = KnownCookies::shipped();
        let (entry, by) = known.by_host("www.clarity.ms").unwrap();
        assert_eq!(
            (entry.platform.as_str(), by),
            ("Microsoft", MatchedBy::Domain)
        );
        assert!(known.by_host("notclarity.ms").is_none());
        assert!(known.by_host("localhost").is_none());
    }

    #[test]
    fn retention_texts_read_as_policy_lifetimes() {
        let cases = [
            ("1 year", Some("1y")),
            ("13 months", Some("13mo")),
            ("Session", Some("session")),
            ("End of session (browser)", Some("session")),
            ("2 Weeks", Some("14d")),
            ("30 seconds", Some("1min")),
            ("30 seconds till 1 year", Some("1y")),
            ("2 years after last activity", Some("2y")),
            ("forever", None),
            ("Unknown", None),
            ("0 days", None),
        ];
        for (text, lifetime) in cases {
            assert_eq!(normalise_retention(text).as_deref(), lifetime, "{text}");
        }
    }

    #[test]
    fn operator_entries_replace_shipped_ones_and_add_new_ones() {
        let dir = std::env::temp_dir().join(format!("known-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("own.csv");
        std::fs::write(
            &path,
            "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n\
             x,Our shop,Necessary,_ga,,Not Google here,1 day,Us,https://example.com/privacy,0\n\
             y,Our shop,Functional,shop_cart,,The basket,7 days,Us,https://example.com/privacy,0\n",
        )
        .unwrap();
        let known = KnownCookies::with_overrides(&path).unwrap();
        let _ = std::fs::remove_dir_all(dir);
        assert_eq!(known.len(), KnownCookies::shipped().len() + 1);
        let (ga, _) = known.by_name("_ga", "example.com").unwrap();
        assert_eq!(
            (ga.platform.as_str(), ga.category),
            ("Our shop", LikelyCategory::Necessary)
        );
        let (cart, _) = known.by_name("shop_cart", "example.com").unwrap();
        assert_eq!(cart.lifetime.as_deref(), Some("7d"));
    }
}

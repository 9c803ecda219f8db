//! The policy as it is written in the TOML files (and as the banner receives it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in every language of its site, keyed by language code (`nl`, `en`).
pub type Localized = BTreeMap<String, String>;

/// The id of the one category every site has and that can never be refused.
pub const NECESSARY: &str = "necessary";

/// One site's complete consent policy: what runs there, under which category,
/// and what the visitor is told about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitePolicy {
    pub site: SiteInfo,
    pub categories: Vec<Category>,
    #[serde(default)]
    pub vendors: Vec<Vendor>,
    /// Banner texts, per language.
    pub texts: BTreeMap<String, BannerTexts>,
}

/// Who the site is and the rules that apply to every consent given on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInfo {
    /// Short id used in URLs and tokens (`www`, `app`).
    pub id: String,
    pub name: String,
    /// Human version of the policy; a new version makes every visitor choose again.
    pub version: String,
    pub default_language: String,
    pub languages: Vec<String>,
    /// Origins the site is served from (for CORS and the URL a consent was given on).
    pub origins: Vec<String>,
    /// Where the privacy statement lives, linked from the banner.
    pub privacy_url: String,
    /// How long a consent stays valid before the visitor is asked again.
    pub consent_lifetime_days: u32,
    /// How long consent records are kept (seed: one year after the relation ends).
    pub retention_days: u32,
    /// Categories that a `Sec-GPC: 1` signal forces off.
    #[serde(default = "default_gpc_forces_off")]
    pub gpc_forces_off: Vec<String>,
}

fn default_gpc_forces_off() -> Vec<String> {
    vec!["marketing".to_owned()]
}

/// A purpose the visitor consents to as a whole.
///
/// There is deliberately no "on by default" setting: pre-ticked boxes are not
/// consent (CJEU Planet49), so every category but `necessary` starts off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: Localized,
    pub description: Localized,
    /// Google Consent Mode v2 keys this category grants (`analytics_storage`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent_mode: Vec<String>,
}

/// The Consent Mode v2 storage keys a category may grant. `security_storage`
/// is not among them: it is always granted.
pub const CONSENT_MODE_KEYS: [&str; 6] = [
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
];

/// A third party (or our own code) whose scripts run under one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub category: String,
    /// The legal entity that processes the data.
    pub company: String,
    pub purpose: Localized,
    pub privacy_url: String,
    #[serde(default)]
    pub cookies: Vec<Cookie>,
    /// Hosts its scripts and pixels talk to (a host covers its subdomains):
    /// the compliance scanner attributes requests to the vendor by them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// A cookie a vendor sets: the banner deletes it on withdrawal and the
/// privacy statement declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    /// Exact name, or (with `prefix = true`) the start of every name it covers.
    pub name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prefix: bool,
    pub purpose: Localized,
    /// How long it lives: `session`, or a number and a unit, one of
    /// `min`, `h`, `d`, `mo`, `y` (`30min`, `13mo`, `2y`).
    pub lifetime: String,
}

/// Every string the banner shows that is not a category or vendor text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannerTexts {
    pub title: String,
    pub body: String,
    pub accept_all: String,
    pub reject_all: String,
    pub settings: String,
    pub save: String,
    pub privacy_link: String,
    pub gpc_honoured: String,
    pub reopen: String,
    /// Shown beside `necessary`, whose switch is on and disabled.
    pub always_on: String,
    /// Heading of the vendor and cookie list of a category.
    pub vendors: String,
    /// The placeholder of a blocked embed (`<iframe data-src>`): what
    /// loading it shares; `{vendor}` and `{category}` are filled in.
    /// Optional: without it the placeholder says it in Dutch or English;
    /// left out of the canonical document when empty, so that a policy file
    /// written before these texts existed keeps its hash (and version).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub embed_blocked: String,
    /// Its button that loads this one embed, without a consent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub embed_load_once: String,
    /// Its button that allows the embed's `{category}` (a consent change).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub embed_always: String,
}

/// The organisation behind every site: controller, processors and rights
/// texts shared by all site policies (`organization.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub name: String,
    pub website: String,
    pub contact_url: String,
    pub supervisory_authority: String,
    pub supervisory_authority_url: String,
    pub processors: Vec<Processor>,
}

/// A party that processes personal data on the organisation's behalf
/// (seed: "Partijen waarmee NEXXT Journeys een verwerkersovereenkomst sloten").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Processor {
    pub name: String,
    pub purpose: Localized,
    pub website: String,
}

impl SitePolicy {
    /// The category ids in the order the policy lists them.
    pub fn category_ids(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().map(|c| c.id.as_str())
    }

    /// Vendors that run under `category`.
    pub fn vendors_in<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Vendor> {
        self.vendors.iter().filter(move |v| v.category == category)
    }
}

//! The privacy statement's prose, per language (`statement/<lang>.toml`).
//! Lists that also drive the banner (cookies, vendors, processors, retention)
//! are not written here: the page inserts them from the policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One language's privacy statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub title: String,
    pub version_label: String,
    pub labels: StatementLabels,
    /// The data subject's page (`/my-consent`).
    pub subject: SubjectLabels,
    /// The auditor's report (`/audit/report`).
    pub report: ReportLabels,
    pub sections: Vec<Section>,
}

/// Words of the auditor's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportLabels {
    pub title: String,
    pub period: String,
    pub everything: String,
    pub decisions: String,
    pub withdrawals: String,
    pub per_day: String,
    pub opt_in: String,
    pub shares: String,
    pub accept_all: String,
    pub reject_all: String,
    pub custom: String,
    pub gpc: String,
    pub versions: String,
    pub vendors: String,
    /// Heading of what changed from one archived policy version to the next.
    pub changes: String,
    pub added: String,
    pub removed: String,
    pub texts_changed: String,
    pub unchanged: String,
}

/// Words of the page where visitors see, download and erase their records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectLabels {
    pub title: String,
    pub intro: String,
    pub none: String,
    pub download: String,
    pub erase: String,
    pub erased: String,
    pub time: String,
    pub action: String,
    pub categories: String,
    pub version: String,
    pub page: String,
    pub redacted: String,
    /// Heading of what a decision was made on (the archived banner texts).
    pub shown: String,
    /// Names of the ledger actions: `given`, `changed`, `withdrawn`.
    pub actions: BTreeMap<String, String>,
}

/// Words the generated parts of the page need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementLabels {
    pub contents: String,
    pub contact: String,
    pub category: String,
    pub vendor: String,
    pub cookie: String,
    pub purpose: String,
    pub lifetime: String,
    pub privacy_policy: String,
    pub prefix: String,
    pub always_on: String,
    pub optional: String,
    pub processor: String,
    pub manage_consent: String,
    pub cookie_settings: String,
    pub complaint: String,
    pub session: String,
    /// How long consent records are kept; `{days}` is replaced by the policy's number.
    pub consent_records: String,
    /// Plural unit names for cookie lifetimes: `min`, `h`, `d`, `mo`, `y`.
    pub units: BTreeMap<String, String>,
    /// Singular unit names (`1 dag`, not `1 dagen`); a unit missing here
    /// takes its plural.
    #[serde(default)]
    pub unit: BTreeMap<String, String>,
}

/// A heading with its paragraphs, a list, and optionally generated content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub heading: String,
    #[serde(default)]
    pub paragraphs: Vec<String>,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub insert: Option<Insert>,
}

/// Generated content placed after a section's own text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Insert {
    /// The organisation's website and contact page.
    Contact,
    /// The cookie declaration: categories, vendors, cookies.
    Cookies,
    /// The processors of `organization.toml`.
    Processors,
    /// How long consent records are kept.
    Retention,
    /// Where a visitor sees, downloads or erases their consent.
    Subject,
    /// The supervisory authority.
    Complaint,
}

impl Statement {
    /// Problems that make the statement unusable, as `field: message`.
    pub fn problems(&self) -> Vec<String> {
        let mut found = Vec::new();
        for unit in ["min", "h", "d", "mo", "y"] {
            if !self.labels.units.contains_key(unit) {
                found.push(format!("labels.units.{unit}: missing"));
            }
        }
        for insert in [
            Insert::Cookies,
            Insert::Processors,
            Insert::Subject,
            Insert::Complaint,
        ] {
            if !self.sections.iter().any(|s| s.insert == Some(insert)) {
                found.push(format!("sections: no section inserts {insert:?}"));
            }
        }
        found
    }

    /// A cookie lifetime (`30min`, `13mo`, `session`) in words.
    pub fn lifetime(&self, value: &str) -> String {
        if value == "session" {
            return self.labels.session.clone();
        }
        let split = value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len());
        let (number, unit) = value.split_at(split);
        let singular = (number == "1")
            .then(|| self.labels.unit.get(unit))
            .flatten();
        match singular.or_else(|| self.labels.units.get(unit)) {
            Some(word) => format!("{number} {word}"),
            None => value.to_owned(),
        }
    }
}

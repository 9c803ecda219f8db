//! The scan report: a stable JSON schema (`schema` names its version; fields
//! are only ever added) and its HTML rendering. README documents each field.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Rule of the finding for a page or visit that could not be made.
pub const PAGE_NOT_SCANNED: &str = "page_not_scanned";

/// Version of this schema, written into every report.
pub const SCHEMA: &str = "nexxt-consent/scan-report/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema: String,
    /// The URL the scan started from.
    pub target: String,
    /// The banner found and operated (`nexxt-consent`,
    /// `vanilla-cookieconsent`, `klaro`); none when the page has none the
    /// scanner knows, and then no banner check was made.
    #[serde(default)]
    pub cmp: Option<String>,
    pub site: String,
    /// The policy the scan compared against (local files).
    pub policy_version: String,
    pub policy_hash: String,
    /// RFC 3339, UTC.
    pub scanned_at: String,
    /// `pass` when no finding is a violation.
    pub verdict: Verdict,
    pub summary: Summary,
    /// Everything wrong, violations first.
    pub findings: Vec<Finding>,
    /// The banner rules, one line per rule and page, passed or not.
    pub banner_checks: Vec<Check>,
    /// Cookies, storage keys and third-party hosts the policy does not
    /// declare: for the owner to classify.
    pub undeclared: Vec<Undeclared>,
    pub pages: Vec<PageScan>,
    /// With `--baseline`: what is new or gone since that report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<super::baseline::Changes>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub pages: usize,
    /// Pages with a visit that could not be made (see the `page_not_scanned`
    /// findings): the verdict does not cover what was not seen.
    #[serde(default)]
    pub incomplete_pages: usize,
    pub visits: usize,
    pub violations: usize,
    pub warnings: usize,
    pub checks_passed: usize,
    pub checks_failed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks the law or the policy: the scan fails.
    Violation,
    /// Needs the owner's attention; the scan still passes.
    Warning,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable id of the rule, e.g. `cookie_before_consent`.
    pub rule: String,
    pub page: String,
    /// Label of the visit (`no choice`, `reject all`, `analytics only`…),
    /// or `banner` for a check of the banner itself.
    pub visit: String,
    /// The cookie, storage key, host or banner element concerned.
    pub subject: String,
    pub message: String,
    /// What was seen: the script that set it, the request, measurements.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// `banner_shown`, `reject_on_first_layer`, `reject_as_prominent_as_accept`,
    /// `no_pre_ticked_toggles`, `withdrawal_control`, `consent_recorded`.
    pub check: String,
    pub page: String,
    pub visit: String,
    pub passed: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Undeclared {
    /// `cookie`, `local_storage`, `session_storage`, `indexed_db`,
    /// `cache_storage`, `service_worker` or `host`.
    pub kind: String,
    pub name: String,
    /// Cookie domain or request host.
    pub domain: String,
    /// `page · visit` where it was seen, in scan order.
    pub seen: Vec<String>,
    /// The longest lifetime a cookie was seen with, in seconds; none for a
    /// session cookie and for other kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_seconds: Option<i64>,
    /// What the known-cookie data says it is.
    #[serde(flatten)]
    pub known: Classification,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Known {
    Known,
    #[default]
    Unknown,
}

/// A classification by the known-cookie data (`classification` = `known`),
/// or nothing but `classification` = `unknown`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Classification {
    #[serde(default)]
    pub classification: Known,
    /// `name`, `prefix` or `domain`: how the entry was matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<String>,
    /// The entry's name (a prefix when matched by prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// `necessary`, `functional`, `analytics` or `marketing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likely_category: Option<String>,
    /// The site's category for that kind of use, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The retention as the data states it…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// …and as a policy lifetime (`13mo`), when it reads as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageScan {
    pub url: String,
    pub visits: Vec<VisitRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitRecord {
    /// `no_choice`, `reject_all`, `accept_all` or `category`.
    pub kind: String,
    pub label: String,
    /// The category of a `category` visit.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub category: Option<String>,
    /// Categories the visit's decision grants (`necessary` always).
    pub granted: Vec<String>,
    pub cookies: Vec<CookieSeen>,
    pub local_storage: Vec<StorageSeen>,
    #[serde(default)]
    pub session_storage: Vec<StorageSeen>,
    /// IndexedDB databases, by name.
    #[serde(default)]
    pub indexed_db: Vec<StorageSeen>,
    /// Cache Storage caches, by name.
    #[serde(default)]
    pub cache_storage: Vec<StorageSeen>,
    /// Service workers, by script URL.
    #[serde(default)]
    pub service_workers: Vec<StorageSeen>,
    pub third_party_requests: Vec<RequestSeen>,
    /// Fingerprinting calls made by third-party scripts.
    #[serde(default)]
    pub fingerprinting: Vec<FingerprintSeen>,
    /// The server's answer to the decision; none for `no_choice`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub receipt: Option<Receipt>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CookieSeen {
    pub name: String,
    pub domain: String,
    /// `first` or `third`.
    pub party: String,
    /// Seconds from the scan until it expires; none for a session cookie.
    pub lifetime_seconds: Option<i64>,
    /// Scripts on the stack when it was written (innermost first), or the
    /// URL whose response set it.
    pub set_by: Vec<String>,
    pub vendor: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StorageSeen {
    pub key: String,
    pub set_by: Vec<String>,
    pub vendor: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestSeen {
    /// Scheme, host and path; the query is left out.
    pub url: String,
    pub host: String,
    /// The script or document that caused it, when the protocol tells.
    pub initiator: Option<String>,
    pub vendor: Option<String>,
    pub category: Option<String>,
    /// `pixel` (an image of at most 100 bytes), `beacon` (`sendBeacon`,
    /// `fetch` with `keepalive`, `<a ping>`) or `request` (anything else).
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FingerprintSeen {
    /// `canvas toDataURL`, `canvas getImageData`, `canvas toBlob`,
    /// `AudioContext`, `OfflineAudioContext`, `WebGL unmasked renderer`…
    pub api: String,
    /// The third-party script that made the call.
    pub script: String,
    pub host: String,
    pub vendor: Option<String>,
    pub category: Option<String>,
}

/// The kinds of device storage besides cookies: the report's field, the
/// rules' stem and the words for people.
pub const STORE_KINDS: [(&str, &str); 5] = [
    ("local_storage", "localStorage key"),
    ("session_storage", "sessionStorage key"),
    ("indexed_db", "IndexedDB database"),
    ("cache_storage", "Cache Storage cache"),
    ("service_worker", "service worker"),
];

impl VisitRecord {
    /// Each kind of device storage with what was seen of it, in
    /// [`STORE_KINDS`] order.
    pub fn stores(&self) -> [(&'static str, &'static str, &[StorageSeen]); 5] {
        let seen = [
            &self.local_storage,
            &self.session_storage,
            &self.indexed_db,
            &self.cache_storage,
            &self.service_workers,
        ];
        std::array::from_fn(|i| (STORE_KINDS[i].0, STORE_KINDS[i].1, seen[i].as_slice()))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receipt {
    /// HTTP status of `POST /v1/consents`; 0 when no request was made.
    pub status: u16,
    pub consent_id: Option<String>,
    /// What the signed token grants.
    pub granted: Vec<String>,
    /// The server returned this decision as the consent's latest event.
    pub in_ledger: bool,
}

impl ScanReport {
    /// Counts, verdict and order, from the findings and checks.
    pub fn finish(&mut self) {
        self.findings
            .sort_by(|a, b| a.severity.cmp(&b.severity).then(a.rule.cmp(&b.rule)));
        let violations = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Violation)
            .count();
        let incomplete: BTreeSet<&str> = self
            .findings
            .iter()
            .filter(|f| f.rule == PAGE_NOT_SCANNED)
            .map(|f| f.page.as_str())
            .collect();
        self.summary = Summary {
            incomplete_pages: incomplete.len(),
            pages: self.pages.len(),
            visits: self.pages.iter().map(|p| p.visits.len()).sum(),
            violations,
            warnings: self.findings.len() - violations,
            checks_passed: self.banner_checks.iter().filter(|c| c.passed).count(),
            checks_failed: self.banner_checks.iter().filter(|c| !c.passed).count(),
        };
        self.verdict = if violations == 0 {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
    }
}

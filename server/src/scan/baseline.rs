//! `scan --baseline previous.json`: what a scan saw that an earlier one did
//! not, and what is gone, so that a nightly job can alert on a tag nobody
//! declared before a regulator's crawler finds it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::report::{Finding, ScanReport, Severity};

/// What changed between the baseline report and this one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Changes {
    /// `scanned_at` of the baseline report.
    pub baseline_scanned_at: String,
    pub baseline_policy_version: String,
    /// Seen now, not in the baseline.
    pub new: Vec<Change>,
    /// In the baseline, not seen now.
    pub gone: Vec<Change>,
    /// Cookies seen in both whose lifetime changed by more than a tenth
    /// (and a minute).
    pub lifetimes_changed: Vec<LifetimeChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Change {
    /// `cookie`, a storage kind (`local_storage`…), `host` or `vendor`.
    pub kind: String,
    pub name: String,
    /// Cookie domain or request host; empty for other kinds.
    pub domain: String,
    /// The vendor the policy gives it to; none when undeclared.
    pub vendor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LifetimeChange {
    pub name: String,
    pub domain: String,
    /// Longest lifetime seen, in seconds; none for a session cookie.
    pub before_seconds: Option<i64>,
    pub after_seconds: Option<i64>,
}

/// Rule of the warning for each new undeclared thing.
pub const NEW_SINCE_BASELINE: &str = "new_since_baseline";

impl Changes {
    /// New things no vendor of the policy declares: what an alert is about.
    pub fn new_undeclared(&self) -> impl Iterator<Item = &Change> {
        self.new
            .iter()
            .filter(|c| c.vendor.is_none() && c.kind != "vendor")
    }
}

/// Reads an earlier report of this schema.
///
/// # Errors
/// When the file cannot be read or is not a scan report.
pub fn load(path: &Path) -> anyhow::Result<ScanReport> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--baseline {}: cannot read it", path.display()))?;
    let report: ScanReport = serde_json::from_str(&text).with_context(|| {
        format!(
            "--baseline {}: not a JSON scan report (write one with --out FILE.json)",
            path.display()
        )
    })?;
    if !report.schema.starts_with("nexxt-consent/scan-report/") {
        bail!(
            "--baseline {}: schema `{}` is not a scan report",
            path.display(),
            report.schema
        );
    }
    Ok(report)
}

/// Compares `report` with `baseline`, stores the changes in the report and
/// adds a warning for each new undeclared thing.
pub fn compare(report: &mut ScanReport, baseline: &ScanReport) {
    let (before, before_lifetimes) = inventory(baseline);
    let (after, after_lifetimes) = inventory(report);
    let new: Vec<Change> = after
        .iter()
        .filter(|(key, _)| !before.contains_key(*key))
        .map(|(_, c)| c.clone())
        .collect();
    let gone = before
        .iter()
        .filter(|(key, _)| !after.contains_key(*key))
        .map(|(_, c)| c.clone())
        .collect();
    let lifetimes_changed = after_lifetimes
        .iter()
        .filter_map(|(key, &after)| {
            let &before = before_lifetimes.get(key)?;
            changed(before, after).then(|| LifetimeChange {
                name: key.0.clone(),
                domain: key.1.clone(),
                before_seconds: before,
                after_seconds: after,
            })
        })
        .collect();
    let changes = Changes {
        baseline_scanned_at: baseline.scanned_at.clone(),
        baseline_policy_version: baseline.policy_version.clone(),
        new,
        gone,
        lifetimes_changed,
    };
    for change in changes.new_undeclared() {
        let place = if change.domain.is_empty() || change.domain == change.name {
            String::new()
        } else {
            format!(" ({})", change.domain)
        };
        report.findings.push(Finding {
            severity: Severity::Warning,
            rule: NEW_SINCE_BASELINE.to_owned(),
            page: String::new(),
            visit: String::new(),
            subject: change.name.clone(),
            message: format!(
                "{} `{}`{place} is new since the scan of {} and no vendor of the policy declares it.",
                change.kind, change.name, baseline.scanned_at
            ),
            evidence: vec![format!("not in the baseline of {}", baseline.scanned_at)],
        });
    }
    report.baseline = Some(changes);
}

type Key = (String, String, String);
type Lifetimes = BTreeMap<(String, String), Option<i64>>;

/// Everything a report saw, once each, and each cookie's longest lifetime.
fn inventory(report: &ScanReport) -> (BTreeMap<Key, Change>, Lifetimes) {
    let mut seen = BTreeMap::new();
    let mut lifetimes = Lifetimes::new();
    let mut add = |kind: &str, name: &str, domain: &str, vendor: &Option<String>| {
        seen.entry((kind.to_owned(), name.to_owned(), domain.to_owned()))
            .or_insert_with(|| Change {
                kind: kind.to_owned(),
                name: name.to_owned(),
                domain: domain.to_owned(),
                vendor: vendor.clone(),
            });
        if let Some(vendor) = vendor {
            seen.entry(("vendor".to_owned(), vendor.clone(), String::new()))
                .or_insert_with(|| Change {
                    kind: "vendor".to_owned(),
                    name: vendor.clone(),
                    domain: String::new(),
                    vendor: Some(vendor.clone()),
                });
        }
    };
    for visit in report.pages.iter().flat_map(|p| &p.visits) {
        for cookie in &visit.cookies {
            add("cookie", &cookie.name, &cookie.domain, &cookie.vendor);
            let longest = lifetimes
                .entry((cookie.name.clone(), cookie.domain.clone()))
                .or_insert(cookie.lifetime_seconds);
            *longest = (*longest).max(cookie.lifetime_seconds);
        }
        for (kind, _, items) in visit.stores() {
            for item in items {
                add(kind, &item.key, "", &item.vendor);
            }
        }
        for request in &visit.third_party_requests {
            add("host", &request.host, &request.host, &request.vendor);
        }
    }
    (seen, lifetimes)
}

/// A session cookie turned persistent (or back), or a lifetime changed by
/// more than a tenth and a minute: the jitter of one scan's clock is less.
fn changed(before: Option<i64>, after: Option<i64>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => (a - b).abs() > 60.max(a.max(b) / 10),
        (None, None) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report with one visit that saw these cookies `(name, vendor,
    /// lifetime)`, localStorage keys and hosts.
    fn report(
        cookies: &[(&str, Option<&str>, Option<i64>)],
        keys: &[&str],
        hosts: &[&str],
    ) -> ScanReport {
        let cookies: Vec<_> = cookies
            .iter()
            .map(|(name, vendor, life)| serde_json::json!({"name": name, "domain": "example.com", "party": "first", "lifetime_seconds": life, "set_by": [], "vendor": vendor, "category": null}))
            .collect();
        let keys: Vec<_> = keys
            .iter()
            .map(|k| serde_json::json!({"key": k, "set_by": [], "vendor": null, "category": null}))
            .collect();
        let hosts: Vec<_> = hosts
            .iter()
            .map(|h| serde_json::json!({"url": format!("https://{h}/"), "host": h, "initiator": null, "vendor": null, "category": null}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "schema": "nexxt-consent/scan-report/1", "target": "https://example.com/", "site": "www",
            "policy_version": "1", "policy_hash": "h", "scanned_at": "2026-12-01T00:00:00Z",
            "verdict": "pass", "summary": {"pages": 1, "visits": 1, "violations": 0, "warnings": 0, "checks_passed": 0, "checks_failed": 0},
            "findings": [], "banner_checks": [], "undeclared": [],
            "pages": [{"url": "https://example.com/", "visits": [{"kind": "accept_all", "label": "accept all", "granted": [],
                "cookies": cookies, "local_storage": keys, "third_party_requests": hosts}]}]
        }))
        .unwrap()
    }

    #[test]
    fn new_gone_vendors_and_lifetimes_are_reported() {
        let before = report(
            &[
                ("_ga", Some("google-analytics"), Some(700 * 86_400)),
                ("old", None, None),
            ],
            &["kept"],
            &["cdn.example"],
        );
        let mut after = report(
            &[
                ("_ga", Some("google-analytics"), Some(30 * 86_400)),
                ("_fbp", Some("facebook-pixel"), Some(90 * 86_400)),
                ("uid", None, Some(86_400)),
            ],
            &["kept", "ab_test"],
            &["cdn.example", "t.tracker.example"],
        );
        compare(&mut after, &before);
        let changes = after.baseline.as_ref().unwrap();
        let names = |list: &[Change]| -> Vec<String> {
            list.iter()
                .map(|c| format!("{} {}", c.kind, c.name))
                .collect()
        };
        assert_eq!(
            names(&changes.new),
            [
                "cookie _fbp",
                "cookie uid",
                "host t.tracker.example",
                "local_storage ab_test",
                "vendor facebook-pixel"
            ]
        );
        assert_eq!(names(&changes.gone), ["cookie old"]);
        let undeclared: Vec<&str> = changes.new_undeclared().map(|c| c.name.as_str()).collect();
        assert_eq!(undeclared, ["uid", "t.tracker.example", "ab_test"]);
        assert_eq!(changes.lifetimes_changed.len(), 1);
        assert_eq!(changes.lifetimes_changed[0].name, "_ga");
        assert_eq!(
            changes.lifetimes_changed[0].after_seconds,
            Some(30 * 86_400)
        );
        let warned: Vec<&str> = after
            .findings
            .iter()
            .filter(|f| f.rule == NEW_SINCE_BASELINE)
            .map(|f| f.subject.as_str())
            .collect();
        assert_eq!(warned, ["uid", "t.tracker.example", "ab_test"]);
    }

    #[test]
    fn lifetimes_change_beyond_jitter_only() {
        assert!(!changed(Some(86_400), Some(86_390)));
        assert!(changed(Some(86_400), Some(2 * 86_400)));
        assert!(changed(None, Some(60)));
        assert!(!changed(None, None));
    }
}

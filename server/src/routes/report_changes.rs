//! The report's "changes between policy versions": each site's archived
//! versions in the order they were first served, each against the one
//! before it.

use policies::{Organization, PolicyDiff, SitePolicy};
use serde::Serialize;

use crate::storage::ArchivedPolicy;

/// One version against the one served before it.
#[derive(Debug, Serialize)]
pub struct VersionChange {
    pub site: String,
    pub from: String,
    pub to: String,
    pub diff: PolicyDiff,
    pub unchanged: bool,
}

/// The changes of `site` (every site when `None`), from `archived` (ordered
/// by site, then first served).
pub fn version_changes(archived: &[ArchivedPolicy], site: Option<&str>) -> Vec<VersionChange> {
    let parsed: Vec<(&ArchivedPolicy, SitePolicy)> = archived
        .iter()
        .filter(|a| site.is_none_or(|s| s == a.site))
        .filter_map(|a| {
            let (_, policy): (Organization, SitePolicy) = serde_json::from_str(&a.document).ok()?;
            Some((a, policy))
        })
        .collect();
    parsed
        .windows(2)
        .filter(|pair| pair[0].0.site == pair[1].0.site)
        .map(|pair| {
            let diff = policies::diff(&pair[0].1, &pair[1].1);
            VersionChange {
                site: pair[1].0.site.clone(),
                from: pair[0].0.version.clone(),
                to: pair[1].0.version.clone(),
                unchanged: diff.is_empty(),
                diff,
            }
        })
        .collect()
}

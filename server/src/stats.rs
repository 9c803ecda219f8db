//! Opt-in statistics over the ledger, for the auditor's report: computed in
//! one pass, page by page, so a large period costs time, not memory.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::ledger::ExportFilter;
use crate::storage::{self, StorageError};

const PAGE: u64 = 2000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Consents given or changed (withdrawals are counted apart).
    pub decisions: u64,
    pub withdrawals: u64,
    /// Decisions per UTC day (`YYYY-MM-DD`).
    pub per_day: BTreeMap<String, u64>,
    /// Per category: how many decisions granted it, and the share.
    pub categories: BTreeMap<String, CategoryStats>,
    pub accept_all: u64,
    pub reject_all: u64,
    pub custom: u64,
    /// Decisions that came with a Global Privacy Control signal.
    pub gpc: u64,
    pub policy_versions: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CategoryStats {
    pub granted: u64,
    pub offered: u64,
    /// `granted / offered`, 0 when never offered.
    pub rate: f64,
}

impl Stats {
    fn add(&mut self, e: &crate::domain::StoredEvent) {
        if e.action == crate::domain::Action::Withdrawn {
            self.withdrawals += 1;
            return;
        }
        self.decisions += 1;
        *self
            .per_day
            .entry(e.recorded_at.get().date().to_string())
            .or_default() += 1;
        *self
            .policy_versions
            .entry(e.policy_version.clone())
            .or_default() += 1;
        self.gpc += u64::from(e.gpc);
        let optional: Vec<bool> = e
            .choices
            .iter()
            .filter(|(c, _)| *c != policies::NECESSARY)
            .map(|(_, on)| *on)
            .collect();
        if !optional.is_empty() && optional.iter().all(|on| *on) {
            self.accept_all += 1;
        } else if optional.iter().all(|on| !on) {
            self.reject_all += 1;
        } else {
            self.custom += 1;
        }
        for (category, on) in &e.choices {
            let entry = self.categories.entry(category.clone()).or_default();
            entry.offered += 1;
            entry.granted += u64::from(*on);
        }
    }

    fn finish(mut self) -> Self {
        for c in self.categories.values_mut() {
            c.rate = if c.offered == 0 {
                0.0
            } else {
                c.granted as f64 / c.offered as f64
            };
        }
        self
    }
}

/// Statistics of the events `filter` selects.
///
/// # Errors
/// When the database fails or a row does not decode.
pub async fn compute(
    db: &impl ConnectionTrait,
    filter: &ExportFilter,
) -> Result<Stats, StorageError> {
    let mut stats = Stats::default();
    let mut after = 0;
    loop {
        let (site, from, to) = (
            filter.site.as_deref(),
            filter.from.as_deref(),
            filter.to.as_deref(),
        );
        let page = storage::stats_page(db, site, from, to, after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (_, event) in &page {
            stats.add(event);
        }
    }
    Ok(stats.finish())
}

//! Retention: deleting what the policies no longer allow us to keep,
//! without breaking verification of what remains.
//!
//! Chains are cut from the front only, up to the last event that every rule
//! lets go: the first event still within its site's retention stops the cut.
//! The cut point is signed as a `purge` checkpoint in the same transaction,
//! and the first remaining event links to it.

use policies::PolicySet;
use sea_orm::{DatabaseConnection, TransactionTrait};
use time::{Duration, OffsetDateTime};

use super::checkpoint;
use crate::storage;
use crate::tokens::SigningKey;

/// What a purge does (or, dry, would do) to one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgePlan {
    pub chain_id: String,
    /// Events with this seq and below go.
    pub through_seq: i64,
    pub events: u64,
}

/// Deletes (unless `dry_run`) every chain's events past retention at `now`.
///
/// # Errors
/// When the database fails; a failed chain is left as it was.
pub async fn purge(
    db: &DatabaseConnection,
    key: &SigningKey,
    issuer: &str,
    policies: &PolicySet,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Vec<PurgePlan>, sea_orm::DbErr> {
    let mut plans = Vec::new();
    for head in storage::list_chains(db).await? {
        let Some(first) = storage::min_seq(db, &head.chain_id).await? else {
            continue;
        };
        let stop = first_to_keep(db, &head.chain_id, policies, now)
            .await?
            .unwrap_or(head.seq + 1);
        let through = (stop - 1).min(head.seq);
        if through < first {
            continue;
        }
        let plan = PurgePlan {
            chain_id: head.chain_id.clone(),
            through_seq: through,
            events: (through - first + 1) as u64,
        };
        if !dry_run {
            let hash = storage::hash_at(db, &head.chain_id, through)
                .await?
                .unwrap_or_default();
            let boundary = checkpoint::sign(key, issuer, &head.chain_id, through, &hash, "purge");
            let txn = db.begin().await?;
            storage::insert_checkpoint(&txn, &boundary).await?;
            storage::delete_through(&txn, &head.chain_id, through).await?;
            txn.commit().await?;
            tracing::info!(chain_id = %head.chain_id, through, events = plan.events, "purged events past retention");
        }
        plans.push(plan);
    }
    Ok(plans)
}

/// The first seq of a chain that some site's retention still protects.
async fn first_to_keep(
    db: &DatabaseConnection,
    chain_id: &str,
    policies: &PolicySet,
    now: OffsetDateTime,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let cutoff = |days: u32| crate::clock::format(now - Duration::days(i64::from(days)));
    let mut keep: Option<i64> = None;
    let mut known = Vec::new();
    let mut longest = 0;
    for site in policies.sites() {
        let info = &site.policy.site;
        known.push(info.id.clone());
        longest = longest.max(info.retention_days);
        let first = storage::first_seq_since(
            db,
            chain_id,
            &cutoff(info.retention_days),
            Some(&info.id),
            &[],
        )
        .await?;
        keep = min_some(keep, first);
    }
    // Sites no longer in the policies keep the longest retention of all.
    let other = storage::first_seq_since(db, chain_id, &cutoff(longest), None, &known).await?;
    Ok(min_some(keep, other))
}

fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

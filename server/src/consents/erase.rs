//! Withdrawal with erasure: everything optional is withdrawn and the
//! personal fields of every event of the id are erased, in one transaction.
//! The id is then closed: no token of it is accepted again.

use std::collections::BTreeMap;

use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ConsentError, Context, Holder};
use crate::domain::{Action, ConsentId, EventDraft, Personal, Source};
use crate::ledger::AppendError;
use crate::storage::{self, SubjectState};

/// Result of a withdrawal with erasure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erasure {
    pub consent_id: String,
    pub withdrawn_at: String,
    /// Events whose page URL, network and browser were erased (the
    /// withdrawal itself included, which never held any).
    pub redacted_events: u64,
}

/// Withdraws and erases the holder's consent.
///
/// # Errors
/// The ledger's or the database's failure; then nothing changed.
pub async fn erase(
    ctx: Context<'_>,
    db: &DatabaseConnection,
    holder: &Holder,
) -> Result<Erasure, ConsentError> {
    erase_subject(ctx, db, holder.site(), holder.consent_id(), Source::Api).await
}

/// Withdraws and erases a consent on the operator's word: the data
/// protection officer answering a request that reached them by mail, proven
/// to them outside this system. Only the command line calls this.
///
/// # Errors
/// [`ConsentError::NotHolder`] when the ledger holds no such active id.
pub async fn erase_by_operator(
    ctx: Context<'_>,
    db: &DatabaseConnection,
    site: &str,
    consent_id: ConsentId,
) -> Result<Erasure, ConsentError> {
    let state = storage::subject_state(db, site, &consent_id.to_string()).await?;
    if state != SubjectState::Active {
        return Err(ConsentError::NotHolder);
    }
    erase_subject(ctx, db, site, consent_id, Source::Operator).await
}

async fn erase_subject(
    ctx: Context<'_>,
    db: &DatabaseConnection,
    site: &str,
    consent_id: ConsentId,
    source: Source,
) -> Result<Erasure, ConsentError> {
    let policy = ctx.policies.site(site).ok_or(ConsentError::NotHolder)?;
    let id = consent_id.to_string();
    let existing = storage::events_of(db, site, &id).await?;
    let unredacted = existing.iter().filter(|e| e.redacted_at.is_none()).count();
    let choices: BTreeMap<String, bool> = policy
        .policy
        .category_ids()
        .map(|c| (c.to_owned(), c == policies::NECESSARY))
        .collect();
    // Erasure was asked for: the withdrawal itself keeps no personal fields,
    // and the writer redacts the earlier events in the same transaction.
    let event = ctx
        .writer
        .append(EventDraft {
            site: site.to_owned(),
            consent_id,
            action: Action::Withdrawn,
            source,
            policy_version: policy.policy.site.version.clone(),
            policy_hash: policy.hash.clone(),
            choices,
            gpc: false,
            locale: None,
            personal: Personal::default(),
            erasure: true,
        })
        .await
        .map_err(|e| match e {
            // Another request withdrew it first: this token no longer counts.
            AppendError::AlreadyWithdrawn => ConsentError::NotHolder,
            other => other.into(),
        })?;
    ctx.metrics.count_consent(Action::Withdrawn.as_str());
    Ok(Erasure {
        consent_id: id,
        withdrawn_at: event.recorded_at.to_string(),
        redacted_events: unredacted as u64 + 1,
    })
}

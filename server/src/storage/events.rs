//! Rows of the consent ledger.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::StorageError;
use super::entities::consent_event::{ActiveModel, Column, Entity, Model};
use crate::domain::{StoredEvent, choices_json};

/// Every event of one consent id on one site, oldest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    site: &str,
    consent_id: &str,
) -> Result<Vec<StoredEvent>, StorageError> {
    let rows = Entity::find()
        .filter(Column::Site.eq(site))
        .filter(Column::ConsentId.eq(consent_id))
        .order_by_asc(Column::RecordedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    rows.into_iter().map(from_row).collect()
}

pub async fn count_events(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    Entity::find().count(db).await
}

/// Up to `limit` events of a chain after `after_seq`, in chain order, each
/// with its row id. A row that does not decode is an error naming it.
pub async fn chain_page(
    db: &impl ConnectionTrait,
    chain_id: &str,
    after_seq: i64,
    up_to: i64,
    limit: u64,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let rows = Entity::find()
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.gt(after_seq))
        .filter(Column::Seq.lte(up_to))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            from_row(row).map(|e| (id, e))
        })
        .collect()
}

/// The first and last seq of a chain recorded in `[from, to)` (ledger time
/// text; `None` bounds are open). Within a chain time never goes back, so
/// the events in between are exactly those of the period.
pub async fn chain_range(
    db: &impl ConnectionTrait,
    chain_id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<(i64, i64)>, sea_orm::DbErr> {
    let mut query = Entity::find()
        .select_only()
        .column_as(Column::Seq.min(), "first")
        .column_as(Column::Seq.max(), "last")
        .filter(Column::ChainId.eq(chain_id));
    if let Some(from) = from {
        query = query.filter(Column::RecordedAt.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(Column::RecordedAt.lt(to));
    }
    let range: Option<(Option<i64>, Option<i64>)> = query.into_tuple().one(db).await?;
    Ok(match range {
        Some((Some(first), Some(last))) => Some((first, last)),
        _ => None,
    })
}

/// The first seq of a chain at or after `cutoff` (ledger time), for one site
/// or (with `site = None`) for every site not in `except`.
pub async fn first_seq_since(
    db: &impl ConnectionTrait,
    chain_id: &str,
    cutoff: &str,
    site: Option<&str>,
    except: &[String],
) -> Result<Option<i64>, sea_orm::DbErr> {
    let mut query = Entity::find()
        .select_only()
        .column_as(Column::Seq.min(), "first")
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::RecordedAt.gte(cutoff));
    query = match site {
        Some(site) => query.filter(Column::Site.eq(site)),
        None => query.filter(Column::Site.is_not_in(except.iter().cloned())),
    };
    let first: Option<Option<i64>> = query.into_tuple().one(db).await?;
    Ok(first.flatten())
}

/// The lowest seq stored for a chain.
pub async fn min_seq(
    db: &impl ConnectionTrait,
    chain_id: &str,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let first: Option<Option<i64>> = Entity::find()
        .select_only()
        .column_as(Column::Seq.min(), "first")
        .filter(Column::ChainId.eq(chain_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(first.flatten())
}

/// Deletes a chain's events up to and including `seq`; returns how many.
pub async fn delete_through(
    db: &impl ConnectionTrait,
    chain_id: &str,
    seq: i64,
) -> Result<u64, sea_orm::DbErr> {
    let result = Entity::delete_many()
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.lte(seq))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The hash of one event of a chain.
pub async fn hash_at(
    db: &impl ConnectionTrait,
    chain_id: &str,
    seq: i64,
) -> Result<Option<String>, sea_orm::DbErr> {
    Entity::find()
        .select_only()
        .column(Column::Hash)
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.eq(seq))
        .into_tuple()
        .one(db)
        .await
}

/// A page of events for statistics, by row id, filtered like an export.
pub async fn stats_page(
    db: &impl ConnectionTrait,
    site: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    after_id: i64,
    limit: u64,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let mut query = Entity::find().filter(Column::Id.gt(after_id));
    if let Some(site) = site {
        query = query.filter(Column::Site.eq(site));
    }
    if let Some(from) = from {
        query = query.filter(Column::RecordedAt.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(Column::RecordedAt.lt(to));
    }
    let rows = query.order_by_asc(Column::Id).limit(limit).all(db).await?;
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            from_row(row).map(|e| (id, e))
        })
        .collect()
}

/// The highest seq stored for a chain.
pub async fn max_seq(
    db: &impl ConnectionTrait,
    chain_id: &str,
) -> Result<Option<i64>, sea_orm::DbErr> {
    Entity::find()
        .select_only()
        .column_as(Column::Seq.max(), "max_seq")
        .filter(Column::ChainId.eq(chain_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await
        .map(Option::flatten)
}

/// Chain ids that events name but the chain table does not know.
pub async fn orphan_chains(
    db: &impl ConnectionTrait,
    known: &[String],
) -> Result<Vec<String>, sea_orm::DbErr> {
    let ids: Vec<String> = Entity::find()
        .select_only()
        .column(Column::ChainId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().filter(|id| !known.contains(id)).collect())
}

pub(super) fn to_row(e: &StoredEvent) -> ActiveModel {
    ActiveModel {
        id: Default::default(),
        chain_id: Set(e.chain_id.clone()),
        seq: Set(e.seq),
        recorded_at: Set(e.recorded_at.clone()),
        site: Set(e.site.clone()),
        consent_id: Set(e.consent_id.clone()),
        action: Set(e.action.clone()),
        source: Set(e.source.clone()),
        policy_version: Set(e.policy_version.clone()),
        policy_hash: Set(e.policy_hash.clone()),
        choices: Set(choices_json(&e.choices)),
        gpc: Set(e.gpc),
        locale: Set(e.locale.clone()),
        url: Set(e.url.clone()),
        ip_prefix: Set(e.ip_prefix.clone()),
        user_agent: Set(e.user_agent.clone()),
        personal_salt: Set(e.personal_salt.clone()),
        personal_digest: Set(e.personal_digest.clone()),
        prev_hash: Set(e.prev_hash.clone()),
        hash: Set(e.hash.clone()),
        redacted_at: Set(e.redacted_at.clone()),
    }
}

fn from_row(m: Model) -> Result<StoredEvent, StorageError> {
    let corrupt = |reason: &str| StorageError::Corrupt {
        id: m.id,
        reason: reason.to_owned(),
    };
    let choices: BTreeMap<String, bool> =
        serde_json::from_str(&m.choices).map_err(|_| corrupt("choices are not a JSON map"))?;
    // Only the canonical form was ever written; anything else was edited.
    if choices_json(&choices) != m.choices {
        return Err(corrupt("choices are not in canonical form"));
    }
    Ok(StoredEvent {
        chain_id: m.chain_id,
        seq: m.seq,
        recorded_at: m.recorded_at,
        site: m.site,
        consent_id: m.consent_id,
        action: m.action,
        source: m.source,
        policy_version: m.policy_version,
        policy_hash: m.policy_hash,
        choices,
        gpc: m.gpc,
        locale: m.locale,
        url: m.url,
        ip_prefix: m.ip_prefix,
        user_agent: m.user_agent,
        personal_salt: m.personal_salt,
        personal_digest: m.personal_digest,
        prev_hash: m.prev_hash,
        hash: m.hash,
        redacted_at: m.redacted_at,
    })
}

//! The policy archive: each document once, by hash, never changed.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::entities::policy_document::{ActiveModel, Column, Entity, Model};

/// A policy document as archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedPolicy {
    pub hash: String,
    pub site: String,
    pub version: String,
    /// The canonical JSON the hash is computed from.
    pub document: String,
    /// JSON: the hashes of the banner served with it (loader, wasm, glue, CSS).
    pub banner: String,
    pub first_served_at: String,
}

/// Archives `policy` unless a document with its hash is there already.
pub async fn archive_policy(
    db: &impl ConnectionTrait,
    policy: &ArchivedPolicy,
) -> Result<(), sea_orm::DbErr> {
    let row = ActiveModel {
        hash: Set(policy.hash.clone()),
        site: Set(policy.site.clone()),
        version: Set(policy.version.clone()),
        document: Set(policy.document.clone()),
        banner: Set(policy.banner.clone()),
        first_served_at: Set(policy.first_served_at.clone()),
    };
    Entity::insert(row)
        .on_conflict(OnConflict::column(Column::Hash).do_nothing().to_owned())
        .do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The hashes archived for one site's version, oldest first.
pub async fn archived_hashes(
    db: &impl ConnectionTrait,
    site: &str,
    version: &str,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let rows = Entity::find()
        .filter(Column::Site.eq(site))
        .filter(Column::Version.eq(version))
        .order_by_asc(Column::FirstServedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| m.hash).collect())
}

/// Every archived document, by site, oldest first.
pub async fn archived_policies(
    db: &impl ConnectionTrait,
) -> Result<Vec<ArchivedPolicy>, sea_orm::DbErr> {
    let rows = Entity::find()
        .order_by_asc(Column::Site)
        .order_by_asc(Column::FirstServedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The archived document with `hash`, if any.
pub async fn find_archived_policy(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<ArchivedPolicy>, sea_orm::DbErr> {
    Ok(Entity::find_by_id(hash.to_owned())
        .one(db)
        .await?
        .map(from_row))
}

fn from_row(m: Model) -> ArchivedPolicy {
    ArchivedPolicy {
        hash: m.hash,
        site: m.site,
        version: m.version,
        document: m.document,
        banner: m.banner,
        first_served_at: m.first_served_at,
    }
}

/// How often and when a policy document was decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyUse {
    pub hash: String,
    pub first: String,
    pub last: String,
    pub events: i64,
}

/// The use of every policy hash the ledger's events name.
pub async fn policy_uses(db: &impl ConnectionTrait) -> Result<Vec<PolicyUse>, sea_orm::DbErr> {
    use super::entities::consent_event::{Column as Event, Entity as Events};
    use sea_orm::QuerySelect;
    let rows: Vec<(String, Option<String>, Option<String>, i64)> = Events::find()
        .select_only()
        .column(Event::PolicyHash)
        .column_as(Event::RecordedAt.min(), "first")
        .column_as(Event::RecordedAt.max(), "last")
        .column_as(Event::Id.count(), "events")
        .group_by(Event::PolicyHash)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(hash, first, last, events)| PolicyUse {
            hash,
            first: first.unwrap_or_default(),
            last: last.unwrap_or_default(),
            events,
        })
        .collect())
}

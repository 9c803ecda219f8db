//! Auditors and the log of what they did. Keys are stored only as hashes.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::entities::{audit_log, auditor};

/// An auditor as listed by `auditors list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditorRow {
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

pub async fn insert_auditor(
    db: &impl ConnectionTrait,
    name: &str,
    key_hash: &str,
    at: &str,
) -> Result<(), sea_orm::DbErr> {
    let row = auditor::ActiveModel {
        name: Set(name.to_owned()),
        key_hash: Set(key_hash.to_owned()),
        created_at: Set(at.to_owned()),
        revoked_at: Set(None),
    };
    auditor::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn list_auditors(db: &impl ConnectionTrait) -> Result<Vec<AuditorRow>, sea_orm::DbErr> {
    let rows = auditor::Entity::find()
        .order_by_asc(auditor::Column::Name)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditorRow {
            name: r.name,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}

/// Revokes an active auditor; false when there is none by that name.
pub async fn revoke_auditor(
    db: &impl ConnectionTrait,
    name: &str,
    at: &str,
) -> Result<bool, sea_orm::DbErr> {
    let result = auditor::Entity::update_many()
        .col_expr(
            auditor::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(auditor::Column::Name.eq(name))
        .filter(auditor::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The active auditor whose key hashes to `key_hash`, with its stored hash.
pub async fn find_auditor(
    db: &impl ConnectionTrait,
    key_hash: &str,
) -> Result<Option<(String, String)>, sea_orm::DbErr> {
    let row = auditor::Entity::find()
        .filter(auditor::Column::KeyHash.eq(key_hash))
        .filter(auditor::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(row.map(|r| (r.name, r.key_hash)))
}

/// Records that `auditor` did `action` with `filter` (a JSON description).
pub async fn log_audit(
    db: &impl ConnectionTrait,
    auditor: &str,
    action: &str,
    filter: &str,
    at: &str,
) -> Result<(), sea_orm::DbErr> {
    let row = audit_log::ActiveModel {
        id: Default::default(),
        auditor: Set(auditor.to_owned()),
        action: Set(action.to_owned()),
        filter: Set(filter.to_owned()),
        at: Set(at.to_owned()),
    };
    audit_log::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Every audit log entry, oldest first, as (auditor, action, filter, at).
pub async fn audit_entries(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String, String, String)>, sea_orm::DbErr> {
    let rows = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.auditor, r.action, r.filter, r.at))
        .collect())
}

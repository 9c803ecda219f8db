//! Signed checkpoints: a chain's position and hash, attested by the server.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::checkpoint::{ActiveModel, Column, Entity, Model};

/// One checkpoint; `token` is the compact JWS that carries it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CheckpointRow {
    pub chain_id: String,
    pub seq: i64,
    pub hash: String,
    pub signed_at: String,
    /// `periodic`, `on-demand` or `purge`.
    pub reason: String,
    pub token: String,
}

pub async fn insert_checkpoint(
    db: &impl ConnectionTrait,
    c: &CheckpointRow,
) -> Result<(), sea_orm::DbErr> {
    let row = ActiveModel {
        id: Default::default(),
        chain_id: Set(c.chain_id.clone()),
        seq: Set(c.seq),
        hash: Set(c.hash.clone()),
        signed_at: Set(c.signed_at.clone()),
        reason: Set(c.reason.clone()),
        token: Set(c.token.clone()),
    };
    Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Checkpoints of a chain with `from <= seq <= to`, in order.
pub async fn checkpoints_between(
    db: &impl ConnectionTrait,
    chain_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<CheckpointRow>, sea_orm::DbErr> {
    let rows = Entity::find()
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.between(from, to))
        .order_by_asc(Column::Seq)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_row).collect())
}

/// The most recent checkpoint of a chain.
pub async fn latest_checkpoint(
    db: &impl ConnectionTrait,
    chain_id: &str,
) -> Result<Option<CheckpointRow>, sea_orm::DbErr> {
    let row = Entity::find()
        .filter(Column::ChainId.eq(chain_id))
        .order_by_desc(Column::Seq)
        .order_by_desc(Column::Id)
        .limit(1)
        .one(db)
        .await?;
    Ok(row.map(to_row))
}

/// Every checkpoint, newest first, at most `limit`.
pub async fn recent_checkpoints(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<CheckpointRow>, sea_orm::DbErr> {
    let rows = Entity::find()
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_row).collect())
}

/// The purge checkpoint a chain's first remaining event must link to.
pub async fn purge_boundary(
    db: &impl ConnectionTrait,
    chain_id: &str,
    seq: i64,
) -> Result<Option<CheckpointRow>, sea_orm::DbErr> {
    let row = Entity::find()
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.eq(seq))
        .filter(Column::Reason.eq("purge"))
        .one(db)
        .await?;
    Ok(row.map(to_row))
}

fn to_row(m: Model) -> CheckpointRow {
    CheckpointRow {
        chain_id: m.chain_id,
        seq: m.seq,
        hash: m.hash,
        signed_at: m.signed_at,
        reason: m.reason,
        token: m.token,
    }
}

//! The ledger's chains and their committed heads.

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};

use super::entities::ledger_chain::{ActiveModel, Column, Entity};

/// Where a chain ends: the last committed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub chain_id: String,
    pub seq: i64,
    pub hash: String,
}

pub async fn create_chain(
    db: &impl ConnectionTrait,
    head: &ChainHead,
    created_at: &str,
) -> Result<(), sea_orm::DbErr> {
    let row = ActiveModel {
        id: Set(head.chain_id.clone()),
        created_at: Set(created_at.to_owned()),
        head_seq: Set(head.seq),
        head_hash: Set(head.hash.clone()),
    };
    Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

pub async fn list_chains(db: &impl ConnectionTrait) -> Result<Vec<ChainHead>, sea_orm::DbErr> {
    let rows = Entity::find()
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChainHead {
            chain_id: r.id,
            seq: r.head_seq,
            hash: r.head_hash,
        })
        .collect())
}

pub async fn find_chain(
    db: &impl ConnectionTrait,
    chain_id: &str,
) -> Result<Option<ChainHead>, sea_orm::DbErr> {
    let row = Entity::find_by_id(chain_id.to_owned()).one(db).await?;
    Ok(row.map(|r| ChainHead {
        chain_id: r.id,
        seq: r.head_seq,
        hash: r.head_hash,
    }))
}

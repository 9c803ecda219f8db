//! Public halves of the token signing keys of every instance.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::entities::signing_key::{ActiveModel, Column, Entity, Model};

/// One public key as published in the JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyRow {
    pub kid: String,
    pub algorithm: String,
    /// The raw public key, base64url without padding (the JWK `x`).
    pub public_key: String,
}

/// Records a public key; a key that is already known is left as it is.
pub async fn upsert_key(
    db: &impl ConnectionTrait,
    key: &PublicKeyRow,
    created_at: &str,
) -> Result<(), sea_orm::DbErr> {
    let row = ActiveModel {
        kid: Set(key.kid.clone()),
        algorithm: Set(key.algorithm.clone()),
        public_key: Set(key.public_key.clone()),
        created_at: Set(created_at.to_owned()),
        retired_at: Set(None),
    };
    Entity::insert(row)
        .on_conflict(OnConflict::column(Column::Kid).do_nothing().to_owned())
        .do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find_key(
    db: &impl ConnectionTrait,
    kid: &str,
) -> Result<Option<PublicKeyRow>, sea_orm::DbErr> {
    let row = Entity::find_by_id(kid.to_owned())
        .filter(Column::RetiredAt.is_null())
        .one(db)
        .await?;
    Ok(row.map(to_public))
}

pub async fn active_keys(db: &impl ConnectionTrait) -> Result<Vec<PublicKeyRow>, sea_orm::DbErr> {
    let rows = Entity::find()
        .filter(Column::RetiredAt.is_null())
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_public).collect())
}

fn to_public(m: Model) -> PublicKeyRow {
    PublicKeyRow {
        kid: m.kid,
        algorithm: m.algorithm,
        public_key: m.public_key,
    }
}

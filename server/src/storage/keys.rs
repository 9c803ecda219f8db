//! Public halves of the signing keys of every instance, and their life:
//! a key signs until it is rotated, verifies tokens until the last token it
//! signed has expired (`retired_at`), and verifies ledger statements for as
//! long as they exist, unless it was revoked (it leaked): then nothing it
//! signed counts any more.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
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

/// A key and where it is in its life, for `keys list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyState {
    pub key: PublicKeyRow,
    pub created_at: String,
    /// After this time no token it signed is accepted.
    pub retired_at: Option<String>,
    pub revoked_at: Option<String>,
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
        revoked_at: Set(None),
    };
    Entity::insert(row)
        .on_conflict(OnConflict::column(Column::Kid).do_nothing().to_owned())
        .do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Keys that verify consent tokens at `now` (ledger time): not revoked,
/// not past their retirement.
fn verifies_tokens(now: &str) -> Condition {
    Condition::all().add(Column::RevokedAt.is_null()).add(
        Condition::any()
            .add(Column::RetiredAt.is_null())
            .add(Column::RetiredAt.gt(now)),
    )
}

/// The key named `kid`, if it verifies consent tokens now.
pub async fn find_key(
    db: &impl ConnectionTrait,
    kid: &str,
) -> Result<Option<PublicKeyRow>, sea_orm::DbErr> {
    let row = Entity::find_by_id(kid.to_owned())
        .filter(verifies_tokens(&crate::clock::now()))
        .one(db)
        .await?;
    Ok(row.map(to_public))
}

/// Every key that verifies consent tokens now: the JWKS.
pub async fn active_keys(db: &impl ConnectionTrait) -> Result<Vec<PublicKeyRow>, sea_orm::DbErr> {
    let rows = Entity::find()
        .filter(verifies_tokens(&crate::clock::now()))
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_public).collect())
}

/// The key named `kid`, if its ledger statements (checkpoints, seals)
/// still count: any key that was not revoked, retired or not.
pub async fn find_statement_key(
    db: &impl ConnectionTrait,
    kid: &str,
) -> Result<Option<PublicKeyRow>, sea_orm::DbErr> {
    let row = Entity::find_by_id(kid.to_owned())
        .filter(Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(row.map(to_public))
}

/// Every key whose ledger statements count, for auditors' offline checks.
pub async fn statement_keys(
    db: &impl ConnectionTrait,
) -> Result<Vec<PublicKeyRow>, sea_orm::DbErr> {
    let rows = Entity::find()
        .filter(Column::RevokedAt.is_null())
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(to_public).collect())
}

/// Every key ever published, oldest first.
pub async fn list_keys(db: &impl ConnectionTrait) -> Result<Vec<KeyState>, sea_orm::DbErr> {
    let rows = Entity::find()
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| KeyState {
            created_at: m.created_at.clone(),
            retired_at: m.retired_at.clone(),
            revoked_at: m.revoked_at.clone(),
            key: to_public(m),
        })
        .collect())
}

/// Sets when `kid` stops verifying tokens (the rotation's horizon); returns
/// whether such a key exists.
pub async fn retire_key(
    db: &impl ConnectionTrait,
    kid: &str,
    after: &str,
) -> Result<bool, sea_orm::DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::RetiredAt, Expr::value(after))
        .filter(Column::Kid.eq(kid))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes `kid` at `at` (kept if already revoked); returns whether it exists.
pub async fn revoke_key(
    db: &impl ConnectionTrait,
    kid: &str,
    at: &str,
) -> Result<bool, sea_orm::DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::col(Column::RevokedAt).if_null(at))
        .filter(Column::Kid.eq(kid))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

fn to_public(m: Model) -> PublicKeyRow {
    PublicKeyRow {
        kid: m.kid,
        algorithm: m.algorithm,
        public_key: m.public_key,
    }
}

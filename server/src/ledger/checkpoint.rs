//! Signed checkpoints: the server attests "chain C had hash H at seq N".
//! Kept in the database and put into exports, they let an auditor check a
//! copy of the ledger without trusting the server that handed it over.

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::storage::{self, CheckpointRow};
use crate::tokens::SigningKey;

/// The claims of a checkpoint JWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointClaims {
    pub iss: String,
    /// Always `checkpoint`.
    pub typ: String,
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    pub iat: i64,
    pub reason: String,
}

/// Signs one position of a chain.
pub fn sign(
    key: &SigningKey,
    issuer: &str,
    chain: &str,
    seq: i64,
    hash: &str,
    reason: &str,
) -> CheckpointRow {
    let now = time::OffsetDateTime::now_utc();
    let claims = CheckpointClaims {
        iss: issuer.to_owned(),
        typ: "checkpoint".to_owned(),
        chain: chain.to_owned(),
        seq,
        hash: hash.to_owned(),
        iat: now.unix_timestamp(),
        reason: reason.to_owned(),
    };
    CheckpointRow {
        chain_id: chain.to_owned(),
        seq,
        hash: hash.to_owned(),
        signed_at: crate::clock::format(now),
        reason: reason.to_owned(),
        token: key.sign(&claims),
    }
}

/// Signs and stores the head of every chain that has moved since its last
/// checkpoint. Returns the new checkpoints.
///
/// # Errors
/// When the database cannot be read or written.
pub async fn checkpoint_heads(
    db: &impl ConnectionTrait,
    key: &SigningKey,
    issuer: &str,
    reason: &str,
) -> Result<Vec<CheckpointRow>, sea_orm::DbErr> {
    let mut made = Vec::new();
    for head in storage::list_chains(db).await? {
        let latest = storage::latest_checkpoint(db, &head.chain_id).await?;
        if head.seq == 0 || latest.is_some_and(|c| c.seq == head.seq) {
            continue;
        }
        let row = sign(key, issuer, &head.chain_id, head.seq, &head.hash, reason);
        storage::insert_checkpoint(db, &row).await?;
        made.push(row);
    }
    Ok(made)
}

//! Everything that touches the database. Functions take any connection or
//! transaction and speak in domain types; entities stay in here.

mod chains;
mod connect;
mod entities;
mod events;
mod keys;

pub use chains::{ChainHead, create_chain, find_chain, list_chains, update_head};
pub use connect::{connect, migrate};
pub use events::{
    chain_page, count_events, events_of, insert_events, max_seq, orphan_chains, redact_subject,
};
pub use keys::{PublicKeyRow, active_keys, find_key, upsert_key};

/// A database failure, or a row that no longer decodes.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("event row {id} does not decode: {reason}")]
    Corrupt { id: i64, reason: String },
}

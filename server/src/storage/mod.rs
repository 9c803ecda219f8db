//! Everything that touches the database. Functions take any connection or
//! transaction and speak in domain types; entities stay in here.

mod append;
mod archive_cache;
mod auditors;
mod chain_pages;
mod chains;
mod checkpoints;
mod connect;
mod entities;
mod events;
mod key_cache;
mod keys;
mod policies;
mod published_keys;
mod read_batches;
mod scratch;
mod sqlite_append;
mod sqlite_file;
mod subject_reads;
mod subjects;

pub use append::{Erasure, append_batch};
pub use archive_cache::{ArchiveCache, CachedPolicy};
pub use auditors::{
    AuditorRow, audit_entries, find_auditor, insert_auditor, list_auditors, log_audit,
    revoke_auditor,
};
pub use chain_pages::ChainPages;
pub use chains::{ChainHead, create_chain, find_chain, list_chains};
pub use checkpoints::{
    CheckpointRow, checkpoints_between, insert_checkpoint, latest_checkpoint, purge_boundary,
    recent_checkpoints,
};
pub use connect::{WriterStore, connect, connect_writer, migrate};
pub use events::{
    chain_page, chain_range, count_events, delete_through, events_of, first_seq_since, hash_at,
    max_seq, min_seq, orphan_chains, stats_page,
};
pub use key_cache::KeyCache;
pub use keys::{
    KeyState, PublicKeyRow, active_keys, find_key, find_statement_key, list_keys, retire_key,
    revoke_key, statement_keys, upsert_key,
};
pub use policies::{
    ArchivedPolicy, PolicyUse, archive_policy, archived_hashes, archived_policies,
    find_archived_policy, policy_uses,
};
pub use published_keys::PublishedKeys;
pub use scratch::{create_scratch, drop_scratch};
pub use sqlite_append::SqliteAppender;
pub use subject_reads::SubjectReads;
pub use subjects::{SubjectState, subject_state};

/// A database failure, or a row that no longer decodes.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// `seq` is the row's, when that much of it still reads.
    #[error("event row {id} does not decode: {reason}")]
    Corrupt {
        id: i64,
        seq: Option<i64>,
        reason: String,
    },
}

impl StorageError {
    /// The same failure again, for another reader of one failed query
    /// (`DbErr` does not clone): still a lost database where it was one
    /// (answered 503), else an internal error with the same message.
    fn again(&self) -> Self {
        use sea_orm::{DbErr, RuntimeErr};
        match self {
            Self::Db(e) if unreachable(e) => {
                Self::Db(DbErr::Conn(RuntimeErr::Internal(e.to_string())))
            }
            other => Self::Db(DbErr::Custom(other.to_string())),
        }
    }
}

/// The database could not be reached or its connection was lost (it
/// restarted, a proxy dropped the session): try again, a 503, not a fault
/// of ours. The pools drop such a connection, so a retry finds a new one.
pub fn unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Query(RuntimeErr::SqlxError(s)) | DbErr::Exec(RuntimeErr::SqlxError(s)) => s,
        _ => return false,
    };
    matches!(
        sqlx,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    ) || sqlx
        .as_database_error()
        .and_then(|d| d.code())
        // Class 57P: the server is shutting down or terminated the session.
        .is_some_and(|code| code.starts_with("57P"))
}

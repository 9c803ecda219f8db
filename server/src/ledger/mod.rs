//! The consent ledger: append-only, hash-chained events.
//!
//! Each writer process owns one chain, so several servers append to one
//! database without a global lock and without forking a chain. Within a chain
//! every event commits to its predecessor's hash; see [`canonical`] for the
//! exact bytes that are hashed.

pub mod canonical;
pub mod checkpoint;
mod export;
mod export_file;
mod export_line;
mod offline;
pub mod purge;
mod verify;
mod writer;

pub use export::{ChainSpan, ExportFilter, Exporter, SealClaims};
pub use export_file::{FileError, Format, kept_positions, verify_export, verify_export_against};
pub use export_line::{
    CheckpointLine, CsvLayout, Line, PolicyLine, SealLine, Signature, WIDTH, columns,
};
pub use offline::{Broken, Kept, OfflineReport, OfflineVerifier};
pub use verify::{Tamper, VerifyError, VerifyReport, verify_database};
pub use writer::{AppendError, LedgerWriter};

/// `prev_hash` of the first event of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

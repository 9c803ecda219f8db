//! The use cases of a consent: record, read, withdraw and erase. This is the
//! one place that decides who may do what to a consent id; the API routes,
//! the visitor's page and the command line all call these functions.
//!
//! The rule: a consent id alone is never a credential. Changing, reading or
//! erasing a consent takes a [`Holder`], which only [`authenticate`] makes,
//! from a token this server signed for that id, and only while the ledger
//! holds the id and has not seen it withdrawn. A withdrawal is final: every
//! token of the id stops working at once, on every instance.
//!
//! ```no_run
//! # async fn run(db: &sea_orm::DatabaseConnection, token: &str,
//! #     keys: &consent_server::storage::KeyCache,
//! #     archive: &consent_server::storage::ArchiveCache) -> Result<(), consent_server::consents::ConsentError> {
//! use consent_server::{consents, storage::SubjectReads};
//! let reads = SubjectReads::new(db.clone());
//! let holder = consents::authenticate(&reads, keys, "nexxt-consent", token).await?;
//! let history = consents::history(db, archive, &holder).await?;
//! assert_eq!(history.consent_id, holder.consent_id().to_string());
//! # Ok(()) }
//! ```

mod erase;
mod error;
mod history;
mod holder;
mod record;

pub use erase::{Erasure, erase, erase_by_operator};
pub use error::ConsentError;
pub use history::{ConsentHistory, PolicyProof, history, history_now};
pub use holder::{Holder, authenticate};
pub use record::{Recorded, record};

use policies::PolicySet;

use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;

/// What the use cases that write work with: this process's ledger writer,
/// the policies in force and the metrics they count into. Recording reads
/// nothing from the database; those that do take it beside this.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub writer: &'a LedgerWriter,
    pub policies: &'a PolicySet,
    pub metrics: &'a Metrics,
}

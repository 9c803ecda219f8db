//! Appending a batch of chained events and the chain's new head to
//! PostgreSQL: one atomic unit of work in one round trip. (SQLite's writer
//! has a connection of its own: `sqlite_append`.)
//!
//! The writer used to spend four round trips on a batch (BEGIN, INSERT,
//! UPDATE, COMMIT); under load every one of them waited for a free core.
//! One round trip keeps the atomicity (no event without its head, no head
//! without its events) without them.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, Values};

use super::chains::ChainHead;
use super::events::insert;
use crate::clock::LedgerTime;
use crate::domain::{ConsentId, StoredEvent};

/// A subject whose earlier events the batch redacts (a withdrawal with
/// erasure among its events).
pub struct Erasure<'a> {
    pub site: &'a str,
    pub consent_id: ConsentId,
    /// When it was erased.
    pub at: LedgerTime,
}

/// The redaction of one subject's personal fields, with its three
/// parameters (time, site, consent id) named by `p`. Events stored already
/// redacted (the withdrawal itself) are left as they are.
pub(super) fn redaction(p: impl Fn(usize) -> String) -> String {
    format!(
        r#"UPDATE "consent_events" SET "url" = NULL, "ip_prefix" = NULL, "user_agent" = NULL, "personal_salt" = NULL, "redacted_at" = {} WHERE "site" = {} AND "consent_id" = {} AND "redacted_at" IS NULL"#,
        p(0),
        p(1),
        p(2)
    )
}

/// Inserts `events` exactly as given (the writer has chained them), moves
/// their chain's head to `head` and redacts the subjects of `erasures`, all
/// or nothing, in one PostgreSQL statement. The chain's row exists: the
/// writer creates it before its first batch, and nothing deletes it.
///
/// # Errors
/// The database's error; then nothing of the batch is stored.
pub async fn append_batch(
    db: &DatabaseConnection,
    events: &[StoredEvent],
    head: &ChainHead,
    erasures: &[Erasure<'_>],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let insert = backend.build(&insert(events));
    let mut values = insert.values.map_or_else(Vec::new, |v| v.0);
    // A data-modifying CTE runs in the same statement, so in the same
    // implicit transaction, as the UPDATE around it. The redactions are
    // CTEs of the same statement. They see the table as it was before it:
    // the new withdrawal, stored already redacted, needs nothing.
    let mut ctes = format!("appended AS ({})", insert.sql);
    for (i, erasure) in erasures.iter().enumerate() {
        let n = values.len();
        ctes.push_str(&format!(
            ", erased{i} AS ({})",
            redaction(|k| format!("${}", n + k + 1))
        ));
        values.extend(erasure_values(erasure));
    }
    let n = values.len();
    values.extend([
        head.seq.into(),
        head.hash.clone().into(),
        head.chain_id.clone().into(),
    ]);
    let sql = format!(
        r#"WITH {ctes} UPDATE "ledger_chains" SET "head_seq" = ${}, "head_hash" = ${} WHERE "id" = ${}"#,
        n + 1,
        n + 2,
        n + 3
    );
    let statement = Statement::from_sql_and_values(backend, sql, Values(values));
    db.execute(statement).await.map(drop)
}

fn erasure_values(erasure: &Erasure<'_>) -> [sea_orm::Value; 3] {
    [
        erasure.at.to_string().into(),
        erasure.site.to_owned().into(),
        erasure.consent_id.to_string().into(),
    ]
}

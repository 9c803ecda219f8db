//! Appending a batch of chained events and the chain's new head to
//! PostgreSQL: one atomic unit of work in one round trip. (SQLite's writer
//! has a connection of its own: `sqlite_append`.)
//!
//! The writer used to spend four round trips on a batch (BEGIN, INSERT,
//! UPDATE, COMMIT); under load every one of them waited for a free core.
//! One round trip keeps the atomicity (no event without its head, no head
//! without its events) without them.

use sea_orm::{DatabaseConnection, DbErr};

use super::chains::ChainHead;
use super::events::column_list;
use crate::clock::LedgerTime;
use crate::domain::{Cell, ConsentId, FIELDS, Kind, StoredEvent};

/// A subject whose earlier events the batch redacts (a withdrawal with
/// erasure among its events).
pub struct Erasure<'a> {
    pub site: &'a str,
    pub consent_id: ConsentId,
    /// When it was erased.
    pub at: LedgerTime,
}

/// What an erasure clears: the subject's personal fields and their salt,
/// stamped with the time `at`, in every event of `site` and `consent_id`
/// not redacted yet (the withdrawal itself is stored redacted). `from` is
/// where those three come from, when not from parameters. The one
/// statement both backends run, with their own placeholders.
pub(super) fn redaction(at: &str, from: &str, site: &str, consent_id: &str) -> String {
    format!(
        r#"UPDATE "consent_events" AS c SET "url" = NULL, "ip_prefix" = NULL, "user_agent" = NULL, "personal_salt" = NULL, "redacted_at" = {at}{from} WHERE c."site" = {site} AND c."consent_id" = {consent_id} AND c."redacted_at" IS NULL"#
    )
}

/// Inserts `events` exactly as given (the writer has chained them), moves
/// their chain's head to `head` and redacts the subjects of `erasures`, all
/// or nothing, in one PostgreSQL statement. The chain's row exists: the
/// writer creates it before its first batch, and nothing deletes it.
///
/// Each column travels as one array (`UNNEST`), so the statement has the
/// same shape for every batch size (two: with and without erasures) and
/// PostgreSQL parses and plans it once a connection, where a multi-row
/// `VALUES` list was a new statement, with 21 parameters an event, for
/// every batch size.
///
/// # Errors
/// The database's error; then nothing of the batch is stored.
pub async fn append_batch(
    db: &DatabaseConnection,
    events: &[StoredEvent],
    head: &ChainHead,
    erasures: &[Erasure<'_>],
) -> Result<(), DbErr> {
    let mut query = sqlx::query(statement(!erasures.is_empty()));
    let mut columns: Vec<Column> = FIELDS
        .iter()
        .map(|f| Column::of(f.kind, events.len()))
        .collect();
    for event in events {
        let mut column = columns.iter_mut();
        event.for_each_cell(|_, cell| {
            column.next().expect("one column a field").push(cell);
        });
    }
    for column in columns {
        query = match column {
            Column::Text(values) => query.bind(values),
            Column::Int(values) => query.bind(values),
            Column::Bool(values) => query.bind(values),
        };
    }
    if !erasures.is_empty() {
        let at: Vec<String> = erasures.iter().map(|e| e.at.to_string()).collect();
        let sites: Vec<&str> = erasures.iter().map(|e| e.site).collect();
        let ids: Vec<String> = erasures.iter().map(|e| e.consent_id.to_string()).collect();
        query = query.bind(at).bind(sites).bind(ids);
    }
    query
        .bind(head.seq)
        .bind(&head.hash)
        .bind(&head.chain_id)
        .execute(db.get_postgres_connection_pool())
        .await
        .map(drop)
        .map_err(|e| DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)))
}

/// One column of a batch, in the type of its array parameter.
enum Column<'a> {
    Text(Vec<Option<std::borrow::Cow<'a, str>>>),
    Int(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
}

impl<'a> Column<'a> {
    fn of(kind: Kind, capacity: usize) -> Self {
        match kind {
            Kind::Text => Self::Text(Vec::with_capacity(capacity)),
            Kind::Int => Self::Int(Vec::with_capacity(capacity)),
            Kind::Bool => Self::Bool(Vec::with_capacity(capacity)),
        }
    }

    fn push(&mut self, cell: Cell<'a>) {
        match (self, cell) {
            (Self::Text(v), Cell::Text(t)) => v.push(Some(t)),
            (Self::Int(v), Cell::Int(n)) => v.push(Some(n)),
            (Self::Bool(v), Cell::Bool(b)) => v.push(Some(b)),
            (Self::Text(v), _) => v.push(None),
            (Self::Int(v), _) => v.push(None),
            (Self::Bool(v), _) => v.push(None),
        }
    }
}

/// The batch statement: the events' columns as `$1`… in table order, then
/// (`with_erasures`) the erasures' times, sites and consent ids, then the
/// new head. Two shapes, not one: a prepared statement's generic plan for
/// the redaction does not know that its arrays are empty and scans the
/// table (measured: writes at half the rate).
fn statement(with_erasures: bool) -> &'static str {
    static PLAIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static ERASING: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let build = || {
        let arrays: Vec<String> = FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let kind = match f.kind {
                    Kind::Text => "text",
                    Kind::Int => "bigint",
                    Kind::Bool => "boolean",
                };
                format!("${}::{kind}[]", i + 1)
            })
            .collect();
        let mut next = FIELDS.len() + 1;
        let mut ctes = format!(
            r#"appended AS (INSERT INTO "consent_events" ({}) SELECT * FROM UNNEST({}))"#,
            column_list(),
            arrays.join(", ")
        );
        if with_erasures {
            // The redaction sees the table as it was before the statement:
            // the new withdrawal, stored already redacted, needs nothing.
            ctes.push_str(&format!(", erased AS ({})", redaction_of_each(next)));
            next += 3;
        }
        format!(
            r#"WITH {ctes} UPDATE "ledger_chains" SET "head_seq" = ${}, "head_hash" = ${} WHERE "id" = ${}"#,
            next,
            next + 1,
            next + 2
        )
    };
    if with_erasures {
        ERASING.get_or_init(build)
    } else {
        PLAIN.get_or_init(build)
    }
}

/// The redaction of every subject in the arrays `$first` (times),
/// `$first + 1` (sites) and `$first + 2` (consent ids).
fn redaction_of_each(first: usize) -> String {
    let from = format!(
        " FROM UNNEST(${first}::text[], ${}::text[], ${}::text[]) AS e(at, site, consent_id)",
        first + 1,
        first + 2
    );
    redaction("e.at", &from, "e.site", "e.consent_id")
}

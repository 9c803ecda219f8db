//! The SQLite ledger writer's own connection: batches appended through
//! SQLite itself, on the writer's thread, with statements prepared once.
//!
//! Through sqlx every batch was one multi-row INSERT built as text (a new
//! statement for every batch size, parsed and prepared again), its values
//! boxed into sea-query's and then sqlx's own, and handed to sqlx's worker
//! thread and back: a profile of writes at peak had the writer's tokio
//! task and that worker thread at a third of the server's time between
//! them. Here one thread chains, binds each cell straight from the event
//! and commits.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Statement, ToSql, params};

use super::append::{Erasure, redaction};
use super::chains::ChainHead;
use super::events::column_list;
use crate::domain::{Action, Cell, ConsentId, FIELDS, StoredEvent};

/// The writer's connection to a SQLite ledger file.
pub struct SqliteAppender {
    connection: Connection,
    insert: String,
}

impl SqliteAppender {
    /// Opens the ledger at `path` (migrated already) for appending: a
    /// commit is durable when it returns (`synchronous = FULL` in WAL mode,
    /// as the pool's connections), and the index pages a batch touches stay
    /// in a 64 MiB page cache of its own.
    ///
    /// # Errors
    /// When the file cannot be opened for writing.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags)?;
        // Another process appending to its own chain holds the write lock
        // for one batch at a time.
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.pragma_update(None, "journal_mode", "wal")?;
        connection.pragma_update(None, "synchronous", "full")?;
        connection.pragma_update(None, "foreign_keys", true)?;
        // A batch keeps a statement journal; in memory, not a temporary file.
        connection.pragma_update(None, "temp_store", "memory")?;
        connection.pragma_update(None, "cache_size", -65_536)?;
        let slots: Vec<String> = (1..=FIELDS.len()).map(|i| format!("?{i}")).collect();
        let insert = format!(
            r#"INSERT INTO "consent_events" ({}) VALUES ({})"#,
            column_list(),
            slots.join(", ")
        );
        Ok(Self { connection, insert })
    }

    /// Stores a new chain's row.
    ///
    /// # Errors
    /// SQLite's.
    pub fn create_chain(&self, head: &ChainHead, created_at: &str) -> rusqlite::Result<()> {
        self.connection.execute(
            r#"INSERT INTO "ledger_chains" ("id", "created_at", "head_seq", "head_hash") VALUES (?1, ?2, ?3, ?4)"#,
            params![head.chain_id, created_at, head.seq, head.hash],
        )?;
        Ok(())
    }

    /// The committed head of a chain.
    ///
    /// # Errors
    /// SQLite's.
    pub fn find_chain(&self, chain_id: &str) -> rusqlite::Result<Option<ChainHead>> {
        let mut statement = self.connection.prepare_cached(
            r#"SELECT "head_seq", "head_hash" FROM "ledger_chains" WHERE "id" = ?1"#,
        )?;
        let mut rows = statement.query([chain_id])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        Ok(Some(ChainHead {
            chain_id: chain_id.to_owned(),
            seq: row.get(0)?,
            hash: row.get(1)?,
        }))
    }

    /// Whether the ledger holds a withdrawal of `consent_id` on `site`.
    ///
    /// # Errors
    /// SQLite's.
    pub fn is_withdrawn(&self, site: &str, consent_id: ConsentId) -> rusqlite::Result<bool> {
        let mut statement = self.connection.prepare_cached(
            r#"SELECT 1 FROM "consent_events" WHERE "site" = ?1 AND "consent_id" = ?2 AND "action" = ?3 LIMIT 1"#,
        )?;
        statement.exists(params![
            site,
            consent_id.to_string(),
            Action::Withdrawn.as_str()
        ])
    }

    /// Inserts `events` exactly as given, moves their chain's head to
    /// `head` and redacts the subjects of `erasures`, all or nothing, as
    /// [`append_batch`](super::append_batch) does through the pool.
    ///
    /// # Errors
    /// SQLite's; then nothing of the batch is stored.
    pub fn append_batch(
        &mut self,
        events: &[StoredEvent],
        head: &ChainHead,
        erasures: &[Erasure<'_>],
    ) -> rusqlite::Result<()> {
        // IMMEDIATE: the write lock is taken (or waited for) before the
        // first insert, never upgraded halfway through the batch.
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert = transaction.prepare_cached(&self.insert)?;
            for event in events {
                insert_event(&mut insert, event)?;
            }
            let mut move_head = transaction.prepare_cached(
                r#"UPDATE "ledger_chains" SET "head_seq" = ?1, "head_hash" = ?2 WHERE "id" = ?3"#,
            )?;
            move_head.execute(params![head.seq, head.hash, head.chain_id])?;
            if !erasures.is_empty() {
                let mut redact = transaction.prepare_cached(&redaction("?1", "", "?2", "?3"))?;
                for erasure in erasures {
                    redact.execute(params![
                        erasure.at.to_string(),
                        erasure.site,
                        erasure.consent_id.to_string()
                    ])?;
                }
            }
        }
        // Dropped without commit on any error above: rolled back.
        transaction.commit()
    }
}

/// Binds every cell of `event`, in table order, and runs the insert.
fn insert_event(insert: &mut Statement<'_>, event: &StoredEvent) -> rusqlite::Result<()> {
    let mut bound = Ok(());
    let mut index = 0;
    event.for_each_cell(|_, cell| {
        index += 1;
        if bound.is_ok() {
            bound = bind(insert, index, &cell);
        }
    });
    bound?;
    insert.raw_execute().map(drop)
}

fn bind(statement: &mut Statement<'_>, index: usize, cell: &Cell<'_>) -> rusqlite::Result<()> {
    let value: &dyn ToSql = match cell {
        Cell::Absent => &rusqlite::types::Null,
        Cell::Text(text) => text,
        Cell::Int(n) => n,
        Cell::Bool(b) => b,
    };
    statement.raw_bind_parameter(index, value)
}

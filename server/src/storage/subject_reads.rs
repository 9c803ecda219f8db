//! One subject's events, read for every token-verified request: on SQLite
//! on the request's own thread, elsewhere through the pool.
//!
//! Profiled under `GET /v1/consents/{id}`, 41% of the server's time went to
//! waking sqlx's SQLite worker thread and switching to it and back: once
//! for the statement and once a row. The read is an index lookup of a few
//! rows, shorter than those switches; each server thread now keeps a
//! connection of its own to the ledger file and runs it in place, with the
//! statement prepared once. A WAL reader never waits for the writer, and
//! it sees every commit acknowledged before the read began.

use std::cell::RefCell;

use rusqlite::Connection;
use sea_orm::DatabaseConnection;

use super::StorageError;
use super::sqlite_file::{SqliteFile, read_events, select_events};
use crate::domain::StoredEvent;

/// Reads of one subject's events.
pub struct SubjectReads {
    db: DatabaseConnection,
    file: Option<SqliteFile>,
}

/// More than one ledger a thread is a test process; bound what it keeps.
const KEPT_PER_THREAD: usize = 4;

thread_local! {
    /// This thread's read connections, one a ledger file (a test process
    /// runs several servers).
    static CONNECTIONS: RefCell<Vec<(SqliteFile, Connection)>> = const { RefCell::new(Vec::new()) };
}

impl SubjectReads {
    pub fn new(db: DatabaseConnection) -> Self {
        let file = SqliteFile::of(&db);
        Self { db, file }
    }

    /// The pool, for everything else a request reads.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Every event of `consent_id` on `site`, oldest first, as
    /// [`events_of`](super::events_of) reads them.
    ///
    /// # Errors
    /// When the database fails or a row does not decode.
    pub async fn events_of(
        &self,
        site: &str,
        consent_id: &str,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let Some(file) = &self.file else {
            return super::events_of(&self.db, site, consent_id).await;
        };
        let sql = select_events(
            r#"WHERE "site" = ?1 AND "consent_id" = ?2 ORDER BY "recorded_at", "id""#,
        );
        CONNECTIONS.with_borrow_mut(|connections| {
            let index = match connections.iter().position(|(f, _)| f == file) {
                Some(index) => index,
                None => {
                    if connections.len() == KEPT_PER_THREAD {
                        connections.remove(0);
                    }
                    connections.push((file.clone(), file.open()?));
                    connections.len() - 1
                }
            };
            let events = read_events(&connections[index].1, &sql, [site, consent_id])?;
            Ok(events.into_iter().map(|(_, e)| e).collect())
        })
    }
}

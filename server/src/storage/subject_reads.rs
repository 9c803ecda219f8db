//! One subject's events, read for every token-verified request, on
//! connections of the request's own thread.
//!
//! Profiled under `GET /v1/consents/{id}`, 41% of the server's time went to
//! waking sqlx's SQLite worker thread and switching to it and back: once
//! for the statement and once a row. The read is an index lookup of a few
//! rows, shorter than those switches; each server thread now keeps a
//! connection of its own to the ledger file and runs it in place, with the
//! statement prepared once. A WAL reader never waits for the writer, and
//! it sees every commit acknowledged before the read began.
//!
//! On PostgreSQL the same switches came from the shared pool: a pooled
//! connection's socket belongs to the runtime that opened it, so its
//! answer woke that runtime's thread, which then woke the request's. Each
//! server thread (its own runtime) now keeps a small pool of its own,
//! opened lazily on that thread: the answer wakes the thread that waits,
//! and the reads it has waiting go as one query (`read_batches`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::Connection;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, SqlxPostgresConnector};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::StorageError;
use super::read_batches::{self, Gathering};
use super::sqlite_file::{SqliteFile, read_events, select_events};
use crate::domain::StoredEvent;

/// Reads of one subject's events.
pub struct SubjectReads {
    db: DatabaseConnection,
    own: Own,
}

/// What each thread opens for itself.
enum Own {
    Sqlite(SqliteFile),
    /// The options of the shared pool, and which server's they are.
    Postgres(u64, Box<PgConnectOptions>),
    /// Neither (an in-memory database): the shared pool.
    Nothing,
}

/// More than one ledger a thread is a test process; bound what it keeps.
const KEPT_PER_THREAD: usize = 4;

thread_local! {
    /// This thread's read connections, one a ledger file (a test process
    /// runs several servers).
    static CONNECTIONS: RefCell<Vec<(SqliteFile, Connection)>> = const { RefCell::new(Vec::new()) };
    /// This thread's PostgreSQL pools, one a server (by its number), each
    /// with its gathering of reads.
    static POOLS: RefCell<Vec<(u64, Rc<Gathering>)>> = const { RefCell::new(Vec::new()) };
}

/// Numbers the servers of a process, to key the pools above.
static SERVERS: AtomicU64 = AtomicU64::new(0);

impl SubjectReads {
    pub fn new(db: DatabaseConnection) -> Self {
        let own = match (db.get_database_backend(), SqliteFile::of(&db)) {
            (_, Some(file)) => Own::Sqlite(file),
            (DbBackend::Postgres, None) => Own::Postgres(
                SERVERS.fetch_add(1, Ordering::Relaxed),
                Box::new(
                    db.get_postgres_connection_pool()
                        .connect_options()
                        .as_ref()
                        .clone(),
                ),
            ),
            _ => Own::Nothing,
        };
        Self { db, own }
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
        let file = match &self.own {
            Own::Sqlite(file) => file,
            Own::Postgres(server, options) => {
                let gathering = thread_gathering(*server, options);
                return gathering.events_of(site, consent_id).await;
            }
            Own::Nothing => return super::events_of(&self.db, site, consent_id).await,
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

/// This thread's reads for `server`, their pool opened (lazily: no
/// connection yet) on first use. Cloning it out lets the query run without
/// the borrow.
fn thread_gathering(server: u64, options: &PgConnectOptions) -> Rc<Gathering> {
    POOLS.with_borrow_mut(|pools| {
        if let Some((_, gathering)) = pools.iter().find(|(s, _)| *s == server) {
            return Rc::clone(gathering);
        }
        if pools.len() == KEPT_PER_THREAD {
            pools.remove(0);
        }
        let pool = PgPoolOptions::new()
            .max_connections(read_batches::LEADERS)
            // As the shared pool (`connect`): no round trip before each query.
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(60))
            .connect_lazy_with(options.clone());
        let gathering = Gathering::new(SqlxPostgresConnector::from_sqlx_postgres_pool(pool));
        pools.push((server, Rc::clone(&gathering)));
        gathering
    })
}

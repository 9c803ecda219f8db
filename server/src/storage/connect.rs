//! Opening the database named by a URL: SQLite or PostgreSQL, one code path.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use super::sqlite_append::SqliteAppender;
use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, SqlxSqliteConnector};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Connects to `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite is opened in WAL mode with `synchronous = FULL`: a commit the server
/// acknowledged survives a power cut, and readers never block the writer.
///
/// # Errors
/// When the database cannot be reached or created.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_pool(url, Role::Shared).await
}

/// Where the ledger writer appends.
pub enum WriterStore {
    /// A SQLite ledger: a connection of the writer's own, used on the
    /// writer's own thread.
    Sqlite(SqliteAppender),
    /// PostgreSQL: a small pool of the writer's own, so readers never
    /// starve it.
    Pool(DatabaseConnection),
}

/// The ledger writer's own store for `url`. On SQLite that is one
/// connection with a larger page cache: the index pages a batch touches
/// stay in memory, where a connection taken from the shared pool would
/// first re-read what another connection's commit invalidated.
///
/// # Errors
/// When the database cannot be reached, or `url` is an in-memory SQLite
/// database (the writer's connection would see a database of its own).
pub async fn connect_writer(url: &str) -> anyhow::Result<WriterStore> {
    if url.starts_with("sqlite:") {
        let options =
            SqliteConnectOptions::from_str(url).context("while parsing the SQLite URL")?;
        let path = options.get_filename();
        anyhow::ensure!(
            path != Path::new(":memory:"),
            "the ledger needs a SQLite file, not an in-memory database: \
             its writer and readers are connections of their own"
        );
        let appender = SqliteAppender::open(path)
            .with_context(|| format!("while opening {} for the ledger writer", path.display()))?;
        return Ok(WriterStore::Sqlite(appender));
    }
    Ok(WriterStore::Pool(connect_pool(url, Role::Writer).await?))
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Shared,
    Writer,
}

async fn connect_pool(url: &str, role: Role) -> anyhow::Result<DatabaseConnection> {
    let postgres_connections = match role {
        Role::Shared => 16,
        Role::Writer => 2,
    };
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .context("while parsing the SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // A batch insert keeps a statement journal (to undo itself if a
            // row breaks a constraint); past 64 KiB SQLite spills it to a
            // temporary file, which a batch of consents always did.
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("while opening the SQLite database")?;
        return Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool));
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(postgres_connections)
        .connect_timeout(Duration::from_secs(10))
        // A test before each use is a round trip before each query
        // (profiled: 7% of a read's CPU). A connection that died (the
        // database restarted) fails its next statement instead, which
        // answers 503 or refuses the batch, and the pool drops it.
        .test_before_acquire(false)
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .context("while connecting to the database (check --database-url)")
}

/// Applies every pending migration.
///
/// # Errors
/// When a migration fails; the database is left at the last one that succeeded.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("while applying database migrations")
}

//! Opening the database named by a URL: SQLite or PostgreSQL, one code path.

use std::str::FromStr;
use std::time::Duration;

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
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .context("while parsing the SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("while opening the SQLite database")?;
        return Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool));
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(16)
        .connect_timeout(Duration::from_secs(10))
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

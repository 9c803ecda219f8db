//! A SQLite ledger read through SQLite itself, on connections of the
//! reader's own (see `chain_pages` and `subject_reads` for why).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Params};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};

use super::StorageError;
use crate::domain::{Cell, FIELDS, Kind, StoredEvent};

/// The file of a SQLite ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteFile(Arc<PathBuf>);

impl SqliteFile {
    /// `db`'s file; `None` for PostgreSQL and an in-memory database (a
    /// second connection to it would see another, empty one).
    pub fn of(db: &DatabaseConnection) -> Option<Self> {
        if db.get_database_backend() != DbBackend::Sqlite {
            return None;
        }
        let path = db
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .to_owned();
        (path != Path::new(":memory:")).then(|| Self(Arc::new(path)))
    }

    /// A connection that only reads. Read-write without create: a
    /// read-only connection cannot open a WAL database whose `-shm` file is
    /// gone (the server stopped); `query_only` keeps it from writing.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(&self) -> Result<Connection, DbErr> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Connection::open_with_flags(self.0.as_path(), flags)
            .and_then(|c| {
                c.busy_timeout(Duration::from_secs(10))?;
                c.pragma_update(None, "query_only", true)?;
                Ok(c)
            })
            .map_err(|e| DbErr::Custom(format!("opening SQLite to read: {e}")))
    }
}

pub(super) fn sqlite_error(reason: &str) -> StorageError {
    StorageError::Db(DbErr::Custom(format!("reading SQLite: {reason}")))
}

/// A query of events: the row id, then the field table's columns in order.
pub(super) fn select_events(rest: &str) -> String {
    format!(
        r#"SELECT "id", {} FROM "consent_events" {rest}"#,
        super::events::column_list()
    )
}

/// Runs a query made by [`select_events`] (prepared once a connection) and
/// decodes each row in place by the field table.
pub(super) fn read_events(
    connection: &Connection,
    sql: &str,
    params: impl Params,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let db = |e: rusqlite::Error| sqlite_error(&e.to_string());
    let mut statement = connection.prepare_cached(sql).map_err(db)?;
    let mut rows = statement.query(params).map_err(db)?;
    let seq_column = seq_column();
    let mut events = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        let id: i64 = row.get(0).map_err(db)?;
        let seq = row.get::<_, i64>(seq_column).ok();
        let corrupt = |reason: String| StorageError::Corrupt { id, seq, reason };
        let mut column = 0;
        let mut failed = None;
        let event = StoredEvent::from_cells(|field| {
            column += 1;
            match row.get_ref(column) {
                Ok(value) => cell(field.kind, value).unwrap_or_else(|reason| {
                    failed.get_or_insert(format!("`{}` {reason}", field.name));
                    Cell::Absent
                }),
                Err(e) => {
                    failed.get_or_insert(e.to_string());
                    Cell::Absent
                }
            }
        });
        if let Some(reason) = failed {
            return Err(corrupt(reason));
        }
        events.push((id, event.map_err(|e| corrupt(e.to_string()))?));
    }
    Ok(events)
}

/// Where a query of [`select_events`] has `seq`: after the row id, at its
/// place in the field table.
fn seq_column() -> usize {
    1 + FIELDS
        .iter()
        .position(|f| f.name == "seq")
        .expect("the field table has `seq`")
}

/// A stored value as the cell of a field of `kind`, borrowing its text.
fn cell(kind: Kind, value: ValueRef<'_>) -> Result<Cell<'_>, &'static str> {
    Ok(match (value, kind) {
        (ValueRef::Null, _) => Cell::Absent,
        (ValueRef::Integer(n), Kind::Int) => Cell::Int(n),
        (ValueRef::Integer(n @ (0 | 1)), Kind::Bool) => Cell::Bool(n == 1),
        (ValueRef::Text(bytes), Kind::Text) => Cell::Text(
            std::str::from_utf8(bytes)
                .map_err(|_| "is not UTF-8")?
                .into(),
        ),
        _ => return Err("has the wrong storage type"),
    })
}

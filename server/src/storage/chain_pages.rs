//! Reading a chain page after page, for an export: on SQLite straight
//! through SQLite, elsewhere through the pool.
//!
//! Profiled on a million-event export, sqlx's SQLite driver spent more
//! than a third of the time on the driver itself, not on SQLite: each row
//! crosses from its worker thread through a channel, each of its 21 values
//! is copied into a C allocation of its own and then into a `String`, and
//! every column is found by name. A connection of the exporter's own, with
//! one prepared statement on a thread of its own, reads the same rows from
//! SQLite's own buffers, decoding each cell once by its position in the
//! field table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use tokio::sync::oneshot;

use super::StorageError;
use crate::domain::{Cell, FIELDS, Kind, StoredEvent};

/// Pages of chain events in chain order.
pub enum ChainPages {
    Pool(DatabaseConnection),
    Sqlite(Reader),
}

/// A thread of the export's own that holds its SQLite connection and
/// reads one page a request. One thread for the whole export, not one of
/// tokio's blocking pool a page: the rows it allocates come from one heap,
/// and the export's peak memory stays what it was with the pool.
pub struct Reader {
    requests: std::sync::mpsc::Sender<Request>,
}

struct Request {
    chain_id: String,
    after_seq: i64,
    up_to: i64,
    limit: u64,
    reply: oneshot::Sender<Result<Vec<(i64, StoredEvent)>, StorageError>>,
}

impl Reader {
    fn spawn(connection: Connection) -> Result<Self, DbErr> {
        let (requests, inbox) = std::sync::mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("export-reader".to_owned())
            // Ends when the export drops its end of the channel.
            .spawn(move || {
                for r in inbox {
                    let page = read_page(&connection, &r.chain_id, r.after_seq, r.up_to, r.limit);
                    let _ = r.reply.send(page);
                }
            })
            .map_err(|e| DbErr::Custom(format!("starting the export's reader: {e}")))?;
        Ok(Self { requests })
    }
}

impl ChainPages {
    /// Pages of `db`'s events: a read connection of its own when `db` is
    /// a SQLite file.
    ///
    /// # Errors
    /// When the SQLite file cannot be opened a second time.
    pub fn open(db: &DatabaseConnection) -> Result<Self, DbErr> {
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(Self::Pool(db.clone()));
        }
        let path = db
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .to_owned();
        if path == Path::new(":memory:") {
            // A second connection would see another, empty database.
            return Ok(Self::Pool(db.clone()));
        }
        Reader::spawn(open_reader(&path)?).map(Self::Sqlite)
    }

    /// Up to `limit` events of a chain after `after_seq`, at most `up_to`,
    /// as [`chain_page`](super::chain_page) reads them.
    ///
    /// # Errors
    /// When the database fails or a row does not decode.
    pub async fn page(
        &mut self,
        chain_id: &str,
        after_seq: i64,
        up_to: i64,
        limit: u64,
    ) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
        let reader = match self {
            Self::Pool(db) => {
                return super::chain_page(db, chain_id, after_seq, up_to, limit).await;
            }
            Self::Sqlite(reader) => reader,
        };
        let (reply, page) = oneshot::channel();
        let request = Request {
            chain_id: chain_id.to_owned(),
            after_seq,
            up_to,
            limit,
            reply,
        };
        let gone = || sqlite_error("the export's reader stopped");
        reader.requests.send(request).map_err(|_| gone())?;
        page.await.map_err(|_| gone())?
    }
}

fn open_reader(path: &PathBuf) -> Result<Connection, DbErr> {
    // Read-write without create: a read-only connection cannot open a WAL
    // database whose `-shm` file is gone (the server stopped). It only
    // ever reads (`query_only`).
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)
        .and_then(|c| {
            c.busy_timeout(Duration::from_secs(10))?;
            c.pragma_update(None, "query_only", true)?;
            Ok(c)
        })
        .map_err(|e| DbErr::Custom(format!("opening SQLite to read: {e}")))?;
    Ok(connection)
}

fn sqlite_error(reason: &str) -> StorageError {
    StorageError::Db(DbErr::Custom(format!("reading SQLite: {reason}")))
}

/// Where the page query has `seq`: after the row id, at its place in the
/// field table.
fn seq_column() -> usize {
    1 + FIELDS
        .iter()
        .position(|f| f.name == "seq")
        .expect("the field table has `seq`")
}

/// The page query: the row id, then the field table's columns in order.
fn page_sql() -> String {
    let columns: Vec<String> = FIELDS.iter().map(|f| format!("\"{}\"", f.name)).collect();
    format!(
        r#"SELECT "id", {} FROM "consent_events" WHERE "chain_id" = ?1 AND "seq" > ?2 AND "seq" <= ?3 ORDER BY "seq" LIMIT ?4"#,
        columns.join(", ")
    )
}

fn read_page(
    connection: &Connection,
    chain_id: &str,
    after_seq: i64,
    up_to: i64,
    limit: u64,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let db = |e: rusqlite::Error| sqlite_error(&e.to_string());
    let mut statement = connection.prepare_cached(&page_sql()).map_err(db)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = statement
        .query(rusqlite::params![chain_id, after_seq, up_to, limit])
        .map_err(db)?;
    let seq_column = seq_column();
    let mut page = Vec::new();
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
        page.push((id, event.map_err(|e| corrupt(e.to_string()))?));
    }
    Ok(page)
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

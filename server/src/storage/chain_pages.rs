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

use rusqlite::Connection;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::oneshot;

use super::StorageError;
use super::sqlite_file::{SqliteFile, read_events, select_events, sqlite_error};
use crate::domain::StoredEvent;

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
        match SqliteFile::of(db) {
            Some(file) => Reader::spawn(file.open()?).map(Self::Sqlite),
            None => Ok(Self::Pool(db.clone())),
        }
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

fn read_page(
    connection: &Connection,
    chain_id: &str,
    after_seq: i64,
    up_to: i64,
    limit: u64,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let sql = select_events(
        r#"WHERE "chain_id" = ?1 AND "seq" > ?2 AND "seq" <= ?3 ORDER BY "seq" LIMIT ?4"#,
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    read_events(
        connection,
        &sql,
        rusqlite::params![chain_id, after_seq, up_to, limit],
    )
}

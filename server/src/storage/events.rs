//! Rows of the consent ledger.

use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, Select, Statement,
};

use super::StorageError;
use super::entities::consent_event::{Column, Entity};
use crate::domain::{Cell, FIELDS, Kind, StoredEvent};

/// Every event of one consent id on one site, oldest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    site: &str,
    consent_id: &str,
) -> Result<Vec<StoredEvent>, StorageError> {
    let rows = select()
        .filter(Column::Site.eq(site))
        .filter(Column::ConsentId.eq(consent_id))
        .order_by_asc(Column::RecordedAt)
        .order_by_asc(Column::Id)
        .into_model::<Row>()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| row.event.map(|(_, e)| e))
        .collect()
}

/// Every event of each `(site, consent_id)` of `subjects`, oldest first,
/// in one PostgreSQL round trip: the subjects travel as one JSON parameter,
/// so the statement has one shape whatever their number, and each is an
/// index probe. A subject named twice is read once.
///
/// # Errors
/// When the database fails or a row does not decode.
pub async fn events_of_many(
    db: &impl ConnectionTrait,
    subjects: &[(&str, &str)],
) -> Result<Vec<StoredEvent>, StorageError> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            r#"SELECT "id", {} FROM "consent_events" WHERE ("site", "consent_id") IN (SELECT k.site, k.consent_id FROM json_to_recordset($1::json) AS k(site text, consent_id text)) ORDER BY "recorded_at", "id""#,
            column_list()
        )
    });
    let keys: Vec<serde_json::Value> = subjects
        .iter()
        .map(|(site, id)| serde_json::json!({ "site": site, "consent_id": id }))
        .collect();
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql.as_str(),
        [serde_json::Value::Array(keys).to_string().into()],
    );
    let rows = Row::find_by_statement(statement).all(db).await?;
    rows.into_iter()
        .map(|row| row.event.map(|(_, e)| e))
        .collect()
}

pub async fn count_events(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    Entity::find().count(db).await
}

/// Up to `limit` events of a chain after `after_seq`, in chain order, each
/// with its row id. A row that does not decode is an error naming it.
pub async fn chain_page(
    db: &impl ConnectionTrait,
    chain_id: &str,
    after_seq: i64,
    up_to: i64,
    limit: u64,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let rows = select()
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.gt(after_seq))
        .filter(Column::Seq.lte(up_to))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .into_model::<Row>()
        .all(db)
        .await?;
    rows.into_iter().map(|row| row.event).collect()
}

/// The first and last seq of a chain recorded in `[from, to)` (ledger time
/// text; `None` bounds are open). Within a chain time never goes back, so
/// the events in between are exactly those of the period.
pub async fn chain_range(
    db: &impl ConnectionTrait,
    chain_id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<(i64, i64)>, sea_orm::DbErr> {
    let mut query = Entity::find()
        .select_only()
        .column_as(Column::Seq.min(), "first")
        .column_as(Column::Seq.max(), "last")
        .filter(Column::ChainId.eq(chain_id));
    if let Some(from) = from {
        query = query.filter(Column::RecordedAt.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(Column::RecordedAt.lt(to));
    }
    let range: Option<(Option<i64>, Option<i64>)> = query.into_tuple().one(db).await?;
    Ok(match range {
        Some((Some(first), Some(last))) => Some((first, last)),
        _ => None,
    })
}

/// The first seq of a chain at or after `cutoff` (ledger time), for one site
/// or (with `site = None`) for every site not in `except`.
pub async fn first_seq_since(
    db: &impl ConnectionTrait,
    chain_id: &str,
    cutoff: &str,
    site: Option<&str>,
    except: &[String],
) -> Result<Option<i64>, sea_orm::DbErr> {
    let mut query = Entity::find()
        .select_only()
        .column_as(Column::Seq.min(), "first")
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::RecordedAt.gte(cutoff));
    query = match site {
        Some(site) => query.filter(Column::Site.eq(site)),
        None => query.filter(Column::Site.is_not_in(except.iter().cloned())),
    };
    let first: Option<Option<i64>> = query.into_tuple().one(db).await?;
    Ok(first.flatten())
}

/// The lowest seq stored for a chain.
pub async fn min_seq(
    db: &impl ConnectionTrait,
    chain_id: &str,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let first: Option<Option<i64>> = Entity::find()
        .select_only()
        .column_as(Column::Seq.min(), "first")
        .filter(Column::ChainId.eq(chain_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(first.flatten())
}

/// Deletes a chain's events up to and including `seq`; returns how many.
pub async fn delete_through(
    db: &impl ConnectionTrait,
    chain_id: &str,
    seq: i64,
) -> Result<u64, sea_orm::DbErr> {
    let result = Entity::delete_many()
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.lte(seq))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The hash of one event of a chain.
pub async fn hash_at(
    db: &impl ConnectionTrait,
    chain_id: &str,
    seq: i64,
) -> Result<Option<String>, sea_orm::DbErr> {
    Entity::find()
        .select_only()
        .column(Column::Hash)
        .filter(Column::ChainId.eq(chain_id))
        .filter(Column::Seq.eq(seq))
        .into_tuple()
        .one(db)
        .await
}

/// A page of events for statistics, by row id, filtered like an export.
pub async fn stats_page(
    db: &impl ConnectionTrait,
    site: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    after_id: i64,
    limit: u64,
) -> Result<Vec<(i64, StoredEvent)>, StorageError> {
    let mut query = select().filter(Column::Id.gt(after_id));
    if let Some(site) = site {
        query = query.filter(Column::Site.eq(site));
    }
    if let Some(from) = from {
        query = query.filter(Column::RecordedAt.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(Column::RecordedAt.lt(to));
    }
    let rows = query
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_model::<Row>()
        .all(db)
        .await?;
    rows.into_iter().map(|row| row.event).collect()
}

/// The highest seq stored for a chain.
pub async fn max_seq(
    db: &impl ConnectionTrait,
    chain_id: &str,
) -> Result<Option<i64>, sea_orm::DbErr> {
    Entity::find()
        .select_only()
        .column_as(Column::Seq.max(), "max_seq")
        .filter(Column::ChainId.eq(chain_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await
        .map(Option::flatten)
}

/// Chain ids that events name but the chain table does not know.
pub async fn orphan_chains(
    db: &impl ConnectionTrait,
    known: &[String],
) -> Result<Vec<String>, sea_orm::DbErr> {
    let ids: Vec<String> = Entity::find()
        .select_only()
        .column(Column::ChainId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().filter(|id| !known.contains(id)).collect())
}

/// The row id and every column of the field table.
fn select() -> Select<Entity> {
    FIELDS.iter().fold(
        Entity::find().select_only().column(Column::Id),
        |query, field| query.expr(Expr::col(Alias::new(field.name))),
    )
}

/// Every column of the field table, quoted, in table order: `"a", "b"`.
pub(super) fn column_list() -> String {
    let names: Vec<String> = FIELDS.iter().map(|f| format!("\"{}\"", f.name)).collect();
    names.join(", ")
}

/// A stored event with its row id, or why the row does not decode (the
/// query itself succeeded: the row is named, not the query failed).
struct Row {
    event: Result<(i64, StoredEvent), StorageError>,
}

impl FromQueryResult for Row {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let id: i64 = row.try_get(pre, "id")?;
        let mut failed: Option<DbErr> = None;
        let event = StoredEvent::from_cells(|field| {
            let cell = match field.kind {
                Kind::Text => row
                    .try_get::<Option<String>>(pre, field.name)
                    .map(|v| v.map_or(Cell::Absent, |t| Cell::Text(t.into()))),
                Kind::Int => row
                    .try_get::<Option<i64>>(pre, field.name)
                    .map(|v| v.map_or(Cell::Absent, Cell::Int)),
                Kind::Bool => row
                    .try_get::<Option<bool>>(pre, field.name)
                    .map(|v| v.map_or(Cell::Absent, Cell::Bool)),
            };
            cell.unwrap_or_else(|error| {
                failed.get_or_insert(error);
                Cell::Absent
            })
        });
        if let Some(error) = failed {
            return Err(error);
        }
        Ok(Self {
            event: event.map(|e| (id, e)).map_err(|e| StorageError::Corrupt {
                id,
                seq: row.try_get(pre, "seq").ok(),
                reason: e.to_string(),
            }),
        })
    }
}

//! Throwaway PostgreSQL databases, for the API tests and the benchmarks:
//! one created per test or run on the server an admin URL names, and
//! dropped afterwards (with its connections). One definition for both.

use sea_orm::{ConnectionTrait, Database, DbErr};

/// Creates an empty database named `{prefix}_{random}` on the server of
/// `admin` (a URL with a database path); returns its URL and its name.
///
/// # Errors
/// When the server does not answer or refuses to create it.
pub async fn create_scratch(admin: &str, prefix: &str) -> Result<(String, String), DbErr> {
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(admin).await?;
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    db.close().await.ok();
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    Ok((format!("{base}/{name}"), name))
}

/// Drops the database `name` of [`create_scratch`], closing its connections.
///
/// # Errors
/// When the server does not answer or refuses.
pub async fn drop_scratch(admin: &str, name: &str) -> Result<(), DbErr> {
    let db = Database::connect(admin).await?;
    db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    db.close().await
}

//! Database schema of nexxt-consent, as sea-orm migrations that run on both
//! SQLite and PostgreSQL. Append-only: a released migration never changes.
//!
//! ```no_run
//! # async fn run(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), sea_orm_migration::DbErr> {
//! use sea_orm_migration::MigratorTrait;
//! migrations::Migrator::up(db, None).await
//! # }
//! ```
#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_ledger;
mod m20261125_000002_create_signing_keys;
mod m20261125_000003_create_audit_tables;
mod m20261201_000001_add_key_revocation;
mod m20261201_000002_create_policy_archive;

/// Every migration of the project, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_ledger::Migration),
            Box::new(m20261125_000002_create_signing_keys::Migration),
            Box::new(m20261125_000003_create_audit_tables::Migration),
            Box::new(m20261201_000001_add_key_revocation::Migration),
            Box::new(m20261201_000002_create_policy_archive::Migration),
        ]
    }
}

//! A signing key can be revoked (it leaked): from then on nothing it signed
//! counts, neither consent tokens nor ledger statements. `retired_at` keeps
//! its meaning for rotated keys: the time after which no token it signed is
//! still unexpired.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SigningKeys::Table)
                    .add_column(ColumnDef::new(SigningKeys::RevokedAt).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SigningKeys::Table)
                    .drop_column(SigningKeys::RevokedAt)
                    .to_owned(),
            )
            .await
    }
}

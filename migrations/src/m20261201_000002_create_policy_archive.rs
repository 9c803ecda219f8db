//! Every policy document ever served, append-only, keyed by its hash: the
//! proof, years later, of what a visitor was shown when they chose.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PolicyDocuments {
    Table,
    Hash,
    Site,
    Version,
    Document,
    Banner,
    FirstServedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PolicyDocuments::Table)
                    .col(
                        ColumnDef::new(PolicyDocuments::Hash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PolicyDocuments::Site).string().not_null())
                    .col(ColumnDef::new(PolicyDocuments::Version).string().not_null())
                    .col(ColumnDef::new(PolicyDocuments::Document).text().not_null())
                    .col(ColumnDef::new(PolicyDocuments::Banner).text().not_null())
                    .col(
                        ColumnDef::new(PolicyDocuments::FirstServedAt)
                            .string()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("policy_documents_site_version")
                    .table(PolicyDocuments::Table)
                    .col(PolicyDocuments::Site)
                    .col(PolicyDocuments::Version)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PolicyDocuments::Table).to_owned())
            .await
    }
}

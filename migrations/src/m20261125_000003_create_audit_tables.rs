//! Auditors (API keys stored as hashes), the log of what they exported, and
//! signed checkpoints of the ledger's chains.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Auditors {
    Table,
    Name,
    KeyHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Auditor,
    Action,
    Filter,
    At,
}

#[derive(DeriveIden)]
enum Checkpoints {
    Table,
    Id,
    ChainId,
    Seq,
    Hash,
    SignedAt,
    Reason,
    Token,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Auditors::Table)
                    .col(
                        ColumnDef::new(Auditors::Name)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Auditors::KeyHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Auditors::CreatedAt).string().not_null())
                    .col(ColumnDef::new(Auditors::RevokedAt).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(
                        ColumnDef::new(AuditLog::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditLog::Auditor).string().not_null())
                    .col(ColumnDef::new(AuditLog::Action).string().not_null())
                    .col(ColumnDef::new(AuditLog::Filter).string().not_null())
                    .col(ColumnDef::new(AuditLog::At).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Checkpoints::Table)
                    .col(
                        ColumnDef::new(Checkpoints::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Checkpoints::ChainId).string().not_null())
                    .col(ColumnDef::new(Checkpoints::Seq).big_integer().not_null())
                    .col(ColumnDef::new(Checkpoints::Hash).string().not_null())
                    .col(ColumnDef::new(Checkpoints::SignedAt).string().not_null())
                    .col(ColumnDef::new(Checkpoints::Reason).string().not_null())
                    .col(ColumnDef::new(Checkpoints::Token).text().not_null())
                    .to_owned(),
            )
            .await?;
        let by_chain = Index::create()
            .name("ix_checkpoints_chain_seq")
            .table(Checkpoints::Table)
            .col(Checkpoints::ChainId)
            .col(Checkpoints::Seq)
            .to_owned();
        manager.create_index(by_chain).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Checkpoints::Table.into_iden(),
            AuditLog::Table.into_iden(),
            Auditors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

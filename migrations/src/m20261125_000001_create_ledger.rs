//! The consent ledger: hash-chained events, one chain per writer process.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerChains {
    Table,
    Id,
    CreatedAt,
    HeadSeq,
    HeadHash,
}

#[derive(DeriveIden)]
enum ConsentEvents {
    Table,
    Id,
    ChainId,
    Seq,
    RecordedAt,
    Site,
    ConsentId,
    Action,
    Source,
    PolicyVersion,
    PolicyHash,
    Choices,
    Gpc,
    Locale,
    Url,
    IpPrefix,
    UserAgent,
    PersonalSalt,
    PersonalDigest,
    PrevHash,
    Hash,
    RedactedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerChains::Table)
                    .col(
                        ColumnDef::new(LedgerChains::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LedgerChains::CreatedAt).string().not_null())
                    .col(
                        ColumnDef::new(LedgerChains::HeadSeq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LedgerChains::HeadHash).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager.create_table(events_table()).await?;
        // Ledger order within a chain; also forbids two events at one position.
        let unique_position = Index::create()
            .name("ux_consent_events_chain_seq")
            .table(ConsentEvents::Table)
            .col(ConsentEvents::ChainId)
            .col(ConsentEvents::Seq)
            .unique()
            .to_owned();
        manager.create_index(unique_position).await?;
        // A data subject's history; also the shard key under Citus.
        let by_subject = Index::create()
            .name("ix_consent_events_site_consent")
            .table(ConsentEvents::Table)
            .col(ConsentEvents::Site)
            .col(ConsentEvents::ConsentId)
            .to_owned();
        manager.create_index(by_subject).await?;
        let by_time = Index::create()
            .name("ix_consent_events_recorded_at")
            .table(ConsentEvents::Table)
            .col(ConsentEvents::RecordedAt)
            .to_owned();
        manager.create_index(by_time).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LedgerChains::Table).to_owned())
            .await
    }
}

fn events_table() -> TableCreateStatement {
    use ConsentEvents as E;
    let text = |c: E| ColumnDef::new(c).string().not_null().to_owned();
    let optional = |c: E| ColumnDef::new(c).string().null().to_owned();
    Table::create()
        .table(E::Table)
        .col(
            ColumnDef::new(E::Id)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(text(E::ChainId))
        .col(ColumnDef::new(E::Seq).big_integer().not_null())
        // RFC 3339 text with fixed microseconds: byte-identical on both
        // backends, which the hash needs, and it sorts as time does.
        .col(text(E::RecordedAt))
        .col(text(E::Site))
        .col(text(E::ConsentId))
        .col(text(E::Action))
        .col(text(E::Source))
        .col(text(E::PolicyVersion))
        .col(text(E::PolicyHash))
        .col(text(E::Choices))
        .col(ColumnDef::new(E::Gpc).boolean().not_null())
        .col(optional(E::Locale))
        .col(optional(E::Url))
        .col(optional(E::IpPrefix))
        .col(optional(E::UserAgent))
        .col(optional(E::PersonalSalt))
        .col(text(E::PersonalDigest))
        .col(text(E::PrevHash))
        .col(text(E::Hash))
        .col(optional(E::RedactedAt))
        .to_owned()
}

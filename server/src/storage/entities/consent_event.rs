//! The ledger's event table, as far as queries filter, order and group on
//! it. An event's columns are the field table's (`crate::domain::FIELDS`);
//! the row is read and written from that table (`storage::events`), so this
//! entity names only what queries need.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub chain_id: String,
    pub seq: i64,
    pub recorded_at: String,
    pub site: String,
    pub consent_id: String,
    pub action: String,
    pub policy_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

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
    pub source: String,
    pub policy_version: String,
    pub policy_hash: String,
    pub choices: String,
    pub gpc: bool,
    pub locale: Option<String>,
    pub url: Option<String>,
    pub ip_prefix: Option<String>,
    pub user_agent: Option<String>,
    pub personal_salt: Option<String>,
    pub personal_digest: String,
    pub prev_hash: String,
    pub hash: String,
    pub redacted_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

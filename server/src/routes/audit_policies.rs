//! `/v1/audit/policies`: the archive of what visitors were shown, for
//! auditors: every version with its use, and each document by hash.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::Auditor;
use super::problem::ApiError;
use crate::storage;

/// One archived policy version and how it was used.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    pub site: String,
    pub version: String,
    pub hash: String,
    pub first_served_at: String,
    /// First and last decision recorded under it; absent when none was.
    pub first_used_at: Option<String>,
    pub last_used_at: Option<String>,
    pub events: i64,
}

/// An archived policy document, as its hash was computed from.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDocument {
    pub site: String,
    pub version: String,
    pub hash: String,
    pub first_served_at: String,
    /// The canonical JSON `[organisation, site policy]`; its SHA-256 is `hash`.
    pub document: String,
    /// The hashes of the banner files served with it.
    #[schema(value_type = Object)]
    pub banner: serde_json::Value,
}

/// Every archived policy version, by site, oldest first.
#[utoipa::path(
    get,
    path = "/v1/audit/policies",
    security(("auditor_key" = [])),
    responses((status = 200, body = [PolicyVersion]), (status = 401))
)]
pub async fn list_policies(
    _auditor: Auditor,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let uses = storage::policy_uses(db.get_ref()).await?;
    let versions: Vec<PolicyVersion> = storage::archived_policies(db.get_ref())
        .await?
        .into_iter()
        .map(|p| {
            let used = uses.iter().find(|u| u.hash == p.hash);
            PolicyVersion {
                first_used_at: used.map(|u| u.first.clone()),
                last_used_at: used.map(|u| u.last.clone()),
                events: used.map_or(0, |u| u.events),
                site: p.site,
                version: p.version,
                hash: p.hash,
                first_served_at: p.first_served_at,
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(versions))
}

/// One archived policy document.
#[utoipa::path(
    get,
    path = "/v1/audit/policies/{hash}",
    params(("hash" = String, Path, description = "The policy hash an event or token names")),
    security(("auditor_key" = [])),
    responses((status = 200, body = PolicyDocument), (status = 401), (status = 404))
)]
pub async fn get_policy_document(
    _auditor: Auditor,
    path: web::Path<String>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let policy = storage::find_archived_policy(db.get_ref(), &path)
        .await?
        .ok_or_else(|| ApiError::NotFound("no archived policy has this hash".to_owned()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(PolicyDocument {
            banner: serde_json::from_str(&policy.banner).unwrap_or_default(),
            site: policy.site,
            version: policy.version,
            hash: policy.hash,
            first_served_at: policy.first_served_at,
            document: policy.document,
        }))
}

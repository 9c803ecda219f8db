//! `GET /v1/sites/{site}/policy`: what the banner shows.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use policies::{NECESSARY, SitePolicy};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::ApiError;
use super::state::Policies;

/// A site's policy with its version, hash and default states.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDocument<'a> {
    pub version: &'a str,
    /// Hex SHA-256 of the policy; every record names it.
    pub hash: &'a str,
    /// Initial state of every category: only `necessary` is on.
    pub defaults: BTreeMap<&'a str, bool>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub policy: &'a SitePolicy,
}

/// The policy the banner of `site` is built from.
#[utoipa::path(
    get,
    path = "/v1/sites/{site}/policy",
    params(("site" = String, Path, description = "Site id, e.g. `www`")),
    responses((status = 200, body = PolicyDocument), (status = 404, description = "Unknown site"))
)]
pub async fn get_policy(
    path: web::Path<String>,
    policies: web::Data<Policies>,
) -> Result<HttpResponse, ApiError> {
    let loaded = policies
        .0
        .site(&path)
        .ok_or_else(|| ApiError::NotFound(format!("unknown site `{path}`")))?;
    let policy = &loaded.policy;
    let document = PolicyDocument {
        version: &policy.site.version,
        hash: &loaded.hash,
        defaults: policy.category_ids().map(|c| (c, c == NECESSARY)).collect(),
        policy,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .insert_header(("ETag", format!("\"{}\"", loaded.hash)))
        .json(document))
}

//! The data subject's own records: access, portability, withdrawal, erasure,
//! and whether a token still counts. The proof is the consent token itself,
//! sent as a bearer token.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::bearer::ConsentBearer;
use super::problem::ApiError;
use super::state::Policies;
use crate::consents::{self, ConsentHistory, Context, Erasure, Holder};
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::storage::ArchiveCache;

/// A token that still counts, and what it grants.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenStatus {
    pub consent_id: String,
    pub site: String,
    pub policy_version: String,
    pub granted: Vec<String>,
    /// Unix time the token expires at.
    pub exp: i64,
}

/// Returns the full history of a consent id (access and portability).
#[utoipa::path(
    get,
    path = "/v1/consents/{consent_id}",
    params(("consent_id" = String, Path, description = "The consent id")),
    security(("consent_token" = [])),
    responses(
        (status = 200, body = ConsentHistory),
        (status = 401, description = "Missing, invalid, foreign or withdrawn token"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn read_history(
    bearer: ConsentBearer,
    path: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    archive: web::Data<ArchiveCache>,
) -> Result<HttpResponse, ApiError> {
    let holder = holder_of(bearer, &path)?;
    let history = consents::history(db.get_ref(), &archive, &holder).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"consent-history.json\"",
        ))
        .json(history))
}

/// Withdraws every optional category (a new event) and erases the personal
/// fields of every event of this consent id. Every token of the id stops
/// counting at once; a repeated request is refused (401) and changes nothing.
#[utoipa::path(
    delete,
    path = "/v1/consents/{consent_id}",
    params(("consent_id" = String, Path, description = "The consent id")),
    security(("consent_token" = [])),
    responses(
        (status = 200, body = Erasure),
        (status = 401, description = "Missing, invalid, foreign or already withdrawn token"),
        (status = 503, description = "Ledger unavailable; nothing changed"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn withdraw_and_erase(
    bearer: ConsentBearer,
    path: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    policies: web::Data<Policies>,
    writer: web::Data<LedgerWriter>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let holder = holder_of(bearer, &path)?;
    let ctx = Context {
        writer: &writer,
        policies: &policies.0,
        metrics: &metrics,
    };
    let erasure = consents::erase(ctx, db.get_ref(), &holder).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(erasure))
}

/// Whether the bearer token still counts: 200 with what it grants, or 401
/// once it was withdrawn (or never verified). A site's backend that must not
/// act on a withdrawn consent for the token's whole lifetime asks here.
#[utoipa::path(
    get,
    path = "/v1/consent-status",
    security(("consent_token" = [])),
    responses(
        (status = 200, body = TokenStatus),
        (status = 401, description = "Missing, invalid or withdrawn token"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn token_status(bearer: ConsentBearer) -> HttpResponse {
    let claims = bearer.0.claims();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenStatus {
            consent_id: claims.sub.clone(),
            site: claims.aud.clone(),
            policy_version: claims.pv.clone(),
            granted: claims.cat.clone(),
            exp: claims.exp,
        })
}

/// The bearer, if the path names its own consent id; a token of another id
/// gets the same 401 as no token.
fn holder_of(bearer: ConsentBearer, path: &str) -> Result<Holder, ApiError> {
    let holder = bearer.0;
    if holder.consent_id().to_string() != path {
        return Err(ApiError::Unauthorized);
    }
    Ok(holder)
}

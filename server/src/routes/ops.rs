//! Operational endpoints: health, keys, metrics, the API description.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;

use super::problem::ApiError;
use crate::metrics::Metrics;
use crate::{storage, tokens};

/// 200 when the database answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200), (status = 503)))]
pub async fn health(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "database unreachable" }))
        }
    }
}

/// The public keys consent tokens are signed with (RFC 7517, OKP/Ed25519).
#[utoipa::path(get, path = "/.well-known/jwks.json", responses((status = 200, description = "JWK Set")))]
pub async fn jwks(db: web::Data<DatabaseConnection>) -> Result<HttpResponse, ApiError> {
    let keys = storage::active_keys(db.get_ref()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/jwk-set+json")
        .json(tokens::jwks(&keys)))
}

/// Prometheus text exposition. It tells how busy the site is and when; an
/// auditor key is required (Prometheus: `authorization: credentials`).
#[utoipa::path(
    get,
    path = "/metrics",
    security(("auditor_key" = [])),
    responses((status = 200, description = "Prometheus metrics"), (status = 401))
)]
pub async fn metrics(_auditor: super::audit::Auditor, metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}

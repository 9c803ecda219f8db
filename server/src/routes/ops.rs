//! Operational endpoints: health, keys, metrics, the API description.

use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;

use super::KeyedBodies;
use super::problem::ApiError;
use crate::encoded::Encoded;
use crate::metrics::Metrics;
use crate::storage::PublishedKeys;
use crate::tokens;

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
pub async fn jwks(
    request: HttpRequest,
    db: web::Data<DatabaseConnection>,
    published: web::Data<PublishedKeys>,
    bodies: web::Data<KeyedBodies>,
) -> Result<HttpResponse, ApiError> {
    let keys = published.get(db.get_ref()).await?;
    let body = bodies
        .get_or_make("jwks", &keys, |keys| {
            serde_json::to_vec(&tokens::jwks(keys)).map(Encoded::new)
        })
        .map_err(|e| ApiError::Internal(e.into()))?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/jwk-set+json");
    Ok(body.respond(&request, response))
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

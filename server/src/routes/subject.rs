//! The data subject's own records: access, portability, withdrawal, erasure.
//! The proof is the consent token itself, sent as a bearer token.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::ApiError;
use super::state::{Issuer, Policies};
use crate::domain::{Action, ConsentId, EventDraft, Source, StoredEvent};
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::storage;
use crate::tokens::{self, ConsentClaims};

/// Everything recorded under one consent id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentHistory {
    pub consent_id: String,
    pub site: String,
    pub events: Vec<StoredEvent>,
}

/// Result of a withdrawal with erasure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Withdrawal {
    pub consent_id: String,
    pub withdrawn_at: String,
    /// Events whose page URL, network and browser were erased.
    pub redacted_events: u64,
}

/// Returns the full history of a consent id (access and portability).
#[utoipa::path(
    get,
    path = "/v1/consents/{consent_id}",
    params(("consent_id" = String, Path, description = "The consent id")),
    security(("consent_token" = [])),
    responses(
        (status = 200, body = ConsentHistory),
        (status = 401, description = "Missing, invalid or foreign token"),
        (status = 404, description = "No events for this consent id"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn read_history(
    request: HttpRequest,
    path: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let claims = authorize(&request, db.get_ref(), &issuer.0, &id).await?;
    let events = storage::events_of(db.get_ref(), &claims.aud, &claims.sub)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    if events.is_empty() {
        return Err(no_events());
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"consent-history.json\"",
        ))
        .json(ConsentHistory {
            consent_id: claims.sub,
            site: claims.aud,
            events,
        }))
}

/// Withdraws every optional category (a new event) and erases the personal
/// fields of every event of this consent id.
#[utoipa::path(
    delete,
    path = "/v1/consents/{consent_id}",
    params(("consent_id" = String, Path, description = "The consent id")),
    security(("consent_token" = [])),
    responses(
        (status = 200, body = Withdrawal),
        (status = 401, description = "Missing, invalid or foreign token"),
        (status = 404, description = "No events for this consent id"),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn withdraw_and_erase(
    request: HttpRequest,
    path: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
    policies: web::Data<Policies>,
    writer: web::Data<LedgerWriter>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let claims = authorize(&request, db.get_ref(), &issuer.0, &id).await?;
    let withdrawal = erase_subject(db.get_ref(), &writer, &metrics, &policies.0, claims).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(withdrawal))
}

/// Withdraws everything optional (a new event without personal fields) and
/// redacts the personal fields of every event of the token's consent id.
pub(super) async fn erase_subject(
    db: &DatabaseConnection,
    writer: &LedgerWriter,
    metrics: &Metrics,
    policies: &policies::PolicySet,
    claims: ConsentClaims,
) -> Result<Withdrawal, ApiError> {
    let policy = policies.site(&claims.aud).ok_or_else(no_events)?;
    let existing = storage::events_of(db, &claims.aud, &claims.sub)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    if existing.is_empty() {
        return Err(no_events());
    }
    let choices: BTreeMap<String, bool> = policy
        .policy
        .category_ids()
        .map(|c| (c.to_owned(), c == policies::NECESSARY))
        .collect();
    // Erasure was asked for: the withdrawal itself keeps no personal fields.
    let event = writer
        .append(EventDraft {
            site: claims.aud.clone(),
            consent_id: claims.sub.clone(),
            action: Action::Withdrawn,
            source: Source::Api,
            policy_version: policy.policy.site.version.clone(),
            policy_hash: policy.hash.clone(),
            choices,
            gpc: false,
            locale: None,
            url: None,
            ip_prefix: None,
            user_agent: None,
        })
        .await?;
    metrics.count_consent("withdrawn");
    let redacted =
        storage::redact_subject(db, &claims.aud, &claims.sub, &crate::clock::now()).await?;
    Ok(Withdrawal {
        consent_id: claims.sub,
        withdrawn_at: event.recorded_at,
        redacted_events: redacted,
    })
}

fn parse_id(raw: &str) -> Result<ConsentId, ApiError> {
    ConsentId::parse(raw).map_err(|_| ApiError::NotFound("no such consent id".to_owned()))
}

fn no_events() -> ApiError {
    ApiError::NotFound("no events are recorded for this consent id".to_owned())
}

/// The token must verify with one of our keys and be about this consent id.
async fn authorize(
    request: &HttpRequest,
    db: &DatabaseConnection,
    issuer: &str,
    id: &ConsentId,
) -> Result<ConsentClaims, ApiError> {
    let token = bearer(request).ok_or(ApiError::Unauthorized)?;
    let claims = verify_token(request, db, issuer, token).await?;
    if claims.sub != id.to_string() {
        return Err(ApiError::Unauthorized);
    }
    Ok(claims)
}

/// The credential of an `Authorization: Bearer …` header.
pub(super) fn bearer(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get("Authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Verifies a consent token against the published key it names.
pub(super) async fn verify_token(
    request: &HttpRequest,
    db: &DatabaseConnection,
    issuer: &str,
    token: &str,
) -> Result<ConsentClaims, ApiError> {
    let kid = tokens::key_id(token)?;
    let cache = request
        .app_data::<web::Data<storage::KeyCache>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the key cache is not registered")))?;
    let key = cache.find(db, &kid).await?.ok_or(ApiError::Unauthorized)?;
    Ok(tokens::verify(token, &key, issuer)?)
}

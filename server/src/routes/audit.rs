//! `/v1/audit/*`: what auditors see. Every endpoint needs an auditor key;
//! every export is itself logged.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::problem::ApiError;
use super::state::Issuer;
use crate::auditors;
use crate::ledger::{ExportFilter, Exporter, Format, checkpoint};
use crate::storage;
use crate::tokens::SigningKey;

/// An authenticated auditor, by name.
pub struct Auditor(pub String);

impl FromRequest for Auditor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = super::bearer::bearer(request).map(str::to_owned);
        let db = request.app_data::<web::Data<DatabaseConnection>>().cloned();
        Box::pin(async move {
            let (Some(key), Some(db)) = (key, db) else {
                return Err(ApiError::AuditorUnauthorized);
            };
            let presented = auditors::hash_key(&key);
            match storage::find_auditor(db.get_ref(), &presented).await? {
                Some((name, stored)) if auditors::same_hash(&presented, &stored) => {
                    Ok(Auditor(name))
                }
                _ => Err(ApiError::AuditorUnauthorized),
            }
        })
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    action: Option<String>,
    policy_version: Option<String>,
    granted: Option<String>,
    denied: Option<String>,
}

/// What an auditor's query selects: a site (or all) and a period.
pub(super) fn period(
    site: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<ExportFilter, ApiError> {
    Ok(ExportFilter {
        site: site.map(str::to_owned),
        from: bound("from", from)?,
        to: bound("to", to)?,
        ..ExportFilter::default()
    })
}

/// Records in the audit log who asked for what; returns the filter as logged.
pub(super) async fn log_access(
    db: &DatabaseConnection,
    auditor: &Auditor,
    action: &str,
    filter: &ExportFilter,
) -> Result<String, ApiError> {
    let described = serde_json::to_string(filter).map_err(|e| ApiError::Internal(e.into()))?;
    storage::log_audit(db, &auditor.0, action, &described, &crate::clock::now()).await?;
    Ok(described)
}

/// An RFC 3339 bound as ledger time text.
fn bound(name: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    value
        .map(|v| {
            crate::clock::parse_bound(v).map_err(|e| ApiError::BadRequest(format!("`{name}` {e}")))
        })
        .transpose()
}

/// `GET /v1/audit/events`: the ledger for a period, streamed.
#[utoipa::path(
    get,
    path = "/v1/audit/events",
    params(
        ("site" = Option<String>, Query, description = "Only this site's events in full; others elided"),
        ("from" = Option<String>, Query, description = "RFC 3339, inclusive"),
        ("to" = Option<String>, Query, description = "RFC 3339, exclusive"),
        ("format" = Option<String>, Query, description = "`ndjson` (default) or `csv`"),
        ("action" = Option<String>, Query, description = "Only `given`, `changed` or `withdrawn` events in full; others elided"),
        ("policy_version" = Option<String>, Query, description = "Only events under this policy version in full"),
        ("granted" = Option<String>, Query, description = "Only events that grant this category in full"),
        ("denied" = Option<String>, Query, description = "Only events that deny this category in full"),
    ),
    security(("auditor_key" = [])),
    responses((status = 200, description = "The sealed export, streamed"), (status = 400), (status = 401))
)]
pub async fn export_events(
    auditor: Auditor,
    query: web::Query<ExportQuery>,
    db: web::Data<DatabaseConnection>,
    key: web::Data<SigningKey>,
    issuer: web::Data<Issuer>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(query.format.as_deref().unwrap_or("ndjson"))
        .ok_or_else(|| ApiError::BadRequest("`format` must be ndjson or csv".to_owned()))?;
    let mut filter = period(
        query.site.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
    )?;
    if let Some(action) = &query.action {
        crate::domain::Action::parse(action).ok_or_else(|| {
            ApiError::BadRequest("`action` must be given, changed or withdrawn".to_owned())
        })?;
    }
    filter.action.clone_from(&query.action);
    filter.policy_version.clone_from(&query.policy_version);
    filter.granted.clone_from(&query.granted);
    filter.denied.clone_from(&query.denied);
    let described = log_access(&db, &auditor, "export", &filter).await?;
    tracing::info!(auditor = %auditor.0, filter = %described, "ledger export");
    let exporter = Exporter::new(
        db.get_ref().clone(),
        key.into_inner(),
        issuer.0.clone(),
        auditor.0,
        filter,
    )
    .await?;
    let body = futures::stream::unfold((exporter, true), move |(mut exporter, first)| async move {
        match exporter.next_page().await {
            Ok(Some(lines)) => {
                let bytes = web::Bytes::from(format.encode(&lines, first));
                Some((Ok::<_, actix_web::Error>(bytes), (exporter, false)))
            }
            Ok(None) => None,
            Err(error) => {
                // Headers are gone; ending without the seal makes the
                // truncation visible to any verifier.
                tracing::error!(%error, "export aborted");
                None
            }
        }
    });
    let extension = if format == Format::Csv {
        "csv"
    } else {
        "ndjson"
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"consent-ledger.{extension}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body))
}

/// `GET /v1/audit/checkpoints`: the most recent signed checkpoints.
#[utoipa::path(get, path = "/v1/audit/checkpoints", security(("auditor_key" = [])),
    responses((status = 200, body = Vec<crate::storage::CheckpointRow>), (status = 401)))]
pub async fn list_checkpoints(
    _auditor: Auditor,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let checkpoints = storage::recent_checkpoints(db.get_ref(), 1000).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(checkpoints))
}

/// `POST /v1/audit/checkpoints`: sign every chain head now.
#[utoipa::path(post, path = "/v1/audit/checkpoints", security(("auditor_key" = [])),
    responses((status = 201, body = Vec<crate::storage::CheckpointRow>), (status = 401)))]
pub async fn create_checkpoints(
    auditor: Auditor,
    db: web::Data<DatabaseConnection>,
    key: web::Data<SigningKey>,
    issuer: web::Data<Issuer>,
) -> Result<HttpResponse, ApiError> {
    storage::log_audit(
        db.get_ref(),
        &auditor.0,
        "checkpoint",
        "{}",
        &crate::clock::now(),
    )
    .await?;
    let made = checkpoint::checkpoint_heads(db.get_ref(), &key, &issuer.0, "on-demand").await?;
    Ok(HttpResponse::Created().json(made))
}

/// `GET /v1/audit/keys`: every key whose ledger statements still count
/// (retired ones too, revoked ones not), as a JWK Set: what an auditor
/// verifies an export with (`audit verify --jwks`) after its keys rotated
/// out of the public JWKS.
#[utoipa::path(
    get,
    path = "/v1/audit/keys",
    security(("auditor_key" = [])),
    responses((status = 200, description = "JWK Set"), (status = 401))
)]
pub async fn statement_keys(
    _auditor: Auditor,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let keys = storage::statement_keys(db.get_ref()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("application/jwk-set+json")
        .json(crate::tokens::jwks(&keys)))
}

//! `/my-consent`: a visitor's own consent records, read from the consent
//! cookie: see them, download them (JSON), withdraw and erase them.

use actix_web::cookie::{Cookie, time::Duration as CookieAge};
use actix_web::{HttpRequest, HttpResponse, web};
use policies::Statement;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::CONSENT_COOKIE;
use super::problem::ApiError;
use super::state::{Issuer, Policies};
use super::subject::{ConsentHistory, erase_subject, verify_token};
use crate::domain::StoredEvent;
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::storage;
use crate::templates::{MY_CONSENT, Pages};
use crate::tokens::ConsentClaims;

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Serialize)]
struct Page<'a> {
    lang: &'a str,
    labels: &'a policies::SubjectLabels,
    privacy: &'a str,
    erased: bool,
    events: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    time: String,
    action: String,
    granted: String,
    version: String,
    url: Option<String>,
}

/// The claims of a valid consent cookie, if the request carries one.
async fn cookie_claims(
    request: &HttpRequest,
    db: &DatabaseConnection,
    issuer: &str,
) -> Option<ConsentClaims> {
    let token = request.cookie(CONSENT_COOKIE)?;
    verify_token(request, db, issuer, token.value()).await.ok()
}

fn statement<'a>(policies: &'a Policies, query: &LangQuery) -> (&'a str, &'a Statement) {
    let lang = match query.lang.as_deref() {
        Some("en") => "en",
        _ => "nl",
    };
    let statement = policies
        .0
        .statement(lang)
        .or_else(|| policies.0.statement("nl"));
    (
        lang,
        statement.expect("the policy loader guarantees a statement per site language"),
    )
}

fn render(
    pages: &Pages,
    lang: &str,
    statement: &Statement,
    events: &[StoredEvent],
    erased: bool,
) -> Result<String, ApiError> {
    let labels = &statement.subject;
    let rows = events
        .iter()
        .map(|e| Row {
            time: e
                .recorded_at
                .replace('T', " ")
                .trim_end_matches('Z')
                .to_owned(),
            action: labels
                .actions
                .get(&e.action)
                .cloned()
                .unwrap_or_else(|| e.action.clone()),
            granted: e.granted().join(", "),
            version: e.policy_version.clone(),
            url: e.url.clone(),
        })
        .collect();
    let page = Page {
        lang,
        labels,
        privacy: &statement.title,
        erased,
        events: rows,
    };
    pages
        .0
        .render(MY_CONSENT, &page)
        .map_err(|e| ApiError::Internal(e.into()))
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Security-Policy", super::csp::SCRIPTLESS))
        .body(body)
}

/// `GET /my-consent`.
pub async fn show(
    request: HttpRequest,
    query: web::Query<LangQuery>,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
    policies: web::Data<Policies>,
    pages: web::Data<Pages>,
) -> Result<HttpResponse, ApiError> {
    let (lang, statement) = statement(&policies, &query);
    let events = match cookie_claims(&request, db.get_ref(), &issuer.0).await {
        Some(claims) => storage::events_of(db.get_ref(), &claims.aud, &claims.sub)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?,
        None => Vec::new(),
    };
    Ok(html(render(&pages, lang, statement, &events, false)?))
}

/// `GET /my-consent/export`: the history as a JSON download.
pub async fn export(
    request: HttpRequest,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
) -> Result<HttpResponse, ApiError> {
    let claims = cookie_claims(&request, db.get_ref(), &issuer.0)
        .await
        .ok_or(ApiError::Unauthorized)?;
    let events = storage::events_of(db.get_ref(), &claims.aud, &claims.sub)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"consent-history.json\"",
        ))
        .json(ConsentHistory {
            consent_id: claims.sub,
            site: claims.aud,
            events,
        }))
}

/// `POST /my-consent/erase`: withdraw and erase, then show the result.
#[allow(clippy::too_many_arguments)] // one extractor per shared resource
pub async fn erase(
    request: HttpRequest,
    query: web::Query<LangQuery>,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
    policies: web::Data<Policies>,
    pages: web::Data<Pages>,
    writer: web::Data<LedgerWriter>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    // The cookie is SameSite=Lax, so a cross-site form never carries it;
    // refusing foreign origins outright says so plainly.
    if !same_origin(&request) {
        return Err(ApiError::Forbidden(
            "cross-site requests cannot erase consent".to_owned(),
        ));
    }
    let (lang, statement) = statement(&policies, &query);
    let claims = cookie_claims(&request, db.get_ref(), &issuer.0)
        .await
        .ok_or(ApiError::Unauthorized)?;
    let (site, id) = (claims.aud.clone(), claims.sub.clone());
    erase_subject(db.get_ref(), &writer, &metrics, &policies.0, claims).await?;
    let events = storage::events_of(db.get_ref(), &site, &id)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let mut response = html(render(&pages, lang, statement, &events, true)?);
    // The banner asks again on the next page view.
    let expired = Cookie::build(CONSENT_COOKIE, "")
        .path("/")
        .max_age(CookieAge::ZERO)
        .finish();
    response
        .add_cookie(&expired)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(response)
}

fn same_origin(request: &HttpRequest) -> bool {
    let Some(origin) = request
        .headers()
        .get("Origin")
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    let info = request.connection_info();
    origin == format!("{}://{}", info.scheme(), info.host())
}

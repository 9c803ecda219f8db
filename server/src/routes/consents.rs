//! `POST /v1/consents`: record a decision, answer with a signed token.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieAge};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::bearer::OptionalBearer;
use super::problem::ApiError;
use super::state::{Issuer, OwnOrigins, Policies};
use crate::consents::{self, Context};
use crate::domain::{ClientInfo, ConsentRequest};
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::tokens::SigningKey;

/// Largest body we read; a real consent is well under 1 KiB.
pub const MAX_BODY: usize = 16 * 1024;

/// Answer to a recorded consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentReceipt {
    pub consent_id: String,
    /// Signed JWT; store it in the first-party consent cookie.
    pub token: String,
    /// RFC 3339 time after which the visitor must be asked again.
    pub expires_at: String,
    /// Categories granted after the policy's rules (GPC included).
    pub granted: Vec<String>,
    /// The response set the consent cookie itself (`Set-Cookie`): the site
    /// serves the consent paths on its own origin (a proxy), so the cookie
    /// is the site's and not capped as script-written cookies are (Safari
    /// ITP: 7 days). The loader then leaves the cookie alone.
    pub cookie_set_by_server: bool,
}

/// Records one consent decision in the ledger: a new consent, or with the
/// consent's token as bearer a change of it.
#[utoipa::path(
    post,
    path = "/v1/consents",
    request_body = ConsentRequest,
    params(("Sec-GPC" = Option<String>, Header, description = "Global Privacy Control; `1` forces the policy's GPC categories off")),
    security((), ("consent_token" = [])),
    responses(
        (status = 201, description = "Recorded and committed", body = ConsentReceipt),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "A consent id named without its token, or a token that does not verify, is foreign or was withdrawn"),
        (status = 404, description = "Unknown site"),
        (status = 409, description = "Policy version is not the current one: reload the policy"),
        (status = 413, description = "Body over 16 KiB"),
        (status = 415, description = "Body is not application/json"),
        (status = 422, description = "Choices break the policy, or the page is not on the site"),
        (status = 503, description = "Ledger unavailable; nothing was recorded"),
    )
)]
#[allow(clippy::too_many_arguments)] // one extractor per shared resource
#[tracing::instrument(skip_all, fields(site = %body.site))]
pub async fn record_consent(
    request: HttpRequest,
    bearer: OptionalBearer,
    body: web::Json<ConsentRequest>,
    policies: web::Data<Policies>,
    own_origins: web::Data<OwnOrigins>,
    writer: web::Data<LedgerWriter>,
    key: web::Data<SigningKey>,
    issuer: web::Data<Issuer>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let gpc = request
        .headers()
        .get("Sec-GPC")
        .is_some_and(|v| v.as_bytes().trim_ascii() == b"1");
    let client = ClientInfo::new(
        super::client_ip(&request),
        request
            .headers()
            .get("User-Agent")
            .and_then(|v| v.to_str().ok()),
    );
    let ctx = Context {
        writer: &writer,
        policies: &policies.0,
        metrics: &metrics,
    };
    // Decided before the body moves into the use case; used once recorded.
    let site_origins = policies
        .0
        .site(&body.site)
        .map_or(&[][..], |p| &p.policy.site.origins[..]);
    let same_origin = same_origin_page(&request, site_origins, &own_origins.0);
    let recorded = consents::record(
        ctx,
        bearer.0.as_ref(),
        body.into_inner(),
        gpc,
        &own_origins.0,
        client,
    )
    .await?;
    let claims = recorded.claims(&issuer.0);
    let token = key.sign(&claims);
    let mut response = HttpResponse::Created();
    response.insert_header(("Cache-Control", "no-store"));
    if let Some(origin) = &same_origin {
        let lifetime = claims.exp - time::OffsetDateTime::now_utc().unix_timestamp();
        response.cookie(
            Cookie::build(super::CONSENT_COOKIE, token.clone())
                .path("/")
                .max_age(CookieAge::seconds(lifetime.max(0)))
                .same_site(SameSite::Lax)
                .secure(origin.starts_with("https://"))
                .finish(),
        );
    }
    Ok(response.json(ConsentReceipt {
        consent_id: recorded.event.consent_id.to_string(),
        token,
        expires_at: crate::clock::format(
            time::OffsetDateTime::from_unix_timestamp(claims.exp)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        ),
        granted: claims.cat,
        cookie_set_by_server: same_origin.is_some(),
    }))
}

/// The page's origin when the request reached us on the page's own
/// origin: a site that proxies the consent paths (README: Safari's cookie
/// cap). Its `Origin` must be one of the sites' origins and name the host
/// the request was sent to (`Host`, which the proxy passes on). A cookie
/// set for any other host would be the browser's to refuse anyway.
fn same_origin_page(request: &HttpRequest, site: &[String], own: &[String]) -> Option<String> {
    let origin = request.headers().get("Origin")?.to_str().ok()?;
    let host = request.headers().get("Host")?.to_str().ok()?;
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    let known = site.iter().chain(own).any(|o| o == origin);
    (origin_host.eq_ignore_ascii_case(host) && known).then(|| origin.to_owned())
}

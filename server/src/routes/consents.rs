//! `POST /v1/consents`: record a decision, answer with a signed token.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::ApiError;
use super::state::{Issuer, Policies};
use crate::domain::{Action, Choices, ClientInfo, ConsentRequest, EventDraft, StoredEvent};
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::tokens::{ConsentClaims, SigningKey};

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
}

/// Records one consent decision in the ledger.
#[utoipa::path(
    post,
    path = "/v1/consents",
    request_body = ConsentRequest,
    params(("Sec-GPC" = Option<String>, Header, description = "Global Privacy Control; `1` forces the policy's GPC categories off")),
    responses(
        (status = 201, description = "Recorded and committed", body = ConsentReceipt),
        (status = 400, description = "Malformed JSON"),
        (status = 404, description = "Unknown site"),
        (status = 409, description = "Policy version is not the current one: reload the policy"),
        (status = 413, description = "Body over 16 KiB"),
        (status = 415, description = "Body is not application/json"),
        (status = 422, description = "Choices break the policy"),
        (status = 503, description = "Ledger unavailable; nothing was recorded"),
    )
)]
#[tracing::instrument(skip_all, fields(site = %body.site))]
pub async fn record_consent(
    request: HttpRequest,
    body: web::Json<ConsentRequest>,
    policies: web::Data<Policies>,
    writer: web::Data<LedgerWriter>,
    key: web::Data<SigningKey>,
    issuer: web::Data<Issuer>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let gpc = request
        .headers()
        .get("Sec-GPC")
        .is_some_and(|v| v.as_bytes().trim_ascii() == b"1");
    let choices = Choices::parse(&policies.0, body.into_inner(), gpc)?;
    let client = ClientInfo::new(
        super::client_ip(&request),
        request
            .headers()
            .get("User-Agent")
            .and_then(|v| v.to_str().ok()),
    );
    let event = writer.append(draft(&choices, client)).await?;
    metrics.count_consent(if choices.is_new { "given" } else { "changed" });
    let claims = claims_for(&event, choices.granted(), &issuer.0, &choices);
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(ConsentReceipt {
            consent_id: event.consent_id,
            token: key.sign(&claims),
            expires_at: crate::clock::format(
                time::OffsetDateTime::from_unix_timestamp(claims.exp)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            ),
            granted: claims.cat,
        }))
}

fn draft(choices: &Choices<'_>, client: ClientInfo) -> EventDraft {
    let policy = choices.policy;
    EventDraft {
        site: policy.policy.site.id.clone(),
        consent_id: choices.consent_id.to_string(),
        action: if choices.is_new {
            Action::Given
        } else {
            Action::Changed
        },
        source: choices.source,
        policy_version: policy.policy.site.version.clone(),
        policy_hash: policy.hash.clone(),
        choices: choices.states.clone(),
        gpc: choices.gpc,
        locale: choices.locale.as_ref().map(|l| l.as_str().to_owned()),
        url: choices.url.as_ref().map(|u| u.as_str().to_owned()),
        ip_prefix: client.ip_prefix,
        user_agent: client.user_agent,
    }
}

fn claims_for(
    event: &StoredEvent,
    granted: Vec<String>,
    issuer: &str,
    choices: &Choices<'_>,
) -> ConsentClaims {
    let iat = time::OffsetDateTime::now_utc().unix_timestamp();
    let lifetime = i64::from(choices.policy.policy.site.consent_lifetime_days) * 86_400;
    ConsentClaims {
        iss: issuer.to_owned(),
        sub: event.consent_id.clone(),
        aud: event.site.clone(),
        iat,
        exp: iat + lifetime,
        pv: event.policy_version.clone(),
        ph: event.policy_hash.clone(),
        cat: granted,
        gpc: event.gpc,
    }
}

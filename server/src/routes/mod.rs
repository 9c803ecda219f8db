//! HTTP routes. Handlers are thin: extract, parse into domain types, call
//! the ledger or storage, answer.

mod audit;
mod banner;
mod bearer;
mod consents;
mod csp;
mod examples;
mod my_consent;
mod ops;
mod policy;
mod privacy;
mod problem;
mod report;
mod request_log;
mod state;
mod subject;
mod write_limit;

use actix_web::web;
use utoipa::OpenApi;

pub use banner::CONSENT_COOKIE;
pub use examples::PAGES as EXAMPLE_PAGES;
pub use problem::ApiError;
pub use request_log::observe_requests;
pub use state::{Issuer, OwnOrigins, Policies};
pub use write_limit::limit_public_writes;

/// The client's address: the peer, or what trusted proxies say it is.
fn client_ip(request: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
    let peer = request.peer_addr().map(|a| a.ip());
    match request.app_data::<web::Data<crate::client_ip::TrustedProxies>>() {
        Some(proxies) => proxies.client_ip(peer, request.headers()),
        None => peer,
    }
}

/// The OpenAPI description, assembled from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexxt-consent", description = "Consent records, signed consent tokens and the data subject's rights."),
    paths(
        consents::record_consent,
        subject::read_history,
        subject::withdraw_and_erase,
        subject::token_status,
        policy::get_policy,
        ops::health,
        ops::jwks,
        ops::metrics,
        audit::export_events,
        audit::list_checkpoints,
        audit::create_checkpoints,
        report::stats_json,
    ),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("The consent token returned by POST /v1/consents"))
            .build();
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme("consent_token", SecurityScheme::Http(scheme));
        let auditor = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An auditor key from `consent-server auditors add`"))
            .build();
        components.add_security_scheme("auditor_key", SecurityScheme::Http(auditor));
    }
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let json = web::JsonConfig::default()
        .limit(consents::MAX_BODY)
        .error_handler(problem::json_error);
    let form = web::FormConfig::default()
        .limit(consents::MAX_BODY)
        .error_handler(|error, _| {
            ApiError::BadRequest(format!("the form could not be read: {error}")).into()
        });
    cfg.app_data(json)
        .app_data(form)
        .route("/healthz", web::get().to(ops::health))
        .route("/metrics", web::get().to(ops::metrics))
        .route("/openapi.json", web::get().to(ops::openapi))
        .route("/.well-known/jwks.json", web::get().to(ops::jwks))
        .route("/v1/sites/{site}/policy", web::get().to(policy::get_policy))
        .route("/v1/sites/{site}/loader.js", web::get().to(banner::loader))
        .route(
            "/v1/sites/{site}/banner.json",
            web::get().to(banner::banner_document),
        )
        .route("/banner/{file}", web::get().to(banner::asset))
        .route("/v1/consents", web::post().to(consents::record_consent))
        .route("/v1/audit/events", web::get().to(audit::export_events))
        .route(
            "/v1/audit/checkpoints",
            web::get().to(audit::list_checkpoints),
        )
        .route(
            "/v1/audit/checkpoints",
            web::post().to(audit::create_checkpoints),
        )
        .route("/v1/audit/stats", web::get().to(report::stats_json))
        .route("/audit/report", web::get().to(report::report_html))
        .route(
            "/v1/consents/{consent_id}",
            web::get().to(subject::read_history),
        )
        .route(
            "/v1/consents/{consent_id}",
            web::delete().to(subject::withdraw_and_erase),
        )
        .route("/v1/consent-status", web::get().to(subject::token_status))
        .route("/", web::get().to(examples::home))
        .route("/privacy", web::get().to(privacy::privacy_statement))
        .route("/pages.css", web::get().to(privacy::stylesheet))
        .route("/my-consent", web::get().to(my_consent::show))
        .route("/my-consent/export", web::get().to(my_consent::export))
        .route("/my-consent/erase", web::post().to(my_consent::erase))
        .route("/examples/demo.css", web::get().to(examples::stylesheet))
        .route("/examples/stubs/{file}", web::get().to(examples::stub))
        .route("/examples/{site}/", web::get().to(examples::page))
        .default_service(web::to(problem::not_found));
}

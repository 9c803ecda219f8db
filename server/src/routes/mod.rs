//! HTTP routes. Handlers are thin: extract, parse into domain types, call
//! the ledger or storage, answer.

mod audit;
mod audit_policies;
mod banner;
mod bearer;
mod consents;
mod csp;
mod examples;
mod keyed_bodies;
mod language;
mod methods;
mod my_consent;
mod openapi;
mod ops;
mod policy;
mod privacy;
mod problem;
mod receipt;
mod report;
mod report_changes;
mod request_log;
mod sized_bodies;
mod state;
mod subject;
mod write_limit;

use actix_web::web;
use utoipa::OpenApi;

pub use banner::CONSENT_COOKIE;
pub use examples::PAGES as EXAMPLE_PAGES;
pub use keyed_bodies::{KeptBodies, KeyedBodies};
pub use methods::refuse_unknown_methods;
pub use problem::ApiError;
pub use request_log::observe_requests;
pub use sized_bodies::{encode_sized_bodies, unmark_identity};
pub use state::{AppState, Issuer, OwnOrigins, Policies};
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
        audit::statement_keys,
        audit_policies::list_policies,
        audit_policies::get_policy_document,
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
    let query = web::QueryConfig::default().error_handler(|error, _| {
        ApiError::BadRequest(format!("the query string could not be read: {error}")).into()
    });
    let path = web::PathConfig::default().error_handler(|error, _| {
        ApiError::BadRequest(format!("the path could not be read: {error}")).into()
    });
    cfg.app_data(json)
        .app_data(form)
        .app_data(query)
        .app_data(path)
        .service(resource("/healthz", "GET").route(web::get().to(ops::health)))
        .service(resource("/metrics", "GET").route(web::get().to(ops::metrics)))
        .service(resource("/openapi.json", "GET").route(web::get().to(openapi::openapi)))
        .service(resource("/.well-known/jwks.json", "GET").route(web::get().to(ops::jwks)))
        .service(
            resource("/v1/sites/{site}/policy", "GET").route(web::get().to(policy::get_policy)),
        )
        .service(resource("/v1/sites/{site}/loader.js", "GET").route(web::get().to(banner::loader)))
        .service(
            resource("/v1/sites/{site}/banner.json", "GET")
                .route(web::get().to(banner::banner_document)),
        )
        .service(resource("/banner/{file}", "GET").route(web::get().to(banner::asset)))
        .service(resource("/v1/consents", "POST").route(web::post().to(consents::record_consent)))
        .service(resource("/v1/audit/events", "GET").route(web::get().to(audit::export_events)))
        .service(
            resource("/v1/audit/checkpoints", "GET, POST")
                .route(web::get().to(audit::list_checkpoints))
                .route(web::post().to(audit::create_checkpoints)),
        )
        .service(resource("/v1/audit/stats", "GET").route(web::get().to(report::stats_json)))
        .service(resource("/v1/audit/keys", "GET").route(web::get().to(audit::statement_keys)))
        .service(
            resource("/v1/audit/policies", "GET")
                .route(web::get().to(audit_policies::list_policies)),
        )
        .service(
            resource("/v1/audit/policies/{hash}", "GET")
                .route(web::get().to(audit_policies::get_policy_document)),
        )
        .service(resource("/audit/report", "GET").route(web::get().to(report::report_html)))
        .service(
            resource("/v1/consents/{consent_id}", "GET, DELETE")
                .route(web::get().to(subject::read_history))
                .route(web::delete().to(subject::withdraw_and_erase)),
        )
        .service(resource("/v1/consent-status", "GET").route(web::get().to(subject::token_status)))
        .service(resource("/", "GET").route(web::get().to(examples::home)))
        .service(resource("/privacy", "GET").route(web::get().to(privacy::privacy_statement)))
        .service(resource("/pages.css", "GET").route(web::get().to(privacy::stylesheet)))
        .service(resource("/my-consent", "GET").route(web::get().to(my_consent::show)))
        .service(resource("/my-consent/export", "GET").route(web::get().to(my_consent::export)))
        .service(resource("/my-consent/erase", "POST").route(web::post().to(my_consent::erase)))
        .service(resource("/examples/demo.css", "GET").route(web::get().to(examples::stylesheet)))
        .service(resource("/examples/stubs/{file}", "GET").route(web::get().to(examples::stub)))
        .service(resource("/examples/{site}/", "GET").route(web::get().to(examples::page)))
        .default_service(web::to(problem::not_found));
}

/// A path whose other methods answer 405 naming those it takes (`allow`).
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || methods::not_allowed(allow)))
}

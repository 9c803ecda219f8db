use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

on_both_backends!(health_check_answers_when_the_database_does);

async fn health_check_answers_when_the_database_does(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn unknown_route_is_a_problem_document() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let response = app.get("/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn openapi_describes_every_public_route() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc: serde_json::Value = app.get("/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/v1/consents",
        "/v1/consents/{consent_id}",
        "/v1/sites/{site}/policy",
        "/.well-known/jwks.json",
        "/healthz",
        "/metrics",
        "/v1/audit/events",
        "/v1/audit/checkpoints",
        "/v1/audit/stats",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(paths["/v1/consents/{consent_id}"]["delete"].is_object());
    assert!(doc["components"]["schemas"]["ConsentRequest"].is_object());
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_consents_by_action() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.consent(crate::helpers::all("www", true)).await;
    let text = app.get_text("/metrics").await;
    assert!(
        text.contains(r#"http_requests_total{route="/v1/consents",method="POST",status="201"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"consents_recorded_total{action="given"} 1"#),
        "{text}"
    );
    assert!(text.contains("ledger_append_seconds_count 1"), "{text}");
}

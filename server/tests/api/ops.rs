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
    assert_eq!(
        app.get("/metrics").await.status(),
        401,
        "metrics need a key"
    );
    let key = app.add_auditor("prometheus");
    let text = app.metrics(&key).await;
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

#[tokio::test]
async fn made_up_methods_are_refused_at_the_door_and_never_reach_the_metrics() {
    let app = crate::helpers::spawn_limited(
        &format!(
            "sqlite://{}",
            crate::helpers::temp_dir().join("c.db").display()
        ),
        &crate::helpers::temp_dir(),
        None,
        1,
    )
    .await;
    let key = app.add_auditor("prometheus");
    let before = app.metrics(&key).await;
    for i in 0..60 {
        let method =
            http::Method::from_bytes(format!("X{}{}", i, "Y".repeat(2000)).as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url("/v1/consents"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(
            response.headers()["allow"],
            "GET, HEAD, POST, DELETE, OPTIONS"
        );
    }
    let put = app
        .client
        .put(app.url("/v1/consents"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    let after = app.metrics(&key).await;
    assert!(
        !after.contains("YYYY") && !after.contains("PUT"),
        "no label from a made-up method"
    );
    assert!(
        after.len() < before.len() + 1024,
        "metrics did not grow: {} -> {}",
        before.len(),
        after.len()
    );
    assert_eq!(app.event_count().await, 0);
    // The one write the limit allows is still there.
    assert_eq!(
        app.post_consent(&crate::helpers::consent_body(crate::helpers::all(
            "www", true
        )))
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn a_method_a_resource_does_not_take_is_405_naming_those_it_does() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for (method, path, allow) in [
        (http::Method::GET, "/v1/consents", "POST"),
        (http::Method::DELETE, "/v1/consents", "POST"),
        (
            http::Method::POST,
            "/v1/consents/0190c7a2-0000-7000-8000-000000000000",
            "GET, DELETE",
        ),
        (http::Method::DELETE, "/.well-known/jwks.json", "GET"),
        (http::Method::POST, "/my-consent", "GET"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    assert_eq!(app.get("/nowhere").await.status(), 404);
}

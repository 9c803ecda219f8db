use serde_json::{Value, json};

use crate::helpers::{Backend, all, consent_body, current_version, spawn_app, verify_with_jwks};
use crate::on_both_backends;

on_both_backends!(
    accepted_consent_returns_a_token_that_verifies_with_the_jwks_alone,
    stored_event_keeps_denials_and_only_minimised_personal_data,
    gpc_signal_forces_marketing_off_and_is_recorded,
    changing_a_choice_keeps_the_consent_id,
);

async fn accepted_consent_returns_a_token_that_verifies_with_the_jwks_alone(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let claims = verify_with_jwks(&app.jwks().await, receipt["token"].as_str().unwrap(), "www");
    assert_eq!(claims["sub"], receipt["consent_id"]);
    assert_eq!(
        claims["cat"],
        json!([
            "necessary",
            "analytics",
            "experience",
            "marketing",
            "support"
        ])
    );
    assert_eq!(claims["pv"], current_version("www"));
    assert_eq!(claims["ph"].as_str().unwrap().len(), 64);
    assert_eq!(claims["gpc"], false);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 365 * 86_400);
}

async fn stored_event_keeps_denials_and_only_minimised_personal_data(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", false)).await;
    let token = receipt["token"].as_str().unwrap();
    let history: Value = app
        .get_history(receipt["consent_id"].as_str().unwrap(), Some(token))
        .await
        .json()
        .await
        .unwrap();
    let event = &history["events"][0];
    assert_eq!(event["action"], "given");
    assert_eq!(event["source"], "banner");
    assert_eq!(event["choices"], all("www", false));
    assert_eq!(
        event["ip_prefix"], "127.0.0.0/24",
        "the address is truncated to its /24"
    );
    assert_eq!(
        event["url"], "https://www.nexxtjourneys.com/prijzen",
        "query string dropped"
    );
    assert_eq!(event["user_agent"], "Mozilla/5.0 (test)");
    assert_eq!(event["locale"], "nl");
    assert_eq!(event["policy_version"], current_version("www"));
    assert!(
        event.get("personal_salt").is_none(),
        "the salt never leaves the server"
    );
    assert!(event["recorded_at"].as_str().unwrap().ends_with('Z'));
}

async fn gpc_signal_forces_marketing_off_and_is_recorded(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .client
        .post(app.url("/v1/consents"))
        .header("Sec-GPC", "1")
        .json(&consent_body(all("www", true)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let receipt: Value = response.json().await.unwrap();
    let claims = verify_with_jwks(&app.jwks().await, receipt["token"].as_str().unwrap(), "www");
    assert_eq!(claims["gpc"], true);
    assert_eq!(
        claims["cat"],
        json!(["necessary", "analytics", "experience", "support"])
    );
    let history: Value = app
        .get_history(
            receipt["consent_id"].as_str().unwrap(),
            receipt["token"].as_str(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["events"][0]["gpc"], true);
    assert_eq!(history["events"][0]["choices"]["marketing"], false);
}

async fn changing_a_choice_keeps_the_consent_id(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let first = app.consent(all("www", true)).await;
    let body = consent_body(all("www", false));
    let response = app.post_consent_with(&body, first["token"].as_str()).await;
    assert_eq!(response.status(), 201);
    let second: Value = response.json().await.unwrap();
    assert_eq!(second["consent_id"], first["consent_id"]);
    let history: Value = app
        .get_history(
            first["consent_id"].as_str().unwrap(),
            second["token"].as_str(),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["given", "changed"]);
}

#[tokio::test]
async fn app_site_records_support_switched_on() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let body = json!({
        "site": "app",
        "policy_version": current_version("app"),
        "choices": {"necessary": true, "support": true},
    });
    let response = app.post_consent(&body).await;
    assert_eq!(response.status(), 201);
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["granted"], json!(["necessary", "support"]));
}

#[tokio::test]
async fn concurrent_consents_are_all_committed_in_one_chain() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let requests = (0..200).map(|i| {
        let app = &app;
        async move { app.consent(all("www", i % 2 == 0)).await }
    });
    let receipts = futures::future::join_all(requests).await;
    assert_eq!(receipts.len(), 200);
    assert_eq!(app.event_count().await, 200);
    let report = consent_server::ledger::verify_database(&app.db)
        .await
        .unwrap();
    assert_eq!(report.events, 200);
}

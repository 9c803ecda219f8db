//! The per-client limit on public writes, through the real server.

use crate::helpers::{Backend, all, consent_body, fresh_database, spawn_limited, temp_dir};

#[tokio::test]
async fn writes_over_the_limit_get_429_with_retry_after_and_store_nothing() {
    let dir = temp_dir();
    let (url, _) = fresh_database(Backend::Sqlite, &dir).await.unwrap();
    // 3 per minute: one write every 20 s once the burst of 3 is spent.
    let app = spawn_limited(&url, &dir, None, 3).await;
    for n in 0..3 {
        let response = app
            .client
            .post(app.url("/v1/consents"))
            .json(&consent_body(all("www", n % 2 == 0)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "write {n} is within the burst");
    }
    let refused = app
        .client
        .post(app.url("/v1/consents"))
        .json(&consent_body(all("www", true)))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "Retry-After {wait}");
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    // Withdrawal and erasure are writes too, refused before anything else.
    let id = uuid::Uuid::new_v4();
    let erase = app
        .client
        .delete(app.url(&format!("/v1/consents/{id}")))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(erase.status(), 429);
    // Reads are never limited.
    let policy = app.get("/v1/sites/www/policy").await;
    assert_eq!(policy.status(), 200);
    assert_eq!(app.event_count().await, 3, "refused writes stored nothing");
    let key = app.add_auditor("ops");
    let metrics = app.metrics(&key).await;
    assert!(
        metrics
            .lines()
            .any(|l| l.contains("route=\"/v1/consents\"") && l.contains("status=\"429\"")),
        "429s are counted"
    );
}

/// Posts a consent as if through a proxy that says the client is `client`.
async fn post_from(app: &crate::helpers::TestApp, client: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/consents"))
        .header("X-Forwarded-For", client)
        .json(&consent_body(all("www", true)))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_its_own_network() {
    let dir = temp_dir();
    let (url, _) = fresh_database(Backend::Sqlite, &dir).await.unwrap();
    let app = crate::helpers::spawn_behind(&url, &dir, None, 2, &["127.0.0.0/8"]).await;
    for _ in 0..2 {
        assert_eq!(post_from(&app, "203.0.113.7").await.status(), 201);
    }
    let again = post_from(&app, "203.0.113.7").await;
    assert_eq!(again.status(), 429, "the forwarded client's burst is spent");
    let other = post_from(&app, "198.51.100.20").await;
    assert_eq!(
        other.status(),
        201,
        "another client behind the same proxy is not refused"
    );
    let receipt: serde_json::Value = other.json().await.unwrap();
    let token = receipt["token"].as_str().unwrap();
    let history: serde_json::Value = app
        .get_history(receipt["consent_id"].as_str().unwrap(), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["events"][0]["ip_prefix"], "198.51.100.0/24",
        "the forwarded client's network is stored"
    );
}

#[tokio::test]
async fn forwarded_addresses_from_an_untrusted_peer_are_ignored() {
    let dir = temp_dir();
    let (url, _) = fresh_database(Backend::Sqlite, &dir).await.unwrap();
    let app = spawn_limited(&url, &dir, None, 2).await;
    for client in ["203.0.113.7", "198.51.100.20"] {
        assert_eq!(post_from(&app, client).await.status(), 201);
    }
    let spoofed = post_from(&app, "192.0.2.99").await;
    assert_eq!(
        spoofed.status(),
        429,
        "a forged header does not buy a fresh bucket"
    );
}

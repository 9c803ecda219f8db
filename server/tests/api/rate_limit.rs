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
    let policy = app
        .client
        .get(app.url("/v1/sites/www/policy"))
        .send()
        .await
        .unwrap();
    assert_eq!(policy.status(), 200);
    assert_eq!(app.event_count().await, 3, "refused writes stored nothing");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.contains("route=\"/v1/consents\"") && l.contains("status=\"429\"")),
        "429s are counted"
    );
}

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn www_policy_lists_every_category_with_only_necessary_on() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let response = app.get("/v1/sites/www/policy").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    let ids: Vec<&str> = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "necessary",
            "analytics",
            "experience",
            "marketing",
            "support"
        ]
    );
    assert_eq!(
        doc["defaults"],
        serde_json::json!({"necessary": true, "analytics": false, "experience": false, "marketing": false, "support": false})
    );
    assert_eq!(doc["hash"].as_str().unwrap().len(), 64);
    assert_eq!(doc["vendors"].as_array().unwrap().len(), 9);
    assert!(doc["texts"]["nl"]["reject_all"].is_string());
}

#[tokio::test]
async fn app_policy_has_support_off_by_default() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc: Value = app.get("/v1/sites/app/policy").await.json().await.unwrap();
    assert_eq!(
        doc["defaults"],
        serde_json::json!({"necessary": true, "support": false})
    );
}

#[tokio::test]
async fn unknown_site_is_404() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let response = app.get("/v1/sites/shop/policy").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("shop"));
}

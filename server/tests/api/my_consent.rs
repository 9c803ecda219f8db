//! The visitor's own page: their records, read from the consent cookie.

use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, spawn_app};

fn rows(html: &str) -> usize {
    Html::parse_document(html)
        .select(&Selector::parse("table.history tbody tr").unwrap())
        .count()
}

async fn with_cookie(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    let request = app.client.get(app.url(path));
    request
        .header("Cookie", format!("nexxt_consent={token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn visitor_sees_downloads_and_erases_their_records() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let receipt = app.consent(all("www", true)).await;
    let token = receipt["token"].as_str().unwrap();

    let page = with_cookie(&app, "/my-consent?lang=en", token).await;
    assert_eq!(page.status(), 200);
    assert_eq!(rows(&page.text().await.unwrap()), 1);

    let download = with_cookie(&app, "/my-consent/export", token).await;
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let history: Value = download.json().await.unwrap();
    assert_eq!(history["consent_id"], receipt["consent_id"]);

    let erased = app
        .client
        .post(app.url("/my-consent/erase?lang=en"))
        .header("Cookie", format!("nexxt_consent={token}"))
        .header("Origin", &app.address)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    let set_cookie = erased.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("nexxt_consent=;") && set_cookie.contains("Max-Age=0"),
        "{set_cookie}"
    );
    let html = erased.text().await.unwrap();
    assert_eq!(
        rows(&html),
        2,
        "the consent and its withdrawal, both without personal data"
    );
    let report = consent_server::ledger::verify_database(&app.db)
        .await
        .unwrap();
    assert_eq!(report.redacted, 2);
}

#[tokio::test]
async fn erasure_from_another_site_is_refused_and_stores_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let receipt = app.consent(all("www", true)).await;
    let response = app
        .client
        .post(app.url("/my-consent/erase"))
        .header(
            "Cookie",
            format!("nexxt_consent={}", receipt["token"].as_str().unwrap()),
        )
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    // Refused at the door by the CORS layer (foreign origin), before the handler's own check.
    assert_eq!(response.status(), 400);
    assert_eq!(app.event_count().await, 1);
}

#[tokio::test]
async fn without_a_consent_cookie_there_is_nothing_to_show() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let page = app.get("/my-consent").await;
    assert_eq!(page.status(), 200);
    assert_eq!(rows(&page.text().await.unwrap()), 0);
    let export = app.get("/my-consent/export").await;
    assert_eq!(export.status(), 401);
    let forged = with_cookie(&app, "/my-consent/export", "not.a.token").await;
    assert_eq!(forged.status(), 401);
}

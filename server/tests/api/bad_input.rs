//! Every kind of bad request gets its own clear 4xx and stores nothing.

use serde_json::{Value, json};

use crate::helpers::{Backend, all, consent_body, spawn_app};
use crate::on_both_backends;

on_both_backends!(bad_requests_get_a_clear_4xx_and_store_nothing);

fn with(mutate: impl FnOnce(&mut Value)) -> Value {
    let mut body = consent_body(all("www", true));
    mutate(&mut body);
    body
}

fn json_cases() -> Vec<(&'static str, Value, u16)> {
    vec![
        ("unknown site", with(|b| b["site"] = json!("shop")), 404),
        (
            "unknown category",
            with(|b| b["choices"]["tracking"] = json!(true)),
            422,
        ),
        (
            "missing category",
            with(|b| drop(b["choices"].as_object_mut().unwrap().remove("support"))),
            422,
        ),
        (
            "necessary refused",
            with(|b| b["choices"]["necessary"] = json!(false)),
            422,
        ),
        (
            "choice not a boolean",
            with(|b| b["choices"]["analytics"] = json!("yes")),
            422,
        ),
        (
            "missing site",
            with(|b| drop(b.as_object_mut().unwrap().remove("site"))),
            422,
        ),
        (
            "unknown field",
            with(|b| b["pre_ticked"] = json!(true)),
            422,
        ),
        (
            "stale policy version",
            with(|b| b["policy_version"] = json!("1999-01-01")),
            409,
        ),
        (
            "consent id not a UUID",
            with(|b| b["consent_id"] = json!("../../etc")),
            422,
        ),
        (
            "url not http",
            with(|b| b["url"] = json!("javascript:alert(1)")),
            422,
        ),
        (
            "locale not a tag",
            with(|b| b["locale"] = json!("<b>nl</b>")),
            422,
        ),
        (
            "body over 16 KiB",
            with(|b| b["url"] = json!(format!("https://x.test/{}", "a".repeat(17_000)))),
            413,
        ),
    ]
}

async fn bad_requests_get_a_clear_4xx_and_store_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for (case, body, status) in json_cases() {
        let response = app.post_consent(&body).await;
        assert_eq!(response.status().as_u16(), status, "{case}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{case}"
        );
        let problem: Value = response.json().await.unwrap();
        assert!(
            !problem["detail"].as_str().unwrap().is_empty(),
            "{case}: detail a person can act on"
        );
        if status == 409 {
            assert_eq!(
                problem["current_version"],
                crate::helpers::current_version("www")
            );
        }
    }
    let raw_cases: [(&str, &str, &str, u16); 3] = [
        (
            "malformed JSON",
            "application/json",
            r#"{"site": "www", "#,
            400,
        ),
        ("not JSON at all", "application/json", "site=www", 400),
        (
            "wrong content type",
            "text/plain",
            &consent_body(all("www", true)).to_string(),
            415,
        ),
    ];
    for (case, content_type, body, status) in raw_cases {
        let response = app
            .client
            .post(app.url("/v1/consents"))
            .header("Content-Type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{case}");
    }
    assert_eq!(app.event_count().await, 0, "no bad request stored anything");
}

#[tokio::test]
async fn problem_details_never_leak_internal_text() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let response = app
        .post_consent(&with(|b| b["choices"]["analytics"] = json!(1)))
        .await;
    let text = response.text().await.unwrap();
    for leak in ["sqlx", "sea_orm", "panicked", "/src/", "SELECT"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
}

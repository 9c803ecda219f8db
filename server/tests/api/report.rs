//! The auditor's statistics and report, from real recorded consents.

use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, all, consent_body, spawn_app};

async fn record_mix(app: &TestApp) {
    app.consent(all("www", true)).await;
    app.consent(all("www", true)).await;
    app.consent(all("www", false)).await;
    let mut only_analytics = all("www", false);
    only_analytics["analytics"] = json!(true);
    app.consent(only_analytics).await;
    let gpc = app
        .client
        .post(app.url("/v1/consents"))
        .header("Sec-GPC", "1")
        .json(&consent_body(all("www", true)))
        .send()
        .await
        .unwrap();
    assert_eq!(gpc.status(), 201);
    let app_body = json!({"site": "app", "policy_version": crate::helpers::current_version("app"), "choices": {"necessary": true, "support": true}});
    assert_eq!(app.post_consent(&app_body).await.status(), 201);
}

fn auditor_key(app: &TestApp) -> String {
    let output = app.cli(&["auditors", "add", "dpo"]);
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn stats_count_decisions_shares_opt_in_and_gpc() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    record_mix(&app).await;
    let key = auditor_key(&app);
    let stats: Value = app
        .get_with_key("/v1/audit/stats?site=www", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["decisions"], 5);
    assert_eq!(
        (
            stats["accept_all"].as_u64(),
            stats["reject_all"].as_u64(),
            stats["custom"].as_u64()
        ),
        (Some(2), Some(1), Some(2))
    );
    assert_eq!(stats["gpc"], 1);
    assert_eq!(stats["categories"]["analytics"]["granted"], 4);
    assert_eq!(stats["categories"]["analytics"]["rate"], 0.8);
    assert_eq!(
        stats["categories"]["marketing"]["rate"], 0.4,
        "GPC kept marketing off"
    );
    let versions = stats["policy_versions"].as_object().unwrap();
    assert_eq!(
        versions.values().map(|v| v.as_u64().unwrap()).sum::<u64>(),
        5
    );
    let everything: Value = app
        .get_with_key("/v1/audit/stats", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(everything["decisions"], 6);
}

#[tokio::test]
async fn report_renders_in_both_languages_with_every_vendor() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    record_mix(&app).await;
    let key = auditor_key(&app);
    let set = policies::PolicySet::shipped().unwrap();
    let www = &set.site("www").unwrap().policy;
    for lang in ["nl", "en"] {
        let response = app
            .get_with_key(&format!("/audit/report?site=www&lang={lang}"), &key)
            .await;
        assert_eq!(response.status(), 200);
        let page = Html::parse_document(&response.text().await.unwrap());
        let one = |css: &str| {
            page.select(&Selector::parse(css).unwrap())
                .map(|e| e.text().collect::<String>())
                .collect::<Vec<_>>()
        };
        assert_eq!(one("#decisions"), ["5"], "{lang}");
        let vendors = one("span.vendor");
        for vendor in &www.vendors {
            assert!(
                vendors.contains(&vendor.name),
                "{lang}: {} missing",
                vendor.name
            );
        }
        let rows = one("table.categories th[scope=row]");
        for category in &www.categories {
            assert!(
                rows.contains(&category.name[lang]),
                "{lang}: category {} missing",
                category.name[lang]
            );
        }
        assert_eq!(
            page.select(
                &Selector::parse("section[aria-labelledby=shares-h] > svg > rect").unwrap()
            )
            .count(),
            3
        );
        assert_eq!(
            page.select(&Selector::parse("script").unwrap()).count(),
            0,
            "no scripts"
        );
    }
    let anonymous = app.get("/audit/report").await;
    assert_eq!(anonymous.status(), 401);
    let stats = app.get("/v1/audit/stats").await;
    assert_eq!(stats.status(), 401);
}

//! `banner.json`: every first visit downloads it, so it carries what the
//! dialog shows and no more; a page with a blocked embed asks for the rest.

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

fn vendors(doc: &Value) -> Vec<&Value> {
    doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["vendors"].as_array().unwrap())
        .collect()
}

async fn document(app: &crate::helpers::TestApp, query: &str) -> Value {
    let response = app.get(&format!("/v1/sites/www/banner.json?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_dialog_gets_its_texts_and_the_embeds_get_theirs_on_request() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let dialog = document(&app, "lang=nl").await;
    assert_eq!(dialog["lang"], "nl");
    assert_eq!(dialog["texts"]["accept_all"], "Alles accepteren");
    for text in ["embed_blocked", "embed_load_once", "embed_always"] {
        assert!(dialog["texts"].get(text).is_none(), "{text} in {dialog}");
    }
    let cookies: Vec<&Value> = vendors(&dialog)
        .iter()
        .flat_map(|v| v["cookies"].as_array().unwrap())
        .collect();
    assert!(
        cookies.iter().any(|k| k["prefix"] == true),
        "_ga_ is a prefix"
    );
    assert!(
        cookies
            .iter()
            .all(|k| k.get("prefix") != Some(&Value::Bool(false)))
    );
    assert!(
        vendors(&dialog)
            .iter()
            .all(|v| v.get("hosts").is_none() && v.get("id").is_none())
    );

    let embeds = document(&app, "lang=nl&embeds=true").await;
    assert!(
        embeds["texts"]["embed_blocked"]
            .as_str()
            .unwrap()
            .contains("{vendor}")
    );
    let analytics = vendors(&embeds)
        .into_iter()
        .find(|v| v["id"] == "google-analytics")
        .expect("vendor ids for data-vendor");
    assert!(
        analytics["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == "google-analytics.com")
    );
    // Besides ids and hosts, the same categories, vendors and cookies.
    let mut stripped = embeds["categories"].clone();
    for category in stripped.as_array_mut().unwrap() {
        for vendor in category["vendors"].as_array_mut().unwrap() {
            let vendor = vendor.as_object_mut().unwrap();
            vendor.remove("id");
            vendor.remove("hosts");
        }
    }
    assert_eq!(stripped, dialog["categories"]);

    // A language the site does not offer gets the default.
    let unknown = document(&app, "lang=xx").await;
    assert_eq!(unknown["lang"], "nl");
}

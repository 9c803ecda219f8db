//! Every policy document served is archived by hash; a version cannot be
//! reused for other content.

use consent_server::configuration::{DatabaseSettings, Settings};
use consent_server::startup::Application;

use crate::helpers::{Backend, TestApp, all, policies_with_www, spawn_app, spawn_on};
use crate::on_both_backends;

on_both_backends!(
    the_policies_in_force_are_archived_with_their_banner,
    an_edit_without_a_version_bump_stops_the_start_and_stores_nothing,
    auditors_list_the_versions_with_their_use_and_read_each_document,
);

async fn auditors_list_the_versions_with_their_use_and_read_each_document(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for _ in 0..3 {
        app.consent(all("www", true)).await;
    }
    let key = app.add_auditor("dpo");
    assert_eq!(app.get("/v1/audit/policies").await.status(), 401);
    let listed: serde_json::Value = app
        .get_with_key("/v1/audit/policies", &key)
        .await
        .json()
        .await
        .unwrap();
    let www = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["site"] == "www")
        .unwrap()
        .clone();
    assert_eq!(www["events"], 3);
    assert!(www["first_used_at"].as_str().unwrap() <= www["last_used_at"].as_str().unwrap());
    let app_site = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["site"] == "app")
        .unwrap();
    assert_eq!(app_site["events"], 0);
    assert!(app_site["first_used_at"].is_null());

    let hash = www["hash"].as_str().unwrap();
    let path = format!("/v1/audit/policies/{hash}");
    assert_eq!(app.get(&path).await.status(), 401);
    let document: serde_json::Value = app.get_with_key(&path, &key).await.json().await.unwrap();
    let text = document["document"].as_str().unwrap();
    assert_eq!(
        policies::document_hash(text),
        hash,
        "the auditor recomputes the hash"
    );
    assert!(text.contains("Intercom"), "the texts the visitor saw");
    assert!(
        document["banner"]["wasm"]
            .as_str()
            .unwrap()
            .ends_with(".wasm")
    );
    let unknown = app
        .get_with_key(&format!("/v1/audit/policies/{}", "0".repeat(64)), &key)
        .await;
    assert_eq!(unknown.status(), 404);
}

async fn archive(app: &TestApp) -> Vec<consent_server::storage::ArchivedPolicy> {
    consent_server::storage::archived_policies(&app.db)
        .await
        .unwrap()
}

/// The shipped `www` first-layer text naming one more third party.
fn with_tiktok(www: String) -> String {
    let edited = www.replacen("Intercom", "Intercom en TikTok", 1);
    assert_ne!(edited, www, "the edit changed the policy");
    edited
}

async fn the_policies_in_force_are_archived_with_their_banner(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let archived = archive(&app).await;
    assert_eq!(archived.len(), 2, "www and app");
    let policy: serde_json::Value = app.get("/v1/sites/www/policy").await.json().await.unwrap();
    let www = archived.iter().find(|p| p.site == "www").unwrap();
    assert_eq!(www.hash, policy["hash"]);
    assert_eq!(
        policies::document_hash(&www.document),
        www.hash,
        "the document proves its hash"
    );
    let banner: serde_json::Value = serde_json::from_str(&www.banner).unwrap();
    for file in ["loader", "wasm", "glue", "css"] {
        assert!(banner[file].is_string(), "{file}: {banner}");
    }
    let claims = crate::helpers::verify_with_jwks(
        &app.jwks().await,
        receipt["token"].as_str().unwrap(),
        "www",
    );
    assert_eq!(
        claims["ph"],
        www.hash.as_str(),
        "the token names an archived document"
    );

    // A restart on the same files archives nothing new.
    let again = spawn_on(&app.db_url, &app.data_dir, None).await;
    assert_eq!(archive(&again).await.len(), 2);
    // A bumped version is archived beside the old one.
    let bumped = policies_with_www(|www| {
        with_tiktok(www).replacen("version = \"", "version = \"bumped-", 1)
    });
    spawn_on(&app.db_url, &app.data_dir, Some(bumped)).await;
    let versions: Vec<String> = archive(&app)
        .await
        .into_iter()
        .filter(|p| p.site == "www")
        .map(|p| p.version)
        .collect();
    assert_eq!(versions.len(), 2);
    assert!(versions[1].starts_with("bumped-"), "{versions:?}");
}

async fn an_edit_without_a_version_bump_stops_the_start_and_stores_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let before = archive(&app).await;
    let edited = policies_with_www(with_tiktok);
    let settings = Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseSettings {
            url: app.db_url.clone(),
            data_dir: app.data_dir.clone(),
        },
        policies: Some(edited),
        issuer: "nexxt-consent".to_owned(),
        checkpoint_interval: 0,
        write_rate_limit: 0,
        trusted_proxies: Default::default(),
    };
    let refused = Application::build(settings)
        .await
        .err()
        .expect("start-up is refused");
    let message = format!("{refused:#}");
    let www = before.iter().find(|p| p.site == "www").unwrap();
    for part in [
        "`www`",
        &format!("`{}`", www.version),
        &www.hash,
        "bump `version`",
    ] {
        assert!(message.contains(part), "{part} missing from: {message}");
    }
    assert_eq!(archive(&app).await, before, "nothing was archived");
}

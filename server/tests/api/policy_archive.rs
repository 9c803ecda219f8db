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
    exports_carry_each_policy_document_once_and_prove_it,
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
    let edited = www.replacen(
        "Microsoft en Intercom voor",
        "Microsoft, Intercom en TikTok voor",
        1,
    );
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
    // The report names what changed from one version to the next.
    let key = app.add_auditor("dpo");
    let report = app
        .get_with_key("/audit/report?site=www&lang=en", &key)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("Changes between policy versions"),
        "{report}"
    );
    assert!(
        report.contains(&format!("www: {} &rarr; {}", versions[0], versions[1])),
        "{report}"
    );
    assert!(
        report.contains("texts changed: nl: banner text"),
        "{report}"
    );
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

async fn sealed_export(app: &TestApp, key: &str, format: &str) -> Vec<u8> {
    let response = app
        .get_with_key(&format!("/v1/audit/events?format={format}"), key)
        .await;
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

fn check(
    app_jwks: &serde_json::Value,
    bytes: &[u8],
    format: consent_server::ledger::Format,
) -> Result<consent_server::ledger::OfflineReport, String> {
    let keys = consent_server::tokens::keys_from_jwks(app_jwks);
    consent_server::ledger::verify_export(bytes, format, &keys, "nexxt-consent").map_err(
        |e| match e {
            consent_server::ledger::FileError::Broken(b) => b.to_string(),
            consent_server::ledger::FileError::Io(e) => e.to_string(),
        },
    )
}

async fn exports_carry_each_policy_document_once_and_prove_it(backend: Backend) {
    use consent_server::ledger::Format;
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let key = app.add_auditor("dpo");
    for _ in 0..3 {
        app.consent(all("www", true)).await;
    }
    let jwks = app.jwks().await;
    let ndjson = sealed_export(&app, &key, "ndjson").await;
    let report = check(&jwks, &ndjson, Format::Ndjson).expect("intact");
    assert!(report.policies_included);
    assert_eq!(
        (report.events, report.policies),
        (3, 1),
        "the document once for three events"
    );
    let csv = sealed_export(&app, &key, "csv").await;
    let report = check(&jwks, &csv, Format::Csv).expect("intact csv");
    assert_eq!(report.policies, 1);

    let lines: Vec<String> = String::from_utf8(ndjson)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let at = lines
        .iter()
        .position(|l| l.contains(r#""type":"policy""#))
        .unwrap();
    let mut altered = lines.clone();
    altered[at] = altered[at].replacen("Intercom", "Intercom en TikTok", 1);
    assert_ne!(altered[at], lines[at]);
    let error = check(
        &jwks,
        (altered.join("\n") + "\n").as_bytes(),
        Format::Ndjson,
    )
    .unwrap_err();
    assert!(
        error.starts_with(&format!("line {}", at + 1)) && error.contains("altered"),
        "{error}"
    );
    let mut removed = lines.clone();
    removed.remove(at);
    let error = check(
        &jwks,
        (removed.join("\n") + "\n").as_bytes(),
        Format::Ndjson,
    )
    .unwrap_err();
    assert!(
        error.starts_with(&format!("line {}", at + 1)) && error.contains("does not hold"),
        "the first event naming it: {error}"
    );
}

#[test]
fn an_export_from_before_the_archive_still_verifies_and_says_so() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let jwks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fuzz.join("fixtures/jwks.json")).unwrap())
            .unwrap();
    let seed = std::fs::read(fuzz.join("corpus/export_file/seed-export.ndjson")).unwrap();
    let report = check(&jwks, &seed[1..], consent_server::ledger::Format::Ndjson).unwrap();
    assert!(!report.policies_included);
    assert!(report.events >= 3);
}

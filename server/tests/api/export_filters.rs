//! Export filters: by action, policy version and category state, on the API
//! and the command line. Events left out stay in the export as elided lines,
//! so the seal still covers them and the export verifies.

use consent_server::ledger::{Format, verify_export};
use consent_server::tokens::keys_from_jwks;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, consent_body, current_version, spawn_app, token_of};
use crate::on_both_backends;

on_both_backends!(each_filter_keeps_its_events_in_full_and_the_export_still_verifies);

/// (full events, elided events) of an export that verifies.
async fn counts(app: &TestApp, key: &str, query: &str) -> (u64, u64) {
    let response = app
        .get_with_key(&format!("/v1/audit/events?{query}"), key)
        .await;
    assert_eq!(response.status(), 200, "{query}");
    let bytes = response.bytes().await.unwrap();
    let keys = keys_from_jwks(&app.jwks().await);
    let report = verify_export(&bytes[..], Format::Ndjson, &keys, "nexxt-consent")
        .unwrap_or_else(|e| panic!("{query}: {e:?}"));
    (report.events, report.elided)
}

async fn each_filter_keeps_its_events_in_full_and_the_export_still_verifies(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let key = app.add_auditor("dpo");
    let first = app.consent(all("www", true)).await;
    app.consent(all("www", true)).await;
    app.consent(all("www", false)).await;
    let changed = app
        .post_consent_with(&consent_body(all("www", false)), Some(token_of(&first)))
        .await;
    assert_eq!(changed.status(), 201);
    let second: Value = changed.json().await.unwrap();
    let id = first["consent_id"].as_str().unwrap();
    assert_eq!(
        app.delete_consent(id, Some(token_of(&second)))
            .await
            .status(),
        200
    );

    let version = current_version("www");
    for (query, expected) in [
        ("", (5, 0)),
        ("action=given", (3, 2)),
        ("action=changed", (1, 4)),
        ("action=withdrawn", (1, 4)),
        ("granted=analytics", (2, 3)),
        ("denied=analytics", (3, 2)),
        ("action=given&denied=marketing", (1, 4)),
        (&format!("policy_version={version}") as &str, (5, 0)),
        ("policy_version=1999-01-01", (0, 5)),
    ] {
        assert_eq!(counts(&app, &key, query).await, expected, "{query}");
    }
    let bad = app
        .get_with_key("/v1/audit/events?action=deleted", &key)
        .await;
    assert_eq!(bad.status(), 400);

    let out = app.data_dir.join("given.ndjson");
    let exported = app.cli(&[
        "audit",
        "export",
        "--action",
        "given",
        "--denied",
        "marketing",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let keys = keys_from_jwks(&app.jwks().await);
    let report = verify_export(
        std::fs::File::open(&out).unwrap(),
        Format::Ndjson,
        &keys,
        "nexxt-consent",
    )
    .unwrap();
    assert_eq!((report.events, report.elided), (1, 4));
}

//! The ledger proves itself: intact chains verify, and every kind of direct
//! database tampering is caught and named.

use consent_server::ledger::{VerifyError, verify_database};
use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, TestApp, all, spawn_app, spawn_on};
use crate::on_both_backends;

on_both_backends!(
    intact_ledger_verifies,
    edited_choice_is_detected,
    edited_personal_field_is_detected,
    deleted_event_is_detected,
    reordered_events_are_detected,
    inserted_event_is_detected,
    removed_last_event_is_detected,
    a_row_that_is_not_an_event_is_named_by_verify_and_by_the_export,
    two_instances_append_concurrently_without_losing_or_forking,
);

/// An app with five recorded consents in its chain.
async fn app_with_events(backend: Backend) -> Option<TestApp> {
    let app = spawn_app(backend).await?;
    for i in 0..5 {
        app.consent(all("www", i % 2 == 0)).await;
    }
    Some(app)
}

async fn sql(app: &TestApp, statement: &str) {
    app.db
        .execute_unprepared(statement)
        .await
        .expect("tamper statement runs");
}

/// Verification fails naming `seq`, and the CLI exits 1 saying so.
async fn assert_tampered_at(app: &TestApp, seq: i64) {
    match verify_database(&app.db).await {
        Err(VerifyError::Tampered(t)) => assert_eq!(t.seq, seq, "first bad event: {t}"),
        other => panic!("tampering not detected: {other:?}"),
    }
    let output = app.verify_cli();
    assert_eq!(output.status.code(), Some(1), "CLI exit code");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("LEDGER TAMPERED") && stdout.contains(&format!("seq {seq}")),
        "{stdout}"
    );
}

async fn intact_ledger_verifies(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    let report = verify_database(&app.db).await.unwrap();
    assert_eq!((report.chains, report.events), (1, 5));
    let output = app.verify_cli();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("ledger intact: 5 events"));
}

async fn edited_choice_is_detected(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    let granted =
        r#"{"analytics":true,"experience":true,"marketing":true,"necessary":true,"support":true}"#;
    sql(
        &app,
        &format!("UPDATE consent_events SET choices = '{granted}' WHERE seq = 2"),
    )
    .await;
    assert_tampered_at(&app, 2).await;
}

/// A value no event can hold (an action the ledger never writes, a time in
/// another spelling) is named by its row, whichever way the row is read:
/// online verification, and an export (on SQLite, its own reader).
async fn a_row_that_is_not_an_event_is_named_by_verify_and_by_the_export(backend: Backend) {
    for (column, value, named) in [
        ("action", "'erased'", "`action`"),
        ("recorded_at", "'2026-01-01T00:00:00Z'", "`recorded_at`"),
        ("consent_id", "upper(consent_id)", "`consent_id`"),
    ] {
        let Some(app) = app_with_events(backend).await else {
            return;
        };
        sql(
            &app,
            &format!("UPDATE consent_events SET {column} = {value} WHERE seq = 2"),
        )
        .await;
        match verify_database(&app.db).await {
            Err(VerifyError::Tampered(t)) => {
                assert_eq!(t.seq, 2, "{column}: {t}");
                assert!(t.reason.contains(named), "{column}: {t}");
            }
            other => panic!("{column}: not detected: {other:?}"),
        }
        let out = app.data_dir.join("export.ndjson");
        let output = app.cli(&["audit", "export", "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{column}: exported");
        assert!(
            stderr.contains("does not decode") && stderr.contains(named),
            "{column}: {stderr}"
        );
    }
}

async fn edited_personal_field_is_detected(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    sql(
        &app,
        "UPDATE consent_events SET ip_prefix = '10.0.0.0/24' WHERE seq = 3",
    )
    .await;
    assert_tampered_at(&app, 3).await;
}

async fn deleted_event_is_detected(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    sql(&app, "DELETE FROM consent_events WHERE seq = 3").await;
    assert_tampered_at(&app, 4).await;
}

async fn reordered_events_are_detected(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    sql(&app, "UPDATE consent_events SET seq = -1 WHERE seq = 2").await;
    sql(&app, "UPDATE consent_events SET seq = 2 WHERE seq = 3").await;
    sql(&app, "UPDATE consent_events SET seq = 3 WHERE seq = -1").await;
    assert_tampered_at(&app, 2).await;
}

async fn inserted_event_is_detected(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    // A forged copy of event 2 squeezed in between 2 and 3.
    // Two steps: the unique (chain, seq) index is checked row by row.
    sql(
        &app,
        "UPDATE consent_events SET seq = seq + 1000 WHERE seq >= 3",
    )
    .await;
    sql(
        &app,
        "UPDATE consent_events SET seq = seq - 999 WHERE seq >= 1000",
    )
    .await;
    sql(
        &app,
        "INSERT INTO consent_events (chain_id, seq, recorded_at, site, consent_id, action, source, \
         policy_version, policy_hash, choices, gpc, locale, url, ip_prefix, user_agent, personal_salt, \
         personal_digest, prev_hash, hash, redacted_at) \
         SELECT chain_id, 3, recorded_at, site, consent_id, action, source, policy_version, policy_hash, \
         choices, gpc, locale, url, ip_prefix, user_agent, personal_salt, personal_digest, hash, hash, redacted_at \
         FROM consent_events WHERE seq = 2",
    )
    .await;
    assert_tampered_at(&app, 3).await;
}

async fn removed_last_event_is_detected(backend: Backend) {
    let Some(app) = app_with_events(backend).await else {
        return;
    };
    sql(&app, "DELETE FROM consent_events WHERE seq = 5").await;
    assert_tampered_at(&app, 5).await;
}

async fn two_instances_append_concurrently_without_losing_or_forking(backend: Backend) {
    let Some(first) = spawn_app(backend).await else {
        return;
    };
    let second_dir = crate::helpers::temp_dir();
    let second = spawn_on(&first.db_url, &second_dir, None).await;
    let writes = (0..300).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move { app.consent(all("www", i % 3 == 0)).await }
    });
    let receipts = futures::future::join_all(writes).await;
    assert_eq!(receipts.len(), 300);
    assert_eq!(
        first.event_count().await,
        300,
        "every acknowledged consent is stored"
    );
    let report = verify_database(&first.db)
        .await
        .expect("both chains verify");
    assert_eq!((report.chains, report.events), (2, 300));
    // Tokens of either instance verify with the JWKS of the other.
    let jwks = first.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    let token = receipts[1]["token"].as_str().unwrap();
    crate::helpers::verify_with_jwks(&jwks, token, "www");
}

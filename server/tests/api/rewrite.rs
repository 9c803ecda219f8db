//! What the database alone cannot show: an administrator who edits an event
//! and recomputes every hash after it, moves the chain's head and deletes
//! the checkpoints leaves a database that verifies. An export the auditor
//! kept from before catches it.

use consent_server::ledger::{
    Format, canonical, kept_positions, verify_database, verify_export, verify_export_against,
};
use consent_server::tokens::keys_from_jwks;
use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, TestApp, all, spawn_app};
use crate::on_both_backends;

on_both_backends!(a_chain_rewritten_consistently_in_the_database_is_caught_by_a_kept_export);

async fn export(app: &TestApp, key: &str) -> Vec<u8> {
    let response = app
        .get_with_key("/v1/audit/events?format=ndjson", key)
        .await;
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// Sets every category of event `seq` to granted and re-chains from there:
/// new hashes, new links, new head, no checkpoints left to contradict it.
async fn rewrite_consistently(app: &TestApp, seq: i64) {
    let head = consent_server::storage::list_chains(&app.db)
        .await
        .unwrap()
        .remove(0);
    let events = consent_server::storage::chain_page(&app.db, &head.chain_id, 0, i64::MAX, 1000)
        .await
        .unwrap();
    let mut prev = String::new();
    for (id, mut event) in events {
        if event.position.seq < seq {
            prev = event.position.hash.clone();
            continue;
        }
        if event.position.seq == seq {
            event.choices.values_mut().for_each(|on| *on = true);
        } else {
            event.position.prev_hash = prev.clone();
        }
        event.position.hash = canonical::event_hash(&event);
        let update = format!(
            "UPDATE consent_events SET choices = '{}', prev_hash = '{}', hash = '{}' WHERE id = {id}",
            canonical::choices_json(&event.choices),
            event.position.prev_hash,
            event.position.hash
        );
        app.db.execute_unprepared(&update).await.unwrap();
        prev = event.position.hash;
    }
    let moved = format!(
        "UPDATE ledger_chains SET head_hash = '{prev}' WHERE id = '{}'",
        head.chain_id
    );
    app.db.execute_unprepared(&moved).await.unwrap();
    app.db
        .execute_unprepared("DELETE FROM checkpoints")
        .await
        .unwrap();
}

async fn a_chain_rewritten_consistently_in_the_database_is_caught_by_a_kept_export(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let key = app.add_auditor("dpo");
    for i in 0..5 {
        app.consent(all("www", i % 2 == 0)).await;
    }
    let kept = export(&app, &key).await;
    app.consent(all("www", false)).await;
    let keys = keys_from_jwks(&app.jwks().await);

    rewrite_consistently(&app, 2).await;

    let report = verify_database(&app.db)
        .await
        .expect("the database alone cannot tell");
    assert_eq!(report.events, 6);
    let fresh = export(&app, &key).await;
    verify_export(fresh.as_slice(), Format::Ndjson, &keys, "nexxt-consent")
        .expect("a fresh export alone cannot tell either");
    let positions =
        kept_positions(kept.as_slice(), Format::Ndjson, &keys, "nexxt-consent").unwrap();
    let error = verify_export_against(
        fresh.as_slice(),
        Format::Ndjson,
        &keys,
        "nexxt-consent",
        positions,
    )
    .expect_err("the kept export catches it");
    assert!(error.to_string().contains("rewritten"), "{error}");

    // The same from the command line, offline.
    let dir = &app.data_dir;
    std::fs::write(dir.join("kept.ndjson"), &kept).unwrap();
    std::fs::write(dir.join("fresh.ndjson"), &fresh).unwrap();
    std::fs::write(dir.join("jwks.json"), app.jwks().await.to_string()).unwrap();
    let verify = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
            .args(["audit", "verify", "--input"])
            .arg(dir.join("fresh.ndjson"))
            .arg("--jwks")
            .arg(dir.join("jwks.json"))
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(
        verify(&[]).status.success(),
        "alone, the fresh export verifies"
    );
    let kept_path = dir.join("kept.ndjson");
    let caught = verify(&["--kept", kept_path.to_str().unwrap()]);
    assert_eq!(caught.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&caught.stdout).contains("chain was rewritten"));
}

#[tokio::test]
async fn a_kept_export_agrees_with_a_later_one_of_an_untouched_ledger() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let key = app.add_auditor("dpo");
    for _ in 0..3 {
        app.consent(all("www", true)).await;
    }
    let kept = export(&app, &key).await;
    app.consent(all("www", false)).await;
    let keys = keys_from_jwks(&app.jwks().await);
    let positions =
        kept_positions(kept.as_slice(), Format::Ndjson, &keys, "nexxt-consent").unwrap();
    let fresh = export(&app, &key).await;
    let report = verify_export_against(
        fresh.as_slice(),
        Format::Ndjson,
        &keys,
        "nexxt-consent",
        positions,
    )
    .unwrap();
    assert_eq!(report.kept_matched, 1, "the kept export's last position");
}

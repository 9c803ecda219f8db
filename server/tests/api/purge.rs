//! Retention: old events go, what remains still verifies, in the database
//! and in an export.

use consent_server::ledger::purge::purge;
use consent_server::ledger::{VerifyError, verify_database};
use consent_server::storage;
use consent_server::tokens::SigningKey;
use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, all, spawn_app};
use crate::on_both_backends;

on_both_backends!(purge_removes_events_past_retention_and_the_rest_still_verifies);

async fn purge_removes_events_past_retention_and_the_rest_still_verifies(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for i in 0..5 {
        app.consent(all("www", i % 2 == 0)).await;
    }
    let chain = storage::list_chains(&app.db).await.unwrap().remove(0);
    let events = storage::chain_page(&app.db, &chain.chain_id, 0, i64::MAX, 10)
        .await
        .unwrap();
    // "Now" is a year after the third event: the first two are past retention.
    let now = events[2].1.recorded_at.get() + time::Duration::days(365);
    let key = SigningKey::load_or_generate(&app.data_dir).unwrap();
    let set = policies::PolicySet::shipped().unwrap();

    let plan = purge(&app.db, &key, "nexxt-consent", &set, now, true)
        .await
        .unwrap();
    assert_eq!((plan[0].through_seq, plan[0].events), (2, 2));
    assert_eq!(app.event_count().await, 5, "a dry run deletes nothing");

    purge(&app.db, &key, "nexxt-consent", &set, now, false)
        .await
        .unwrap();
    assert_eq!(app.event_count().await, 3);
    let report = verify_database(&app.db)
        .await
        .expect("what remains verifies");
    assert_eq!(report.events, 3);
    assert!(app.verify_cli().status.success());
    app.consent(all("www", true)).await;
    assert_eq!(
        verify_database(&app.db).await.unwrap().events,
        4,
        "the chain goes on after a purge"
    );

    // Removing the next event by hand is not a purge.
    app.db
        .execute_unprepared("DELETE FROM consent_events WHERE seq = 3")
        .await
        .unwrap();
    match verify_database(&app.db).await {
        Err(VerifyError::Tampered(t)) => assert!(t.reason.contains("without a purge"), "{t}"),
        other => panic!("manual deletion not detected: {other:?}"),
    }
}

#[tokio::test]
async fn purged_ledger_exports_and_verifies_offline() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for _ in 0..4 {
        app.consent(all("www", true)).await;
    }
    let key = SigningKey::load_or_generate(&app.data_dir).unwrap();
    let set = policies::PolicySet::shipped().unwrap();
    let future = time::OffsetDateTime::now_utc() + time::Duration::days(400);
    let plans = purge(&app.db, &key, "nexxt-consent", &set, future, false)
        .await
        .unwrap();
    assert_eq!(plans[0].events, 4, "everything is past retention");
    assert!(
        app.verify_cli().status.success(),
        "an emptied chain still verifies"
    );
    app.consent(all("www", false)).await;
    let out = app.data_dir.join("after-purge.ndjson");
    assert!(
        app.cli(&["audit", "export", "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let keys = consent_server::tokens::keys_from_jwks(&app.jwks().await);
    let file = std::fs::File::open(&out).unwrap();
    let report = consent_server::ledger::verify_export(
        file,
        consent_server::ledger::Format::Ndjson,
        &keys,
        "nexxt-consent",
    )
    .map_err(|e| format!("{e}"))
    .unwrap();
    assert_eq!(
        (report.events, report.checkpoints),
        (1, 1),
        "anchored on the purge checkpoint"
    );
}

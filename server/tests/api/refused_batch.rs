//! A batch the database refuses: its callers get 503, nothing of it is
//! stored, and the writer carries on with the next batch on an intact chain.
//! The refusal is real: a trigger in the database raises on insert.

use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, consent_body, spawn_app};

crate::on_both_backends!(refused_batch_is_a_503_that_stores_nothing_and_the_next_lands);

async fn refused_batch_is_a_503_that_stores_nothing_and_the_next_lands(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.consent(all("www", true)).await;

    refuse_inserts(&app, backend).await;
    let response = app.post_consent(&consent_body(all("www", false))).await;
    assert_eq!(response.status(), 503);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "the refusal says what happened: {problem}"
    );
    assert_eq!(
        app.event_count().await,
        1,
        "nothing of the refused batch stayed"
    );

    allow_inserts(&app, backend).await;
    app.consent(all("www", false)).await;
    assert_eq!(app.event_count().await, 2);
    let verified = app.verify_cli();
    assert!(
        verified.status.success(),
        "the chain goes on unbroken after the refusal: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
}

async fn refuse_inserts(app: &TestApp, backend: Backend) {
    let statements: &[&str] = match backend {
        Backend::Sqlite => &[
            "CREATE TRIGGER refuse_events BEFORE INSERT ON consent_events \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql \
             AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            "CREATE TRIGGER refuse_events BEFORE INSERT ON consent_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_events()",
        ],
    };
    for statement in statements {
        app.db.execute_unprepared(statement).await.unwrap();
    }
}

async fn allow_inserts(app: &TestApp, backend: Backend) {
    let statement = match backend {
        Backend::Sqlite => "DROP TRIGGER refuse_events",
        Backend::Postgres => "DROP TRIGGER refuse_events ON consent_events",
    };
    app.db.execute_unprepared(statement).await.unwrap();
}

//! PostgreSQL drops every connection of the server (a restart, a failover,
//! a reaper of idle connections). The pools do not test a connection before
//! each use (that is a round trip before every query), so the next
//! statement on a dead one fails: that request answers 503 and stores
//! nothing, the pool drops the connection, and the requests after it work.
//! Nothing acknowledged is lost, and the chain goes on unbroken.

use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, all, consent_body, id_of, spawn_app, token_of};

#[tokio::test]
#[cfg_attr(skip_postgres_tests, ignore = "TEST_POSTGRES_URL is not set")]
async fn when_postgres_drops_every_connection_requests_fail_closed_then_recover() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let first = app.consent(all("www", true)).await;
    let (id, token) = (id_of(&first).to_owned(), token_of(&first).to_owned());
    for _ in 0..8 {
        assert_eq!(app.get_history(&id, Some(&token)).await.status(), 200);
    }

    let dropped = drop_connections(&app.db_url).await;
    assert!(dropped > 0, "the server had connections to drop");

    let mut acknowledged = vec![id.clone()];
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let write = app.post_consent(&consent_body(all("www", false))).await;
        statuses.push(write.status().as_u16());
        if write.status() == 201 {
            let receipt: serde_json::Value = write.json().await.unwrap();
            acknowledged.push(id_of(&receipt).to_owned());
        }
        statuses.push(app.get_history(&id, Some(&token)).await.status().as_u16());
    }
    assert!(
        statuses.iter().all(|s| [200, 201, 503].contains(s)),
        "a dead connection fails closed, with 503: {statuses:?}"
    );
    assert!(
        statuses[statuses.len() - 10..].iter().all(|s| *s != 503),
        "the pools recover: {statuses:?}"
    );

    let db = consent_server::storage::connect(&app.db_url).await.unwrap();
    for consent_id in &acknowledged {
        let events = consent_server::storage::events_of(&db, "www", consent_id)
            .await
            .unwrap();
        assert!(
            !events.is_empty(),
            "acknowledged {consent_id} is in the ledger"
        );
    }
    db.close().await.ok();
    let verified = app.verify_cli();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
}

/// Ends every session on the database of `url` (as a restart would) and
/// says how many there were.
async fn drop_connections(url: &str) -> usize {
    let name = url.rsplit('/').next().unwrap();
    let admin = crate::helpers::postgres_admin_url().unwrap();
    let db = sea_orm::Database::connect(&admin).await.unwrap();
    let ended = db
        .query_all(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
        ))
        .await
        .unwrap()
        .len();
    db.close().await.ok();
    ended
}

//! Crash safety: the real binary under write load, killed with SIGKILL at
//! random moments, restarted on the same database. Every consent that was
//! answered 201 must be in the ledger afterwards, and the ledger verifies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::{Backend, all, consent_body, spawn_app};
use crate::on_both_backends;
use crate::server_process::ServerProcess;

const ROUNDS: usize = 5;
const WRITERS: usize = 8;

on_both_backends!(acknowledged_consents_survive_sigkill);

async fn acknowledged_consents_survive_sigkill(backend: Backend) {
    // The in-process app only provides the fresh database and its cleanup.
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut failed_in_flight = 0;
    for _ in 0..ROUNDS {
        let mut server = ServerProcess::start(&[
            "--database-url",
            &app.db_url,
            "--data-dir",
            app.data_dir.to_str().unwrap(),
            "--write-rate-limit",
            "0",
        ]);
        let before = acknowledged.lock().unwrap().len();
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                tokio::spawn(write_until_refused(
                    server.url("/v1/consents"),
                    acknowledged.clone(),
                ))
            })
            .collect();
        // A loaded machine (CI) can take longer than any fixed delay to
        // answer the first write, so the random moment is counted from it.
        first_acknowledgement(&acknowledged, before).await;
        tokio::time::sleep(random_delay()).await;
        server.kill();
        for writer in writers {
            failed_in_flight += writer.await.unwrap();
        }
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    eprintln!(
        "{backend:?}: {} consents acknowledged over {ROUNDS} kills, {failed_in_flight} requests cut off",
        acknowledged.len()
    );
    for id in &acknowledged {
        let stored = consent_server::storage::events_of(&app.db, "www", id)
            .await
            .unwrap();
        assert_eq!(
            stored.len(),
            1,
            "acknowledged consent {id} is in the ledger"
        );
    }
    assert!(app.event_count().await >= acknowledged.len() as u64);
    let verified = app.verify_cli();
    assert!(
        verified.status.success(),
        "the ledger verifies after {ROUNDS} kills: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
}

/// Posts consents until the server stops answering; records the ids of
/// those answered 201 and returns how many requests got no answer.
async fn write_until_refused(url: String, acknowledged: Arc<Mutex<Vec<String>>>) -> usize {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    loop {
        let sent = client
            .post(&url)
            .json(&consent_body(all("www", true)))
            .send()
            .await;
        let Ok(response) = sent else {
            return 1; // killed mid-request: no answer, no promise made
        };
        assert_eq!(response.status(), 201, "a live server records the consent");
        let Ok(receipt) = response.json::<serde_json::Value>().await else {
            return 1; // killed while the answer was on its way: not acknowledged
        };
        let id = receipt["consent_id"].as_str().unwrap().to_owned();
        acknowledged.lock().unwrap().push(id);
    }
}

/// Waits until this round's first consent has been answered 201.
async fn first_acknowledgement(acknowledged: &Mutex<Vec<String>>, before: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() == before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restarted server acknowledged a write within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// 0 to 500 ms after the first answer: kills land at different points of
/// the write path.
fn random_delay() -> Duration {
    let random = uuid::Uuid::new_v4().as_u128() as u64;
    Duration::from_millis(random % 500)
}

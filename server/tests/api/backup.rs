//! Backups that verify: a SQLite backup taken while consents are being
//! written holds every consent acknowledged before it began, its chains
//! verify, and a server started on it answers for them. PostgreSQL's
//! backup is pg_dump; its restore is checked the same way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::helpers::{Backend, TestApp, all, consent_body, spawn_app, spawn_on, temp_dir};

/// `consent-server audit verify` on the ledger at `url`: exit 0 when intact.
fn audit_verify(url: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
        .args(["audit", "verify", "--database-url", url])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Writers posting consents until `stop`; every acknowledged (201) one is
/// pushed to `acknowledged` as (consent id, token).
fn write_load(
    app: &TestApp,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<Vec<(String, String)>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..4)
        .map(|_| {
            let (client, url) = (app.client.clone(), app.url("/v1/consents"));
            let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let response = client
                        .post(&url)
                        .json(&consent_body(all("www", true)))
                        .send()
                        .await;
                    let Ok(response) = response else { continue };
                    if response.status() == 201 {
                        let receipt: Value = response.json().await.unwrap();
                        let id = receipt["consent_id"].as_str().unwrap().to_owned();
                        let token = receipt["token"].as_str().unwrap().to_owned();
                        acknowledged.lock().await.push((id, token));
                    }
                }
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_holds_every_acknowledged_consent() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (stop, acknowledged) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let writers = write_load(&app, stop.clone(), acknowledged.clone());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let dir = temp_dir();
    let out = dir.join("backup.db");
    let before: Vec<(String, String)> = acknowledged.lock().await.clone();
    assert!(
        before.len() > 10,
        "under load: {} writes so far",
        before.len()
    );
    let output = tokio::task::spawn_blocking({
        let (db_url, out) = (app.db_url.clone(), out.clone());
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
                .args([
                    "backup",
                    "--out",
                    out.to_str().unwrap(),
                    "--database-url",
                    &db_url,
                ])
                .env_remove("DATABASE_URL")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("(verified)"), "{stdout}");
    let total = acknowledged.lock().await.len();
    assert!(total > before.len(), "writes went on during the backup");

    // The copy, checked by the auditor's command, and served.
    let backup_url = format!("sqlite://{}", out.display());
    audit_verify(&backup_url);
    let restored = spawn_on(&backup_url, &app.data_dir, None).await;
    for (id, token) in &before {
        let history = restored.get_history(id, Some(token)).await;
        assert_eq!(
            history.status(),
            200,
            "acknowledged consent {id} is in the backup"
        );
    }

    // Never over an existing file.
    let again = app.cli(&["backup", "--out", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
#[cfg_attr(skip_postgres_tests, ignore = "TEST_POSTGRES_URL is not set")]
async fn a_postgres_ledger_is_backed_up_with_pg_dump_and_restores_verified() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let refused = app.cli(&["backup", "--out", "/tmp/never-written.db"]);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("pg_dump"),
        "the command points to pg_dump"
    );

    let admin = crate::helpers::postgres_admin_url().unwrap();
    let (restored_url, restored_name) =
        consent_server::storage::create_scratch(&admin, "consent_restore")
            .await
            .unwrap();
    let dump = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", &app.db_url])
        .output()
        .expect("pg_dump runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let mut restore = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--dbname", &restored_url])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("pg_restore runs");
    use std::io::Write as _;
    restore
        .stdin
        .take()
        .unwrap()
        .write_all(&dump.stdout)
        .unwrap();
    assert!(restore.wait().unwrap().success());

    audit_verify(&restored_url);
    let restored = spawn_on(&restored_url, &app.data_dir, None).await;
    let history = restored
        .get_history(
            receipt["consent_id"].as_str().unwrap(),
            receipt["token"].as_str(),
        )
        .await;
    assert_eq!(history.status(), 200);
    drop(restored);
    consent_server::storage::drop_scratch(&admin, &restored_name)
        .await
        .unwrap();
}

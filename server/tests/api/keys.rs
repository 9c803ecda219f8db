//! The life of a signing key: rotation keeps earlier tokens working until
//! they expire, then the old key drops out; a revoked key's tokens stop
//! counting on every instance, and its instance refuses to start with it.

use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, id_of, spawn_app, spawn_on, temp_dir, token_of};
use crate::on_both_backends;

on_both_backends!(
    rotation_signs_with_the_new_key_and_keeps_old_tokens_until_they_expire,
    a_revoked_key_counts_nowhere_and_its_instance_refuses_to_start,
);

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The public key (`x`) of the JWK with id `kid`.
fn public_key(jwks: &Value, kid: &str) -> String {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .and_then(|k| k["x"].as_str())
        .expect("the key is published")
        .to_owned()
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn cli_ok(app: &TestApp, args: &[&str]) -> String {
    let output = app.cli(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

async fn rotation_signs_with_the_new_key_and_keeps_old_tokens_until_they_expire(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let before = app.consent(all("www", true)).await;
    let old_kid = kid_of(token_of(&before));

    let rotated = cli_ok(&app, &["keys", "rotate"]);
    assert!(rotated.contains(&old_kid), "{rotated}");
    // The restarted instance, on the same data directory and database.
    let restarted = spawn_on(&app.db_url, &app.data_dir, None).await;
    let after = restarted.consent(all("www", false)).await;
    let new_kid = kid_of(token_of(&after));
    assert_ne!(new_kid, old_kid, "the new key signs");
    assert_eq!(
        kids(&restarted.jwks().await),
        [old_kid.clone(), new_kid.clone()]
    );
    let history = restarted
        .get_history(id_of(&before), Some(token_of(&before)))
        .await;
    assert_eq!(history.status(), 200, "a token of the old key still counts");
    let listed = cli_ok(&app, &["keys", "list"]);
    assert!(
        listed.contains(&format!("{old_kid}  created")) && listed.contains("verifies tokens until"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("{new_kid}  created")) && listed.contains("(signs here)"),
        "{listed}"
    );

    // Once the horizon has passed (every token of the old key expired), the
    // key drops out of the JWKS and its tokens no longer count.
    consent_server::storage::retire_key(&app.db, &old_kid, "2000-01-01T00:00:00.000000Z")
        .await
        .unwrap();
    let later = spawn_on(&app.db_url, &temp_dir(), None).await;
    assert!(!kids(&later.jwks().await).contains(&old_kid));
    let stale = later
        .get_history(id_of(&before), Some(token_of(&before)))
        .await;
    assert_eq!(stale.status(), 401);
    // Auditors still verify what the old key signed.
    let key = app.add_auditor("dpo");
    let statement_keys: Value = later
        .get_with_key("/v1/audit/keys", &key)
        .await
        .json()
        .await
        .unwrap();
    assert!(kids(&statement_keys).contains(&old_kid));
    assert_eq!(later.get("/v1/audit/keys").await.status(), 401);
    assert!(app.verify_cli().status.success());
}

async fn a_revoked_key_counts_nowhere_and_its_instance_refuses_to_start(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let leaked = kid_of(token_of(&receipt));
    // The loader carries public keys only (no ids): the leaked one's `x`.
    let leaked_x = public_key(&app.jwks().await, &leaked);
    assert!(
        app.get_text("/v1/sites/www/loader.js")
            .await
            .contains(&leaked_x),
        "the banner trusts the key before it is revoked"
    );
    let revoked = cli_ok(&app, &["keys", "revoke", &leaked]);
    assert!(revoked.contains("revoked"), "{revoked}");
    // This instance reads its published keys every few seconds: the
    // revoked one leaves its JWKS and its loader within them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let published = kids(&app.jwks().await).contains(&leaked)
            || app
                .get_text("/v1/sites/www/loader.js")
                .await
                .contains(&leaked_x);
        if !published {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the revoked key is still published by its own instance"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        app.cli(&["keys", "revoke", "no-such-kid"]).status.code(),
        Some(2),
        "an unknown kid is an error"
    );

    // Another instance on the same database, with a key of its own.
    let other = spawn_on(&app.db_url, &temp_dir(), None).await;
    assert!(!kids(&other.jwks().await).contains(&leaked));
    let loader = other.get_text("/v1/sites/www/loader.js").await;
    assert!(
        !loader.contains(&leaked_x),
        "the banner no longer trusts it: visitors are asked again"
    );
    for status in [
        other
            .get_history(id_of(&receipt), Some(token_of(&receipt)))
            .await
            .status(),
        other.token_status(token_of(&receipt)).await.status(),
        other
            .delete_consent(id_of(&receipt), Some(token_of(&receipt)))
            .await
            .status(),
    ] {
        assert_eq!(status, 401);
    }
    let key = app.add_auditor("dpo");
    let statement_keys: Value = other
        .get_with_key("/v1/audit/keys", &key)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !kids(&statement_keys).contains(&leaked),
        "its statements do not count either"
    );

    // The instance holding the key will not sign with it again.
    let settings = consent_server::configuration::Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: consent_server::configuration::DatabaseSettings {
            url: app.db_url.clone(),
            data_dir: app.data_dir.clone(),
        },
        policies: None,
        issuer: "nexxt-consent".to_owned(),
        checkpoint_interval: 0,
        write_rate_limit: 0,
        trusted_proxies: Default::default(),
    };
    let refused = consent_server::startup::Application::build(settings).await;
    let message = format!("{:#}", refused.err().expect("start-up is refused"));
    assert!(
        message.contains(&leaked) && message.contains("keys rotate"),
        "{message}"
    );
    cli_ok(&app, &["keys", "rotate"]);
    let fresh = spawn_on(&app.db_url, &app.data_dir, None).await;
    let again = fresh.consent(all("www", true)).await;
    assert_ne!(kid_of(token_of(&again)), leaked);
    assert_eq!(app.event_count().await, 2);
}

//! The data subject's rights: access, portability, withdrawal and erasure,
//! proven by the consent token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use consent_server::tokens::{ConsentClaims, SigningKey};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, id_of, spawn_app, token_of};
use crate::on_both_backends;

on_both_backends!(
    history_is_returned_to_the_holder_of_the_token,
    erasure_withdraws_and_redacts_but_the_ledger_still_verifies,
    tokens_that_are_not_this_consents_own_are_refused,
);

/// A token signed with the app's own key, for claims the API never issues.
fn sign_as_app(app: &TestApp, sub: &str, exp_in: i64) -> String {
    sign_claims(app, sub, "www", exp_in)
}

fn sign_for(app: &TestApp, sub: &str, aud: &str) -> String {
    sign_claims(app, sub, aud, 600)
}

fn sign_claims(app: &TestApp, sub: &str, aud: &str, exp_in: i64) -> String {
    let key = SigningKey::load_or_generate(&app.data_dir).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    key.sign(&ConsentClaims {
        iss: "nexxt-consent".into(),
        sub: sub.into(),
        aud: aud.into(),
        iat: now,
        exp: now + exp_in,
        pv: "x".into(),
        ph: "x".into(),
        cat: vec![],
        gpc: false,
    })
}

async fn history_is_returned_to_the_holder_of_the_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let response = app
        .get_history(id_of(&receipt), Some(token_of(&receipt)))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let history: Value = response.json().await.unwrap();
    assert_eq!(history["consent_id"], receipt["consent_id"]);
    assert_eq!(history["site"], "www");
    assert_eq!(history["events"].as_array().unwrap().len(), 1);
    assert_eq!(history["events"][0]["hash"].as_str().unwrap().len(), 64);
    // The event as the API documents it: the salt stays in the ledger.
    let event = history["events"][0].as_object().unwrap();
    assert!(event["personal_digest"].is_string() && event["choices"].is_object());
    assert!(!event.contains_key("personal_salt"), "{event:?}");
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let schema = &doc["components"]["schemas"]["ConsentEvent"];
    let properties = schema["properties"].as_object().expect("ConsentEvent");
    for (key, value) in event {
        let kind = properties[key]["type"].as_str().unwrap();
        let json_kind = match value {
            Value::String(_) => "string",
            Value::Number(_) => "integer",
            Value::Bool(_) => "boolean",
            Value::Object(_) => "object",
            _ => "other",
        };
        assert_eq!(kind, json_kind, "{key}");
    }
    for required in schema["required"].as_array().unwrap() {
        assert!(event.contains_key(required.as_str().unwrap()), "{required}");
    }
}

async fn erasure_withdraws_and_redacts_but_the_ledger_still_verifies(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let other = app.consent(all("www", true)).await;

    let response = app
        .delete_consent(id_of(&receipt), Some(token_of(&receipt)))
        .await;
    assert_eq!(response.status(), 200);
    let withdrawal: Value = response.json().await.unwrap();
    assert_eq!(
        withdrawal["redacted_events"], 2,
        "the consent and the withdrawal itself"
    );

    // The token no longer counts; what is stored is read from the database.
    let events = consent_server::storage::events_of(&app.db, "www", id_of(&receipt))
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].action, consent_server::domain::Action::Withdrawn);
    assert_eq!(
        serde_json::to_value(&events[1].choices).unwrap(),
        all("www", false)
    );
    for event in &events {
        assert!(event.personal.is_empty());
        assert!(event.seal.salt.is_none(), "the salt is erased too");
        assert!(event.redacted_at.is_some());
    }
    let untouched: Value = app
        .get_history(id_of(&other), Some(token_of(&other)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        untouched["events"][0]["ip_prefix"], "127.0.0.0/24",
        "other subjects keep their data"
    );

    let report = consent_server::ledger::verify_database(&app.db)
        .await
        .expect("ledger intact");
    assert_eq!((report.events, report.redacted), (3, 2));
    assert!(app.verify_cli().status.success());
}

async fn tokens_that_are_not_this_consents_own_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mine = app.consent(all("www", true)).await;
    let theirs = app.consent(all("www", false)).await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = token_of(&mine).split('.').nth(1).unwrap().to_owned();
    let unsigned = format!("{header}.{payload}.");
    let truncated = &token_of(&mine)[..token_of(&mine).len() - 10];
    let expired = sign_as_app(&app, id_of(&mine), -3600);
    // HS256 "signed" with the public key as the secret: the classic key-confusion attack.
    let public_x = app.jwks().await["keys"][0]["x"]
        .as_str()
        .unwrap()
        .to_owned();
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::json!({"iss": "nexxt-consent", "sub": id_of(&mine), "aud": "www", "exp": 4_000_000_000u64}),
        &jsonwebtoken::EncodingKey::from_secret(public_x.as_bytes()),
    )
    .unwrap();
    let other_key = {
        let dir = crate::helpers::temp_dir();
        let key = SigningKey::load_or_generate(&dir).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = ConsentClaims {
            iss: "nexxt-consent".into(),
            sub: id_of(&mine).into(),
            aud: "www".into(),
            iat: now,
            exp: now + 600,
            pv: "x".into(),
            ph: "x".into(),
            cat: vec![],
            gpc: false,
        };
        key.sign(&claims)
    };
    let our_kid = app.jwks().await["keys"][0]["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    // Our valid token naming a key we never had, and a foreign key's
    // signature presented under our key's id.
    let unknown_kid = with_kid(token_of(&mine), "not-one-of-ours");
    let foreign_under_our_kid = with_kid(&other_key, &our_kid);
    let cases: [(&str, Option<&str>); 10] = [
        ("no token", None),
        ("garbage", Some("not-a-token")),
        ("another consent's token", Some(token_of(&theirs))),
        ("alg none", Some(&unsigned)),
        ("truncated signature", Some(truncated)),
        ("expired", Some(&expired)),
        ("HS256 with the public key as secret", Some(&hs256)),
        ("signed by a key we never published", Some(&other_key)),
        ("wrong kid", Some(&unknown_kid)),
        (
            "another key's signature under our kid",
            Some(&foreign_under_our_kid),
        ),
    ];
    for (case, token) in cases {
        assert_eq!(
            app.get_history(id_of(&mine), token).await.status(),
            401,
            "GET: {case}"
        );
        assert_eq!(
            app.delete_consent(id_of(&mine), token).await.status(),
            401,
            "DELETE: {case}"
        );
    }
    assert_eq!(app.event_count().await, 2, "refused deletes stored nothing");
    // Properly signed, right subject, but issued for another audience: no
    // site holds this consent under that audience, so nothing is disclosed.
    for audience in ["app", "elsewhere.example"] {
        let token = sign_for(&app, id_of(&mine), audience);
        assert_eq!(
            app.get_history(id_of(&mine), Some(&token)).await.status(),
            401,
            "GET with aud {audience}"
        );
        assert_eq!(
            app.delete_consent(id_of(&mine), Some(&token))
                .await
                .status(),
            401,
            "DELETE with aud {audience}"
        );
    }
    assert_eq!(app.event_count().await, 2, "wrong audiences stored nothing");
}

/// `token` with its header's `kid` replaced; payload and signature kept.
fn with_kid(token: &str, kid: &str) -> String {
    let rest = token.split_once('.').unwrap().1;
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"typ":"JWT","alg":"EdDSA","kid":"{kid}"}}"#));
    format!("{header}.{rest}")
}

#[tokio::test]
async fn a_signed_token_for_an_id_the_ledger_never_held_is_refused() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let token = sign_as_app(&app, &id, 600);
    assert_eq!(app.get_history(&id, Some(&token)).await.status(), 401);
    assert_eq!(app.delete_consent(&id, Some(&token)).await.status(), 401);
    assert_eq!(
        app.get_history("not-a-uuid", Some(&token)).await.status(),
        401
    );
    let mut change = crate::helpers::consent_body(all("www", true));
    change["consent_id"] = id.clone().into();
    let response = app.post_consent_with(&change, Some(&token)).await;
    assert_eq!(response.status(), 401, "never seen: not a change");
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn the_operator_erases_from_the_command_line_through_the_same_rule() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let receipt = app.consent(all("www", true)).await;
    let erase = |id: &str| app.cli(&["consents", "erase", "--site", "www", id]);
    let unknown = erase(&uuid::Uuid::new_v4().to_string());
    assert_eq!(
        unknown.status.code(),
        Some(1),
        "an id the ledger never held"
    );
    let wrong_site = app.cli(&["consents", "erase", "--site", "app", id_of(&receipt)]);
    assert_eq!(
        wrong_site.status.code(),
        Some(1),
        "the id is not on that site"
    );
    assert_eq!(app.event_count().await, 1);

    let done = erase(id_of(&receipt));
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        app.get_history(id_of(&receipt), Some(token_of(&receipt)))
            .await
            .status(),
        401,
        "the visitor's token stops counting"
    );
    let events = consent_server::storage::events_of(&app.db, "www", id_of(&receipt))
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].source, consent_server::domain::Source::Operator);
    assert!(
        events
            .iter()
            .all(|e| e.redacted_at.is_some() && e.personal.user_agent.is_none())
    );
    assert_eq!(
        erase(id_of(&receipt)).status.code(),
        Some(1),
        "already withdrawn"
    );
    assert!(app.verify_cli().status.success());
}

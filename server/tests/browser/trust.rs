//! The loader fails closed: a consent cookie is applied only when its
//! signature verifies (or, in a browser without Ed25519, when the server
//! says it still counts). Nothing else runs a gated tag.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use consent_server::tokens::{ConsentClaims, SigningKey};
use serde_json::{Value, json};

use crate::harness::{Browser, Engine, browser_on};
use crate::helpers::{Backend, TestApp, all, current_version, spawn_app, verify_with_jwks};

crate::on_every_engine!(
    a_return_visit_verifies_in_the_browser_or_asks_the_server,
    a_planted_cookie_that_does_not_verify_is_never_applied,
    a_choice_made_over_a_planted_cookie_starts_a_new_consent,
);

/// Makes WebCrypto refuse Ed25519, as a browser without it does.
const NO_ED25519: &str = "const i = SubtleCrypto.prototype.importKey; \
    SubtleCrypto.prototype.importKey = function (f, k, a, ...r) { \
      if ((a && a.name) === 'Ed25519' || a === 'Ed25519') \
        return Promise.reject(new DOMException('Ed25519', 'NotSupportedError')); \
      return i.call(this, f, k, a, ...r); };";

async fn setup(engine: Engine) -> Option<(TestApp, Browser)> {
    let b = browser_on(engine).await?;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    Some((app, b))
}

/// Tokens that must not be applied: each as the cookie it would be planted as.
fn forgeries(app: &TestApp, real: &str) -> Vec<(&'static str, String)> {
    let parts: Vec<&str> = real.split('.').collect();
    let (header, payload) = (parts[0], parts[1]);
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["cat"] = json!([
        "necessary",
        "analytics",
        "experience",
        "marketing",
        "support"
    ]);
    let widened = URL_SAFE_NO_PAD.encode(claims.to_string());
    let key = SigningKey::load_or_generate(&app.data_dir).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signed_until = |iss: &str, aud: &str, pv: &str, exp: i64| {
        key.sign(&ConsentClaims {
            iss: iss.into(),
            sub: uuid::Uuid::new_v4().to_string(),
            aud: aud.into(),
            iat: now,
            exp,
            pv: pv.into(),
            ph: "x".into(),
            cat: vec!["necessary".into(), "marketing".into()],
            gpc: false,
        })
    };
    let signed = |iss: &str, aud: &str, pv: &str| signed_until(iss, aud, pv, now + 600);
    let unknown_kid = {
        let header =
            URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"EdDSA","kid":"not-one-of-ours"}"#);
        format!("{header}.{payload}.{}", parts[2])
    };
    vec![
        ("no signature", format!("{header}.{payload}")),
        ("empty signature", format!("{header}.{payload}.")),
        ("junk signature", format!("{header}.{payload}.a")),
        ("not base64", format!("{header}.{payload}.!!!!")),
        ("claims widened", format!("{header}.{widened}.{}", parts[2])),
        (
            "another issuer",
            signed("someone-else", "www", &current_version("www")),
        ),
        (
            "another site",
            signed("nexxt-consent", "app", &current_version("www")),
        ),
        (
            "another policy version",
            signed("nexxt-consent", "www", "1999-01-01"),
        ),
        ("unknown kid", unknown_kid),
        (
            "expired",
            signed_until("nexxt-consent", "www", &current_version("www"), now - 60),
        ),
        ("garbage", "x".to_owned()),
    ]
}

async fn assert_banner_and_nothing_ran(b: &Browser, case: &str) {
    b.banner_shown().await;
    assert_eq!(b.stubs().await, json!({}), "{case}: no gated tag ran");
    let granted = b
        .js("return window.dataLayer.filter(e => e[0] === 'consent' && e[1] === 'update').length")
        .await;
    assert_eq!(granted, 0, "{case}: Consent Mode was not updated");
}

async fn a_planted_cookie_that_does_not_verify_is_never_applied(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    let real = app.consent(all("www", false)).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    b.open(&app.url("/examples/www/")).await;
    for (case, cookie) in forgeries(&app, &real) {
        b.plant_consent_cookie(&cookie).await;
        b.open(&app.url("/examples/www/")).await;
        assert_banner_and_nothing_ran(&b, case).await;
    }
}

async fn a_choice_made_over_a_planted_cookie_starts_a_new_consent(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    let victim = app.consent(all("www", false)).await;
    let real = victim["token"].as_str().unwrap();
    let (_, unsigned) = forgeries(&app, real).swap_remove(0);
    b.open(&app.url("/examples/www/")).await;
    b.plant_consent_cookie(&unsigned).await;
    b.open(&app.url("/examples/www/")).await;
    b.choose("accept").await;
    let token = crate::harness::eventually("a new consent cookie", || async {
        b.cookie("nexxt_consent").await.filter(|t| *t != unsigned)
    })
    .await;
    let claims = verify_with_jwks(&app.jwks().await, &token, "www");
    assert_ne!(
        claims["sub"], victim["consent_id"],
        "the planted id is not taken over"
    );
    assert_eq!(app.event_count().await, 2);
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn without_ed25519_the_loader_asks_the_server_and_applies_only_what_it_confirms() {
    let Some((app, b)) = setup(Engine::Chromium).await else {
        return;
    };
    b.before_scripts(NO_ED25519).await;
    let receipt = app.consent(all("www", true)).await;
    let valid = receipt["token"].as_str().unwrap().to_owned();
    b.open(&app.url("/examples/www/")).await;
    b.plant_consent_cookie(&valid).await;
    b.open(&app.url("/examples/www/")).await;
    b.stubs_ran(8).await;

    for (case, cookie) in forgeries(&app, &valid) {
        b.plant_consent_cookie(&cookie).await;
        b.open(&app.url("/examples/www/")).await;
        assert_banner_and_nothing_ran(&b, case).await;
    }

    // Withdrawn elsewhere: the server no longer confirms the token.
    let id = receipt["consent_id"].as_str().unwrap();
    assert_eq!(app.delete_consent(id, Some(&valid)).await.status(), 200);
    b.plant_consent_cookie(&valid).await;
    b.open(&app.url("/examples/www/")).await;
    assert_banner_and_nothing_ran(&b, "withdrawn").await;
}

/// Every engine either verifies the token itself (WebCrypto has Ed25519)
/// or asks the server (it has not): the test says which, and checks that a
/// return visit applies the choice either way. The demo's CSP allows wasm
/// only through `wasm-unsafe-eval`, so the banner showing at all in an
/// engine proves that engine honours it.
async fn a_return_visit_verifies_in_the_browser_or_asks_the_server(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let token = receipt["token"].as_str().unwrap().to_owned();
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    let has_ed25519 = b
        .js_async(
            "const done = arguments[0]; crypto.subtle.importKey('raw', new Uint8Array(32), \
             { name: 'Ed25519' }, false, ['verify']).then(() => done(true), () => done(false));",
        )
        .await;
    b.plant_consent_cookie(&token).await;
    b.open(&app.url("/examples/www/")).await;
    b.stubs_ran(8).await;
    let asked = b
        .js("return performance.getEntriesByType('resource').some((e) => e.name.includes('/v1/consent-status'))")
        .await;
    eprintln!("{engine:?}: Ed25519 in WebCrypto {has_ed25519}, asked the server {asked}");
    assert_eq!(
        asked,
        json!(has_ed25519 != true),
        "verified locally exactly when the engine can"
    );
}

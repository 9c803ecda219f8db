//! Contextual consent for embeds: the demo's blocked video shows a
//! placeholder in the visitor's language, sized like the embed, naming it
//! and what loading it shares, with "load this once" (nothing recorded) and
//! "always allow marketing" (a recorded consent change), by keyboard too.

use serde_json::Value;

use crate::harness::{Browser, Engine, browser_on, eventually};
use crate::helpers::{Backend, spawn_app, verify_with_jwks};

crate::on_every_engine!(a_blocked_embed_can_be_loaded_once_or_its_category_allowed,);

const ENTER: &str = "\u{e007}";

/// The placeholder as a visitor meets it, once it is there.
async fn placeholder(b: &Browser) -> Value {
    eventually("the embed's placeholder", || async {
        let found = b
            .js("const p = document.querySelector('.nx-embed'); if (!p) return null; \
                 const f = document.querySelector('iframe[data-consent-category]'); \
                 const hidden = f.hidden; f.hidden = false; const e = f.getBoundingClientRect(); f.hidden = hidden; \
                 const r = p.getBoundingClientRect(); \
                 return {text: p.querySelector('p').textContent, lang: p.lang, \
                   buttons: [...p.querySelectorAll('button')].map((b) => b.textContent), \
                   width: r.width, height: r.height, \
                   embedWidth: e.width, embedHeight: e.height, \
                   frameHidden: f.hidden, frameSrc: f.getAttribute('src')};")
            .await;
        (!found.is_null()).then_some(found)
    })
    .await
}

async fn embed_loaded(b: &Browser) {
    eventually("the embed loaded in place of its placeholder", || async {
        let state = b
            .js("const f = document.querySelector('iframe[data-consent-category]'); \
                 return !document.querySelector('.nx-embed') && !f.hidden && (f.getAttribute('src') || '').endsWith('/examples/stubs/embed.html');")
            .await;
        (state == true).then_some(())
    })
    .await;
}

async fn a_blocked_embed_can_be_loaded_once_or_its_category_allowed(engine: Engine) {
    let Some(b) = browser_on(engine).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    let shown = placeholder(&b).await;
    assert_eq!(shown["lang"], "nl");
    let text = shown["text"].as_str().unwrap();
    assert!(
        text.contains("Embedded video") && text.contains("IP-adres"),
        "names the embed and what loading it shares: {text}"
    );
    assert_eq!(
        shown["buttons"],
        serde_json::json!(["Eenmalig laden", "Marketing altijd toestaan"])
    );
    assert_eq!(shown["frameHidden"], true);
    assert_eq!(
        shown["frameSrc"],
        Value::Null,
        "nothing loaded before consent"
    );
    let number = |k: &str| shown[k].as_f64().unwrap();
    assert!(
        (number("width") - number("embedWidth")).abs() <= 0.5,
        "as wide as the embed: {shown}"
    );
    assert!(
        (number("height") - number("embedHeight")).abs() <= 0.5,
        "as tall as the embed, so nothing moves: {shown}"
    );

    b.choose("reject").await;
    let token = b.token().await;
    assert_eq!(
        placeholder(&b).await["frameSrc"],
        Value::Null,
        "still blocked after reject"
    );

    // By keyboard: the first button loads this embed once, and records nothing.
    b.js("document.querySelector('.nx-embed button').focus()")
        .await;
    b.keys(ENTER).await;
    embed_loaded(&b).await;
    assert_eq!(app.event_count().await, 1, "load once is not consent");

    // Not remembered: the next page view asks again, and "always" is a consent.
    b.open(&app.url("/examples/www/")).await;
    placeholder(&b).await;
    b.click(".nx-embed button:last-child").await;
    embed_loaded(&b).await;
    let new_token = eventually("the new token", || async {
        b.cookie("nexxt_consent").await.filter(|t| *t != token)
    })
    .await;
    assert_eq!(app.event_count().await, 2);
    let claims = verify_with_jwks(&app.jwks().await, &new_token, "www");
    let id = claims["sub"].as_str().unwrap();
    let history: Value = app
        .get_history(id, Some(&new_token))
        .await
        .json()
        .await
        .unwrap();
    let last = &history["events"][1];
    assert_eq!(last["action"], "changed", "the same consent, changed");
    assert_eq!(last["choices"]["marketing"], true);
    assert_eq!(
        last["choices"]["analytics"], false,
        "only the embed's category"
    );
    let ran = b.stubs_ran(4).await;
    assert_eq!(ran["facebook-pixel"], 1, "marketing's tags run: {ran}");
}

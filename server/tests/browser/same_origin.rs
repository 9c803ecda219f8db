//! The demo behind a real nginx on the site's own origin, in Chromium: the
//! server sets the consent cookie and the loader never writes it (a cookie
//! a script writes is capped at 7 days by Safari); the return visit applies
//! it as before.

use crate::harness::{Engine, browser_on, eventually};

/// Records the name of every cookie a script writes.
const COOKIE_WRITES: &str = r#"(function () {
  var d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  window.__cookieWrites = [];
  Object.defineProperty(Document.prototype, "cookie", {configurable: true,
    get: function () { return d.get.call(this); },
    set: function (v) { window.__cookieWrites.push(String(v).split("=")[0].trim()); d.set.call(this, v); }});
})();"#;

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn behind_the_sites_proxy_the_cookie_comes_from_the_server() {
    let Some(b) = browser_on(Engine::Chromium).await else {
        return;
    };
    let Some((nginx, _server, _app)) = crate::nginx::proxied_site().await else {
        return;
    };
    b.before_scripts(COOKIE_WRITES).await;
    b.open(&format!("{}/examples/www/", nginx.origin)).await;
    b.banner_shown().await;
    b.choose("accept").await;
    b.stubs_ran(8).await;
    let token = b.token().await;
    assert!(!token.is_empty());
    let written = b.js("return window.__cookieWrites").await;
    assert!(
        !written.to_string().contains("nexxt_consent"),
        "the loader left the cookie to the server: {written}"
    );
    // A return visit through the proxy applies it without the banner.
    b.open(&format!("{}/examples/www/", nginx.origin)).await;
    let ran = eventually("the stubs of the return visit", || async {
        let ran = b.stubs().await;
        (ran.as_object().is_some_and(|o| o.len() == 8)).then_some(ran)
    })
    .await;
    assert_eq!(ran["facebook-pixel"], 1);
    assert!(
        b.client
            .find(fantoccini::Locator::Css("#nx-consent"))
            .await
            .is_err(),
        "no banner on the return visit"
    );
}

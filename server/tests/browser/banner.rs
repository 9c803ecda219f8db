use serde_json::{Value, json};

use crate::harness::{Browser, Engine, Launch, browser_on, eventually, launch};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_on, verify_with_jwks};

crate::on_every_engine!(
    gpc_keeps_marketing_off_and_says_so,
    nothing_runs_and_no_vendor_cookie_exists_before_a_choice,
    reject_all_runs_nothing_and_records_every_category_false,
    accept_all_runs_every_stub_once_after_consent_mode_defaults,
    custom_choice_runs_only_the_chosen_categories,
    return_visit_applies_the_choice_without_banner_or_wasm,
    withdrawal_stops_running_tags_and_their_cookies_stay_gone,
    policy_version_bump_asks_again,
    app_site_keeps_support_off_until_switched_on,
    keyboard_alone_reaches_every_control_and_focus_stays_in_the_banner,
    public_api_and_dom_event_report_the_decision,
    reopening_the_dialog_keeps_little_memory_and_still_decides,
);

const VENDORS: [&str; 8] = [
    "google-analytics",
    "hotjar",
    "vwo",
    "facebook-pixel",
    "linkedin-insight",
    "bing-uet",
    "google-ads",
    "intercom",
];
const VENDOR_COOKIES: [&str; 12] = [
    "_ga",
    "_ga_DEMO42",
    "_hjSessionUser_4242",
    "_hjSession_4242",
    "_vwo_uuid_v2",
    "_fbp",
    "li_fat_id",
    "_uetsid",
    "_uetvid",
    "_gcl_au",
    "intercom-id-demo",
    "intercom-session-demo",
];

async fn setup(engine: Engine) -> Option<(TestApp, Browser)> {
    let b = browser_on(engine).await?;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    Some((app, b))
}

async fn history(app: &TestApp, token: &str) -> Value {
    let claims = verify_with_jwks(&app.jwks().await, token, "www");
    let id = claims["sub"].as_str().unwrap();
    app.get_history(id, Some(token)).await.json().await.unwrap()
}

async fn nothing_runs_and_no_vendor_cookie_exists_before_a_choice(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    assert_eq!(b.stubs().await, json!({}));
    let names = b.cookie_names().await;
    assert!(
        names.iter().all(|n| !VENDOR_COOKIES.contains(&n.as_str())),
        "{names:?}"
    );
    let first = b.js("return window.dataLayer[0]").await;
    assert_eq!(first[0], "consent");
    assert_eq!(first[1], "default");
    assert_eq!(first[2]["analytics_storage"], "denied");
    assert_eq!(first[2]["ad_user_data"], "denied");
    assert_eq!(first[2]["security_storage"], "granted");
    let toggles = b
        .js("return [...document.querySelectorAll('#nx-consent input')].map(i => [i.getAttribute('data-c'), i.checked, i.disabled])")
        .await;
    assert_eq!(
        toggles,
        json!([
            ["necessary", true, true],
            ["analytics", false, false],
            ["experience", false, false],
            ["marketing", false, false],
            ["support", false, false]
        ]),
        "one switch per category, only necessary on (and fixed): no pre-ticked boxes"
    );
}

async fn reject_all_runs_nothing_and_records_every_category_false(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.choose("reject").await;
    let token = b.token().await;
    let events = history(&app, &token).await["events"].clone();
    assert_eq!(
        events[0]["choices"],
        json!({"necessary": true, "analytics": false, "experience": false, "marketing": false, "support": false})
    );
    assert_eq!(events[0]["source"], "banner");
    assert_eq!(events[0]["locale"], "nl", "the page's language is recorded");
    assert_eq!(b.stubs().await, json!({}), "nothing optional ran");
    assert!(
        b.client
            .find(fantoccini::Locator::Css("#nx-reopen"))
            .await
            .is_ok(),
        "withdrawal control shown"
    );
}

async fn accept_all_runs_every_stub_once_after_consent_mode_defaults(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.choose("accept").await;
    let ran = b.stubs_ran(8).await;
    for vendor in VENDORS {
        assert_eq!(ran[vendor], 1, "{vendor} ran exactly once");
    }
    let saw_default = b.js("return window.__stubSawDefault").await;
    assert!(
        VENDORS.iter().all(|v| saw_default[v] == true),
        "{saw_default}"
    );
    let token = b.token().await;
    let claims = verify_with_jwks(&app.jwks().await, &token, "www");
    assert_eq!(
        claims["cat"],
        json!([
            "necessary",
            "analytics",
            "experience",
            "marketing",
            "support"
        ])
    );
    let update = b
        .js("return window.dataLayer.find(e => e[0] === 'consent' && e[1] === 'update')")
        .await;
    assert_eq!(update[2]["analytics_storage"], "granted");
    assert_eq!(update[2]["ad_storage"], "granted");
    assert_eq!(update[2]["functionality_storage"], "granted");
    let iframe = b
        .js("return document.querySelector('iframe').getAttribute('src')")
        .await;
    assert_eq!(iframe, "/examples/stubs/embed.html");
    assert_eq!(
        b.js("return window.__cspViolations").await,
        json!([]),
        "strict CSP holds"
    );
    let detail = b.js("return window.nexxtConsent.get()").await;
    assert_eq!(detail, claims["cat"]);
}

async fn custom_choice_runs_only_the_chosen_categories(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.click("#nx-consent button[data-a=settings]").await;
    b.click("#nx-consent input[data-c=analytics]").await;
    b.click("#nx-consent input[data-c=support]").await;
    b.choose("save").await;
    let ran = b.stubs_ran(2).await;
    assert_eq!(ran, json!({"google-analytics": 1, "intercom": 1}));
    let token = b.token().await;
    let claims = verify_with_jwks(&app.jwks().await, &token, "www");
    assert_eq!(claims["cat"], json!(["necessary", "analytics", "support"]));
}

async fn return_visit_applies_the_choice_without_banner_or_wasm(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.choose("accept").await;
    b.token().await;
    b.open(&app.url("/examples/www/")).await;
    b.stubs_ran(8).await;
    assert!(
        b.client
            .find(fantoccini::Locator::Css("#nx-consent"))
            .await
            .is_err(),
        "no banner"
    );
    let wasm = b
        .js("return performance.getEntriesByType('resource').filter(r => r.name.endsWith('.wasm')).length")
        .await;
    assert_eq!(wasm, 0, "the wasm is not fetched on a return visit");
}

async fn withdrawal_stops_running_tags_and_their_cookies_stay_gone(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.choose("accept").await;
    b.stubs_ran(8).await;
    let first_token = b.token().await;
    assert!(b.cookie("_fbp").await.is_some());
    // The pixel stub rewrites `_fbp` every second while it runs.
    b.js("window.__beforeWithdrawal = true").await;
    b.click("#nx-reopen").await;
    b.click("#nx-consent input[data-c=marketing]").await;
    b.choose("save").await;
    eventually("the page reloaded once", || async {
        (b.js(
            "return window.__beforeWithdrawal === undefined && document.readyState === 'complete'",
        )
        .await
            == true)
            .then_some(())
    })
    .await;
    let token = eventually("a new token", || async {
        b.cookie("nexxt_consent")
            .await
            .filter(|t| *t != first_token)
    })
    .await;
    // Long enough for the stub to have rewritten its cookie twice, had it run on.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let ran = b.stubs().await;
    assert_eq!(
        ran["facebook-pixel"],
        Value::Null,
        "the pixel stopped: {ran}"
    );
    assert_eq!(
        ran["google-analytics"], 1,
        "the rest runs again after the reload: {ran}"
    );
    let names = b.cookie_names().await;
    for gone in ["_fbp", "li_fat_id", "_uetsid", "_uetvid", "_gcl_au"] {
        assert!(
            !names.contains(&gone.to_owned()),
            "{gone} deleted: {names:?}"
        );
    }
    assert!(names.contains(&"_ga".to_owned()), "analytics cookies stay");
    let events = history(&app, &token).await["events"].clone();
    assert_eq!(
        events.as_array().unwrap().len(),
        2,
        "same consent id, two events"
    );
    assert_eq!(events[1]["action"], "changed");
    assert_eq!(events[1]["choices"]["marketing"], false);
    let update = b
        .js("return window.dataLayer.filter(e => e[0] === 'consent' && e[1] === 'update').pop()")
        .await;
    assert_eq!(update[2]["ad_storage"], "denied");
}

async fn policy_version_bump_asks_again(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.choose("accept").await;
    b.token().await;
    // A second instance on the same database and key, with a newer policy.
    // The operator names one more party in the first layer and bumps the version.
    let dir = crate::helpers::policies_with_www(|www| {
        www.replacen("version = \"", "version = \"bumped-", 1)
            .replacen(
                "Microsoft en Intercom voor",
                "Microsoft, Intercom en TikTok voor",
                1,
            )
    });
    let newer = spawn_on(&app.db_url, &app.data_dir, Some(dir)).await;
    b.open(&newer.url("/examples/www/")).await;
    b.banner_shown().await;
    assert_eq!(
        b.stubs().await,
        json!({}),
        "the old consent no longer applies"
    );
    let old_token = b.token().await;
    b.choose("reject").await;
    let token = crate::harness::eventually("a token of the new version", || async {
        b.cookie("nexxt_consent").await.filter(|t| *t != old_token)
    })
    .await;
    let (old, new) = (
        verify_with_jwks(&newer.jwks().await, &old_token, "www"),
        verify_with_jwks(&newer.jwks().await, &token, "www"),
    );
    assert_eq!(
        new["sub"], old["sub"],
        "the choice changes the same consent"
    );
    assert!(new["pv"].as_str().unwrap().starts_with("bumped-"));
    let actions: Vec<String> =
        consent_server::storage::events_of(&app.db, "www", old["sub"].as_str().unwrap())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action.as_str().to_owned())
            .collect();
    assert_eq!(actions, ["given", "changed"]);
}

/// WebKitGTK, like Safari, cannot send Global Privacy Control: there the
/// banner must not claim the signal.
async fn gpc_keeps_marketing_off_and_says_so(engine: Engine) {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let gpc = engine != Engine::WebKit;
    let Some(b) = launch(engine, Launch { gpc }).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    if !gpc {
        let claimed = b
            .js("return navigator.globalPrivacyControl === true || !!document.querySelector('#nx-consent .nx-gpc')")
            .await;
        assert_eq!(claimed, false, "no signal, no claim");
        return;
    }
    let notice = b
        .js("return !!document.querySelector('#nx-consent .nx-gpc')")
        .await;
    assert_eq!(notice, true, "the banner says the signal was honoured");
    b.choose("accept").await;
    b.stubs_ran(4).await;
    // Settled: nothing else starts later.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        b.stubs().await,
        json!({"google-analytics": 1, "hotjar": 1, "vwo": 1, "intercom": 1}),
        "exactly the tags outside marketing ran, once each"
    );
    let token = b.token().await;
    let events = history(&app, &token).await["events"].clone();
    assert_eq!(events[0]["gpc"], true);
    assert_eq!(events[0]["choices"]["marketing"], false);
}

async fn app_site_keeps_support_off_until_switched_on(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/app/")).await;
    b.click("#nx-consent button[data-a=settings]").await;
    let support = b
        .js("return document.querySelector('#nx-consent input[data-c=support]').checked")
        .await;
    assert_eq!(support, false);
    b.choose("save").await;
    b.token().await;
    assert_eq!(b.stubs().await, json!({}));
    b.click("#nx-reopen").await;
    b.click("#nx-consent input[data-c=support]").await;
    b.choose("save").await;
    assert_eq!(b.stubs_ran(1).await, json!({"intercom": 1}));
}

async fn keyboard_alone_reaches_every_control_and_focus_stays_in_the_banner(engine: Engine) {
    const TAB: &str = "\u{e004}";
    const SHIFT_TAB: &str = "\u{e008}\u{e004}";
    const ENTER: &str = "\u{e007}";
    const ESCAPE: &str = "\u{e00c}";
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    assert_eq!(
        b.focused().await,
        "h2:Cookies op nexxtjourneys.com",
        "the dialog opens on its heading, not on a consent button"
    );
    b.keys(ENTER).await;
    assert!(
        b.cookie("nexxt_consent").await.is_none(),
        "Enter on arrival decides nothing"
    );
    b.banner_shown().await;
    b.keys(TAB).await;
    assert_eq!(
        b.focused().await,
        "a:Privacyverklaring",
        "Tab starts at the text"
    );
    b.keys(TAB).await;
    assert_eq!(b.focused().await, "button:accept");
    b.keys(TAB).await;
    assert_eq!(b.focused().await, "button:reject");
    b.keys(TAB).await;
    assert_eq!(b.focused().await, "button:settings");
    b.keys(TAB).await;
    assert_eq!(
        b.focused().await,
        "a:Privacyverklaring",
        "wraps to the privacy link, not the page"
    );
    b.keys(SHIFT_TAB).await;
    assert_eq!(b.focused().await, "button:settings", "Shift+Tab wraps back");
    b.keys(ENTER).await;
    assert_eq!(
        b.focused().await,
        "h2:Instellingen",
        "settings open on their heading"
    );
    b.keys(SHIFT_TAB).await;
    assert_eq!(
        b.focused().await,
        "button:reject",
        "Shift+Tab from the heading stays in the dialog"
    );
    b.keys(TAB).await;
    assert_eq!(
        b.focused().await,
        "summary:Partijen en cookies",
        "wraps to the top: the necessary cookies' list"
    );
    b.keys(TAB).await;
    assert_eq!(
        b.focused().await,
        "input:analytics",
        "then the first switch"
    );
    b.keys(" ").await;
    b.keys(ESCAPE).await;
    assert_eq!(
        b.focused().await,
        "h2:Cookies op nexxtjourneys.com",
        "Escape closes the settings only"
    );
    assert!(
        b.cookie("nexxt_consent").await.is_none(),
        "Escape is not consent"
    );
    assert_eq!(app.event_count().await, 0, "nothing was recorded");
    b.keys(TAB).await;
    b.keys(TAB).await;
    assert_eq!(b.focused().await, "button:accept");
    b.keys(ENTER).await;
    b.stubs_ran(8).await;
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn choice_applies_at_once_when_the_server_is_unreachable_and_is_recorded_later() {
    let Some((app, b)) = setup(Engine::Chromium).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    b.block(&["*/v1/consents"]).await;
    b.choose("accept").await;
    b.stubs_ran(8).await;
    assert!(
        b.cookie("nexxt_consent").await.is_none(),
        "nothing recorded yet"
    );
    assert_eq!(app.event_count().await, 0);
    b.block(&[]).await;
    b.open(&app.url("/examples/www/")).await;
    let token = b.token().await;
    assert!(
        b.client
            .find(fantoccini::Locator::Css("#nx-consent"))
            .await
            .is_err(),
        "no second prompt"
    );
    let claims = verify_with_jwks(&app.jwks().await, &token, "www");
    assert_eq!(claims["cat"].as_array().unwrap().len(), 5);
    assert_eq!(
        app.event_count().await,
        1,
        "recorded once the server answered"
    );
}

async fn public_api_and_dom_event_report_the_decision(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    assert_eq!(
        b.js("return window.nexxtConsent.get()").await,
        Value::Null,
        "no decision yet"
    );
    b.js(
        "window.__seen = []; window.nexxtConsent.on((c) => __seen.push(['api', c])); \
         document.addEventListener('nexxt:consent', (e) => __seen.push(['event', e.detail.granted]));",
    )
    .await;
    b.choose("reject").await;
    b.token().await;
    assert_eq!(
        b.js("return window.__seen").await,
        json!([["event", ["necessary"]], ["api", ["necessary"]]])
    );
    b.js("window.nexxtConsent.show()").await;
    b.banner_shown().await;
    let open = b
        .js("return !document.querySelector('#nx-consent .nx-layer:last-child').hidden")
        .await;
    assert_eq!(open, true, "show() opens the settings layer");
}

/// The banner's allocator never frees (a smaller wasm): each dialog shown
/// may keep its configuration, about 1.5 KB, and no more.
async fn reopening_the_dialog_keeps_little_memory_and_still_decides(engine: Engine) {
    let Some((app, b)) = setup(engine).await else {
        return;
    };
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    b.choose("reject").await;
    b.token().await;
    // Asked from a module script of the page itself: Firefox runs WebDriver
    // scripts in a realm of their own, whose import would be a second,
    // never-started instance of the banner's module.
    let heap_used = "const done = arguments[0]; \
         const glue = [...performance.getEntriesByType('resource')].map((e) => e.name)\
           .find((n) => /\\/banner\\/[0-9a-f]+\\.js$/.test(n) && !n.includes('embeds')); \
         const s = document.createElement('script'); s.type = 'module'; \
         s.nonce = document.querySelector('script[nonce]').nonce; \
         s.textContent = `import(${JSON.stringify(glue)}).then((m) => { window.__heap = m.heap_used(); })`; \
         window.__heap = undefined; document.head.appendChild(s); \
         const wait = () => window.__heap === undefined ? setTimeout(wait, 10) : done(window.__heap); wait();";
    let mut used = Vec::new();
    for _ in 0..10 {
        b.js("window.nexxtConsent.show()").await;
        b.banner_shown().await;
        b.keys("\u{E00C}").await; // Escape: closed, nothing changed
        eventually("the dialog closed", || async {
            (b.js("return !document.getElementById('nx-consent')").await == true).then_some(())
        })
        .await;
        used.push(
            b.js_async(heap_used)
                .await
                .as_u64()
                .expect("heap_used is a number"),
        );
    }
    let per_dialog: Vec<u64> = used.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        per_dialog.iter().all(|&n| n > 0 && n <= 2048),
        "bytes kept per dialog: {per_dialog:?}"
    );
    b.js("window.nexxtConsent.show()").await;
    b.banner_shown().await;
    b.choose("accept").await;
    eventually("the eleventh dialog's decision applies", || async {
        let granted = b.js("return window.nexxtConsent.get()").await;
        (granted.as_array().map(Vec::len) == Some(5)).then_some(())
    })
    .await;
}

//! The scanner on sites with another consent banner: vanilla-cookieconsent 3
//! and Klaro 0.7 from npm (installed for the tests, never committed), set up
//! with the demo's categories and stubs, are detected, operated and judged;
//! a site with no banner the scanner knows gets a verdict on what it set and
//! a clear "banner checks not available".

use serde_json::Value;

use crate::harness::{chromium_slot, npm_installed};
use crate::scan::{copy_with_consent, finding, rules, scan, stderr};

/// The demo's vendor stubs, each marked for the banner under test to
/// release: `{0}` is the category, `{1}` the vendor.
fn stubs(tag: fn(&str, &str) -> String) -> String {
    [
        ("analytics", "google-analytics"),
        ("experience", "hotjar"),
        ("marketing", "facebook-pixel"),
        ("support", "intercom"),
    ]
    .iter()
    .map(|(category, vendor)| tag(category, vendor))
    .collect::<Vec<_>>()
    .join("\n")
}

fn page(head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>NEXXT Journeys</title>\n\
         <script src=\"/examples/stubs/stub.js\"></script>{head}</head>\n\
         <body><main><h1>NEXXT Journeys</h1><p>Demo of the marketing site.</p></main>{body}</body></html>"
    )
}

fn vanilla_page(_consent: &str, _port: u16) -> String {
    let tags = stubs(|category, vendor| {
        format!(
            "<script type=\"text/plain\" data-category=\"{category}\" src=\"/examples/stubs/{vendor}.js\"></script>"
        )
    });
    page(
        "<link rel=\"stylesheet\" href=\"/cmps/vanilla-cookieconsent/dist/cookieconsent.css\">",
        &format!(
            "<p><a href=\"#\" data-cc=\"show-preferencesModal\">Cookie settings</a></p>\n{tags}\n\
             <script src=\"/cmps/vanilla-cookieconsent/dist/cookieconsent.umd.js\"></script>\n\
             <script>{VANILLA_CONFIG}</script>"
        ),
    )
}

const VANILLA_CONFIG: &str = r#"
var section = function (id, title) { return {title: title, description: title, linkedCategory: id}; };
CookieConsent.run({
  categories: {necessary: {enabled: true, readOnly: true}, analytics: {}, experience: {}, marketing: {}, support: {}},
  language: {default: "en", translations: {en: {
    consentModal: {title: "Cookies", description: "We use cookies with your consent.",
      acceptAllBtn: "Accept all", acceptNecessaryBtn: "Reject all", showPreferencesBtn: "Settings"},
    preferencesModal: {title: "Cookie settings", acceptAllBtn: "Accept all", acceptNecessaryBtn: "Reject all",
      savePreferencesBtn: "Save", sections: [section("necessary", "Necessary"), section("analytics", "Analytics"),
        section("experience", "Experience"), section("marketing", "Marketing"), section("support", "Support")]}
  }}}
});
"#;

fn klaro_page(_consent: &str, _port: u16) -> String {
    let tags = stubs(|_, vendor| {
        format!(
            "<script type=\"text/plain\" data-type=\"text/javascript\" data-name=\"{vendor}\" data-src=\"/examples/stubs/{vendor}.js\"></script>"
        )
    });
    page(
        "",
        &format!(
            "<p><a href=\"#\" onclick=\"klaro.show();return false\">Cookie settings</a></p>\n{tags}\n\
             <script>{KLARO_CONFIG}</script>\n\
             <script defer src=\"/cmps/klaro/dist/klaro.js\"></script>"
        ),
    )
}

const KLARO_CONFIG: &str = r#"
var klaroConfig = {lang: "en", acceptAll: true, hideDeclineAll: false, groupByPurpose: true, services: [
  {name: "google-analytics", title: "Google Analytics", purposes: ["analytics"]},
  {name: "hotjar", title: "Hotjar", purposes: ["experience"]},
  {name: "facebook-pixel", title: "Facebook Pixel", purposes: ["marketing"]},
  {name: "intercom", title: "Intercom", purposes: ["support"]}
]};
"#;

/// The demo's tags with no banner at all: Google Analytics runs at once.
fn no_banner_page(_consent: &str, _port: u16) -> String {
    page(
        "",
        "<script src=\"/examples/stubs/google-analytics.js\"></script>",
    )
}

const CMPS: &[&str] = &[
    "vanilla-cookieconsent/dist/cookieconsent.umd.js",
    "klaro/dist/klaro.js",
];

/// The www policy with the other banners' own cookies declared as necessary.
fn declaring_banner_cookies(www: String) -> String {
    www.replacen(
        "  { name = \"nexxt_consent\"",
        "  { name = \"cc_cookie\", lifetime = \"1y\", purpose = { nl = \"Uw cookiekeuze.\", en = \"Your cookie choice.\" } },\n  \
         { name = \"klaro\", lifetime = \"1y\", purpose = { nl = \"Uw cookiekeuze.\", en = \"Your cookie choice.\" } },\n  \
         { name = \"nexxt_consent\"",
        1,
    )
}

fn check<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["banner_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {}", report["banner_checks"]))
}

fn cookies_of<'r>(report: &'r Value, label: &str) -> Vec<&'r str> {
    let visit = report["pages"][0]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["label"] == label)
        .unwrap_or_else(|| panic!("no {label} visit"));
    visit["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// Scans the copy serving `page` by the www policy.
async fn scan_copy(page: fn(&str, u16) -> String, extra: &[&str]) -> (std::process::Output, Value) {
    let (site, policies, _servers) = copy_with_consent(page, declaring_banner_cookies).await;
    let mut args = vec![
        "--pages",
        "1",
        "--site",
        "www",
        "--policies",
        policies.to_str().unwrap(),
    ];
    args.extend(extra);
    let (output, report, _) = scan(&format!("{site}/"), &args).await;
    (output, report)
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn vanilla_cookieconsent_is_detected_operated_and_judged() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    if !npm_installed(CMPS) {
        return;
    }
    let (output, report) = scan_copy(vanilla_page, &[]).await;
    assert_eq!(
        report["cmp"],
        "vanilla-cookieconsent",
        "{}",
        stderr(&output)
    );
    for name in [
        "banner_shown",
        "reject_on_first_layer",
        "reject_as_prominent_as_accept",
        "no_pre_ticked_toggles",
        "withdrawal_control",
    ] {
        assert_eq!(
            check(&report, name)["passed"],
            true,
            "{}",
            check(&report, name)
        );
    }
    // Its decisions are not recorded on our server: no such check.
    assert!(
        !report["banner_checks"]
            .to_string()
            .contains("consent_recorded")
    );
    assert_eq!(cookies_of(&report, "no choice"), Vec::<&str>::new());
    assert_eq!(cookies_of(&report, "reject all"), ["cc_cookie"]);
    let all = cookies_of(&report, "accept all");
    for cookie in ["cc_cookie", "_ga", "_hjSessionUser_42", "_fbp"] {
        assert!(
            all.iter().any(|c| c.starts_with(cookie)),
            "{cookie} in {all:?}"
        );
    }
    let analytics = cookies_of(&report, "analytics only");
    assert!(
        analytics.contains(&"_ga") && !analytics.contains(&"_fbp"),
        "{analytics:?}"
    );
    // The policy promises that Global Privacy Control keeps marketing off;
    // vanilla-cookieconsent does not read it, and the scan says so.
    let violations: Vec<(String, String, String)> = rules(&report)
        .into_iter()
        .filter(|(rule, _, _)| !rule.starts_with("undeclared_third_party"))
        .collect();
    assert_eq!(
        violations,
        [(
            "cookie_despite_gpc".to_owned(),
            "accept all, GPC on".to_owned(),
            "_fbp".to_owned()
        )]
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn klaro_is_detected_operated_and_its_coloured_buttons_judged() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    if !npm_installed(CMPS) {
        return;
    }
    let (output, report) = scan_copy(klaro_page, &[]).await;
    assert_eq!(report["cmp"], "klaro", "{}", stderr(&output));
    for name in [
        "banner_shown",
        "reject_on_first_layer",
        "no_pre_ticked_toggles",
        "withdrawal_control",
    ] {
        assert_eq!(
            check(&report, name)["passed"],
            true,
            "{}",
            check(&report, name)
        );
    }
    // Klaro's default styles: a red decline beside a green accept.
    let prominence = check(&report, "reject_as_prominent_as_accept");
    assert_eq!(prominence["passed"], false);
    assert!(
        prominence["detail"]
            .as_str()
            .unwrap()
            .contains("background"),
        "{prominence}"
    );
    finding(&report, "reject_as_prominent_as_accept", "banner");
    assert_eq!(cookies_of(&report, "no choice"), Vec::<&str>::new());
    assert_eq!(cookies_of(&report, "reject all"), ["klaro"]);
    let analytics = cookies_of(&report, "analytics only");
    assert!(
        analytics.contains(&"_ga") && !analytics.contains(&"_fbp"),
        "{analytics:?}"
    );
    assert!(cookies_of(&report, "accept all").contains(&"_fbp"));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn a_site_without_a_known_banner_gets_a_verdict_on_what_it_sets() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    let (output, report) = scan_copy(no_banner_page, &[]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(report["cmp"], Value::Null);
    assert_eq!(report["banner_checks"], serde_json::json!([]));
    let note = finding(&report, "banner_checks_not_available", "banner");
    assert_eq!(note["severity"], "warning");
    assert!(
        note["message"].as_str().unwrap().contains("--cmp"),
        "{note}"
    );
    finding(&report, "cookie_before_consent", "_ga");
    let visits = report["pages"][0]["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 1, "no decision can be tried without a banner");
}

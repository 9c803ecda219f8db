//! The compliance scanner (`consent-server scan`), run as a command against
//! the demo site (which must pass) and against a deliberately broken copy
//! of it (where every fault must be reported). Only loopback is reachable.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, OnceLock};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::Value;

use crate::harness::{chromium_slot, npm_dir};
use crate::helpers::policies_with_www;
use crate::helpers::{Backend, TestApp, spawn_app, spawn_on, temp_dir};

/// Runs the scanner on `url`; returns its exit status, JSON report and HTML.
/// On a blocking thread: the servers it scans run on this test's runtime.
pub(crate) async fn scan(url: &str, extra: &[&str]) -> (Output, Value, String) {
    let url = url.to_owned();
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || run_scan(&url, &extra))
        .await
        .unwrap()
}

fn run_scan(url: &str, extra: &[String]) -> (Output, Value, String) {
    let dir = temp_dir();
    let (json, html) = (dir.join("report.json"), dir.join("report.html"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
        .args([
            "scan",
            url,
            "--local-only",
            "--chromium",
            "/usr/bin/chromium",
        ])
        .args([
            "--out",
            json.to_str().unwrap(),
            "--out",
            html.to_str().unwrap(),
        ])
        .args(extra)
        .env_remove("CONSENT_POLICIES")
        .output()
        .expect("the scanner runs");
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let report = serde_json::from_str(&read(&json)).unwrap_or(Value::Null);
    let html = read(&html);
    let _ = std::fs::remove_dir_all(dir);
    (output, report, html)
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn rules(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("rule"), s("visit"), s("subject"))
        })
        .collect()
}

pub(crate) fn finding<'r>(report: &'r Value, rule: &str, subject: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["subject"] == subject)
        .unwrap_or_else(|| panic!("no {rule} finding for {subject}: {:?}", rules(report)))
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn the_demo_site_passes_with_every_decision_recorded() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (output, report, html) = scan(&app.url("/examples/www/"), &["--pages", "2"]).await;
    assert!(
        output.status.success(),
        "the demo passes: {}",
        stderr(&output)
    );
    assert_eq!(report["schema"], "nexxt-consent/scan-report/1");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(
        report["site"], "www",
        "the site is read from the loader URL"
    );
    assert_eq!(report["summary"]["violations"], 0, "{:?}", rules(&report));
    assert_eq!(report["summary"]["warnings"], 0, "{:?}", rules(&report));
    let pages = report["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2, "the start page and one linked page");
    for page in pages {
        let kinds: Vec<&str> = page["visits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "no choice",
                "reject all",
                "accept all",
                "accept all, GPC on",
                "analytics only",
                "experience only",
                "marketing only",
                "support only"
            ]
        );
    }
    let visits = pages[0]["visits"].as_array().unwrap();
    assert_eq!(
        visits[0]["cookies"],
        serde_json::json!([]),
        "nothing before consent"
    );
    let names = |v: &Value| -> Vec<String> {
        v["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&visits[1]),
        ["nexxt_consent"],
        "after reject: the choice only"
    );
    let accepted = &visits[2];
    for vendor in [
        "google-analytics",
        "hotjar",
        "vwo",
        "facebook-pixel",
        "intercom",
    ] {
        let cookie = accepted["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["vendor"] == vendor)
            .unwrap_or_else(|| panic!("{vendor} ran after accept all"));
        assert_eq!(cookie["party"], "first");
        let set_by = cookie["set_by"].to_string();
        assert!(
            set_by.contains(&format!("/examples/stubs/{vendor}.js")),
            "{set_by}"
        );
    }
    // Global Privacy Control keeps marketing off, even after accept all.
    let gpc = &visits[3];
    assert!(names(gpc).contains(&"_ga".to_owned()));
    assert!(!names(gpc).contains(&"_fbp".to_owned()), "{:?}", names(gpc));
    assert!(!gpc["receipt"]["granted"].to_string().contains("marketing"));
    assert!(names(&visits[4]).contains(&"_ga".to_owned()));
    assert!(
        !names(&visits[4]).contains(&"_fbp".to_owned()),
        "analytics only"
    );
    // Every decision was recorded, and the ledger holds each one.
    let checks = report["banner_checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["passed"] == true), "{checks:?}");
    let recorded = checks
        .iter()
        .filter(|c| c["check"] == "consent_recorded")
        .count();
    assert_eq!(recorded, 14, "seven decisions on each of two pages");
    assert_eq!(app.event_count().await, 14);
    assert!(
        html.contains("PASS") && html.contains("Banner checks"),
        "{html}"
    );
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn a_broken_copy_fails_and_names_every_fault() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    // The pixel host of the broken page belongs to the Facebook Pixel.
    let pixel_host = |www: String| {
        www.replacen(
            "hosts = [\"connect.facebook.net\"",
            "hosts = [\"localhost\", \"connect.facebook.net\"",
            1,
        )
    };
    let (site, policies, _servers) = copy_with_consent(broken_page, pixel_host).await;
    let dir = policies.to_str().unwrap();
    let args = ["--pages", "1", "--site", "www", "--policies", dir];
    let (output, report, html) = scan(&format!("{site}/"), &args).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "violations fail: {}",
        stderr(&output)
    );
    assert_eq!(report["verdict"], "fail");
    assert!(html.contains("FAIL"));

    // The tag outside the gating, before consent and after reject, with the script that set it.
    let before = finding(&report, "cookie_before_consent", "_fbp");
    assert_eq!(before["visit"], "no choice");
    assert!(
        before["evidence"].to_string().contains("facebook-pixel.js"),
        "{before}"
    );
    finding(&report, "cookie_after_reject", "_fbp");
    finding(&report, "cookie_despite_gpc", "_fbp");
    // The pixel request to a host the policy gives to the Facebook Pixel.
    let pixel = finding(&report, "pixel_before_consent", "localhost");
    assert!(
        pixel["evidence"].to_string().contains("/pixel.gif"),
        "{pixel}"
    );
    // The pre-ticked toggle.
    let ticked = finding(&report, "no_pre_ticked_toggles", "banner");
    assert!(
        ticked["evidence"].to_string().contains("marketing"),
        "{ticked}"
    );
    // The undeclared cookie: a violation before consent, and listed to classify.
    let undeclared = finding(&report, "undeclared_cookie_without_consent", "visitor_uid");
    assert!(
        undeclared["evidence"].to_string().contains("broken.js"),
        "{undeclared}"
    );
    assert!(
        report["undeclared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["kind"] == "cookie" && u["name"] == "visitor_uid")
    );
    // What is not broken is not reported.
    assert!(
        !rules(&report)
            .iter()
            .any(|(rule, _, _)| rule == "consent_recorded"
                || rule == "withdrawal_control"
                || rule == "reject_as_prominent_as_accept"
                || rule == "policy_differs_from_server"),
        "{:?}",
        rules(&report)
    );
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn a_page_that_cannot_be_visited_makes_the_scan_incomplete_not_passed() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    let (site, policies, _servers) = copy_with_consent(page_linking_a_download, |www| www).await;
    let dir = policies.to_str().unwrap();
    let args = ["--pages", "2", "--policies", dir];
    let (output, report, html) = scan(&format!("{site}/"), &args).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("incomplete: 1 page(s) could not be visited"));
    assert_eq!(
        report["verdict"],
        "pass",
        "nothing wrong was seen: {:?}",
        rules(&report)
    );
    assert_eq!(report["summary"]["incomplete_pages"], 1);
    let skipped = finding(&report, "page_not_scanned", &format!("{site}/download"));
    assert!(
        skipped["evidence"]
            .to_string()
            .contains("could not be loaded"),
        "{skipped}"
    );
    assert!(html.contains("could not be visited"));
}

/// A copy of the demo on its own origin, serving `page`, and a consent
/// server whose www policy accepts that origin and is changed by `edit`.
/// Returns the copy's origin, the policy directory, and the servers.
pub(crate) async fn copy_with_consent(
    page: fn(&str, u16) -> String,
    edit: fn(String) -> String,
) -> (String, PathBuf, (TestApp, TestApp)) {
    let consent = Arc::new(OnceLock::<String>::new());
    let site = site(consent.clone(), page).await;
    // A changed policy is a new version: the archive refuses the same
    // version with other content on the shared database.
    let policies = policies_with_www(|www| {
        edit(www.replacen("origins = [", &format!("origins = [\"{site}\", "), 1)).replacen(
            "version = \"",
            "version = \"copy-",
            1,
        )
    });
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let server = spawn_on(&app.db_url, &app.data_dir, Some(policies.clone())).await;
    consent.set(server.address.clone()).unwrap();
    (site, policies, (app, server))
}

/// The demo page as its own site would serve it: the loader from the
/// consent server, no CSP nonce.
pub(crate) fn demo_page(consent: &str) -> String {
    include_str!("../../../examples/www/index.html")
        .replace("{{lang}}", "nl")
        .replace(" nonce=\"{{nonce}}\"", "")
        .replace(
            "src=\"/v1/sites/www/loader.js\"",
            &format!("src=\"{consent}/v1/sites/www/loader.js\""),
        )
}

/// The demo page whose only link leads to a download, not a page.
fn page_linking_a_download(consent: &str, _port: u16) -> String {
    let page = demo_page(consent);
    let start = page
        .find("<p><a href=")
        .expect("the demo has a line of links");
    let end = start + page[start..].find("</p>").unwrap() + "</p>".len();
    format!(
        "{}<p><a href=\"/download\">Price list</a></p>{}",
        &page[..start],
        &page[end..]
    )
}

/// Serves `page(consent server, own port)` at `/`, the demo's stubs, and a
/// `/download` that a browser saves instead of showing. `consent` is filled
/// in once the consent server runs, which needs this site's origin first.
pub(crate) async fn site(consent: Arc<OnceLock<String>>, page: fn(&str, u16) -> String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let consent = consent.clone();
        App::new()
            .route(
                "/",
                web::get().to(move || {
                    let page = page(consent.get().expect("consent server runs"), port);
                    async move { HttpResponse::Ok().content_type("text/html").body(page) }
                }),
            )
            .route(
                "/download",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .insert_header(("Content-Disposition", "attachment; filename=\"a.bin\""))
                        .content_type("application/octet-stream")
                        .body("not a page")
                }),
            )
            .route(
                "/t/{file}",
                web::get().to(|file: web::Path<String>| async move {
                    match TEST_FILES.iter().find(|(name, _)| *name == file.as_str()) {
                        Some((_, body)) => HttpResponse::Ok()
                            .content_type("text/javascript")
                            .body(*body),
                        None => HttpResponse::NotFound().finish(),
                    }
                }),
            )
            .route(
                "/cmps/{path:.*}",
                web::get().to(|path: web::Path<String>| async move {
                    let file = npm_dir().join(path.as_str());
                    let kind = if path.ends_with(".css") {
                        "text/css"
                    } else {
                        "text/javascript"
                    };
                    match std::fs::read(&file) {
                        Ok(body) if !path.contains("..") => {
                            HttpResponse::Ok().content_type(kind).body(body)
                        }
                        _ => HttpResponse::NotFound().finish(),
                    }
                }),
            )
            .route(
                "/examples/stubs/{file}",
                web::get().to(|file: web::Path<String>| async move {
                    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/stubs");
                    match std::fs::read_to_string(Path::new(dir).join(file.as_str())) {
                        Ok(body) => HttpResponse::Ok()
                            .content_type("text/javascript")
                            .body(body),
                        Err(_) => HttpResponse::NotFound().finish(),
                    }
                }),
            )
            .default_service(web::to(|| async { HttpResponse::Ok().finish() }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    origin
}

/// Scripts the copies serve at `/t/NAME`: the faults and trackers under test.
const TEST_FILES: &[(&str, &str)] = &[
    ("broken.js", BROKEN_JS),
    ("tracker.js", crate::scan_storage::TRACKER_JS),
    ("sw.js", "self.addEventListener('fetch', function () {});"),
    ("matomo.js", crate::scan_policy::MATOMO_JS),
    ("clarity.js", crate::scan_policy::CLARITY_JS),
];

const BROKEN_JS: &str = r#"
document.cookie = "visitor_uid=4242; Max-Age=31536000; Path=/";
new MutationObserver(function () {
  var marketing = document.querySelector('#nx-consent input[data-c="marketing"]');
  if (marketing && !marketing.dataset.ticked) { marketing.dataset.ticked = "1"; marketing.checked = true; }
}).observe(document.documentElement, {childList: true, subtree: true});
"#;

/// The demo page served from its own origin, with three faults: the
/// Facebook stub outside the gating plus a pixel, a script that ticks the
/// marketing switch, and an undeclared cookie. `consent` is the consent
/// server's address.
fn broken_page(consent: &str, port: u16) -> String {
    demo_page(consent)
        .replace(
            "<script type=\"text/plain\" data-consent-category=\"marketing\" src=\"/examples/stubs/facebook-pixel.js\">",
            "<script src=\"/examples/stubs/facebook-pixel.js\">",
        )
        .replace(
            "</main>",
            &format!(
                "<img alt=\"\" src=\"http://localhost:{port}/pixel.gif\">\n<script src=\"/t/broken.js\"></script>\n</main>"
            ),
        )
}

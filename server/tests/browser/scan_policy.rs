//! The scanner writing and watching the policy: `--suggest` turns what a
//! scan found undeclared into policy entries that, merged, make those
//! findings go away; `--baseline` reports what is new since an earlier scan
//! and exits 3 on anything new and undeclared.

use std::path::Path;

use serde_json::Value;

use crate::harness::chromium_slot;
use crate::scan::{copy_with_consent, demo_page, finding, rules, scan, stderr};

/// A self-hosted Matomo that runs before any choice: two cookies the
/// policy does not declare.
pub(crate) const MATOMO_JS: &str = r#"
document.cookie = "_pk_id.1.a1b2=4242.1700000000; Max-Age=33955200; Path=/";
document.cookie = "_pk_ses.1.a1b2=1; Max-Age=1800; Path=/";
"#;

/// Microsoft Clarity, gated as analytics: a cookie and a pixel to its host.
pub(crate) const CLARITY_JS: &str = r#"
document.cookie = "_clck=1a2b3c; Max-Age=31536000; Path=/";
new Image().src = "https://www.clarity.ms/collect?id=42";
"#;

/// The demo with Matomo ungated and Clarity under analytics.
fn with_undeclared_tags(consent: &str, _port: u16) -> String {
    demo_page(consent).replace(
        "</main>",
        "</main>\n<script src=\"/t/matomo.js\"></script>\n\
         <script type=\"text/plain\" data-consent-category=\"analytics\" src=\"/t/clarity.js\"></script>",
    )
}

/// The demo with Clarity under analytics only: nothing runs before consent.
fn with_gated_clarity(consent: &str, _port: u16) -> String {
    demo_page(consent).replace(
        "</main>",
        "</main>\n<script type=\"text/plain\" data-consent-category=\"analytics\" src=\"/t/clarity.js\"></script>",
    )
}

fn undeclared<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["undeclared"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == name)
        .unwrap_or_else(|| {
            panic!(
                "{name} is not listed as undeclared: {}",
                report["undeclared"]
            )
        })
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn a_merged_suggestion_declares_what_the_scan_found() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    let (site, policies, _servers) = copy_with_consent(with_undeclared_tags, |www| www).await;
    let suggestion = policies.join("suggested.toml");
    let args = [
        "--pages",
        "1",
        "--policies",
        policies.to_str().unwrap(),
        "--suggest",
        suggestion.to_str().unwrap(),
    ];
    let (output, report, html) = scan(&format!("{site}/"), &args).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        html.contains("Piwik: analytics"),
        "the HTML report names the platform"
    );

    // Classified from the known-cookie data.
    let pk = undeclared(&report, "_pk_id.1.a1b2");
    assert_eq!(pk["classification"], "known");
    // The data knows Matomo's `_pk_id` and, longer, its old name Piwik's `_pk_id.`.
    assert_eq!(pk["platform"], "Piwik");
    assert_eq!(pk["matched_by"], "prefix");
    assert_eq!(pk["likely_category"], "analytics");
    assert_eq!(pk["site_category"], "analytics");
    assert_eq!(pk["lifetime"], "13mo");
    let clck = undeclared(&report, "_clck");
    assert_eq!(
        (clck["platform"].as_str(), clck["matched_by"].as_str()),
        (Some("Microsoft"), Some("name"))
    );
    let host = undeclared(&report, "www.clarity.ms");
    assert_eq!(
        (host["kind"].as_str(), host["matched_by"].as_str()),
        (Some("host"), Some("domain"))
    );
    // The nexxt-consent cookie is declared; an unknown one would say so.
    assert!(
        report["undeclared"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["classification"] == "known"),
        "{}",
        report["undeclared"]
    );
    finding(
        &report,
        "undeclared_cookie_without_consent",
        "_pk_id.1.a1b2",
    );
    finding(&report, "undeclared_third_party_host", "www.clarity.ms");

    let text = std::fs::read_to_string(&suggestion).expect("the suggestion is written");
    for expected in [
        "Open Cookie Database",
        "id = \"piwik\"",
        "name = \"_pk_id.\", prefix = true",
        "id = \"microsoft\"",
        "hosts = [\"www.clarity.ms\"]",
        "# translate: nl",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }

    // Merged into the policy, which must still load and validate.
    let merged = crate::helpers::temp_dir();
    copy_dir(&policies, &merged);
    let www = merged.join("sites/www.toml");
    let policy = std::fs::read_to_string(&www).unwrap();
    let policy = policy.replacen("version = \"", "version = \"merged-", 1);
    std::fs::write(&www, format!("{policy}\n{text}")).unwrap();
    policies::PolicySet::load_dir(&merged).expect("the merged policy validates");

    let args = ["--pages", "1", "--policies", merged.to_str().unwrap()];
    let (output, again, _) = scan(&format!("{site}/"), &args).await;
    let _ = std::fs::remove_dir_all(&merged);
    assert_eq!(
        again["undeclared"],
        serde_json::json!([]),
        "{}",
        again["undeclared"]
    );
    let left: Vec<_> = rules(&again)
        .into_iter()
        .filter(|(rule, _, _)| rule.starts_with("undeclared"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Declaring Matomo does not make it run at the right time.
    let before = finding(&again, "cookie_before_consent", "_pk_id.1.a1b2");
    assert!(
        before["message"]
            .as_str()
            .unwrap()
            .contains("piwik (analytics)"),
        "{before}"
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn a_new_undeclared_tag_since_the_baseline_exits_3() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    let dir = crate::helpers::temp_dir();
    let (before, after) = (dir.join("before.json"), dir.join("after.json"));
    let (site, policies, _servers) = copy_with_consent(demo_page_of_copy, |www| www).await;
    let policy_dir = policies.to_str().unwrap();
    let out = |path: &Path| path.to_str().unwrap().to_owned();
    let (output, _, _) = scan(
        &format!("{site}/"),
        &[
            "--pages",
            "1",
            "--policies",
            policy_dir,
            "--out",
            &out(&before),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // The same site after marketing added Clarity under analytics.
    let (site, policies, _more) = copy_with_consent(with_gated_clarity, |www| www).await;
    let policy_dir = policies.to_str().unwrap();
    let args = [
        "--pages",
        "1",
        "--policies",
        policy_dir,
        "--baseline",
        &out(&before),
        "--out",
        &out(&after),
    ];
    let (output, report, html) = scan(&format!("{site}/"), &args).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        html.contains("Since the scan of"),
        "the HTML report shows the changes"
    );
    assert!(
        stderr(&output).contains("2 undeclared"),
        "{}",
        stderr(&output)
    );
    let changes = &report["baseline"];
    let new: Vec<(String, String)> = changes["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        new,
        [
            ("cookie".to_owned(), "_clck".to_owned()),
            ("host".to_owned(), "www.clarity.ms".to_owned())
        ]
    );
    assert_eq!(changes["gone"], serde_json::json!([]));
    finding(&report, "new_since_baseline", "_clck");
    assert_eq!(report["verdict"], "pass", "nothing here breaks a rule");

    // Scanned again against that report: nothing new, exit 0.
    let args = [
        "--pages",
        "1",
        "--policies",
        policy_dir,
        "--baseline",
        &out(&after),
    ];
    let (output, report, _) = scan(&format!("{site}/"), &args).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(report["baseline"]["new"], serde_json::json!([]));

    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{\"not\": \"a report\"}").unwrap();
    let (output, _, _) = scan(&format!("{site}/"), &["--baseline", &out(&garbage)]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a JSON scan report"),
        "{}",
        stderr(&output)
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn demo_page_of_copy(consent: &str, _port: u16) -> String {
    demo_page(consent)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

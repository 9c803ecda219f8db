//! The judging rules against recorded visits, without a browser: each file
//! in `server/tests/scan-rules/` is a visit (or a banner, a set of
//! decisions, a server's answer) as JSON and the exact findings or check
//! outcomes it must give. One file per rule and severity, plus clean visits
//! that must give nothing.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::banner;
use super::cmp::Cmp;
use super::judge;
use super::report::Severity;
use super::visit::{Decision, RawVisit};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scan-rules");

/// Unix seconds the recorded visits ended at.
const NOW: f64 = 1_800_000_000.0;

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum Fixture {
    Visit {
        about: String,
        decision: String,
        #[serde(default = "page")]
        page: String,
        raw: Box<RawVisit>,
        /// `[rule, severity, subject]`, in any order.
        expect: Vec<(String, Severity, String)>,
    },
    Banner {
        about: String,
        cmp: String,
        banner: Option<Value>,
        expect_checks: Vec<(String, bool)>,
    },
    Withdrawal {
        about: String,
        /// Decisions after which no way back was shown.
        without: Vec<String>,
        expect_checks: Vec<(String, bool)>,
    },
    Receipt {
        about: String,
        decided: Option<String>,
        status: u16,
        granted: BTreeSet<String>,
        expected: BTreeSet<String>,
        in_ledger: bool,
        expect_checks: Vec<(String, bool)>,
    },
}

fn page() -> String {
    "https://www.nexxtjourneys.com/".to_owned()
}

fn decision(text: &str) -> Decision {
    match text {
        "no_choice" => Decision::NoChoice,
        "reject_all" => Decision::RejectAll,
        "accept_all" => Decision::AcceptAll,
        "accept_all_gpc" => Decision::AcceptAllWithGpc,
        other => Decision::Only(
            other
                .strip_prefix("only:")
                .unwrap_or_else(|| panic!("unknown decision `{other}`"))
                .to_owned(),
        ),
    }
}

/// What a fixture gave, in the shape it states it.
fn outcome(fixture: &Fixture) -> (String, Vec<String>, Vec<String>) {
    let www = policies::PolicySet::shipped().expect("the shipped policies load");
    let policy = &www.site("www").expect("the www policy").policy;
    let checks = |checks: &[super::report::Check]| -> Vec<String> {
        let mut out: Vec<String> = checks
            .iter()
            .map(|c| format!("{} {}", c.check, c.passed))
            .collect();
        out.sort();
        out
    };
    let expected_checks = |expect: &[(String, bool)]| -> Vec<String> {
        let mut out: Vec<String> = expect.iter().map(|(c, p)| format!("{c} {p}")).collect();
        out.sort();
        out
    };
    match fixture {
        Fixture::Visit {
            about,
            decision: text,
            page,
            raw,
            expect,
        } => {
            let decision = decision(text);
            let judged = judge::Visit {
                policy,
                page,
                decision: &decision,
                raw,
                now: NOW,
            }
            .judge();
            let mut got: Vec<String> = judged
                .findings
                .iter()
                .map(|f| format!("{} {:?} {}", f.rule, f.severity, f.subject))
                .collect();
            let mut want: Vec<String> = expect
                .iter()
                .map(|(rule, severity, subject)| format!("{rule} {severity:?} {subject}"))
                .collect();
            got.sort();
            want.sort();
            (about.clone(), got, want)
        }
        Fixture::Banner {
            about,
            cmp,
            banner: seen,
            expect_checks,
        } => {
            let mut got = Vec::new();
            let cmp = Cmp::from_id(cmp).expect("a known cmp");
            banner::check("https://x/", cmp, seen.as_ref(), &mut got);
            (about.clone(), checks(&got), expected_checks(expect_checks))
        }
        Fixture::Withdrawal {
            about,
            without,
            expect_checks,
        } => {
            let mut got = Vec::new();
            banner::withdrawal("https://x/", without, &mut got);
            (about.clone(), checks(&got), expected_checks(expect_checks))
        }
        Fixture::Receipt {
            about,
            decided,
            status,
            granted,
            expected,
            in_ledger,
            expect_checks,
        } => {
            let answer = banner::Answer {
                decided: decided.as_deref(),
                status: *status,
                consent_id: Some("c-1"),
                granted,
                in_ledger: *in_ledger,
            };
            let (recorded, detail) = answer.judge(expected);
            let mut got = Vec::new();
            banner::record(
                "https://x/",
                &Decision::AcceptAll,
                recorded,
                detail,
                &mut got,
            );
            (about.clone(), checks(&got), expected_checks(expect_checks))
        }
    }
}

#[test]
fn every_recorded_visit_gives_exactly_its_findings() {
    let mut files: Vec<_> = std::fs::read_dir(DIR)
        .expect("the fixture directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} fixtures", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let fixture = read(path);
        let (about, got, want) = outcome(&fixture);
        if got != want {
            failures.push(format!(
                "{} ({about}):\n  got  {got:?}\n  want {want:?}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rule the judge can give is the subject of some fixture, failing.
#[test]
fn every_rule_fails_in_some_fixture() {
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        match read(&path) {
            Fixture::Visit { expect, .. } => {
                seen.extend(
                    expect
                        .into_iter()
                        .map(|(rule, severity, _)| format!("{rule} {severity:?}")),
                );
            }
            Fixture::Banner { expect_checks, .. }
            | Fixture::Withdrawal { expect_checks, .. }
            | Fixture::Receipt { expect_checks, .. } => {
                seen.extend(
                    expect_checks
                        .into_iter()
                        .filter(|(_, passed)| !passed)
                        .map(|(check, _)| format!("{check} Violation")),
                );
            }
        }
    }
    let contexts = [
        "before_consent",
        "after_reject",
        "outside_category",
        "despite_gpc",
    ];
    let mut rules: Vec<String> = Vec::new();
    for stem in [
        "cookie",
        "local_storage",
        "request",
        "pixel",
        "beacon",
        "fingerprinting",
    ] {
        rules.extend(contexts.iter().map(|c| format!("{stem}_{c} Violation")));
    }
    for (kind, _) in super::report::STORE_KINDS {
        rules.push(format!("{kind}_before_consent Violation"));
        rules.push(format!("undeclared_{kind} Warning"));
    }
    rules.extend(
        [
            "undeclared_cookie_without_consent Violation",
            "cookie_lifetime_over_declared Warning",
            "undeclared_third_party_host Warning",
            "undeclared_pixel_without_consent Violation",
            "undeclared_beacon_without_consent Violation",
            "fingerprinting_by_undeclared_script Violation",
            "fingerprinting_by_undeclared_script Warning",
            "banner_shown Violation",
            "reject_on_first_layer Violation",
            "reject_as_prominent_as_accept Violation",
            "no_pre_ticked_toggles Violation",
            "withdrawal_control Violation",
            "consent_recorded Violation",
        ]
        .map(str::to_owned),
    );
    let missing: Vec<&String> = rules.iter().filter(|r| !seen.contains(*r)).collect();
    assert!(missing.is_empty(), "no fixture fails {missing:?}");
}

fn read(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

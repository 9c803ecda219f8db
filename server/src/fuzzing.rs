//! Entry points for the `cargo fuzz` targets in `fuzz/`, kept here so that
//! an ordinary test can replay the committed corpus on the stable
//! toolchain. Each takes arbitrary bytes, must never panic, and asserts the
//! invariants that must hold whenever the input is accepted.

use std::path::PathBuf;

use policies::{NECESSARY, PolicySet};

use crate::domain::{Choices, ConsentRequest};
use crate::ledger::{Format, verify_export};
use crate::storage::PublicKeyRow;

/// The body of `POST /v1/consents`, parsed and checked against the policy.
/// Returns whether the input was accepted.
pub fn consent_request(data: &[u8]) -> bool {
    static SET: std::sync::OnceLock<PolicySet> = std::sync::OnceLock::new();
    let policies = SET.get_or_init(|| PolicySet::shipped().expect("shipped policies load"));
    let Some((&gpc, body)) = data.split_first() else {
        return false;
    };
    let Ok(request) = serde_json::from_slice::<ConsentRequest>(body) else {
        return false;
    };
    let gpc = gpc & 1 == 1;
    let Ok(choices) = Choices::parse(policies, request, gpc, &[]) else {
        return false;
    };
    let policy = &choices.policy.policy;
    assert_eq!(choices.states.get(NECESSARY), Some(&true));
    let categories: Vec<&str> = policy.category_ids().collect();
    assert_eq!(choices.states.len(), categories.len());
    for (id, on) in &choices.states {
        assert!(categories.contains(&id.as_str()), "unknown category {id}");
        if gpc && policy.site.gpc_forces_off.contains(id) {
            assert!(!on, "GPC forces {id} off");
        }
    }
    true
}

/// A site policy file, loaded with the shipped organisation and statements.
/// Returns whether it loaded.
pub fn policy_file(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(set) = PolicySet::with_sites([(PathBuf::from("sites/fuzz.toml"), text.to_owned())])
    else {
        return false;
    };
    for site in set.sites() {
        assert!(policies::validate(&site.policy).is_empty());
        assert_eq!(site.policy.categories[0].id, NECESSARY);
        assert_eq!(site.hash.len(), 64);
    }
    true
}

/// An export file (first byte: even = NDJSON, odd = CSV), verified offline.
/// Returns whether it verified.
pub fn export_file(data: &[u8], keys: &[PublicKeyRow], issuer: &str) -> bool {
    let Some((&kind, body)) = data.split_first() else {
        return false;
    };
    let format = if kind & 1 == 0 {
        Format::Ndjson
    } else {
        Format::Csv
    };
    let Ok(report) = verify_export(body, format, keys, issuer) else {
        return false;
    };
    // Every accepted line is at least a few bytes of the input.
    let lines = report.events + report.elided + report.checkpoints;
    assert!(lines <= body.len() as u64, "{report:?}");
    true
}

/// The current policy version of a shipped site.
fn shipped_version(site: &str) -> String {
    let set = PolicySet::shipped().expect("shipped policies load");
    set.site(site)
        .expect("a shipped site")
        .policy
        .site
        .version
        .clone()
}

mod http;
pub use http::{HttpTarget, http_request, spawn_target};

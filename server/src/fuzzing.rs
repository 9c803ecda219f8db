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
pub fn consent_request(data: &[u8]) {
    static SET: std::sync::OnceLock<PolicySet> = std::sync::OnceLock::new();
    let policies = SET.get_or_init(|| PolicySet::shipped().expect("shipped policies load"));
    let Some((&gpc, body)) = data.split_first() else {
        return;
    };
    let Ok(request) = serde_json::from_slice::<ConsentRequest>(body) else {
        return;
    };
    let gpc = gpc & 1 == 1;
    let Ok(choices) = Choices::parse(policies, request, gpc, &[]) else {
        return;
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
}

/// A site policy file, loaded with the shipped organisation and statements.
pub fn policy_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = PolicySet::with_sites([(PathBuf::from("sites/fuzz.toml"), text.to_owned())])
    else {
        return;
    };
    for site in set.sites() {
        assert!(policies::validate(&site.policy).is_empty());
        assert_eq!(site.policy.categories[0].id, NECESSARY);
        assert_eq!(site.hash.len(), 64);
    }
}

/// An export file (first byte: even = NDJSON, odd = CSV), verified offline.
pub fn export_file(data: &[u8], keys: &[PublicKeyRow], issuer: &str) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let format = if kind & 1 == 0 {
        Format::Ndjson
    } else {
        Format::Csv
    };
    if let Ok(report) = verify_export(body, format, keys, issuer) {
        // Every accepted line is at least a few bytes of the input.
        let lines = report.events + report.elided + report.checkpoints;
        assert!(lines <= body.len() as u64, "{report:?}");
    }
}

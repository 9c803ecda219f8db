//! Replays the committed `cargo fuzz` corpus (fuzz/corpus/*) through the
//! same entry points on the stable toolchain, so that every input the
//! fuzzer ever kept stays free of panics in CI.

use std::path::{Path, PathBuf};

use consent_server::fuzzing;
use consent_server::tokens::keys_from_jwks;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every file of one target's corpus; a target without seeds is an error.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 3, "{target}: the corpus has seeds");
    inputs
}

/// Replays `target`'s corpus through `run`; some inputs must be accepted,
/// or the invariants behind acceptance were never exercised.
fn replay(target: &str, mut run: impl FnMut(&[u8]) -> bool) {
    let inputs = corpus(target);
    let accepted = inputs.iter().filter(|(_, input)| run(input)).count();
    assert!(
        accepted > 0,
        "{target}: none of {} inputs was accepted",
        inputs.len()
    );
}

#[test]
fn consent_request_corpus_replays_without_panic() {
    replay("consent_request", fuzzing::consent_request);
}

#[test]
fn policy_file_corpus_replays_without_panic() {
    replay("policy_file", fuzzing::policy_file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_request_corpus_gets_answers_below_500_from_a_real_server() {
    let target = fuzzing::spawn_target().await;
    let inputs = corpus("http_request");
    let statuses = tokio::task::spawn_blocking(move || {
        inputs
            .iter()
            .map(|(_, input)| fuzzing::http_request(&target, input))
            .collect::<Vec<u16>>()
    })
    .await
    .expect("no input made the server fail");
    let succeeded = statuses.iter().filter(|s| (200..300).contains(*s)).count();
    assert!(
        succeeded >= 8,
        "inputs reach the logic, not only refusals: {statuses:?}"
    );
}

#[test]
fn export_file_corpus_replays_without_panic() {
    let jwks = std::fs::read_to_string(fuzz_dir().join("fixtures/jwks.json")).unwrap();
    let keys = keys_from_jwks(&serde_json::from_str(&jwks).unwrap());
    assert!(!keys.is_empty());
    replay("export_file", |input| {
        fuzzing::export_file(input, &keys, "nexxt-consent")
    });
}

/// The seed exports are real and intact, so the fuzzer starts from inputs
/// that reach the signature and chain checks, not only the parser.
#[test]
fn seed_exports_verify() {
    let jwks = std::fs::read_to_string(fuzz_dir().join("fixtures/jwks.json")).unwrap();
    let keys = keys_from_jwks(&serde_json::from_str(&jwks).unwrap());
    for (name, format) in [
        ("seed-export.ndjson", consent_server::ledger::Format::Ndjson),
        ("seed-export.csv", consent_server::ledger::Format::Csv),
    ] {
        let input = std::fs::read(fuzz_dir().join("corpus/export_file").join(name)).unwrap();
        let report =
            consent_server::ledger::verify_export(&input[1..], format, &keys, "nexxt-consent")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.events >= 3, "{name}: {report:?}");
    }
}

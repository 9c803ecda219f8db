//! The offline export verifier, against the key of the seed exports.
#![no_main]

use std::sync::OnceLock;

use consent_server::storage::PublicKeyRow;
use consent_server::tokens::keys_from_jwks;

fn keys() -> &'static [PublicKeyRow] {
    static KEYS: OnceLock<Vec<PublicKeyRow>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let jwks = serde_json::from_str(include_str!("../fixtures/jwks.json")).unwrap();
        keys_from_jwks(&jwks)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    consent_server::fuzzing::export_file(data, keys(), "nexxt-consent")
});

//! The consent request parser and validator (`POST /v1/consents`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consent_server::fuzzing::consent_request(data));

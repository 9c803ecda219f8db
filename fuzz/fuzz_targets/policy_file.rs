//! The policy loader: one site file with the shipped organisation.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| consent_server::fuzzing::policy_file(data));

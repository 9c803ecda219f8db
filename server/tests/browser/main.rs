//! The banner in a real Chromium, on the demo sites of a real server.

mod harness;
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod accessibility;
mod banner;
mod scan;
mod scan_cmps;
mod scan_policy;
mod scan_storage;
mod trust;

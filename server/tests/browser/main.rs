//! The banner in real browsers (Chromium, Firefox ESR, WebKitGTK), on the
//! demo sites of a real server; the scanner in Chromium.

mod harness;
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
mod installed;
#[path = "../api/nginx.rs"]
mod nginx;

mod accessibility;
mod banner;
mod embeds;
mod same_origin;
mod scan;
mod scan_cmps;
mod scan_policy;
mod scan_storage;
mod trust;

//! Tracking beyond cookies (EDPB guidelines 2/2023 on Art. 5(3) ePrivacy):
//! a third-party script that, before any choice, writes sessionStorage,
//! IndexedDB and Cache Storage, registers a service worker, sends a pixel
//! and beacons, and reads a canvas, an AudioContext and WebGL's unmasked
//! renderer. Each must be a finding naming the script.

use serde_json::Value;

use crate::harness::chromium_slot;
use crate::scan::{copy_with_consent, demo_page, finding, rules, scan, stderr};

/// Served from `localhost` to a page on `127.0.0.1`: another site.
pub(crate) const TRACKER_JS: &str = r#"
(function () {
  var here = document.currentScript.src.replace(/\/t\/tracker\.js.*$/, "");
  sessionStorage.setItem("trk_session", "1");
  indexedDB.open("trk-db");
  caches.open("trk-cache");
  navigator.serviceWorker.register("/t/sw.js");
  new Image().src = here + "/collect.gif?uid=42";
  navigator.sendBeacon(here + "/beacon", "uid=42");
  fetch(here + "/keepalive", {method: "POST", body: "uid=42", keepalive: true, mode: "no-cors"});
  var canvas = document.createElement("canvas");
  canvas.getContext("2d").fillText("fingerprint", 2, 2);
  canvas.toDataURL();
  new AudioContext();
  var gl = document.createElement("canvas").getContext("webgl");
  if (gl) gl.getParameter(0x9246);
})();
"#;

fn with_tracker(consent: &str, port: u16) -> String {
    demo_page(consent).replace(
        "</main>",
        &format!("</main>\n<script src=\"http://localhost:{port}/t/tracker.js\"></script>"),
    )
}

fn evidence(finding: &Value) -> String {
    finding["evidence"].to_string()
}

#[tokio::test]
#[cfg_attr(
    skip_browser_tests,
    ignore = "Chromium or chromedriver is not installed"
)]
async fn storage_pixels_beacons_and_fingerprinting_before_consent_are_findings() {
    let Some(_slot) = chromium_slot().await else {
        return;
    };
    let (site, policies, _servers) = copy_with_consent(with_tracker, |www| www).await;
    let args = ["--pages", "1", "--policies", policies.to_str().unwrap()];
    let (output, report, _) = scan(&format!("{site}/"), &args).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let tracker = "/t/tracker.js";

    for (rule, subject) in [
        ("undeclared_session_storage", "trk_session"),
        ("undeclared_indexed_db", "trk-db"),
        ("undeclared_cache_storage", "trk-cache"),
    ] {
        let found = finding(&report, rule, subject);
        assert_eq!(found["severity"], "warning");
        assert!(evidence(found).contains(tracker), "{found}");
    }
    let worker = finding(
        &report,
        "undeclared_service_worker",
        &format!("{site}/t/sw.js"),
    );
    assert!(evidence(worker).contains(tracker), "{worker}");

    let pixel = finding(&report, "undeclared_pixel_without_consent", "localhost");
    assert_eq!(pixel["severity"], "violation");
    let all = report["findings"].to_string();
    for sent in [
        "pixel to http://localhost",
        "/collect.gif",
        "beacon to http://localhost",
        "/beacon",
        "/keepalive",
    ] {
        assert!(all.contains(sent), "{sent:?} in {:?}", rules(&report));
    }

    let calls: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "fingerprinting_by_undeclared_script" && f["visit"] == "no choice")
        .inspect(|f| assert_eq!(f["severity"], "violation", "{f}"))
        .inspect(|f| assert!(evidence(f).contains(tracker), "{f}"))
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    for api in [
        "canvas toDataURL",
        "AudioContext",
        "WebGL unmasked renderer",
    ] {
        assert!(calls.iter().any(|m| m.contains(api)), "{api} in {calls:?}");
    }
    // The visit's record lists them too, for the owner and for --baseline.
    let first = &report["pages"][0]["visits"][0];
    assert_eq!(first["session_storage"][0]["key"], "trk_session");
    assert_eq!(first["indexed_db"][0]["key"], "trk-db");
    assert_eq!(first["cache_storage"][0]["key"], "trk-cache");
    let kinds: Vec<&str> = first["third_party_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"pixel") && kinds.contains(&"beacon"),
        "{kinds:?}"
    );
}

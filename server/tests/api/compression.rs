//! What every page view and first visit downloads (the loader, the banner
//! document, the banner's files) and the JWKS are sent gzipped when the
//! browser accepts it: whole, with their length, and the same bytes as
//! uncompressed.

use std::io::Read;

use crate::helpers::{Backend, TestApp, all, consent_body, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    hot_bodies_are_sent_gzipped_and_whole_to_browsers_that_accept_it,
    a_receipt_is_sent_as_is_and_a_history_and_a_page_gzipped_whole,
);

const BROWSER: &str = "gzip, deflate, br, zstd";

async fn hot_bodies_are_sent_gzipped_and_whole_to_browsers_that_accept_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let loader = app.get_text("/v1/sites/www/loader.js").await;
    let mut paths: Vec<String> = ["glue", "wasm", "css", "embeds"]
        .iter()
        .map(|name| banner_file(&loader, name))
        .collect();
    paths.extend(
        [
            "/v1/sites/www/loader.js",
            "/v1/sites/app/loader.js",
            "/v1/sites/www/banner.json?lang=nl",
            "/v1/sites/www/banner.json?lang=en&embeds=true",
            "/.well-known/jwks.json",
        ]
        .map(str::to_owned),
    );
    for path in &paths {
        let plain = fetch(&app, path, None).await;
        assert_eq!(
            plain.encoding, None,
            "{path}: no encoding asked for, none sent"
        );
        for _ in 0..2 {
            let gzipped = fetch(&app, path, Some(BROWSER)).await;
            assert_eq!(gzipped.encoding.as_deref(), Some("gzip"), "{path}");
            assert_eq!(
                gzipped.length,
                Some(gzipped.body.len()),
                "{path}: sent whole with its length, not chunked"
            );
            assert!(
                gzipped.vary.contains("accept-encoding"),
                "{path}: {}",
                gzipped.vary
            );
            assert_eq!(gunzip(&gzipped.body), plain.body, "{path}: the same bytes");
            if path.starts_with("/banner/") {
                assert!(
                    gzipped.body.len() * 3 < plain.body.len() * 2,
                    "{path}: compressed"
                );
            }
        }
        let refused = fetch(&app, path, Some("br, gzip;q=0")).await;
        assert_ne!(
            refused.encoding.as_deref(),
            Some("gzip"),
            "{path}: gzip;q=0 is a refusal"
        );
    }
    // One document per site and language: each its own, not the first one made.
    let nl = fetch(&app, "/v1/sites/www/banner.json?lang=nl", Some(BROWSER)).await;
    let en = fetch(&app, "/v1/sites/www/banner.json?lang=en", Some(BROWSER)).await;
    let app_nl = fetch(&app, "/v1/sites/app/banner.json?lang=nl", Some(BROWSER)).await;
    let lang =
        |b: &[u8]| serde_json::from_slice::<serde_json::Value>(&gunzip(b)).unwrap()["lang"].clone();
    assert_eq!((lang(&nl.body), lang(&en.body)), ("nl".into(), "en".into()));
    assert_ne!(gunzip(&nl.body), gunzip(&app_nl.body), "www and app differ");
}

/// A consent's receipt (a token gzip barely shrinks) is not compressed;
/// a page is, and neither names `identity` as its encoding.
async fn a_receipt_is_sent_as_is_and_a_history_and_a_page_gzipped_whole(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .client
        .post(app.url("/v1/consents"))
        .header("Accept-Encoding", BROWSER)
        .json(&consent_body(all("www", true)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers().get("content-encoding"), None);
    let length: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let receipt: serde_json::Value = response.json().await.unwrap();
    assert!(receipt["token"].is_string(), "{receipt}");
    assert!(length < 1024, "a receipt is small: {length} bytes");

    // A consent's history (the policy document in it) is gzipped whole,
    // with its length, and says it varies with the encoding either way.
    let history = |accept: Option<&'static str>| {
        let mut request = app
            .client
            .get(app.url(&format!(
                "/v1/consents/{}",
                receipt["consent_id"].as_str().unwrap()
            )))
            .bearer_auth(receipt["token"].as_str().unwrap());
        if let Some(accept) = accept {
            request = request.header("Accept-Encoding", accept);
        }
        request.send()
    };
    let plain = history(None).await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    assert!(
        vary(plain.headers()).contains("accept-encoding"),
        "a cache keeps the two apart"
    );
    let plain = plain.bytes().await.unwrap();
    let gzipped = history(Some(BROWSER)).await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let length: usize = gzipped.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let gzipped = gzipped.bytes().await.unwrap();
    assert_eq!(length, gzipped.len());
    assert_eq!(gunzip(&gzipped), plain, "the same history");
    assert!(
        gzipped.len() * 2 < plain.len(),
        "{} of {} bytes",
        gzipped.len(),
        plain.len()
    );

    let page = fetch(&app, "/privacy?site=www", Some(BROWSER)).await;
    assert_eq!(
        page.encoding.as_deref(),
        Some("gzip"),
        "a page is compressed"
    );
    let html = String::from_utf8(gunzip(&page.body)).unwrap();
    assert!(html.contains("<html"), "{html}");
}

struct Fetched {
    encoding: Option<String>,
    length: Option<usize>,
    vary: String,
    body: Vec<u8>,
}

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> Fetched {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("Accept-Encoding", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    Fetched {
        encoding: header("content-encoding"),
        length: header("content-length").map(|l| l.parse().unwrap()),
        vary: vary(response.headers()),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

/// Every `Vary` header's names, lower case.
fn vary(headers: &reqwest::header::HeaderMap) -> String {
    let names: Vec<_> = headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    names.join(", ")
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

/// The path of the banner file the loader names as `name`.
fn banner_file(loader: &str, name: &str) -> String {
    let key = format!("\"{name}\":\"");
    let start = loader
        .find(&key)
        .unwrap_or_else(|| panic!("the loader names {name}"))
        + key.len();
    let end = start + loader[start..].find('"').unwrap();
    loader[start..end].to_owned()
}

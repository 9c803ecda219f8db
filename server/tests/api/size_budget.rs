//! The bytes a visitor pays for the banner, gzip -9, against the budget.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::helpers::{Backend, spawn_app};

/// First visit: loader, wasm, glue (with the recording code), CSS and the
/// banner document together.
const FIRST_VISIT_BUDGET: usize = 13_000;
/// Return visit: the loader alone.
const RETURN_VISIT_BUDGET: usize = 2_600;

/// `/banner/…` under `"key":"…"` in the loader's inlined configuration.
fn config_path(loader: &str, key: &str) -> String {
    let marker = format!("\"{key}\":\"");
    let start = loader
        .find(&marker)
        .expect("the loader names each banner file")
        + marker.len();
    let end = start + loader[start..].find('"').unwrap();
    loader[start..end].to_owned()
}

fn gzip9(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap().len()
}

#[tokio::test]
async fn banner_stays_within_its_byte_budget() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let loader = app.get_text("/v1/sites/www/loader.js").await;
    let mut sizes = vec![("loader", gzip9(loader.as_bytes()))];
    // The dialog's files, by their keys in the loader's configuration; the
    // embeds' placeholders load only on a page with a blocked embed.
    for key in ["wasm", "glue", "css"] {
        let path = config_path(&loader, key);
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        sizes.push((key, gzip9(&response.bytes().await.unwrap())));
    }
    // The texts, in the site's default language, as the loader asks.
    let document = app.get("/v1/sites/www/banner.json?lang=nl").await;
    assert_eq!(document.status(), 200);
    sizes.push(("banner.json", gzip9(&document.bytes().await.unwrap())));
    let total: usize = sizes.iter().map(|(_, n)| n).sum();
    eprintln!("banner bytes (gzip -9): {sizes:?}, first visit total {total}");
    let hint = "over budget (the banner served is banner-wasm/dist, built by `cargo run -p banner-pipeline`)";
    assert!(
        sizes[0].1 <= RETURN_VISIT_BUDGET,
        "return visit {} bytes: {hint}",
        sizes[0].1
    );
    assert!(
        total <= FIRST_VISIT_BUDGET,
        "first visit {total} bytes: {hint}"
    );
}

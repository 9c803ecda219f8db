//! The bytes a visitor pays for the banner, gzip -9, against the budget.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::helpers::{Backend, spawn_app};

/// First visit: loader, wasm, glue and CSS together.
const FIRST_VISIT_BUDGET: usize = 15_000;
/// Return visit: the loader alone.
const RETURN_VISIT_BUDGET: usize = 3_000;

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
    for ext in ["wasm", "js", "css"] {
        let start = loader
            .find(&format!(".{ext}\""))
            .expect("the loader names each banner file");
        let path_start = loader[..start]
            .rfind("\"/banner/")
            .expect("a /banner/ path")
            + 1;
        let path = &loader[path_start..start + ext.len() + 1];
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        sizes.push((ext, gzip9(&response.bytes().await.unwrap())));
    }
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

//! Embeds the banner's served files as checked in under `banner-wasm/dist/`
//! (built by `cargo run -p banner-pipeline`, proven byte-identical to a
//! rebuild from source in CI), so that building, checking or linting the
//! server needs neither the wasm32 target nor the npm tools. When the
//! banner's sources have changed since those files were built, it says so.

use std::path::{Path, PathBuf};

#[path = "../banner-wasm/pipeline/src/sources.rs"]
mod sources;

#[path = "tests/browser/installed.rs"]
mod installed;

const DIST: &[&str] = &[
    "banner_wasm_bg.wasm",
    "banner_wasm.js",
    "loader.js.hbs",
    "embeds.js",
    "banner.css",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let dist = workspace.join("banner-wasm/dist");
    for watched in sources::SOURCES
        .iter()
        .map(|s| workspace.join(s))
        .chain([dist.clone()])
    {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    for file in DIST {
        std::fs::copy(dist.join(file), out.join(file))
            .unwrap_or_else(|e| panic!("banner-wasm/dist/{file}: {e}"));
    }
    warn_if_stale(&workspace, &dist);
    announce_skipped_tests();
}

/// The checked-in files record the digest of the sources they were built
/// from; another digest means someone changed the banner without
/// rebuilding it (CI's `banner-pipeline --check` fails on that).
fn warn_if_stale(workspace: &Path, dist: &Path) {
    let recorded = std::fs::read_to_string(dist.join("SOURCES")).unwrap_or_default();
    if recorded.trim() != sources::digest(workspace) {
        println!(
            "cargo:warning=banner-wasm/dist was built from other sources than these: the server embeds the old banner until `cargo run -p banner-pipeline` rebuilds it"
        );
    }
}

/// Tests that cannot run on this machine are marked `#[ignore]` with the
/// reason (through these cfgs), so that the summary counts them as ignored
/// instead of `ok`. Under `CI=true` nothing is ignored: the tests fail.
fn announce_skipped_tests() {
    println!(
        "cargo:rustc-check-cfg=cfg(skip_postgres_tests, skip_browser_tests, skip_firefox_tests, skip_webkit_tests)"
    );
    println!("cargo:rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo:rerun-if-env-changed=CI");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return;
    }
    if std::env::var("TEST_POSTGRES_URL").map_or(true, |v| v.is_empty()) {
        println!("cargo:rustc-cfg=skip_postgres_tests");
    }
    // Installing or removing a package touches /usr/bin (and `cargo
    // install`, cargo's bin folder): look again then.
    println!("cargo:rerun-if-changed=/usr/bin");
    // Only a folder that exists: a missing one would rerun this every build.
    if let Some(bin) = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cargo/bin"))
        .filter(|bin| bin.is_dir())
    {
        println!("cargo:rerun-if-changed={}", bin.display());
    }
    for (engine, requirements) in [
        ("browser", installed::chromium()),
        ("firefox", installed::firefox()),
        ("webkit", installed::webkit()),
    ] {
        if !installed::all_found(&requirements) {
            println!("cargo:rustc-cfg=skip_{engine}_tests");
        }
    }
}

//! Builds the banner from `banner-wasm/` of the same checkout, so the server
//! always serves the banner of its own commit and no binary is checked in:
//! cargo (wasm32, size profile) → wasm-bindgen (library form, pinned with the
//! crate) → short import names → wasm-opt and esbuild when installed (README).
//! It also minifies the loader template.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "build/imports.rs"]
mod imports;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for watched in [
        "banner-wasm/src",
        "banner-wasm/Cargo.toml",
        "banner-wasm/banner.css",
        "Cargo.lock",
        "server/templates/loader.js",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    println!("cargo:rerun-if-env-changed=NEXXT_WASM_OPT");
    let wasm = compile_banner(&workspace, &out);
    bindgen(&wasm, &out);
    let (wasm, glue) = (out.join("banner_wasm_bg.wasm"), out.join("banner_wasm.js"));
    imports::shorten(&wasm, &glue);
    let optimized = optimize(&wasm) & minify(&glue, &glue);
    // The size budget test only means something for a fully optimised banner.
    println!(
        "cargo:rustc-env=NEXXT_BANNER_OPTIMIZED={}",
        u8::from(optimized)
    );
    std::fs::copy(
        workspace.join("banner-wasm/banner.css"),
        out.join("banner.css"),
    )
    .expect("copy banner.css");
    loader_template(&manifest.join("templates/loader.js"), &out);
    announce_skipped_tests(optimized);
}

/// Tests that cannot run on this machine are marked `#[ignore]` with the
/// reason (through these cfgs), so that the summary counts them as ignored
/// instead of `ok`. Under `CI=true` nothing is ignored: the tests fail.
fn announce_skipped_tests(optimized: bool) {
    println!(
        "cargo:rustc-check-cfg=cfg(skip_postgres_tests, skip_browser_tests, skip_size_budget)"
    );
    println!("cargo:rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo:rerun-if-env-changed=CI");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return;
    }
    if std::env::var("TEST_POSTGRES_URL").map_or(true, |v| v.is_empty()) {
        println!("cargo:rustc-cfg=skip_postgres_tests");
    }
    let browser = ["/usr/bin/chromium", "/usr/bin/chromedriver"];
    // Installing or removing a package touches /usr/bin: look again then.
    println!("cargo:rerun-if-changed=/usr/bin");
    if !browser.iter().all(|b| Path::new(b).exists()) {
        println!("cargo:rustc-cfg=skip_browser_tests");
    }
    if !optimized {
        println!("cargo:rustc-cfg=skip_size_budget");
    }
}

fn compile_banner(workspace: &Path, out: &Path) -> PathBuf {
    // A target dir of its own: the outer cargo holds the lock on the shared one.
    let target_dir = out.ancestors().nth(3).unwrap().join("banner-wasm");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args([
            "build",
            "-p",
            "banner-wasm",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["--profile", "wasm-release", "--target-dir"])
        .arg(&target_dir);
    // The outer build's flags and wrappers (clippy, coverage) are not the banner's.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
    ] {
        command.env_remove(var);
    }
    let status = command.status().expect("cargo runs");
    assert!(
        status.success(),
        "building banner-wasm for wasm32 failed (rustup target add wasm32-unknown-unknown?)"
    );
    target_dir.join("wasm32-unknown-unknown/wasm-release/banner_wasm.wasm")
}

fn bindgen(wasm: &Path, out: &Path) {
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)
        .expect("web target")
        .typescript(false)
        .generate(out)
        .expect("wasm-bindgen generates the banner glue");
}

/// Binaryen's wasm-opt, when a version that handles our output is installed
/// (Debian's 108 breaks it; `npm i -g binaryen@132` works).
fn optimize(wasm: &Path) -> bool {
    let program = std::env::var("NEXXT_WASM_OPT").unwrap_or_else(|_| "wasm-opt".into());
    let version = Command::new(&program).arg("--version").output();
    let usable = version.as_ref().ok().and_then(|o| {
        let text = String::from_utf8_lossy(&o.stdout);
        text.split_whitespace().find_map(|w| w.parse::<u32>().ok())
    });
    match usable {
        Some(v) if v >= 116 => {
            let status = Command::new(&program)
                .arg(wasm)
                .args([
                    "-Oz",
                    "--strip-producers",
                    "--strip-target-features",
                    "--enable-bulk-memory",
                ])
                .args([
                    "--enable-bulk-memory-opt",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                ])
                .args([
                    "--enable-mutable-globals",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "-o",
                ])
                .arg(wasm)
                .status()
                .expect("wasm-opt runs");
            assert!(status.success(), "wasm-opt failed");
            true
        }
        _ => {
            println!(
                "cargo:warning=wasm-opt 116+ not found: the banner is served unoptimised (npm i -g binaryen@132)"
            );
            false
        }
    }
}

/// Minifies `input` into `output` with esbuild; returns false when esbuild
/// is not installed (the file is then served as it is).
fn minify(input: &Path, output: &Path) -> bool {
    let status = Command::new("esbuild")
        .arg(input)
        .args([
            "--minify",
            "--log-level=warning",
            "--allow-overwrite",
            "--charset=utf8",
        ])
        .arg(format!("--outfile={}", output.display()))
        .status();
    let ok = status.is_ok_and(|s| s.success());
    if !ok {
        println!(
            "cargo:warning=esbuild not found: {} is served unminified (npm i -g esbuild)",
            input.display()
        );
    }
    ok
}

/// The loader as a Handlebars template: minified when esbuild is there,
/// otherwise stripped of indentation and comment lines.
fn loader_template(source: &Path, out: &Path) {
    let minified = out.join("loader.min.js");
    let script = if minify(source, &minified) {
        std::fs::read_to_string(&minified).expect("minified loader")
    } else {
        let text = std::fs::read_to_string(source).expect("loader source");
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .collect();
        lines.join("\n")
    };
    assert!(
        script.contains("__NEXXT_CONFIG__"),
        "the loader lost its configuration placeholder"
    );
    let template = script.replace("__NEXXT_CONFIG__", "{{{config}}}");
    std::fs::write(out.join("loader.js.hbs"), template).expect("write loader template");
}

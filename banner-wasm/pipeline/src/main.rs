//! `cargo run -p banner-pipeline`: builds the banner's served files into
//! `banner-wasm/dist/` from source: cargo (wasm32, size profile) →
//! wasm-bindgen (library form, pinned with the crate) → short import names
//! and trimmed glue, with the recording code appended → wasm-opt → esbuild, the loader template, the embeds' placeholders and the CSS. The server embeds those
//! files as they are checked in, so building or checking the server needs
//! neither the wasm target nor the npm tools.
//!
//! `cargo run -p banner-pipeline -- --check` rebuilds into a temporary
//! folder and fails unless every file is byte-identical to the checked-in
//! one: CI runs it, so what a clean clone serves is what its source builds.

mod glue;
mod imports;
mod sources;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The files of `banner-wasm/dist/`, besides `SOURCES`.
const OUTPUTS: &[&str] = &[
    "banner_wasm_bg.wasm",
    "banner_wasm.js",
    "loader.js.hbs",
    "embeds.js",
    "banner.css",
];

/// The wasm-opt release the files are built with: other releases optimise
/// differently, and Debian's 108 produces a banner Chromium rejects.
const WASM_OPT_VERSION: u32 = 132;
/// The esbuild release, likewise.
const ESBUILD_VERSION: &str = "0.28.";

fn main() -> ExitCode {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf();
    let check = std::env::args().any(|a| a == "--check");
    let dist = workspace.join("banner-wasm/dist");
    let result = if check {
        let scratch = std::env::temp_dir().join(format!("banner-check-{}", std::process::id()));
        let built = build(&workspace, &scratch).and_then(|()| compare(&scratch, &dist));
        let _ = std::fs::remove_dir_all(&scratch);
        built
    } else {
        build(&workspace, &dist)
    };
    match result {
        Ok(()) => {
            let what = if check {
                "is byte-identical to a rebuild from source"
            } else {
                "was rebuilt from source"
            };
            println!("banner-wasm/dist {what}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("banner-pipeline: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds every output and `SOURCES` into `out`.
fn build(workspace: &Path, out: &Path) -> Result<(), String> {
    require_tools()?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let scratch = out.join(".bindgen");
    let wasm = compile(workspace)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        .typescript(false)
        .generate(&scratch)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    let (wasm, glue) = (
        scratch.join("banner_wasm_bg.wasm"),
        scratch.join("banner_wasm.js"),
    );
    imports::shorten(&wasm, &glue);
    let trimmed = glue::trim(&std::fs::read_to_string(&glue).map_err(|e| e.to_string())?)?;
    let record = read(&workspace.join("server/templates/record.js"))?;
    std::fs::write(&glue, format!("{trimmed}\n{record}")).map_err(|e| e.to_string())?;
    optimize(&wasm, &out.join("banner_wasm_bg.wasm"))?;
    minify(&glue, &out.join("banner_wasm.js"))?;
    loader_template(&workspace.join("server/templates/loader.js"), out)?;
    minify(
        &workspace.join("server/templates/embeds.js"),
        &out.join("embeds.js"),
    )?;
    minify(
        &workspace.join("banner-wasm/banner.css"),
        &out.join("banner.css"),
    )?;
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::write(
        out.join("SOURCES"),
        format!("{}\n", sources::digest(workspace)),
    )
    .map_err(|e| e.to_string())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn compare(built: &Path, dist: &Path) -> Result<(), String> {
    let differing: Vec<&str> = OUTPUTS
        .iter()
        .chain(&["SOURCES"])
        .copied()
        .filter(|f| std::fs::read(built.join(f)).ok() != std::fs::read(dist.join(f)).ok())
        .collect();
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "banner-wasm/dist differs from a rebuild of its source in {}: run `cargo run -p banner-pipeline` and commit the result",
            differing.join(", ")
        ))
    }
}

/// The wasm32 target (added through rustup when it is there), wasm-opt
/// and esbuild of the pinned releases; each missing one named with the
/// command that installs it.
fn require_tools() -> Result<(), String> {
    let installed = Command::new("rustc")
        .args([
            "--print",
            "target-libdir",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|dir| Path::new(dir.trim()).exists());
    if !installed {
        let added = Command::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .status()
            .is_ok_and(|s| s.success());
        if !added {
            return Err("the wasm32-unknown-unknown target is missing and rustup could not add it: install it for this toolchain (rustup target add wasm32-unknown-unknown)".into());
        }
    }
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let wasm_opt = version(&wasm_opt_program())
        .and_then(|v| v.split_whitespace().find_map(|w| w.parse::<u32>().ok()));
    if wasm_opt != Some(WASM_OPT_VERSION) {
        return Err(format!(
            "wasm-opt {WASM_OPT_VERSION} is needed (found {wasm_opt:?}): npm i -g binaryen@{WASM_OPT_VERSION}"
        ));
    }
    let esbuild = version("esbuild").unwrap_or_default();
    if !esbuild.starts_with(ESBUILD_VERSION) {
        return Err(format!(
            "esbuild {ESBUILD_VERSION}x is needed (found {:?}): npm i -g esbuild@0.28",
            esbuild.trim()
        ));
    }
    Ok(())
}

fn wasm_opt_program() -> String {
    std::env::var("NEXXT_WASM_OPT").unwrap_or_else(|_| "wasm-opt".into())
}

fn compile(workspace: &Path) -> Result<PathBuf, String> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), PathBuf::from)
        .join("banner-wasm");
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
    // The caller's flags and wrappers (clippy, coverage) are not the banner's.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
    ] {
        command.env_remove(var);
    }
    let status = command.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building banner-wasm for wasm32 failed".into());
    }
    Ok(target_dir.join("wasm32-unknown-unknown/wasm-release/banner_wasm.wasm"))
}

fn optimize(input: &Path, output: &Path) -> Result<(), String> {
    let status = Command::new(wasm_opt_program())
        .arg(input)
        .args(["-Oz", "--strip-producers", "--strip-target-features"])
        .args([
            "--enable-bulk-memory",
            "--enable-bulk-memory-opt",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "-o",
        ])
        .arg(output)
        .status()
        .map_err(|e| format!("wasm-opt: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "wasm-opt failed".into())
}

fn minify(input: &Path, output: &Path) -> Result<(), String> {
    let status = Command::new("esbuild")
        .arg(input)
        .args([
            "--minify",
            "--log-level=warning",
            "--allow-overwrite",
            "--charset=utf8",
        ])
        .arg(format!("--outfile={}", output.display()))
        .status()
        .map_err(|e| format!("esbuild: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("esbuild failed on {}", input.display()))
}

/// The loader, minified, as a Handlebars template for its configuration.
fn loader_template(source: &Path, out: &Path) -> Result<(), String> {
    let minified = out.join(".loader.min.js");
    minify(source, &minified)?;
    let script = std::fs::read_to_string(&minified).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&minified);
    if !script.contains("__NEXXT_CONFIG__") {
        return Err("the loader lost its configuration placeholder".into());
    }
    let template = script.replace("__NEXXT_CONFIG__", "{{{config}}}");
    std::fs::write(out.join("loader.js.hbs"), template).map_err(|e| e.to_string())
}

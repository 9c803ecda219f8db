//! The sources the banner's served files are built from, and their digest:
//! `banner-wasm/dist/SOURCES` records it, so that the server's build can
//! tell when the checked-in files are older than the code. Shared by the
//! pipeline and `server/build.rs` (included by path): one definition.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Files and folders (relative to the workspace) that make the banner.
pub const SOURCES: &[&str] = &[
    "banner-wasm/Cargo.toml",
    "banner-wasm/src",
    "banner-wasm/banner.css",
    "server/templates/loader.js",
    "server/templates/embeds.js",
    "server/templates/record.js",
    "banner-wasm/pipeline/src",
    "rust-toolchain.toml",
];

/// Every source file, sorted, relative to `workspace`.
pub fn files(workspace: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for source in SOURCES {
        collect(&workspace.join(source), &mut found);
    }
    let mut relative: Vec<PathBuf> = found
        .into_iter()
        .map(|p| p.strip_prefix(workspace).unwrap().to_path_buf())
        .collect();
    relative.sort();
    relative
}

fn collect(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read source folder") {
            collect(&entry.expect("source entry").path(), found);
        }
    } else if path.is_file() {
        found.push(path.to_path_buf());
    }
}

/// Hex SHA-256 over each source's path and contents, line endings as
/// checked out on Unix.
pub fn digest(workspace: &Path) -> String {
    let mut hasher = Sha256::new();
    for file in files(workspace) {
        let bytes = std::fs::read(workspace.join(&file)).expect("read source file");
        hasher.update(file.to_string_lossy().replace('\\', "/").as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    hex::encode(hasher.finalize())
}

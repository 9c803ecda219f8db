//! Where the browsers' parts that Debian keeps off the PATH are: shared by
//! the browser tests' harness and `build.rs` (which reports the tests of a
//! missing engine as ignored), included by path in both.

use std::path::PathBuf;

/// geckodriver, from crates.io (`cargo install geckodriver`): on the PATH or
/// in cargo's own bin folder.
pub fn geckodriver() -> Option<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_bin)
        .map(|dir| dir.join("geckodriver"))
        .find(|p| p.exists())
}

/// WebKitGTK's MiniBrowser, under the architecture's library folder.
pub fn minibrowser() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib")
        .ok()?
        .filter_map(Result::ok)
        .map(|arch| arch.path().join("webkit2gtk-4.1/MiniBrowser"))
        .find(|p| p.exists())
}

//! What each browser engine needs and whether it is installed: shared by
//! the browser tests' harness and `build.rs` (which reports the tests of a
//! missing engine as ignored), included by path in both.

use std::path::{Path, PathBuf};

/// One part an engine needs: `(what, how to install it, found)`.
pub type Requirement = (&'static str, &'static str, bool);

fn bin(path: &str) -> bool {
    Path::new(path).exists()
}

pub fn chromium() -> Vec<Requirement> {
    vec![
        (
            "chromium",
            "apt-get install chromium",
            bin("/usr/bin/chromium"),
        ),
        (
            "chromedriver",
            "apt-get install chromium-driver",
            bin("/usr/bin/chromedriver"),
        ),
    ]
}

pub fn firefox() -> Vec<Requirement> {
    vec![
        (
            "firefox-esr",
            "apt-get install firefox-esr",
            bin("/usr/bin/firefox-esr"),
        ),
        (
            "geckodriver",
            "cargo install geckodriver",
            geckodriver().is_some(),
        ),
    ]
}

pub fn webkit() -> Vec<Requirement> {
    vec![
        (
            "WebKitWebDriver",
            "apt-get install webkit2gtk-driver",
            bin("/usr/bin/WebKitWebDriver"),
        ),
        (
            "MiniBrowser",
            "apt-get install webkit2gtk-driver",
            minibrowser().is_some(),
        ),
        ("Xvfb", "apt-get install xvfb", bin("/usr/bin/Xvfb")),
    ]
}

/// Whether every part is there.
pub fn all_found(requirements: &[Requirement]) -> bool {
    requirements.iter().all(|(_, _, found)| *found)
}

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

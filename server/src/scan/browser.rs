//! Starting headless Chromium with a fresh, throw-away profile and finding
//! its DevTools endpoint.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// Names Chromium goes by on Linux distributions, tried in this order.
const NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// A running Chromium; killed, and its profile deleted, on drop.
pub struct Chromium {
    child: Child,
    profile: PathBuf,
    /// `ws://127.0.0.1:…/devtools/browser/…`
    pub ws_url: String,
}

impl Chromium {
    /// Starts `binary` (or the first Chromium on `PATH`) headless.
    /// `local_only` makes every host but `localhost` and loopback addresses
    /// unreachable, so
    /// a scan of a local copy provably sends nothing off the machine.
    ///
    /// # Errors
    /// When no Chromium is installed (the message names the package), or it
    /// does not start.
    pub fn start(binary: Option<&Path>, local_only: bool) -> anyhow::Result<Self> {
        let binary = match binary {
            Some(path) => path.to_owned(),
            None => find_on_path().context(
                "Chromium was not found on PATH: install Debian's package `chromium` \
                 (apt-get install chromium), or pass --chromium PATH",
            )?,
        };
        let profile =
            std::env::temp_dir().join(format!("nexxt-scan-{}", uuid::Uuid::new_v4().simple()));
        let mut command = Command::new(&binary);
        command
            .args([
                "--headless=new",
                "--remote-debugging-port=0",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-extensions",
                "--disable-sync",
                "--disable-quic",
                "--mute-audio",
                "--window-size=1280,800",
                // A visitor's browser, not an automated one: banners that
                // hide from bots (vanilla-cookieconsent's `hideFromBots`)
                // must show to the scanner as they do to people.
                "--disable-blink-features=AutomationControlled",
            ])
            .arg(format!("--user-data-dir={}", profile.display()));
        if running_as_root() {
            // Chromium refuses to start its sandbox as root (containers, CI).
            command.arg("--no-sandbox");
        }
        if local_only {
            command.arg("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]");
        }
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("while starting {}", binary.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (found, endpoint) = std::sync::mpsc::channel();
        // Reads the endpoint, then keeps draining so Chromium never blocks
        // on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = found.send(url.trim().to_owned());
                }
            }
        });
        let chromium = |ws_url| Self {
            child,
            profile,
            ws_url,
        };
        match endpoint.recv_timeout(Duration::from_secs(30)) {
            Ok(ws_url) => Ok(chromium(ws_url)),
            Err(_) => {
                drop(chromium(String::new()));
                bail!(
                    "{} started but did not open its DevTools endpoint within 30 s",
                    binary.display()
                )
            }
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    NAMES.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().next())
            == Some("0")
    })
}

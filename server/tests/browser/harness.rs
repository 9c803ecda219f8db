//! A real browser per test, driven through WebDriver, against a real
//! server: Chromium (chromedriver), Firefox ESR (geckodriver) or WebKitGTK
//! (WebKitWebDriver with MiniBrowser, under Xvfb). A missing browser skips
//! loudly, or fails under `CI=true`.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::installed::{self, geckodriver, minibrowser};

/// Two cores: more browsers at once only make every test slower and flakier.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// The browser engines the banner's tests run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

/// Runs a test `async fn name(engine: Engine)` once per engine, as
/// `name::chromium`, `name::firefox` and `name::webkit`; an engine that is
/// not installed is reported ignored (or fails under `CI=true`).
#[macro_export]
macro_rules! on_every_engine {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use $crate::harness::Engine;
            #[tokio::test]
            #[cfg_attr(skip_browser_tests, ignore = "Chromium or chromedriver is not installed")]
            async fn chromium() {
                super::$name(Engine::Chromium).await
            }
            #[tokio::test]
            #[cfg_attr(skip_firefox_tests, ignore = "Firefox ESR or geckodriver is not installed")]
            async fn firefox() {
                super::$name(Engine::Firefox).await
            }
            #[tokio::test]
            #[cfg_attr(skip_webkit_tests, ignore = "WebKitWebDriver, MiniBrowser or Xvfb is not installed")]
            async fn webkit() {
                super::$name(Engine::WebKit).await
            }
        }
    )+};
}

/// How a browser starts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Launch {
    /// Sends Global Privacy Control, as Brave or Firefox with it on do.
    pub gpc: bool,
}

pub struct Browser {
    pub client: Client,
    pub engine: Engine,
    /// The driver and, for WebKit, the X server: each leads its own
    /// process group, so the browser it started goes with it.
    processes: Vec<Child>,
    profile: PathBuf,
    _permit: tokio::sync::SemaphorePermit<'static>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A browser slot for a test that starts Chromium itself (the scanner), or
/// `None` (announced) when Chromium is not installed; under `CI=true` it must be.
pub async fn chromium_slot() -> Option<tokio::sync::SemaphorePermit<'static>> {
    if !installed(Engine::Chromium) {
        return None;
    }
    Some(BROWSERS.acquire().await.unwrap())
}

/// Where the browser tests' npm packages are installed (`npm install
/// --prefix server/tests/browser/npm`, as `.ci/run` does).
pub fn npm_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/npm/node_modules")
}

/// Whether these files of the npm packages are installed. A missing one
/// fails the test under `CI=true`, else skips it loudly.
pub fn npm_installed(files: &[&str]) -> bool {
    if files.iter().all(|f| npm_dir().join(f).exists()) {
        return true;
    }
    let install = "npm install --prefix server/tests/browser/npm";
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but npm packages are missing: {install}"
    );
    eprintln!(
        "\n!!! {} missing: test SKIPPED ({install})\n",
        files.join(" or ")
    );
    false
}

/// What an engine needs.
fn requirements(engine: Engine) -> Vec<installed::Requirement> {
    match engine {
        Engine::Chromium => installed::chromium(),
        Engine::Firefox => installed::firefox(),
        Engine::WebKit => installed::webkit(),
    }
}

/// Whether everything `engine` needs is installed. A missing part fails
/// the test under `CI=true`, else skips it loudly.
fn installed(engine: Engine) -> bool {
    let requirements = requirements(engine);
    if installed::all_found(&requirements) {
        return true;
    }
    let missing: Vec<_> = requirements
        .into_iter()
        .filter(|(_, _, found)| !found)
        .collect();
    let what: Vec<_> = missing.iter().map(|(what, _, _)| *what).collect();
    let install: Vec<_> = missing.iter().map(|(_, how, _)| *how).collect();
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but {engine:?} is not installed: {}",
        install.join("; ")
    );
    eprintln!(
        "\n!!! {} missing: {engine:?} browser tests SKIPPED ({})\n",
        what.join(", "),
        install.join("; ")
    );
    false
}

/// A fresh browser of `engine`, or `None` (announced) when it is not installed.
pub async fn browser_on(engine: Engine) -> Option<Browser> {
    launch(engine, Launch::default()).await
}

/// A fresh browser of `engine`, started as `how` says.
pub async fn launch(engine: Engine, how: Launch) -> Option<Browser> {
    if !installed(engine) {
        return None;
    }
    // Two TLS backends are linked; the drivers are plain HTTP, but rustls
    // insists on a chosen one.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let permit = BROWSERS.acquire().await.unwrap();
    let port = free_port();
    let profile = std::env::temp_dir().join(format!(
        "consent-{engine:?}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&profile).unwrap();
    let (processes, caps) = match engine {
        Engine::Chromium => chromium(port, &profile),
        Engine::Firefox => firefox(port, &profile, how),
        Engine::WebKit => webkit(port),
    };
    let client = connect(&format!("http://127.0.0.1:{port}"), caps).await;
    let browser = Browser {
        client,
        engine,
        processes,
        profile,
        _permit: permit,
    };
    if how.gpc && engine == Engine::Chromium {
        browser.chromium_gpc().await;
    }
    Some(browser)
}

/// Starts `command` as the leader of a process group of its own.
fn spawn_group(command: &mut Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} starts: {e}"))
}

fn chromium(port: u16, profile: &std::path::Path) -> (Vec<Child>, Value) {
    let driver = spawn_group(Command::new("/usr/bin/chromedriver").arg(format!("--port={port}")));
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,800",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({ "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args } });
    (vec![driver], caps)
}

fn firefox(port: u16, profile: &std::path::Path, how: Launch) -> (Vec<Child>, Value) {
    let driver = spawn_group(
        Command::new(geckodriver().unwrap())
            .args(["--host", "127.0.0.1", "--port"])
            .arg(port.to_string()),
    );
    let caps = json!({
        "moz:firefoxOptions": {
            "binary": "/usr/bin/firefox-esr",
            "args": ["-headless", "-width", "1200", "-height", "800", "-profile", profile],
            "prefs": {
                "privacy.globalprivacycontrol.enabled": how.gpc,
                "privacy.globalprivacycontrol.functionality.enabled": true,
                "network.http.http3.enable": false,
                "browser.shell.checkDefaultBrowser": false,
                "datareporting.policy.dataSubmissionEnabled": false,
                "app.update.enabled": false
            }
        }
    });
    (vec![driver], caps)
}

fn webkit(port: u16) -> (Vec<Child>, Value) {
    // An X server of its own: the number it picked comes back on stdout.
    let mut xvfb = Command::new("/usr/bin/Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("Xvfb starts");
    let mut display = String::new();
    BufReader::new(xvfb.stdout.take().unwrap())
        .read_line(&mut display)
        .expect("Xvfb names its display");
    let driver = spawn_group(
        Command::new("/usr/bin/WebKitWebDriver")
            .env("DISPLAY", format!(":{}", display.trim()))
            .arg("--host=127.0.0.1")
            .arg(format!("--port={port}")),
    );
    let caps = json!({
        "browserName": "MiniBrowser",
        "webkitgtk:browserOptions": {
            "binary": minibrowser().unwrap(),
            "args": ["--automation"]
        }
    });
    (vec![driver, xvfb], caps)
}

async fn connect(url: &str, caps: Value) -> Client {
    let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(url)
            .await
        {
            Ok(client) => return client,
            Err(e) if Instant::now() > deadline => panic!("the WebDriver did not answer: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing a driver alone orphans its browser, which then runs on
        // after the tests (hundreds of processes over a few runs): each
        // process group goes, and Chromium's (which leaves the group) by
        // the profile directory every process of it names.
        if self.engine == Engine::Chromium {
            let _ = Command::new("pkill")
                .args(["-KILL", "-f", "--"])
                .arg(format!("--user-data-dir={}", self.profile.display()))
                .status();
        }
        for process in &mut self.processes {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", process.id())])
                .status();
            let _ = process.wait();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Polls `check` until it returns `Some`, for up to ten seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Browser {
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("page loads");
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Runs `script`, which answers by calling `arguments[0]`.
    pub async fn js_async(&self, script: &str) -> Value {
        self.client
            .execute_async(script, vec![])
            .await
            .expect("script runs")
    }

    /// Waits until the banner is shown: the dialog and the three buttons of
    /// its open layer rendered with a size, not merely in the DOM.
    pub async fn banner_shown(&self) {
        eventually("the banner, visible with its buttons", || async {
            let shown = self
                .js("var b = document.getElementById('nx-consent'); if (!b) return false; \
                     var l = b.querySelector('.nx-layer:not([hidden])'); if (!l) return false; \
                     var seen = (e) => { var r = e.getBoundingClientRect(); \
                       return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }; \
                     var buttons = [...l.querySelectorAll('button[data-a]')]; \
                     return seen(b) && buttons.length === 3 && buttons.every(seen);")
                .await;
            (shown == true).then_some(())
        })
        .await;
    }

    pub async fn click(&self, css: &str) {
        let element = eventually(css, || async {
            self.client.find(Locator::Css(css)).await.ok()
        })
        .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a button (`accept`, `reject`, `save`, `settings`) of the layer shown.
    pub async fn choose(&self, action: &str) {
        self.click(&format!(
            "#nx-consent .nx-layer:not([hidden]) button[data-a={action}]"
        ))
        .await;
    }

    pub async fn stubs(&self) -> Value {
        self.js("return window.__stubs || {}").await
    }

    pub async fn cookie(&self, name: &str) -> Option<String> {
        let cookies = self.client.get_all_cookies().await.unwrap();
        cookies
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    pub async fn cookie_names(&self) -> Vec<String> {
        let cookies = self.client.get_all_cookies().await.unwrap();
        cookies.iter().map(|c| c.name().to_owned()).collect()
    }

    /// The consent token, once the server has answered and the cookie is set.
    pub async fn token(&self) -> String {
        eventually("the consent cookie", || self.cookie("nexxt_consent")).await
    }

    /// Waits until `n` distinct stubs have run.
    pub async fn stubs_ran(&self, n: usize) -> Value {
        eventually("stubs to run", || async {
            let ran = self.stubs().await;
            (ran.as_object().map_or(0, |o| o.len()) == n).then_some(ran)
        })
        .await
    }

    /// Types `keys` (WebDriver key codes for Tab, Enter…) into whatever has
    /// focus, as a keyboard does: a modifier (Shift) is held down until the
    /// end. Works on any focused element, a heading as much as an input.
    pub async fn keys(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        const MODIFIERS: [char; 3] = ['\u{e008}', '\u{e009}', '\u{e00a}'];
        let mut actions = KeyActions::new("keyboard".to_owned());
        let mut held = Vec::new();
        for key in keys.chars() {
            actions = actions.then(KeyAction::Down { value: key });
            if MODIFIERS.contains(&key) {
                held.push(key);
            } else {
                actions = actions.then(KeyAction::Up { value: key });
            }
        }
        for key in held.into_iter().rev() {
            actions = actions.then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.unwrap();
    }

    /// The active element's outer description, e.g. `button:accept`.
    pub async fn focused(&self) -> String {
        self.js(
            "var e = document.activeElement; return e.tagName.toLowerCase() + ':' + \
             (e.getAttribute('data-a') || e.getAttribute('data-c') || e.textContent.trim());",
        )
        .await
        .as_str()
        .unwrap()
        .to_owned()
    }

    /// Chromium has no setting for Global Privacy Control: its DevTools
    /// protocol sends the header and sets the property.
    async fn chromium_gpc(&self) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.setExtraHTTPHeaders",
            json!({ "headers": { "Sec-GPC": "1" } }),
        )
        .await;
        let source = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });";
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
    }

    /// Runs `source` in every new document before the page's own scripts
    /// (Chromium's DevTools protocol: instrumentation for Chromium-only
    /// tests).
    pub async fn before_scripts(&self, source: &str) {
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
    }

    /// Sets the consent cookie from the page, as any script on the site's
    /// domain could (open a page first).
    pub async fn plant_consent_cookie(&self, value: &str) {
        self.client
            .execute(
                "document.cookie = 'nexxt_consent=' + arguments[0] + '; Path=/'",
                vec![json!(value)],
            )
            .await
            .expect("cookie set");
    }

    async fn cdp(&self, cmd: &str, params: Value) {
        assert_eq!(self.engine, Engine::Chromium, "DevTools is Chromium's");
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
    }
}

/// chromedriver's vendor endpoint for DevTools commands.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Blocks requests whose URL matches any pattern (`*/v1/consents`), as a
    /// network outage would; an empty list lifts the block.
    pub async fn block(&self, patterns: &[&str]) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.setBlockedURLs", json!({ "urls": patterns }))
            .await;
    }
}

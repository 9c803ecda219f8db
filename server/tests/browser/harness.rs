//! A real Chromium per test, driven through chromedriver, against a real
//! server. Missing Chromium skips loudly, or fails under `CI=true`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// Two cores: more browsers at once only make every test slower and flakier.
static BROWSERS: Semaphore = Semaphore::const_new(2);

pub struct Browser {
    pub client: Client,
    driver: Child,
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
    if !installed(&["chromium"]) {
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

/// Whether every Debian package's binary is in /usr/bin. A missing one
/// fails the test under `CI=true`, else skips it loudly.
fn installed(packages: &[&str]) -> bool {
    let binary = |package: &str| match package {
        "chromium-driver" => "/usr/bin/chromedriver".to_owned(),
        _ => format!("/usr/bin/{package}"),
    };
    if packages
        .iter()
        .all(|p| std::path::Path::new(&binary(p)).exists())
    {
        return true;
    }
    let install = format!("apt-get install {}", packages.join(" "));
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but a browser package is missing: {install}"
    );
    eprintln!(
        "\n!!! {} missing: browser tests SKIPPED ({install})\n",
        packages.join(" or ")
    );
    false
}

/// A fresh browser, or `None` (announced) when Chromium is not installed.
pub async fn browser() -> Option<Browser> {
    if !installed(&["chromium", "chromium-driver"]) {
        return None;
    }
    // Two TLS backends are linked; chromedriver is plain HTTP, but rustls
    // insists on a chosen one.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let permit = BROWSERS.acquire().await.unwrap();
    let port = free_port();
    let driver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = std::env::temp_dir().join(format!(
        "consent-chromium-{}",
        uuid::Uuid::new_v4().simple()
    ));
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
    let url = format!("http://127.0.0.1:{port}");
    let client = connect(&url, caps).await;
    Some(Browser {
        client,
        driver,
        profile,
        _permit: permit,
    })
}

async fn connect(url: &str, caps: Value) -> Client {
    let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(url)
            .await
        {
            Ok(client) => return client,
            Err(e) if Instant::now() > deadline => panic!("chromedriver did not answer: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver alone orphans its Chromium, which then runs
        // on after the tests (hundreds of processes over a few runs). Every
        // process of this instance names its own profile directory.
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--"])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
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

    /// Makes the browser send Global Privacy Control, as Brave or Firefox do,
    /// through the DevTools protocol (Chromium has no setting for it).
    pub async fn enable_gpc(&self) {
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

    /// Runs `source` in every new document before the page's own scripts.
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

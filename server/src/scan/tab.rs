//! One browser tab in a browser context of its own: a fresh cookie jar and
//! storage for every visit, as if a new visitor arrived.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::cdp::{Cdp, Event};
use super::page_js;

/// The page counts as settled after this long without network activity...
const QUIET: Duration = Duration::from_millis(500);
/// ...or after this long in any case (a page that polls never goes quiet).
const MAX_SETTLE: Duration = Duration::from_secs(15);

pub struct Tab<'a> {
    cdp: &'a Cdp,
    context: String,
    session: String,
    /// Every protocol event of this tab so far, in order.
    pub events: Vec<Event>,
}

impl<'a> Tab<'a> {
    /// Opens a blank tab in a new browser context. With `hooks`, every
    /// document it loads reports cookie and storage writes (see
    /// [`page_js::HOOK`]).
    ///
    /// # Errors
    /// When Chromium refuses a command.
    pub async fn open(cdp: &'a Cdp, hooks: bool) -> anyhow::Result<Self> {
        let context = cdp
            .call(None, "Target.createBrowserContext", json!({}))
            .await?["browserContextId"]
            .as_str()
            .context("Chromium gave no browser context id")?
            .to_owned();
        let target = cdp
            .call(
                None,
                "Target.createTarget",
                json!({ "url": "about:blank", "browserContextId": context }),
            )
            .await?["targetId"]
            .clone();
        let session = cdp
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target, "flatten": true }),
            )
            .await?["sessionId"]
            .as_str()
            .context("Chromium gave no session id")?
            .to_owned();
        cdp.listen(&session);
        let tab = Self {
            cdp,
            context,
            session,
            events: Vec::new(),
        };
        for domain in ["Page.enable", "Network.enable", "Runtime.enable"] {
            tab.call(domain, json!({})).await?;
        }
        // Headless Chromium names itself `HeadlessChrome`; a visitor's says `Chrome`.
        let version = cdp.call(None, "Browser.getVersion", json!({})).await?;
        if let Some(agent) = version["userAgent"].as_str() {
            let agent = agent.replace("HeadlessChrome", "Chrome");
            tab.call(
                "Network.setUserAgentOverride",
                json!({ "userAgent": agent }),
            )
            .await?;
        }
        if hooks {
            tab.call("Runtime.addBinding", json!({ "name": page_js::BINDING }))
                .await?;
            tab.call(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": page_js::HOOK }),
            )
            .await?;
        }
        Ok(tab)
    }

    /// Makes this tab send Global Privacy Control, as Brave or Firefox do
    /// (Chromium has no setting for it): the header and the DOM property.
    ///
    /// # Errors
    /// When Chromium refuses a command.
    pub async fn send_gpc(&self) -> anyhow::Result<()> {
        self.call(
            "Network.setExtraHTTPHeaders",
            json!({ "headers": { "Sec-GPC": "1" } }),
        )
        .await?;
        let source = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });";
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await?;
        Ok(())
    }

    async fn call(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.cdp.call(Some(&self.session), method, params).await
    }

    /// Loads `url` and waits until the page has settled.
    ///
    /// # Errors
    /// When the page cannot be loaded at all (DNS, refused connection).
    pub async fn navigate(&mut self, url: &str) -> anyhow::Result<()> {
        let answer = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(error) = answer["errorText"].as_str() {
            bail!("{url} could not be loaded: {error}");
        }
        self.settle(true).await;
        Ok(())
    }

    /// Loads the page again, as a visitor returning to it.
    ///
    /// # Errors
    /// When Chromium refuses the command.
    pub async fn reload(&mut self) -> anyhow::Result<()> {
        self.call("Page.reload", json!({})).await?;
        self.settle(true).await;
        Ok(())
    }

    /// Collects events until nothing has moved on the network for [`QUIET`]
    /// (and, with `load`, the load event has fired).
    pub async fn settle(&mut self, load: bool) {
        let started = Instant::now();
        let mut loaded = !load;
        let mut in_flight = HashSet::new();
        let mut last_activity = Instant::now();
        loop {
            for event in self.cdp.take_events(&self.session) {
                let id = event.params["requestId"].as_str().map(str::to_owned);
                match (event.method.as_str(), id) {
                    ("Page.loadEventFired", _) => loaded = true,
                    ("Network.requestWillBeSent", Some(id)) => {
                        in_flight.insert(id);
                    }
                    ("Network.loadingFinished" | "Network.loadingFailed", Some(id)) => {
                        in_flight.remove(&id);
                    }
                    _ => {}
                }
                // The network and the page's lifecycle, not a tag's cookie
                // writes (a pixel may refresh its cookie every second).
                if !event.method.starts_with("Runtime.") {
                    last_activity = Instant::now();
                }
                self.events.push(event);
            }
            let quiet = in_flight.is_empty() && last_activity.elapsed() >= QUIET;
            if (loaded && quiet) || started.elapsed() >= MAX_SETTLE {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Evaluates `expression` in the page; promises are awaited.
    ///
    /// # Errors
    /// When the expression throws.
    pub async fn eval(&self, expression: &str) -> anyhow::Result<Value> {
        let answer = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await?;
        if let Some(exception) = answer.get("exceptionDetails") {
            bail!(
                "script failed in the page: {}",
                exception["exception"]["description"]
                    .as_str()
                    .or(exception["text"].as_str())
                    .unwrap_or("unknown error")
            );
        }
        Ok(answer["result"]["value"].clone())
    }

    /// Every cookie of this tab's browser context, first and third party.
    ///
    /// # Errors
    /// When Chromium refuses the command.
    pub async fn cookies(&self) -> anyhow::Result<Vec<Value>> {
        let answer = self
            .cdp
            .call(
                None,
                "Storage.getCookies",
                json!({ "browserContextId": self.context }),
            )
            .await?;
        Ok(answer["cookies"].as_array().cloned().unwrap_or_default())
    }

    /// The body of a response this tab received.
    ///
    /// # Errors
    /// When Chromium no longer holds it.
    pub async fn response_body(&self, request_id: &str) -> anyhow::Result<String> {
        let answer = self
            .call(
                "Network.getResponseBody",
                json!({ "requestId": request_id }),
            )
            .await?;
        Ok(answer["body"].as_str().unwrap_or_default().to_owned())
    }

    /// Closes the tab and throws its context (cookies, storage) away.
    pub async fn close(self) {
        self.cdp.forget(&self.session);
        let _ = self
            .cdp
            .call(
                None,
                "Target.disposeBrowserContext",
                json!({ "browserContextId": self.context }),
            )
            .await;
    }
}

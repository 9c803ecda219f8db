//! One visit of one page by a new visitor who makes one decision, and what
//! the browser saw during it, before it is judged.

use std::time::{Duration, Instant};

use policies::SitePolicy;
use serde_json::Value;

use super::cdp::{Cdp, Event};
use super::page_js;
use super::tab::Tab;

/// What the visitor does on the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: everything seen is seen before consent.
    NoChoice,
    RejectAll,
    AcceptAll,
    /// Accept all from a browser that sends Global Privacy Control: the
    /// policy's `gpc_forces_off` categories must stay off.
    AcceptAllWithGpc,
    /// Switches on this one category in the settings and saves.
    Only(String),
}

impl Decision {
    /// Stable name used in the report's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoChoice => "no_choice",
            Self::RejectAll => "reject_all",
            Self::AcceptAll => "accept_all",
            Self::AcceptAllWithGpc => "accept_all_gpc",
            Self::Only(_) => "category",
        }
    }

    /// For people: `no choice`, `reject all`, `analytics only`.
    pub fn label(&self) -> String {
        match self {
            Self::NoChoice => "no choice".to_owned(),
            Self::RejectAll => "reject all".to_owned(),
            Self::AcceptAll => "accept all".to_owned(),
            Self::AcceptAllWithGpc => "accept all, GPC on".to_owned(),
            Self::Only(category) => format!("{category} only"),
        }
    }

    /// The categories this decision grants under `policy`, `necessary`
    /// always among them.
    pub fn granted(&self, policy: &SitePolicy) -> Vec<String> {
        let necessary = policies::NECESSARY.to_owned();
        let all = policy.category_ids().map(str::to_owned);
        match self {
            Self::NoChoice | Self::RejectAll => vec![necessary],
            Self::AcceptAll => all.collect(),
            Self::AcceptAllWithGpc => all
                .filter(|c| !policy.site.gpc_forces_off.contains(c))
                .collect(),
            Self::Only(category) => vec![necessary, category.clone()],
        }
    }
}

/// What one visit observed.
#[derive(Debug, Default)]
pub struct RawVisit {
    /// [`page_js::BANNER`] on arrival; `None` when no banner appeared.
    pub banner: Option<Value>,
    /// Links of the page, for the crawl.
    pub links: Vec<String>,
    /// `ok`, or why the decision could not be made.
    pub decided: Option<String>,
    /// The status of `POST /v1/consents` (0: no answer) and its body.
    pub receipt: Option<(u16, String)>,
    /// After the decision and a reload: a way back to the settings shown.
    pub withdrawal_control: Option<bool>,
    pub storage_keys: Vec<String>,
    /// From `Storage.getCookies`.
    pub cookies: Vec<Value>,
    /// Every protocol event, in order.
    pub events: Vec<Event>,
}

/// How long the banner (fetched as wasm after the page loads) may take to appear.
const BANNER_WAIT: Duration = Duration::from_secs(10);

/// Visits `url` as a new visitor and makes `decision`.
///
/// # Errors
/// When the page cannot be loaded or Chromium fails.
pub async fn run(cdp: &Cdp, url: &str, decision: &Decision) -> anyhow::Result<RawVisit> {
    let mut tab = Tab::open(cdp, true).await?;
    if *decision == Decision::AcceptAllWithGpc {
        tab.send_gpc().await?;
    }
    let result = observe(&mut tab, url, decision).await;
    let events = std::mem::take(&mut tab.events);
    tab.close().await;
    let mut raw = result?;
    raw.events = events;
    Ok(raw)
}

async fn observe(tab: &mut Tab<'_>, url: &str, decision: &Decision) -> anyhow::Result<RawVisit> {
    tab.navigate(url).await?;
    let mut raw = RawVisit {
        banner: wait_for_banner(tab).await?,
        links: serde_json::from_value(tab.eval(page_js::LINKS).await?).unwrap_or_default(),
        ..RawVisit::default()
    };
    let action = match decision {
        Decision::NoChoice => None,
        Decision::RejectAll => Some(("reject", "")),
        Decision::AcceptAll | Decision::AcceptAllWithGpc => Some(("accept", "")),
        Decision::Only(category) => Some(("only", category.as_str())),
    };
    if let Some((action, category)) = action.filter(|_| raw.banner.is_some()) {
        let outcome = tab.eval(&page_js::decide(action, category)).await?;
        raw.decided = Some(outcome.as_str().unwrap_or("no answer").to_owned());
        tab.settle(false).await;
        raw.receipt = receipt(tab).await;
        tab.reload().await?;
        raw.withdrawal_control = Some(tab.eval(page_js::WITHDRAWAL_CONTROL).await? == true);
    }
    raw.storage_keys =
        serde_json::from_value(tab.eval(page_js::STORAGE_KEYS).await?).unwrap_or_default();
    raw.cookies = tab.cookies().await?;
    Ok(raw)
}

async fn wait_for_banner(tab: &Tab<'_>) -> anyhow::Result<Option<Value>> {
    let started = Instant::now();
    loop {
        let banner = tab.eval(page_js::BANNER).await?;
        let shown = banner["visible"] == true;
        if shown || started.elapsed() >= BANNER_WAIT {
            return Ok(Some(banner).filter(|b| !b.is_null()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The answer to the decision's `POST …/v1/consents`, read before the
/// reload discards it.
async fn receipt(tab: &Tab<'_>) -> Option<(u16, String)> {
    let id = tab.events.iter().find_map(|e| {
        let request = &e.params["request"];
        let is_consent = e.method == "Network.requestWillBeSent"
            && request["method"] == "POST"
            && request["url"]
                .as_str()
                .is_some_and(|u| u.split('?').next().unwrap_or(u).ends_with("/v1/consents"));
        is_consent.then(|| {
            e.params["requestId"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
    })?;
    let status = tab.events.iter().find_map(|e| {
        (e.method == "Network.responseReceived" && e.params["requestId"] == id.as_str())
            .then(|| e.params["response"]["status"].as_u64().unwrap_or(0))
    });
    let Some(status) = status else {
        return Some((0, String::new()));
    };
    let body = tab.response_body(&id).await.unwrap_or_default();
    Some((u16::try_from(status).unwrap_or(0), body))
}

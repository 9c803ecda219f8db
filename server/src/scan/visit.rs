//! One visit of one page by a new visitor who makes one decision, and what
//! the browser saw during it, before it is judged.

use std::time::{Duration, Instant};

use policies::SitePolicy;
use serde::Deserialize;
use serde_json::Value;

use super::cdp::{Cdp, Event};
use super::cmp::{self, Cmp};
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

/// What one visit observed. Fixtures of the judging rules are written in
/// this shape (JSON), which is why it deserializes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawVisit {
    /// The banner the page has, detected or as `--cmp` says.
    #[serde(skip)]
    pub cmp: Option<Cmp>,
    /// [`Cmp::banner_js`] on arrival; `None` when no banner appeared.
    pub banner: Option<Value>,
    /// Links of the page, for the crawl.
    pub links: Vec<String>,
    /// `ok`, or why the decision could not be made.
    pub decided: Option<String>,
    /// The status of `POST /v1/consents` (0: no answer) and its body.
    pub receipt: Option<(u16, String)>,
    /// After the decision and a reload: a way back to the settings shown.
    pub withdrawal_control: Option<bool>,
    /// [`page_js::STORES`] at the end of the visit.
    pub stores: Stores,
    /// From `Storage.getCookies`.
    pub cookies: Vec<Value>,
    /// Every protocol event, in order.
    pub events: Vec<Event>,
}

/// What a page keeps on the device besides cookies, by kind.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Stores {
    pub local_storage: Vec<String>,
    pub session_storage: Vec<String>,
    pub indexed_db: Vec<String>,
    pub cache_storage: Vec<String>,
    pub service_worker: Vec<String>,
}

/// How long the banner (fetched as wasm after the page loads) may take to appear.
const BANNER_WAIT: Duration = Duration::from_secs(10);

/// Visits `url` as a new visitor and makes `decision` on the banner of
/// `cmp` (detected when `None`).
///
/// # Errors
/// When the page cannot be loaded or Chromium fails.
pub async fn run(
    cdp: &Cdp,
    url: &str,
    decision: &Decision,
    cmp: Option<Cmp>,
) -> anyhow::Result<RawVisit> {
    let mut tab = Tab::open(cdp, true).await?;
    if *decision == Decision::AcceptAllWithGpc {
        tab.send_gpc().await?;
    }
    let result = observe(&mut tab, url, decision, cmp).await;
    let events = std::mem::take(&mut tab.events);
    tab.close().await;
    let mut raw = result?;
    raw.events = events;
    Ok(raw)
}

async fn observe(
    tab: &mut Tab<'_>,
    url: &str,
    decision: &Decision,
    cmp: Option<Cmp>,
) -> anyhow::Result<RawVisit> {
    tab.navigate(url).await?;
    let (cmp, banner) = wait_for_banner(tab, cmp).await?;
    let mut raw = RawVisit {
        cmp,
        banner,
        links: serde_json::from_value(tab.eval(page_js::LINKS).await?).unwrap_or_default(),
        ..RawVisit::default()
    };
    let action = match decision {
        Decision::NoChoice => None,
        Decision::RejectAll => Some(("reject", "")),
        Decision::AcceptAll | Decision::AcceptAllWithGpc => Some(("accept", "")),
        Decision::Only(category) => Some(("only", category.as_str())),
    };
    let cmp = cmp.filter(|_| raw.banner.is_some());
    if let (Some((action, category)), Some(cmp)) = (action, cmp) {
        raw.decided = Some(decide(tab, cmp, action, category).await?);
        tab.settle(false).await;
        raw.receipt = receipt(tab).await;
        tab.reload().await?;
        raw.withdrawal_control = Some(tab.eval(&cmp.withdrawal_js()).await? == true);
    }
    raw.stores = serde_json::from_value(tab.eval(page_js::STORES).await?).unwrap_or_default();
    raw.cookies = tab.cookies().await?;
    Ok(raw)
}

/// Runs the banner's decision script, step by step where opening the
/// settings builds them; answers `ok` or what was missing.
async fn decide(tab: &Tab<'_>, cmp: Cmp, action: &str, category: &str) -> anyhow::Result<String> {
    for step in 0..3 {
        let outcome = tab.eval(&cmp.decide_js(action, category, step)).await?;
        match outcome.as_str() {
            Some("next") => tokio::time::sleep(Duration::from_millis(400)).await,
            Some(outcome) => return Ok(outcome.to_owned()),
            None => return Ok("no answer".to_owned()),
        }
    }
    Ok("the settings did not open".to_owned())
}

/// Waits for the banner of `cmp`, or of whichever banner the page turns
/// out to have, to be visible; gives up after [`BANNER_WAIT`].
async fn wait_for_banner(
    tab: &Tab<'_>,
    cmp: Option<Cmp>,
) -> anyhow::Result<(Option<Cmp>, Option<Value>)> {
    let started = Instant::now();
    loop {
        let found = match cmp {
            Some(cmp) => Some(cmp),
            None => tab.eval(cmp::DETECT).await?.as_str().and_then(Cmp::from_id),
        };
        let banner = match found {
            Some(found) => tab.eval(&found.banner_js()).await?,
            None => Value::Null,
        };
        if banner["visible"] == true || started.elapsed() >= BANNER_WAIT {
            return Ok((found, Some(banner).filter(|b| !b.is_null())));
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

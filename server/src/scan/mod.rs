//! `consent-server scan`: visits a site in headless Chromium as new
//! visitors who decide differently (no choice, reject all, accept all,
//! accept all with Global Privacy Control, each category alone), records
//! the cookies, storage and third-party requests of each visit, and judges
//! them and the banner against the site's policy.

mod banner;
pub mod baseline;
mod browser;
mod cdp;
pub mod cmp;
mod html;
mod judge;
pub mod known;
mod page_js;
pub mod report;
#[cfg(test)]
mod rule_fixtures;
pub mod suggest;
mod tab;
mod visit;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use anyhow::{Context, bail};
use futures::StreamExt;
use policies::{LoadedPolicy, PolicySet};
use serde_json::Value;

use self::cdp::Cdp;
use self::cmp::Cmp;
use self::known::KnownCookies;
use self::report::{
    Check, Finding, PageScan, Receipt, ScanReport, Severity, Summary, Undeclared, Verdict,
};
use self::tab::Tab;
use self::visit::{Decision, RawVisit};

pub use self::html::render_html;

/// Visits of one page made at once, each in its own browser context: most
/// of a visit is waiting for the network to go quiet.
const PARALLEL_VISITS: usize = 3;

/// What to scan and how.
pub struct ScanOptions {
    pub url: String,
    /// Site id of the policy; found from the page's loader when `None`.
    pub site: Option<String>,
    /// Most pages to visit, the start page first, then same-origin links.
    pub pages: usize,
    pub policies: PolicySet,
    /// Chromium binary; the first one on `PATH` when `None`.
    pub chromium: Option<PathBuf>,
    /// Resolve no host name but `localhost` (scans of local copies).
    pub local_only: bool,
    /// The banner to operate; detected when `None`.
    pub cmp: Option<Cmp>,
    /// The operator's known-cookie entries, over the shipped ones.
    pub known_cookies: Option<PathBuf>,
}

/// Runs the scan.
///
/// # Errors
/// When Chromium is missing or fails, the start page does not load, or
/// the site has no policy here. Findings about the site are not errors.
pub async fn scan(options: &ScanOptions) -> anyhow::Result<ScanReport> {
    let start = url::Url::parse(&options.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .with_context(|| format!("`{}` is not an http(s) URL", options.url))?;
    let own_known;
    let known = match &options.known_cookies {
        Some(path) => {
            own_known = KnownCookies::with_overrides(path)?;
            &own_known
        }
        None => KnownCookies::shipped(),
    };
    let chromium = browser::Chromium::start(options.chromium.as_deref(), options.local_only)?;
    let cdp = Cdp::connect(&chromium.ws_url).await?;
    let first = visit::run(&cdp, start.as_str(), &Decision::NoChoice, options.cmp).await?;
    let loader = find_loader(&first.events);
    let site = match (&options.site, &loader) {
        (Some(site), _) => site.clone(),
        (None, Some((_, site))) => site.clone(),
        (None, None) => bail!(
            "no nexxt-consent loader (…/v1/sites/SITE/loader.js) was loaded by {start}; pass --site (and --policies) to judge the site by a policy of its own"
        ),
    };
    let policy = options
        .policies
        .site(&site)
        .with_context(|| format!("no policy for site `{site}` (see --policies)"))?;
    // Our loader without a banner is our banner failing to show.
    let cmp = first.cmp.or_else(|| loader.as_ref().map(|_| Cmp::Nexxt));
    let mut scanner = Scanner {
        cdp: &cdp,
        policy,
        known,
        cmp,
        findings: Vec::new(),
        checks: Vec::new(),
        undeclared: BTreeMap::new(),
        server: None,
    };
    if let (Some((origin, _)), Some(Cmp::Nexxt)) = (&loader, cmp) {
        scanner.server = Some(Tab::open(&cdp, false).await?);
        scanner.open_server(origin).await?;
        scanner.compare_live_policy(&site).await;
    }
    let pages = scanner.crawl(&start, first, options.pages.max(1)).await;
    if let Some(server) = scanner.server.take() {
        server.close().await;
    }
    scanner.findings.extend(
        scanner
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(banner::finding),
    );
    let mut report = ScanReport {
        schema: report::SCHEMA.to_owned(),
        target: start.to_string(),
        cmp: scanner.cmp.map(|c| c.id().to_owned()),
        baseline: None,
        site,
        policy_version: policy.policy.site.version.clone(),
        policy_hash: policy.hash.clone(),
        scanned_at: crate::clock::now(),
        verdict: Verdict::Pass,
        summary: Summary::default(),
        findings: scanner.findings,
        banner_checks: scanner.checks,
        undeclared: scanner.undeclared.into_values().collect(),
        pages,
    };
    report.finish();
    Ok(report)
}

struct Scanner<'a> {
    cdp: &'a Cdp,
    policy: &'a LoadedPolicy,
    known: &'a KnownCookies,
    /// The banner operated; `None` when the page has none the scanner knows.
    cmp: Option<Cmp>,
    findings: Vec<Finding>,
    checks: Vec<Check>,
    undeclared: BTreeMap<(String, String, String), Undeclared>,
    /// A tab at the consent server's origin, for questions to the server.
    server: Option<Tab<'a>>,
}

impl<'a> Scanner<'a> {
    /// Visits up to `limit` pages breadth-first from `start`, whose first
    /// visit has been made already.
    async fn crawl(&mut self, start: &url::Url, first: RawVisit, limit: usize) -> Vec<PageScan> {
        let mut queue = VecDeque::from([start.to_string()]);
        let mut queued = BTreeSet::from([start.to_string()]);
        let mut first = Some(first);
        let mut pages = Vec::new();
        // Pages that failed to load count too: `--pages` bounds the work.
        let mut attempted = 0;
        while let Some(page) = queue.pop_front() {
            if attempted >= limit {
                break;
            }
            attempted += 1;
            let no_choice = match first.take() {
                Some(raw) => raw,
                None => match visit::run(self.cdp, &page, &Decision::NoChoice, self.cmp).await {
                    Ok(raw) => raw,
                    Err(error) => {
                        self.unreachable(&page, &error);
                        continue;
                    }
                },
            };
            for link in same_origin_links(start, &no_choice.links) {
                if queued.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
            pages.push(self.scan_page(&page, no_choice).await);
        }
        pages
    }

    async fn scan_page(&mut self, page: &str, no_choice: RawVisit) -> PageScan {
        let mut visits = vec![self.judge(page, &Decision::NoChoice, &no_choice)];
        let Some(cmp) = self.cmp else {
            self.findings.push(banner::not_available(page));
            return PageScan {
                url: page.to_owned(),
                visits,
            };
        };
        let shown = banner::check(page, cmp, no_choice.banner.as_ref(), &mut self.checks);
        if !shown {
            // Without a banner no decision can be made; the check says so.
            return PageScan {
                url: page.to_owned(),
                visits,
            };
        }
        let mut decisions = vec![Decision::RejectAll, Decision::AcceptAll];
        if !self.policy.policy.site.gpc_forces_off.is_empty() {
            decisions.push(Decision::AcceptAllWithGpc);
        }
        decisions.extend(
            self.policy
                .policy
                .category_ids()
                .filter(|c| *c != policies::NECESSARY)
                .map(|c| Decision::Only(c.to_owned())),
        );
        let cdp = self.cdp;
        let raws: Vec<_> = futures::stream::iter(&decisions)
            .map(|decision| visit::run(cdp, page, decision, Some(cmp)))
            .buffered(PARALLEL_VISITS)
            .collect()
            .await;
        let mut without_control = Vec::new();
        for (decision, raw) in decisions.into_iter().zip(raws) {
            let raw = match raw {
                Ok(raw) => raw,
                Err(error) => {
                    self.unreachable(page, &error);
                    continue;
                }
            };
            let mut record = self.judge(page, &decision, &raw);
            // Only our banner records decisions on a server we can ask.
            if cmp == Cmp::Nexxt {
                record.receipt = Some(self.receipt(page, &decision, &record.granted, &raw).await);
            }
            if raw.withdrawal_control != Some(true) {
                without_control.push(decision.label());
            }
            visits.push(record);
        }
        banner::withdrawal(page, &without_control, &mut self.checks);
        PageScan {
            url: page.to_owned(),
            visits,
        }
    }

    fn judge(&mut self, page: &str, decision: &Decision, raw: &RawVisit) -> report::VisitRecord {
        let judged = judge::Visit {
            policy: &self.policy.policy,
            page,
            decision,
            raw,
            now: time::OffsetDateTime::now_utc().unix_timestamp() as f64,
        }
        .judge();
        let record = judged.record;
        self.note_undeclared(&record, &format!("{page} · {}", decision.label()));
        for finding in judged.findings {
            // The same fault on every later visit of a page adds nothing.
            let repeated = finding.severity == Severity::Warning
                && self.findings.iter().any(|f| {
                    f.rule == finding.rule && f.page == finding.page && f.subject == finding.subject
                });
            if !repeated {
                self.findings.push(finding);
            }
        }
        record
    }

    /// Adds what `record` saw that the policy does not declare to the list
    /// for the owner, once per thing, with every visit that saw it, the
    /// longest lifetime it was seen with, and what the known-cookie data
    /// says it is.
    fn note_undeclared(&mut self, record: &report::VisitRecord, seen_at: &str) {
        let mut undeclared: BTreeMap<(String, String, String), Option<i64>> = BTreeMap::new();
        for cookie in record.cookies.iter().filter(|c| c.vendor.is_none()) {
            let key = (
                "cookie".to_owned(),
                cookie.name.clone(),
                cookie.domain.clone(),
            );
            undeclared.insert(key, cookie.lifetime_seconds);
        }
        for (kind, _, items) in record.stores() {
            for item in items.iter().filter(|s| s.vendor.is_none()) {
                undeclared.insert((kind.to_owned(), item.key.clone(), String::new()), None);
            }
        }
        for request in record
            .third_party_requests
            .iter()
            .filter(|r| r.vendor.is_none())
        {
            let key = (
                "host".to_owned(),
                request.host.clone(),
                request.host.clone(),
            );
            undeclared.insert(key, None);
        }
        for ((kind, name, domain), lifetime) in undeclared {
            let entry = self
                .undeclared
                .entry((kind.clone(), name.clone(), domain.clone()))
                .or_insert_with(|| Undeclared {
                    known: self
                        .known
                        .classify(&kind, &name, &domain, &self.policy.policy),
                    kind,
                    name,
                    domain,
                    seen: Vec::new(),
                    lifetime_seconds: None,
                });
            entry.lifetime_seconds = entry.lifetime_seconds.max(lifetime);
            entry.seen.push(seen_at.to_owned());
        }
    }

    /// What the server answered to the decision, and whether its ledger
    /// holds the decision as the consent's latest event.
    async fn receipt(
        &mut self,
        page: &str,
        decision: &Decision,
        granted_by_decision: &[String],
        raw: &RawVisit,
    ) -> Receipt {
        let expected: BTreeSet<String> = granted_by_decision.iter().cloned().collect();
        let (status, body) = match &raw.receipt {
            Some((status, body)) => (*status, serde_json::from_str(body).unwrap_or(Value::Null)),
            None => (0, Value::Null),
        };
        let consent_id = body["consent_id"].as_str().map(str::to_owned);
        let granted: BTreeSet<String> =
            serde_json::from_value(body["granted"].clone()).unwrap_or_default();
        let in_ledger = match (&consent_id, body["token"].as_str()) {
            (Some(id), Some(token)) => self.ledger_holds(id, token, &expected).await,
            _ => false,
        };
        let answer = banner::Answer {
            decided: raw.decided.as_deref(),
            status,
            consent_id: consent_id.as_deref(),
            granted: &granted,
            in_ledger,
        };
        let (recorded, detail) = answer.judge(&expected);
        banner::record(page, decision, recorded, detail, &mut self.checks);
        Receipt {
            status,
            consent_id,
            granted: granted.into_iter().collect(),
            in_ledger,
        }
    }

    async fn open_server(&mut self, origin: &str) -> anyhow::Result<()> {
        let Some(server) = self.server.as_mut() else {
            return Ok(());
        };
        server.navigate(&format!("{origin}/healthz")).await
    }

    /// Asks the server, as the holder of the token, for the consent's history.
    async fn ledger_holds(
        &self,
        consent_id: &str,
        token: &str,
        expected: &BTreeSet<String>,
    ) -> bool {
        let Some(server) = &self.server else {
            return false;
        };
        let Ok(history) = server.eval(&page_js::history(consent_id, token)).await else {
            return false;
        };
        let last = history["events"].as_array().and_then(|e| e.last());
        let granted: BTreeSet<String> = last
            .and_then(|e| e["choices"].as_object())
            .map(|choices| {
                choices
                    .iter()
                    .filter(|(_, on)| **on == true)
                    .map(|(c, _)| c.clone())
                    .collect()
            })
            .unwrap_or_default();
        last.is_some() && &granted == expected
    }

    /// A warning when the server's policy is not the one we judge by.
    async fn compare_live_policy(&mut self, site: &str) {
        let Some(server) = &self.server else { return };
        let live = server
            .eval(&page_js::live_policy_hash(site))
            .await
            .unwrap_or(Value::Null);
        let (Some(hash), version) = (live["hash"].as_str(), live["version"].as_str()) else {
            return;
        };
        if hash != self.policy.hash {
            self.findings.push(Finding {
                severity: Severity::Warning,
                rule: "policy_differs_from_server".to_owned(),
                page: String::new(),
                visit: String::new(),
                subject: site.to_owned(),
                message: format!(
                    "The server serves policy version {} with a different hash than the local policy files this scan compares against: the findings may be out of date.",
                    version.unwrap_or("?")
                ),
                evidence: vec![format!("server {hash}"), format!("local {}", self.policy.hash)],
            });
        }
    }

    fn unreachable(&mut self, page: &str, error: &anyhow::Error) {
        self.findings.push(Finding {
            severity: Severity::Warning,
            rule: report::PAGE_NOT_SCANNED.to_owned(),
            page: page.to_owned(),
            visit: String::new(),
            subject: page.to_owned(),
            message: "The page could not be visited, so it is not judged.".to_owned(),
            evidence: vec![format!("{error:#}")],
        });
    }
}

/// The origin serving the loader and the site id in its path.
fn find_loader(events: &[cdp::Event]) -> Option<(String, String)> {
    events
        .iter()
        .filter(|e| e.method == "Network.requestWillBeSent")
        .find_map(|e| {
            let url = url::Url::parse(e.params["request"]["url"].as_str()?).ok()?;
            let mut segments = url.path_segments()?;
            let site = match (
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
            ) {
                (Some("v1"), Some("sites"), Some(site), Some("loader.js")) => site.to_owned(),
                _ => return None,
            };
            Some((url.origin().ascii_serialization(), site))
        })
}

/// Links to HTML pages of the start page's origin, without fragments.
fn same_origin_links(start: &url::Url, links: &[String]) -> Vec<String> {
    const NOT_PAGES: &[&str] = &[
        ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".zip", ".css", ".js",
    ];
    links
        .iter()
        .filter_map(|l| url::Url::parse(l).ok())
        .filter(|u| u.origin() == start.origin())
        .filter(|u| {
            !NOT_PAGES
                .iter()
                .any(|ext| u.path().to_ascii_lowercase().ends_with(ext))
        })
        .map(|mut u| {
            u.set_fragment(None);
            u.to_string()
        })
        .collect()
}

//! Judging one visit against the policy: what it set and contacted, and
//! whether its decision allowed that.

use std::collections::{BTreeMap, BTreeSet};

use policies::{SitePolicy, Vendor};
use serde_json::Value;

use super::report::{
    CookieSeen, Finding, FingerprintSeen, RequestSeen, Severity, StorageSeen, VisitRecord,
};
use super::visit::{Decision, RawVisit};

/// A visit's record and the findings about what it saw.
pub struct Judged {
    pub record: VisitRecord,
    pub findings: Vec<Finding>,
}

pub struct Visit<'a> {
    pub policy: &'a SitePolicy,
    pub page: &'a str,
    pub decision: &'a Decision,
    pub raw: &'a RawVisit,
    /// Unix seconds at the end of the visit, to turn expiry into lifetime.
    pub now: f64,
}

impl Visit<'_> {
    pub fn judge(&self) -> Judged {
        let granted = self.decision.granted(self.policy);
        let writes = self.writes();
        let page_host = host_of(self.page).unwrap_or_default();
        let cookies: Vec<CookieSeen> = self
            .raw
            .cookies
            .iter()
            .map(|c| self.cookie(c, &writes, &page_host))
            .collect();
        let store = |kind: &str, names: &[String]| -> Vec<StorageSeen> {
            names
                .iter()
                .map(|name| {
                    // A service worker is declared by its script's file name.
                    let declared_as = match kind {
                        "service_worker" => name.rsplit('/').next().unwrap_or(name),
                        _ => name,
                    };
                    let vendor = vendor_of_name(self.policy, declared_as);
                    StorageSeen {
                        key: name.clone(),
                        set_by: writes.by(kind, name),
                        vendor: vendor.map(|v| v.id.clone()),
                        category: vendor.map(|v| v.category.clone()),
                    }
                })
                .collect()
        };
        let stores = &self.raw.stores;
        let third_party_requests = self.third_party_requests(&page_host, &writes);
        let fingerprinting = self.fingerprinting(&page_host, &writes);
        let mut judged = Judged {
            findings: Vec::new(),
            record: VisitRecord {
                kind: self.decision.kind().to_owned(),
                label: self.decision.label(),
                category: match self.decision {
                    Decision::Only(c) => Some(c.clone()),
                    _ => None,
                },
                granted,
                cookies,
                local_storage: store("local_storage", &stores.local_storage),
                session_storage: store("session_storage", &stores.session_storage),
                indexed_db: store("indexed_db", &stores.indexed_db),
                cache_storage: store("cache_storage", &stores.cache_storage),
                service_workers: store("service_worker", &stores.service_worker),
                third_party_requests,
                fingerprinting,
                receipt: None,
            },
        };
        self.judge_cookies(&mut judged);
        self.judge_storage(&mut judged);
        self.judge_requests(&mut judged);
        self.judge_fingerprinting(&mut judged);
        judged
    }

    fn finding(
        &self,
        severity: Severity,
        rule: String,
        subject: &str,
        message: String,
        evidence: Vec<String>,
    ) -> Finding {
        Finding {
            severity,
            rule,
            page: self.page.to_owned(),
            visit: self.decision.label(),
            subject: subject.to_owned(),
            message,
            evidence,
        }
    }

    /// `before_consent`, `after_reject` or `outside_category`: how a thing
    /// of an ungranted category came to be seen in this visit.
    fn context(&self) -> (&'static str, String) {
        match self.decision {
            Decision::NoChoice => (
                "before_consent",
                "before the visitor made any choice".to_owned(),
            ),
            Decision::RejectAll => ("after_reject", "after the visitor rejected all".to_owned()),
            Decision::Only(c) => (
                "outside_category",
                format!("when the visitor allowed only `{c}`"),
            ),
            Decision::AcceptAllWithGpc => (
                "despite_gpc",
                "after accept all, although the browser sent Global Privacy Control".to_owned(),
            ),
            Decision::AcceptAll => ("outside_category", "after accept all".to_owned()),
        }
    }

    fn without_consent(&self) -> bool {
        matches!(self.decision, Decision::NoChoice | Decision::RejectAll)
    }

    fn judge_cookies(&self, judged: &mut Judged) {
        let (context, when) = self.context();
        let mut found = Vec::new();
        for cookie in &judged.record.cookies {
            let mut evidence = vec![format!(
                "domain {} ({} party), {}",
                cookie.domain,
                cookie.party,
                lifetime_words(cookie.lifetime_seconds)
            )];
            evidence.extend(cookie.set_by.iter().map(|s| format!("set by {s}")));
            match (&cookie.vendor, &cookie.category) {
                (Some(vendor), Some(category)) if !judged.record.granted.contains(category) => {
                    found.push(self.finding(
                        Severity::Violation,
                        format!("cookie_{context}"),
                        &cookie.name,
                        format!("Cookie `{}` of {vendor} ({category}) was set {when}.", cookie.name),
                        evidence,
                    ));
                }
                (Some(vendor), _) => {
                    if let Some(finding) = self.lifetime(cookie, vendor, evidence) {
                        found.push(finding);
                    }
                }
                (None, _) if self.without_consent() => found.push(self.finding(
                    Severity::Violation,
                    "undeclared_cookie_without_consent".to_owned(),
                    &cookie.name,
                    format!(
                        "Cookie `{}` is not declared in the policy and was set {when}: only declared, necessary cookies may be set without consent.",
                        cookie.name
                    ),
                    evidence,
                )),
                (None, _) => {}
            }
        }
        judged.findings.extend(found);
    }

    /// A cookie living longer than its declaration says.
    fn lifetime(
        &self,
        cookie: &CookieSeen,
        vendor: &str,
        evidence: Vec<String>,
    ) -> Option<Finding> {
        let declared = self
            .policy
            .vendors
            .iter()
            .filter(|v| v.id == vendor)
            .flat_map(|v| &v.cookies)
            .find(|c| matches_name(&c.name, c.prefix, &cookie.name))?;
        let limit = lifetime_seconds(&declared.lifetime)?;
        let observed = cookie.lifetime_seconds?;
        // A minute's slack: the expiry was computed a moment before we read it.
        (observed > limit + 60).then(|| {
            self.finding(
                Severity::Warning,
                "cookie_lifetime_over_declared".to_owned(),
                &cookie.name,
                format!(
                    "Cookie `{}` {}, later than the {} the policy declares.",
                    cookie.name,
                    lifetime_words(Some(observed)),
                    declared.lifetime
                ),
                evidence,
            )
        })
    }

    /// Device storage besides cookies, kind by kind: a declared key of an
    /// ungranted category is a violation, an undeclared one written
    /// without consent a warning (the owner has to classify it).
    fn judge_storage(&self, judged: &mut Judged) {
        let (context, when) = self.context();
        let mut found = Vec::new();
        for (kind, words, items) in judged.record.stores() {
            for item in items {
                let evidence = item.set_by.iter().map(|s| format!("set by {s}")).collect();
                let finding = match (&item.vendor, &item.category) {
                    (Some(vendor), Some(category)) if !judged.record.granted.contains(category) => {
                        self.finding(
                            Severity::Violation,
                            format!("{kind}_{context}"),
                            &item.key,
                            format!(
                                "{words} `{}` of {vendor} ({category}) was written {when}.",
                                item.key
                            ),
                            evidence,
                        )
                    }
                    (None, _) if self.without_consent() => self.finding(
                        Severity::Warning,
                        format!("undeclared_{kind}"),
                        &item.key,
                        format!(
                            "{words} `{}` is not declared in the policy and was written {when}.",
                            item.key
                        ),
                        evidence,
                    ),
                    _ => continue,
                };
                found.push(finding);
            }
        }
        judged.findings.extend(found);
    }

    /// Fingerprinting by a third-party script is tracking: it needs the
    /// consent of the script's vendor's category, and an undeclared script
    /// doing it without consent is a violation.
    fn judge_fingerprinting(&self, judged: &mut Judged) {
        let (context, when) = self.context();
        for call in &judged.record.fingerprinting {
            let evidence = vec![format!("{} called by {}", call.api, call.script)];
            let finding = match (&call.vendor, &call.category) {
                (Some(vendor), Some(category)) if !judged.record.granted.contains(category) => self.finding(
                    Severity::Violation,
                    format!("fingerprinting_{context}"),
                    &call.host,
                    format!("A script of {vendor} ({category}) read a device fingerprint ({}) {when}.", call.api),
                    evidence,
                ),
                (None, _) => self.finding(
                    if self.without_consent() { Severity::Violation } else { Severity::Warning },
                    "fingerprinting_by_undeclared_script".to_owned(),
                    &call.host,
                    format!(
                        "A script from {}, which no vendor in the policy declares, read a device fingerprint ({}) {when}.",
                        call.host, call.api
                    ),
                    evidence,
                ),
                _ => continue,
            };
            judged.findings.push(finding);
        }
    }

    /// Third-party requests: to a declared vendor of an ungranted category
    /// a violation; to an undeclared host a warning, except pixels and
    /// beacons without consent, which exist only to send data.
    fn judge_requests(&self, judged: &mut Judged) {
        let (context, when) = self.context();
        for request in &judged.record.third_party_requests {
            let evidence = std::iter::once(format!("{} to {}", request.kind, request.url))
                .chain(
                    request
                        .initiator
                        .iter()
                        .map(|i| format!("initiated by {i}")),
                )
                .collect();
            let tracking = matches!(request.kind.as_str(), "pixel" | "beacon");
            let what = match request.kind.as_str() {
                "pixel" => "sent a tracking pixel to",
                "beacon" => "sent a beacon to",
                _ => "contacted",
            };
            let finding = match (&request.vendor, &request.category) {
                (Some(vendor), Some(category)) if !judged.record.granted.contains(category) => self.finding(
                    Severity::Violation,
                    format!("{}_{context}", request.kind),
                    &request.host,
                    format!("The page {what} {} of {vendor} ({category}) {when}.", request.host),
                    evidence,
                ),
                (None, _) if tracking && self.without_consent() => self.finding(
                    Severity::Violation,
                    format!("undeclared_{}_without_consent", request.kind),
                    &request.host,
                    format!(
                        "The page {what} {}, which no vendor in the policy declares, {when}.",
                        request.host
                    ),
                    evidence,
                ),
                (None, _) => self.finding(
                    Severity::Warning,
                    "undeclared_third_party_host".to_owned(),
                    &request.host,
                    format!(
                        "The page {what} {}, which no vendor in the policy declares; the visitor's IP address reaches it {when}.",
                        request.host
                    ),
                    evidence,
                ),
                _ => continue,
            };
            judged.findings.push(finding);
        }
    }

    fn cookie(&self, c: &Value, writes: &Writes, page_host: &str) -> CookieSeen {
        let name = c["name"].as_str().unwrap_or_default().to_owned();
        let domain = c["domain"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('.')
            .to_owned();
        let session = c["session"] == true;
        let lifetime_seconds = (!session)
            .then(|| c["expires"].as_f64())
            .flatten()
            .map(|expires| (expires - self.now).round() as i64);
        let vendor = vendor_of_name(self.policy, &name);
        let party = if same_site(&domain, page_host) {
            "first"
        } else {
            "third"
        };
        CookieSeen {
            set_by: writes.by("cookie", &name),
            name,
            domain,
            party: party.to_owned(),
            lifetime_seconds,
            vendor: vendor.map(|v| v.id.clone()),
            category: vendor.map(|v| v.category.clone()),
        }
    }

    /// Who wrote each cookie and stored item, which beacons were sent and
    /// which fingerprinting calls made: the hook's reports, and the
    /// responses whose `Set-Cookie` set a cookie.
    fn writes(&self) -> Writes {
        let mut writes = Writes::default();
        let mut urls = BTreeMap::new();
        for event in &self.raw.events {
            match event.method.as_str() {
                "Runtime.bindingCalled" => {
                    let Some(payload) = event.params["payload"]
                        .as_str()
                        .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    else {
                        continue;
                    };
                    let kind = payload["kind"].as_str().unwrap_or_default().to_owned();
                    let name = payload["name"].as_str().unwrap_or_default().to_owned();
                    let by: Vec<String> =
                        serde_json::from_value(payload["by"].clone()).unwrap_or_default();
                    if kind == "fingerprint" {
                        writes.fingerprints.push((name, by));
                    } else {
                        writes.stored.entry((kind, name)).or_insert(by);
                    }
                }
                "Network.requestWillBeSent" => {
                    urls.insert(
                        event.params["requestId"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        event.params["request"]["url"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
                "Network.dataReceived" => {
                    let id = event.params["requestId"].as_str().unwrap_or_default();
                    *writes.body_bytes.entry(id.to_owned()).or_default() +=
                        event.params["dataLength"].as_u64().unwrap_or(0);
                }
                "Network.responseReceivedExtraInfo" => {
                    let url = urls.get(event.params["requestId"].as_str().unwrap_or_default());
                    let headers = event.params["headers"].as_object();
                    let (Some(url), Some(headers)) = (url, headers) else {
                        continue;
                    };
                    for (header, value) in headers {
                        if !header.eq_ignore_ascii_case("set-cookie") {
                            continue;
                        }
                        for line in value.as_str().unwrap_or_default().lines() {
                            let name = line.split(['=', ';']).next().unwrap_or_default().trim();
                            writes
                                .stored
                                .entry(("cookie".to_owned(), name.to_owned()))
                                .or_insert_with(|| {
                                    vec![format!("the response of {}", without_query(url))]
                                });
                        }
                    }
                }
                _ => {}
            }
        }
        writes
    }

    /// Fingerprinting calls whose innermost script is of another site.
    fn fingerprinting(&self, page_host: &str, writes: &Writes) -> Vec<FingerprintSeen> {
        let mut seen = BTreeMap::new();
        for (api, by) in &writes.fingerprints {
            let Some((script, host)) = by
                .iter()
                .find_map(|s| host_of(s).map(|h| (without_query(s), h)))
            else {
                continue;
            };
            if same_site(&host, page_host) {
                continue;
            }
            let vendor = vendor_of_host(self.policy, &host);
            seen.entry((api.clone(), script.clone()))
                .or_insert_with(|| FingerprintSeen {
                    api: api.clone(),
                    script,
                    vendor: vendor.map(|v| v.id.clone()),
                    category: vendor.map(|v| v.category.clone()),
                    host,
                });
        }
        seen.into_values().collect()
    }

    fn third_party_requests(&self, page_host: &str, writes: &Writes) -> Vec<RequestSeen> {
        let beacons: BTreeSet<String> = writes
            .stored
            .keys()
            .filter(|(kind, _)| kind == "beacon")
            .map(|(_, url)| without_query(url))
            .collect();
        let mut seen = BTreeMap::new();
        for event in self
            .raw
            .events
            .iter()
            .filter(|e| e.method == "Network.requestWillBeSent")
        {
            let url = event.params["request"]["url"].as_str().unwrap_or_default();
            let Some(host) = host_of(url) else { continue };
            if same_site(&host, page_host) {
                continue;
            }
            let id = event.params["requestId"].as_str().unwrap_or_default();
            let kind = match event.params["type"].as_str() {
                Some("Ping") => "beacon",
                _ if beacons.contains(&without_query(url)) => "beacon",
                Some("Image") if writes.body_bytes.get(id).copied().unwrap_or(0) <= PIXEL_BYTES => {
                    "pixel"
                }
                _ => "request",
            };
            let vendor = vendor_of_host(self.policy, &host);
            seen.entry(without_query(url))
                .or_insert_with(|| RequestSeen {
                    url: without_query(url),
                    initiator: initiator(&event.params["initiator"]),
                    vendor: vendor.map(|v| v.id.clone()),
                    category: vendor.map(|v| v.category.clone()),
                    host,
                    kind: kind.to_owned(),
                });
        }
        seen.into_values().collect()
    }
}

/// An image this small shows nothing: it is there to send its request.
const PIXEL_BYTES: u64 = 100;

/// What the page's scripts did, from the hook's reports and the network.
#[derive(Default)]
struct Writes {
    /// (kind, name) → the scripts on the stack when it was first written.
    stored: BTreeMap<(String, String), Vec<String>>,
    /// Fingerprinting calls: the API and the scripts on the stack.
    fingerprints: Vec<(String, Vec<String>)>,
    /// Response body bytes per request id.
    body_bytes: BTreeMap<String, u64>,
}

impl Writes {
    fn by(&self, kind: &str, name: &str) -> Vec<String> {
        self.stored
            .get(&(kind.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default()
    }
}

fn initiator(initiator: &Value) -> Option<String> {
    let frames = initiator["stack"]["callFrames"].as_array();
    let from_stack = frames.and_then(|f| {
        f.iter()
            .find_map(|f| f["url"].as_str().filter(|u| !u.is_empty()))
    });
    from_stack.or(initiator["url"].as_str()).map(without_query)
}

pub fn matches_name(declared: &str, prefix: bool, name: &str) -> bool {
    if prefix {
        name.starts_with(declared)
    } else {
        name == declared
    }
}

/// The vendor declaring a cookie or storage key of this name.
fn vendor_of_name<'p>(policy: &'p SitePolicy, name: &str) -> Option<&'p Vendor> {
    policy.vendors.iter().find(|v| {
        v.cookies
            .iter()
            .any(|c| matches_name(&c.name, c.prefix, name))
    })
}

/// The vendor declaring this host (or a parent domain of it).
fn vendor_of_host<'p>(policy: &'p SitePolicy, host: &str) -> Option<&'p Vendor> {
    policy.vendors.iter().find(|v| {
        v.hosts.iter().any(|h| {
            host == h
                || host
                    .strip_suffix(h.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    })
}

/// Host of an http(s) URL, lower case.
pub fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    parsed.host_str().map(str::to_ascii_lowercase)
}

/// Scheme, host, port and path: queries can carry identifiers.
pub fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

/// Same site: the same registrable domain (one label under its public
/// suffix, after Mozilla's Public Suffix List), as browsers decide what a
/// cookie may be shared with. `shop.example.co.uk` and `ads.other.co.uk`
/// are two sites; so are `a.github.io` and `b.github.io`.
pub fn same_site(a: &str, b: &str) -> bool {
    site_of(a) == site_of(b)
}

/// The registrable domain of a host; an IP address, a single label such as
/// `localhost`, or a public suffix itself is its own site.
fn site_of(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    psl::domain_str(&host).map_or_else(|| host.clone(), str::to_owned)
}

/// `session`, `30min`, `13mo`, `2y` in seconds (months of 30 days, years
/// of 365); `session` has no limit to compare.
pub(super) fn lifetime_seconds(declared: &str) -> Option<i64> {
    let split = declared.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = declared.split_at(split);
    let number: i64 = number.parse().ok()?;
    let unit = match unit {
        "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "mo" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    Some(number * unit)
}

fn lifetime_words(seconds: Option<i64>) -> String {
    match seconds {
        None => "session cookie".to_owned(),
        Some(s) if s >= 2 * 86_400 => format!("expires in {} days", s / 86_400),
        Some(s) if s >= 2 * 3_600 => format!("expires in {} hours", s / 3_600),
        Some(s) => format!("expires in {} minutes", s.max(0) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_compare_by_registrable_domain() {
        assert!(same_site("www.nexxtjourneys.com", "app.nexxtjourneys.com"));
        assert!(!same_site("www.nexxtjourneys.com", "connect.facebook.net"));
        assert!(same_site("127.0.0.1", "127.0.0.1"));
        assert!(!same_site("localhost", "127.0.0.1"));
        assert!(same_site("localhost", "localhost"));
    }

    #[test]
    fn multi_label_public_suffixes_separate_sites() {
        assert!(same_site("www.example.co.uk", "shop.example.co.uk"));
        assert!(!same_site("www.example.co.uk", "ads.tracker.co.uk"));
        assert!(!same_site("alice.github.io", "bob.github.io"));
        assert!(same_site("WWW.Example.COM.", "example.com"));
        // A public suffix is never one site with what lies under it.
        assert!(!same_site("co.uk", "example.co.uk"));
    }

    #[test]
    fn declared_lifetimes_read_as_seconds() {
        assert_eq!(lifetime_seconds("30min"), Some(1_800));
        assert_eq!(lifetime_seconds("13mo"), Some(13 * 30 * 86_400));
        assert_eq!(lifetime_seconds("2y"), Some(2 * 365 * 86_400));
        assert_eq!(lifetime_seconds("session"), None);
    }

    #[test]
    fn prefixes_cover_longer_names_only_when_declared_so() {
        assert!(matches_name("_ga_", true, "_ga_ABC123"));
        assert!(!matches_name("_ga", false, "_ga_ABC123"));
        assert!(matches_name("_ga", false, "_ga"));
    }
}

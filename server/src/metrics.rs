//! Prometheus metrics, kept by hand: three families do not need a framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds (seconds) of the ledger append latency histogram.
const BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

/// Shared, cheap to clone; every instance of the app has its own.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Inner>);

#[derive(Default)]
struct Inner {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    consents: Mutex<BTreeMap<&'static str, u64>>,
    append_buckets: [AtomicU64; BUCKETS.len()],
    append_count: AtomicU64,
    append_sum_nanos: AtomicU64,
}

impl Metrics {
    /// Counts one answered request, by route pattern (never the raw path).
    pub fn count_request(&self, route: &str, method: &str, status: u16) {
        let mut map = self.0.requests.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
    }

    /// Counts one recorded consent event by its action.
    pub fn count_consent(&self, action: &'static str) {
        let mut map = self.0.consents.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(action).or_default() += 1;
    }

    /// Time from queueing an event to its commit.
    pub fn observe_append(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.0.append_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.0.append_count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.0.append_sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP http_requests_total Answered HTTP requests.\n# TYPE http_requests_total counter\n");
        let requests = self.0.requests.lock().unwrap_or_else(|e| e.into_inner());
        for ((route, method, status), n) in requests.iter() {
            let _ = writeln!(
                out,
                "http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        drop(requests);
        out.push_str("# HELP consents_recorded_total Consent events committed to the ledger.\n# TYPE consents_recorded_total counter\n");
        let consents = self.0.consents.lock().unwrap_or_else(|e| e.into_inner());
        for (action, n) in consents.iter() {
            let _ = writeln!(out, "consents_recorded_total{{action=\"{action}\"}} {n}");
        }
        drop(consents);
        self.render_append(&mut out);
        out
    }

    fn render_append(&self, out: &mut String) {
        let name = "ledger_append_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from queueing a consent event to its commit."
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.0.append_buckets) {
            let n = bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.0.append_count.load(Ordering::Relaxed);
        let sum = self.0.append_sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe_append(Duration::from_micros(800));
        m.observe_append(Duration::from_millis(20));
        let text = m.render();
        assert!(text.contains("ledger_append_seconds_bucket{le=\"0.0005\"} 0"));
        assert!(text.contains("ledger_append_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("ledger_append_seconds_bucket{le=\"0.025\"} 2"));
        assert!(text.contains("ledger_append_seconds_count 2"));
    }
}

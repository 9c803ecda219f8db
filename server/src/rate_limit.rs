//! Per-client limit on public writes (recording, withdrawing, erasing):
//! a token bucket per network, kept only in memory. A visitor makes a
//! handful of writes; a script hammering the ledger gets 429s instead of
//! filling the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets idle this long are full again and can be forgotten.
const IDLE: Duration = Duration::from_secs(60);
/// Above this many tracked clients, idle buckets are swept.
const SWEEP_ABOVE: usize = 10_000;
/// A sweep scans every bucket under the lock: at most one a second, so a
/// flood of fresh networks cannot make every write pay for a scan.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// The most clients tracked one by one (about 5 MB). Past it, every network
/// not yet known shares one bucket until sweeps make room: a flood of
/// distinct IPv6 /64s (cheap to have) is limited as one client, while the
/// clients already known keep their own allowance.
const MAX_CLIENTS: usize = 100_000;

/// Writes per minute per client; a burst of up to the same number.
pub struct WriteLimiter {
    per_minute: u32,
    state: Mutex<State>,
}

struct State {
    buckets: HashMap<ClientKey, Bucket>,
    last_sweep: Option<Instant>,
    sweeps: u64,
}

/// An IPv4 address, or the /64 of an IPv6 one (what one host is given);
/// `Overflow` is everyone new while the table is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    V6(u64),
    Overflow,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The answer when a write is refused: wait this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl WriteLimiter {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            state: Mutex::new(State {
                buckets: HashMap::new(),
                last_sweep: None,
                sweeps: 0,
            }),
        }
    }

    /// Takes one write from `ip`'s allowance at `now`.
    ///
    /// # Errors
    /// [`RetryAfter`] when the allowance is spent.
    pub fn check(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), RetryAfter> {
        let (Some(ip), true) = (ip, self.per_minute > 0) else {
            return Ok(());
        };
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.sweep(now);
        let mut key = ClientKey::of(ip);
        if state.buckets.len() >= MAX_CLIENTS && !state.buckets.contains_key(&key) {
            key = ClientKey::Overflow;
        }
        let bucket = state.buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(RetryAfter(Duration::from_secs_f64(wait)))
        }
    }
}

impl State {
    /// Forgets idle buckets when many are tracked, at most once a second.
    fn sweep(&mut self, now: Instant) {
        let due = self
            .last_sweep
            .is_none_or(|at| now.saturating_duration_since(at) >= SWEEP_EVERY);
        if self.buckets.len() > SWEEP_ABOVE && due {
            self.buckets
                .retain(|_, b| now.saturating_duration_since(b.updated) < IDLE);
            self.last_sweep = Some(now);
            self.sweeps += 1;
        }
    }
}

impl ClientKey {
    fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(u32::from(v4)),
                None => Self::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header, never 0.
    pub fn seconds(self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_burst_of_the_limit_passes_then_the_next_write_waits() {
        let limiter = WriteLimiter::new(6); // one write per 10 s
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(limiter.check(ip("192.0.2.1"), t0).is_ok());
        }
        let refused = limiter.check(ip("192.0.2.1"), t0).unwrap_err();
        assert_eq!(refused.seconds(), 10);
        // Another client is not affected.
        assert!(limiter.check(ip("192.0.2.2"), t0).is_ok());
        // After the refill interval one more write passes, and only one.
        let later = t0 + Duration::from_secs(10);
        assert!(limiter.check(ip("192.0.2.1"), later).is_ok());
        assert!(limiter.check(ip("192.0.2.1"), later).is_err());
    }

    #[test]
    fn one_ipv6_host_is_its_64_and_mapped_v4_is_v4() {
        let limiter = WriteLimiter::new(1);
        let t0 = Instant::now();
        assert!(limiter.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(limiter.check(ip("2001:db8:1:2::ffff"), t0).is_err());
        assert!(limiter.check(ip("2001:db8:1:3::1"), t0).is_ok());
        assert!(limiter.check(ip("192.0.2.9"), t0).is_ok());
        assert!(limiter.check(ip("::ffff:192.0.2.9"), t0).is_err());
    }

    #[test]
    fn zero_means_off_and_unknown_peers_pass() {
        let off = WriteLimiter::new(0);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert!(off.check(ip("192.0.2.1"), t0).is_ok());
        }
        assert!(WriteLimiter::new(1).check(None, t0).is_ok());
    }

    #[test]
    fn idle_clients_are_swept_when_many_are_tracked() {
        let limiter = WriteLimiter::new(60);
        let t0 = Instant::now();
        for n in 0..=SWEEP_ABOVE as u32 {
            let _ = limiter.check(Some(IpAddr::from(n.to_be_bytes())), t0);
        }
        let _ = limiter.check(ip("192.0.2.1"), t0 + IDLE);
        assert_eq!(limiter.state.lock().unwrap().buckets.len(), 1);
    }

    #[test]
    fn a_flood_of_distinct_ipv6_64s_is_bounded_in_memory_and_in_scans() {
        let limiter = WriteLimiter::new(60);
        let t0 = Instant::now();
        let known = ip("192.0.2.1");
        assert!(limiter.check(known, t0).is_ok());
        let flood = 3 * MAX_CLIENTS as u64;
        let mut passed = 0;
        for n in 0..flood {
            let net = u128::from(0x2001_0db8_0000_0000_u64 + n) << 64;
            let at = t0 + Duration::from_micros(n); // the whole flood within 1 s
            passed += usize::from(
                limiter
                    .check(Some(IpAddr::from(net.to_be_bytes())), at)
                    .is_ok(),
            );
        }
        let state = limiter.state.lock().unwrap();
        assert!(
            state.buckets.len() <= MAX_CLIENTS + 1,
            "{}",
            state.buckets.len()
        );
        assert!(
            state.sweeps <= 1,
            "{} full scans for one second of flood",
            state.sweeps
        );
        drop(state);
        assert!(
            passed <= MAX_CLIENTS + 60,
            "past the table, the flood shares one allowance: {passed} passed"
        );
        assert!(
            limiter.check(known, t0 + Duration::from_secs(1)).is_ok(),
            "a known client keeps its own"
        );
    }
}

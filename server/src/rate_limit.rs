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

/// Writes per minute per client; a burst of up to the same number.
pub struct WriteLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<ClientKey, Bucket>>,
}

/// An IPv4 address, or the /64 of an IPv6 one (what one host is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    V6(u64),
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
            buckets: Mutex::new(HashMap::new()),
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
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < IDLE);
        }
        let bucket = buckets.entry(ClientKey::of(ip)).or_insert(Bucket {
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
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}

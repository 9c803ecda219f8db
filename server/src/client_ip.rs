//! The visitor's address behind a load balancer or CDN. `X-Forwarded-For`
//! is believed only when the peer is a proxy the operator named, and only up
//! to the first hop that is not one: anything further left was written by
//! the client and may be forged.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;

/// One trusted address or network, e.g. `10.0.0.0/8`, `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    base: IpAddr,
    prefix: u8,
}

/// The proxies whose `X-Forwarded-For` the server believes; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Parses addresses and CIDR networks.
    ///
    /// # Errors
    /// Names the first value that is neither.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Self, String> {
        values
            .iter()
            .map(|v| Network::parse(v.as_ref().trim()))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the peer itself unless it is a trusted proxy;
    /// then the right-most `X-Forwarded-For` hop that is not trusted. A hop
    /// that is not an address ends the walk at the proxy that added it.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

impl Network {
    fn parse(value: &str) -> Result<Self, String> {
        let bad = || format!("`{value}` is not an IP address or network (10.0.0.0/8, ::1)");
        let (address, prefix) = match value.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (value, None),
        };
        let base = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { base, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                same_prefix(base.to_bits().into(), ip.to_bits().into(), 32, self.prefix)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                same_prefix(base.to_bits(), ip.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, width: u8, prefix: u8) -> bool {
    let shift = width - prefix;
    shift >= width || (a >> shift) == (b >> shift)
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in forwarded {
            map.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let claimed = headers(&["198.51.100.1"]);
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), &claimed),
            ip("203.0.113.9")
        );
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("10.1.2.3"), &claimed), ip("10.1.2.3"));
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "fd00::/8"]).unwrap();
        // The client forged the left-most entry; the proxies appended the rest.
        let chain = headers(&["1.1.1.1, 203.0.113.9", "10.0.0.7"]);
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &chain), ip("203.0.113.9"));
        let v6 = headers(&["2001:db8::42, fd00::1"]);
        assert_eq!(proxies.client_ip(ip("fd00::2"), &v6), ip("2001:db8::42"));
    }

    #[test]
    fn garbage_or_missing_forwarding_stops_at_the_last_proxy() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let garbage = headers(&["203.0.113.9, unknown, 10.0.0.7"]);
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &garbage), ip("10.0.0.7"));
        assert_eq!(
            proxies.client_ip(ip("10.0.0.1"), &headers(&[])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn networks_parse_and_match_by_prefix() {
        let proxies = TrustedProxies::parse(&["192.168.4.0/22", "::1", "0.0.0.0/0"]).unwrap();
        assert!(
            proxies.trusts("8.8.8.8".parse().unwrap()),
            "/0 covers all of IPv4"
        );
        let narrow = TrustedProxies::parse(&["192.168.4.0/22"]).unwrap();
        assert!(narrow.trusts("192.168.7.255".parse().unwrap()));
        assert!(!narrow.trusts("192.168.8.0".parse().unwrap()));
        assert!(
            narrow.trusts("::ffff:192.168.5.1".parse().unwrap()),
            "IPv4-mapped"
        );
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0/8", "::1/129"] {
            let error = TrustedProxies::parse(&[bad]).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }
}

//! What we keep about the visitor's browser, minimised before it is stored.

use std::net::IpAddr;

/// The personal context of a request: page, network prefix, browser.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientInfo {
    pub ip_prefix: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest user agent we keep; real ones are far shorter.
const MAX_USER_AGENT: usize = 512;

impl ClientInfo {
    pub fn new(peer: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        Self {
            ip_prefix: peer.map(truncate_ip),
            user_agent: user_agent.map(|ua| {
                ua.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_USER_AGENT)
                    .collect()
            }),
        }
    }
}

/// The network an address belongs to, never the address: IPv4 /24, IPv6 /48.
pub fn truncate_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => truncate_ip(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

/// The page a choice was made on: scheme, host and path, nothing after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl(String);

#[derive(Debug, thiserror::Error)]
pub enum PageUrlError {
    #[error("`url` must be an http(s) URL of at most 2048 characters, without control characters")]
    Malformed,
    #[error("`url` must be a page of the site: its origin `{0}` is not one of the site's origins")]
    ForeignOrigin(String),
}

impl PageUrl {
    /// Drops query and fragment: they often carry e-mail addresses or tokens.
    /// The URL's origin (scheme, host, port) must satisfy `on_site`: a page
    /// elsewhere is not where this site's visitor decided.
    ///
    /// # Errors
    /// When `value` is not an http(s) URL, is too long, holds control or
    /// bidirectional-override characters, or is on a foreign origin.
    pub fn parse(value: &str, on_site: impl Fn(&str) -> bool) -> Result<Self, PageUrlError> {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or(PageUrlError::Malformed)?;
        let clean = value.len() <= 2048
            && !value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || is_bidi_control(c));
        if !clean || rest.is_empty() || rest.starts_with('/') {
            return Err(PageUrlError::Malformed);
        }
        let parsed = url::Url::parse(value).map_err(|_| PageUrlError::Malformed)?;
        let origin = parsed.origin().ascii_serialization();
        if !on_site(&origin) {
            return Err(PageUrlError::ForeignOrigin(origin));
        }
        let end = value.find(['?', '#']).unwrap_or(value.len());
        Ok(Self(value[..end].to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that reorder how text is displayed (Trojan Source, CVE-2021-42574):
/// in a stored URL they make an auditor read another host than the one kept.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A BCP 47 language tag such as `nl` or `en-GB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

#[derive(Debug, thiserror::Error)]
#[error("`locale` must be a language tag such as `nl` or `en-GB`")]
pub struct LocaleError;

impl Locale {
    /// # Errors
    /// When `value` is not shaped like a language tag.
    pub fn parse(value: &str) -> Result<Self, LocaleError> {
        let mut parts = value.split('-');
        let lang = parts.next().unwrap_or_default();
        let lang_ok =
            (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if lang_ok && rest_ok && value.len() <= 35 {
            Ok(Self(value.to_owned()))
        } else {
            Err(LocaleError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_keeps_only_the_slash_24() {
        assert_eq!(
            truncate_ip("203.0.113.77".parse().unwrap()),
            "203.0.113.0/24"
        );
    }

    #[test]
    fn ipv6_keeps_only_the_slash_48() {
        let ip = "2001:db8:abcd:12:1:2:3:4".parse().unwrap();
        assert_eq!(truncate_ip(ip), "2001:db8:abcd::/48");
    }

    #[test]
    fn ipv4_mapped_ipv6_is_truncated_as_ipv4() {
        assert_eq!(
            truncate_ip("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }

    fn anywhere(_: &str) -> bool {
        true
    }

    #[test]
    fn url_loses_query_and_fragment() {
        let url = PageUrl::parse(
            "https://www.nexxtjourneys.com/prijzen?email=a@b.nl#top",
            anywhere,
        )
        .unwrap();
        assert_eq!(url.as_str(), "https://www.nexxtjourneys.com/prijzen");
    }

    #[test]
    fn url_on_a_foreign_origin_is_rejected_naming_it() {
        let site = |o: &str| o == "https://www.nexxtjourneys.com";
        assert!(PageUrl::parse("https://www.nexxtjourneys.com/x", site).is_ok());
        for (bad, origin) in [
            ("https://attacker.example/x", "https://attacker.example"),
            (
                "http://www.nexxtjourneys.com/x",
                "http://www.nexxtjourneys.com",
            ),
            (
                "https://www.nexxtjourneys.com:8443/x",
                "https://www.nexxtjourneys.com:8443",
            ),
            (
                "https://www.nexxtjourneys.com.attacker.example/",
                "https://www.nexxtjourneys.com.attacker.example",
            ),
            ("https://user@attacker.example/", "https://attacker.example"),
        ] {
            match PageUrl::parse(bad, site) {
                Err(PageUrlError::ForeignOrigin(o)) => assert_eq!(o, origin, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn bidi_override_characters_are_rejected() {
        for bad in [
            "https://www.nexxtjourneys.com/\u{202E}lmth.exe",
            "https://www.nexxtjourneys.com/\u{2066}x",
            "https://www.nexxtjourneys.com/\u{200F}",
        ] {
            assert!(matches!(
                PageUrl::parse(bad, anywhere),
                Err(PageUrlError::Malformed)
            ));
        }
    }

    #[test]
    fn non_http_urls_are_rejected() {
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(PageUrl::parse(bad, anywhere).is_err(), "{bad}");
        }
    }

    #[test]
    fn locale_must_be_a_language_tag() {
        assert!(Locale::parse("nl").is_ok());
        assert!(Locale::parse("en-GB").is_ok());
        for bad in ["", "n", "nederlands", "nl_NL", "<script>"] {
            assert!(Locale::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_agent_is_capped_and_stripped_of_control_characters() {
        let ua = format!("Mozilla\n{}", "x".repeat(1000));
        let info = ClientInfo::new(None, Some(&ua));
        let kept = info.user_agent.unwrap();
        assert_eq!(kept.len(), MAX_USER_AGENT);
        assert!(!kept.contains('\n'));
    }
}

//! Deleting a withdrawn vendor's cookies: pure string logic, tested natively.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// A cookie the policy declares: an exact name or a prefix.
pub struct Rule {
    pub name: String,
    pub prefix: bool,
}

/// Names in `document_cookie` (`a=1; b=2`) that any rule matches.
pub fn doomed(document_cookie: &str, rules: &[Rule]) -> Vec<String> {
    document_cookie
        .split(';')
        .filter_map(|pair| pair.split('=').next())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .filter(|name| {
            rules.iter().any(|r| {
                if r.prefix {
                    name.starts_with(&r.name)
                } else {
                    *name == r.name
                }
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Cookie strings that expire `name` wherever a script may have set it: on
/// the host itself and on every parent domain (`.example.com`), path `/`.
pub fn expiries(name: &str, host: &str) -> Vec<String> {
    let base = [name, "=; Max-Age=0; Path=/"].concat();
    let mut out = vec![base.clone()];
    let mut domain = host;
    // Stop before the top-level domain: no cookie can be set on `.com`.
    while let Some((_, parent)) = domain.split_once('.') {
        out.push([&base, "; Domain=", domain].concat());
        domain = parent;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, prefix: bool) -> Rule {
        Rule {
            name: name.into(),
            prefix,
        }
    }

    #[test]
    fn exact_names_and_prefixes_match() {
        let jar = "_ga=GA1; _ga_ABC=GS1; _gid=x; nexxt_consent=t; _gax=1";
        let rules = [rule("_ga", false), rule("_ga_", true)];
        assert_eq!(doomed(jar, &rules), ["_ga", "_ga_ABC"]);
    }

    #[test]
    fn empty_jar_deletes_nothing() {
        assert!(doomed("", &[rule("_ga", false)]).is_empty());
    }

    #[test]
    fn expiry_covers_the_host_and_its_parent_domains() {
        assert_eq!(
            expiries("_fbp", "www.nexxtjourneys.com"),
            [
                "_fbp=; Max-Age=0; Path=/",
                "_fbp=; Max-Age=0; Path=/; Domain=www.nexxtjourneys.com",
                "_fbp=; Max-Age=0; Path=/; Domain=nexxtjourneys.com",
            ]
        );
        assert_eq!(expiries("a", "localhost"), ["a=; Max-Age=0; Path=/"]);
    }
}

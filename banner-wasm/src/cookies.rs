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
    let mut names = Vec::new();
    let mut rest = document_cookie;
    while !rest.is_empty() {
        // Byte search and `get`, not `split(';')`, `trim()` or indexing: the
        // char pattern machinery and the panic of a slice off a char
        // boundary cost hundreds of bytes of wasm.
        let end = position(rest, b';').unwrap_or(rest.len());
        let pair = before(rest, end);
        let name = spaceless(before(pair, position(pair, b'=').unwrap_or(pair.len())));
        for rule in rules {
            let matched = if rule.prefix {
                name.starts_with(rule.name.as_str())
            } else {
                name == rule.name
            };
            if !name.is_empty() && matched {
                names.push(name.to_owned());
                break;
            }
        }
        rest = after(rest, end + 1);
    }
    names
}

fn position(text: &str, byte: u8) -> Option<usize> {
    for (at, b) in text.bytes().enumerate() {
        if b == byte {
            return Some(at);
        }
    }
    None
}

fn before(text: &str, at: usize) -> &str {
    text.get(..at).unwrap_or_default()
}

fn after(text: &str, at: usize) -> &str {
    text.get(at..).unwrap_or_default()
}

/// Without the spaces around it (`; ` separates cookies).
fn spaceless(mut text: &str) -> &str {
    while let Some(rest) = text.strip_prefix(" ") {
        text = rest;
    }
    while let Some(rest) = text.strip_suffix(" ") {
        text = rest;
    }
    text
}

/// Cookie strings that expire `name` wherever a script may have set it: on
/// the host itself and on every parent domain (`.example.com`), path `/`.
pub fn expiries(name: &str, host: &str) -> Vec<String> {
    let mut base = String::from(name);
    base.push_str("=; Max-Age=0; Path=/");
    let mut out = vec![base.clone()];
    let mut domain = host;
    // Stop before the top-level domain: no cookie can be set on `.com`.
    while let Some(dot) = position(domain, b'.') {
        let mut expiry = base.clone();
        expiry.push_str("; Domain=");
        expiry.push_str(domain);
        out.push(expiry);
        domain = after(domain, dot + 1);
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

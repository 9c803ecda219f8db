//! The language a visitor's page speaks: the one asked for (`?lang=`), else
//! the one the visitor used on the site (the consent's locale), else the
//! best of their browser's `Accept-Language`, else the site's default.
//! Only languages there are texts for are ever chosen.

use actix_web::HttpRequest;
use serde::Serialize;

/// One entry of a page's language switch.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub lang: String,
    /// The language's own name: `Nederlands`, `English`.
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

/// The site's languages that the privacy statement is written in too: the
/// pages a visitor reads can speak only those.
pub fn offered(set: &policies::PolicySet, site: &policies::SitePolicy) -> Vec<String> {
    site.site
        .languages
        .iter()
        .filter(|l| set.statement(l).is_some())
        .cloned()
        .collect()
}

/// The language to answer in, from most to least explicit.
pub fn choose(
    explicit: Option<&str>,
    consent_locale: Option<&str>,
    request: &HttpRequest,
    offered: &[String],
    default: &str,
) -> String {
    let offered_as = |tag: &str| {
        let primary = tag.split(['-', '_']).next().unwrap_or(tag).trim();
        offered
            .iter()
            .find(|l| l.eq_ignore_ascii_case(primary))
            .cloned()
    };
    explicit
        .and_then(offered_as)
        .or_else(|| consent_locale.and_then(offered_as))
        .or_else(|| {
            let header = request.headers().get("Accept-Language")?.to_str().ok()?;
            accepted(header)
                .into_iter()
                .find_map(|tag| offered_as(&tag))
        })
        .unwrap_or_else(|| default.to_owned())
}

/// The tags of an `Accept-Language` header, most wanted first; `q=0` and
/// `*` are left out.
pub fn accepted(header: &str) -> Vec<String> {
    let mut tags: Vec<(f32, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && tag != "*" && q > 0.0).then(|| (q, i, tag.to_owned()))
        })
        .collect();
    // Highest quality first; equal ones in the order given.
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, tag)| tag).collect()
}

/// The switch between `offered` languages, each linking to `path` with
/// `lang` (and the query `keep`, e.g. `site=www&`, in front of it).
pub fn switch(path: &str, keep: &str, offered: &[String], current: &str) -> Vec<Choice> {
    offered
        .iter()
        .map(|lang| Choice {
            name: native_name(lang),
            href: format!("{path}?{keep}lang={lang}"),
            current: lang == current,
            lang: lang.clone(),
        })
        .collect()
}

fn native_name(lang: &str) -> &'static str {
    match lang {
        "nl" => "Nederlands",
        "en" => "English",
        "de" => "Deutsch",
        "fr" => "Français",
        _ => "…",
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn offered() -> Vec<String> {
        vec!["nl".to_owned(), "en".to_owned()]
    }

    #[test]
    fn accept_language_is_read_by_quality_then_order() {
        assert_eq!(
            accepted("de-DE,en;q=0.8,nl;q=0.9,fr;q=0,*;q=0.1"),
            ["de-DE", "nl", "en"]
        );
        assert_eq!(accepted("en-GB, en"), ["en-GB", "en"]);
        assert!(accepted("").is_empty());
    }

    #[test]
    fn the_most_explicit_offered_language_wins() {
        let english = TestRequest::default()
            .insert_header(("Accept-Language", "en-US,en;q=0.9"))
            .to_http_request();
        let none = TestRequest::default().to_http_request();
        let o = offered();
        assert_eq!(choose(Some("nl"), Some("en"), &english, &o, "nl"), "nl");
        assert_eq!(choose(Some("xx"), Some("en-GB"), &none, &o, "nl"), "en");
        assert_eq!(choose(None, None, &english, &o, "nl"), "en");
        assert_eq!(choose(None, Some("de"), &none, &o, "nl"), "nl");
        let german = TestRequest::default()
            .insert_header(("Accept-Language", "de, en;q=0.5"))
            .to_http_request();
        assert_eq!(choose(None, None, &german, &o, "nl"), "en");
    }
}

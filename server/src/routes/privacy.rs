//! `GET /privacy?site=www&lang=nl`: the privacy statement with its cookie
//! declaration, rendered from the same policy files as the banner, so the
//! two can never disagree.

use actix_web::{HttpResponse, web};
use policies::{Insert, PolicySet, SitePolicy, Statement};
use serde::{Deserialize, Serialize};

use super::problem::ApiError;
use super::state::Policies;
use crate::templates::{PRIVACY, Pages};

#[derive(Deserialize)]
pub struct PrivacyQuery {
    site: Option<String>,
    lang: Option<String>,
}

#[derive(Serialize)]
struct Page<'a> {
    lang: &'a str,
    site: &'a str,
    site_name: &'a str,
    nonce: String,
    title: &'a str,
    version_label: &'a str,
    labels: &'a policies::StatementLabels,
    other: OtherLanguage,
    sections: Vec<SectionView<'a>>,
}

#[derive(Serialize)]
struct OtherLanguage {
    lang: String,
    name: &'static str,
    href: String,
}

#[derive(Serialize)]
struct SectionView<'a> {
    id: &'a str,
    heading: &'a str,
    paragraphs: &'a [String],
    items: &'a [String],
    contact: Option<Contact<'a>>,
    cookies: Option<Vec<CategoryView<'a>>>,
    processors: Option<Vec<ProcessorView<'a>>>,
    retention: Option<String>,
    subject: bool,
    complaint: Option<Complaint<'a>>,
}

#[derive(Serialize)]
struct Contact<'a> {
    website: &'a str,
    contact_url: &'a str,
}

#[derive(Serialize)]
struct Complaint<'a> {
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct CategoryView<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    required: bool,
    vendors: Vec<VendorView<'a>>,
}

#[derive(Serialize)]
struct VendorView<'a> {
    name: &'a str,
    company: &'a str,
    purpose: &'a str,
    privacy_url: &'a str,
    cookie_count: usize,
    cookies: Vec<CookieView<'a>>,
}

#[derive(Serialize)]
struct CookieView<'a> {
    name: &'a str,
    prefix: bool,
    purpose: &'a str,
    lifetime: String,
}

#[derive(Serialize)]
struct ProcessorView<'a> {
    name: &'a str,
    website: &'a str,
    purpose: &'a str,
}

/// Renders the statement of `site` (default `www`) in `lang` (default: the
/// site's default language).
pub async fn privacy_statement(
    request: actix_web::HttpRequest,
    query: web::Query<PrivacyQuery>,
    policies: web::Data<Policies>,
    pages: web::Data<Pages>,
) -> Result<HttpResponse, ApiError> {
    let set = &policies.0;
    let site_id = query.site.as_deref().unwrap_or("www");
    let policy = &set
        .site(site_id)
        .ok_or_else(|| ApiError::NotFound(format!("unknown site `{site_id}`")))?
        .policy;
    let offered = super::language::offered(set, policy);
    let lang = &super::language::choose(
        query.lang.as_deref(),
        None,
        &request,
        &offered,
        &policy.site.default_language,
    );
    let statement = set
        .statement(lang)
        .ok_or_else(|| ApiError::NotFound(format!("no statement in `{lang}`")))?;
    let nonce = super::csp::nonce();
    let page = Page {
        lang,
        site: &policy.site.id,
        site_name: &policy.site.name,
        nonce: nonce.clone(),
        title: &statement.title,
        version_label: &statement.version_label,
        labels: &statement.labels,
        other: other_language(policy, lang),
        sections: statement
            .sections
            .iter()
            .map(|s| section(s, set, policy, statement, lang))
            .collect(),
    };
    let html = pages
        .0
        .render(PRIVACY, &page)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", super::csp::banner_page(&nonce)))
        .insert_header(("Content-Language", lang.to_owned()))
        .insert_header(("Vary", "Accept-Language"))
        .body(html))
}

fn other_language(policy: &SitePolicy, lang: &str) -> OtherLanguage {
    let other = policy
        .site
        .languages
        .iter()
        .find(|l| *l != lang)
        .cloned()
        .unwrap_or_else(|| lang.to_owned());
    let name = if other == "nl" {
        "Nederlands"
    } else {
        "English"
    };
    OtherLanguage {
        href: format!("/privacy?site={}&lang={other}", policy.site.id),
        lang: other,
        name,
    }
}

fn section<'a>(
    s: &'a policies::Section,
    set: &'a PolicySet,
    policy: &'a SitePolicy,
    statement: &'a Statement,
    lang: &str,
) -> SectionView<'a> {
    let org = &set.organization;
    let local = |text: &'a policies::Localized| text.get(lang).map_or("", String::as_str);
    let insert = s.insert;
    SectionView {
        id: &s.id,
        heading: &s.heading,
        paragraphs: &s.paragraphs,
        items: &s.items,
        contact: (insert == Some(Insert::Contact)).then_some(Contact {
            website: &org.website,
            contact_url: &org.contact_url,
        }),
        cookies: (insert == Some(Insert::Cookies)).then(|| declaration(policy, statement, lang)),
        processors: (insert == Some(Insert::Processors)).then(|| {
            let list = org.processors.iter();
            list.map(|p| ProcessorView {
                name: &p.name,
                website: &p.website,
                purpose: local(&p.purpose),
            })
            .collect()
        }),
        retention: (insert == Some(Insert::Retention)).then(|| {
            let days = policy.site.retention_days.to_string();
            statement.labels.consent_records.replace("{days}", &days)
        }),
        subject: insert == Some(Insert::Subject),
        complaint: (insert == Some(Insert::Complaint)).then_some(Complaint {
            name: &org.supervisory_authority,
            url: &org.supervisory_authority_url,
        }),
    }
}

/// The cookie declaration: every category, its vendors and their cookies.
fn declaration<'a>(
    policy: &'a SitePolicy,
    statement: &Statement,
    lang: &str,
) -> Vec<CategoryView<'a>> {
    let local = |text: &'a policies::Localized| text.get(lang).map_or("", String::as_str);
    policy
        .categories
        .iter()
        .map(|c| CategoryView {
            id: &c.id,
            name: local(&c.name),
            description: local(&c.description),
            required: c.id == policies::NECESSARY,
            vendors: policy
                .vendors_in(&c.id)
                .map(|v| VendorView {
                    name: &v.name,
                    company: &v.company,
                    purpose: local(&v.purpose),
                    privacy_url: &v.privacy_url,
                    cookie_count: v.cookies.len(),
                    cookies: v
                        .cookies
                        .iter()
                        .map(|k| CookieView {
                            name: &k.name,
                            prefix: k.prefix,
                            purpose: local(&k.purpose),
                            lifetime: statement.lifetime(&k.lifetime),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// `GET /pages.css`: the stylesheet of the server's own pages.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../templates/pages.css"))
}

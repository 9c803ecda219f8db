//! `/my-consent`: a visitor's own consent records, read from the consent
//! cookie: see them, download them (JSON), withdraw and erase them.

use actix_web::cookie::{Cookie, time::Duration as CookieAge};
use actix_web::{HttpRequest, HttpResponse, web};
use policies::Statement;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::CONSENT_COOKIE;
use super::bearer::cookie_holder;
use super::problem::ApiError;
use super::state::Policies;
use crate::consents::{self, ConsentHistory, Context};
use crate::domain::StoredEvent;
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::storage::ArchiveCache;
use crate::templates::{MY_CONSENT, Pages};

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Serialize)]
struct Page<'a> {
    lang: &'a str,
    labels: &'a policies::SubjectLabels,
    privacy: &'a str,
    /// `/privacy` of the consent's site, in this language.
    privacy_href: String,
    languages: Vec<super::language::Choice>,
    erased: bool,
    /// The erase form's CSRF token; empty when there is nothing to erase.
    csrf: String,
    events: Vec<Row>,
}

/// The erase form's field.
#[derive(Deserialize)]
pub struct EraseForm {
    csrf: String,
}

#[derive(Serialize)]
struct Row {
    time: String,
    action: String,
    granted: String,
    version: String,
    url: Option<String>,
    /// What was shown, when the decision's policy document is archived.
    shown: Option<super::receipt::Shown>,
}

/// The page's language and its texts: `?lang=`, else the language the
/// visitor used on the site, else their browser's, else the site's default
/// (the site of their consent, or `www`).
fn statement<'a>(
    policies: &'a Policies,
    request: &HttpRequest,
    query: &LangQuery,
    history: Option<&ConsentHistory>,
) -> (String, &'a Statement, &'a policies::SitePolicy) {
    let set = &policies.0;
    let site = history
        .and_then(|h| set.site(&h.site))
        .or_else(|| set.site("www"))
        .or_else(|| set.sites().next())
        .expect("the policy loader guarantees a site");
    let site = &site.policy;
    let offered = super::language::offered(set, site);
    let locale = history.and_then(|h| h.events.iter().rev().find_map(|e| e.locale.as_deref()));
    let lang = super::language::choose(
        query.lang.as_deref(),
        locale,
        request,
        &offered,
        &site.site.default_language,
    );
    let statement = set
        .statement(&lang)
        .or_else(|| set.statement(&site.site.default_language))
        .expect("the policy loader guarantees a statement per site language");
    (lang, statement, site)
}

fn render(
    pages: &Pages,
    (lang, statement, site): (&str, &Statement, &policies::SitePolicy),
    history: Option<&ConsentHistory>,
    erased: bool,
    csrf: String,
) -> Result<String, ApiError> {
    let labels = &statement.subject;
    let (events, documents) =
        history.map_or((&[][..], &[][..]), |h| (&h.events[..], &h.policies[..]));
    let shown = |e: &StoredEvent| {
        let proof = documents.iter().find(|p| p.hash == e.policy_hash)?;
        super::receipt::shown(proof.document.as_str(), lang, &e.choices)
    };
    // Without the archived document, the current policy's names; an id
    // only for a category the site no longer has.
    let name_of = |id: &String| {
        site.categories
            .iter()
            .find(|c| &c.id == id)
            .and_then(|c| c.name.get(lang).or_else(|| c.name.values().next()))
            .cloned()
            .unwrap_or_else(|| id.clone())
    };
    let rows = events
        .iter()
        .map(|e| Row {
            shown: shown(e),
            time: e
                .recorded_at
                .to_string()
                .replace('T', " ")
                .trim_end_matches('Z')
                .to_owned(),
            action: labels
                .actions
                .get(e.action.as_str())
                .cloned()
                .unwrap_or_else(|| e.action.as_str().to_owned()),
            granted: shown(e).map_or_else(
                || {
                    let names: Vec<String> = e.granted().iter().map(name_of).collect();
                    names.join(", ")
                },
                |s| {
                    let on = s.categories.iter().filter(|c| c.on);
                    on.map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                },
            ),
            version: e.policy_version.clone(),
            url: e.personal.url.clone(),
        })
        .collect();
    let offered: Vec<String> = site.site.languages.clone();
    let page = Page {
        lang,
        labels,
        privacy: &statement.title,
        privacy_href: format!("/privacy?site={}&lang={lang}", site.site.id),
        languages: super::language::switch("/my-consent", "", &offered, lang),
        erased,
        csrf,
        events: rows,
    };
    pages
        .0
        .render(MY_CONSENT, &page)
        .map_err(|e| ApiError::Internal(e.into()))
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "Accept-Language, Cookie"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Security-Policy", super::csp::SCRIPTLESS))
        .body(body)
}

/// `GET /my-consent`.
pub async fn show(
    request: HttpRequest,
    query: web::Query<LangQuery>,
    db: web::Data<DatabaseConnection>,
    archive: web::Data<ArchiveCache>,
    policies: web::Data<Policies>,
    pages: web::Data<Pages>,
) -> Result<HttpResponse, ApiError> {
    let (history, csrf) = match cookie_holder(&request).await? {
        Some(holder) => (
            Some(consents::history(db.get_ref(), &archive, &holder).await?),
            cookie_csrf(&request),
        ),
        None => (None, String::new()),
    };
    let (lang, statement, site) = statement(&policies, &request, &query, history.as_ref());
    Ok(html(render(
        &pages,
        (&lang, statement, site),
        history.as_ref(),
        false,
        csrf,
    )?))
}

/// `GET /my-consent/export`: the history as a JSON download.
pub async fn export(
    request: HttpRequest,
    db: web::Data<DatabaseConnection>,
    archive: web::Data<ArchiveCache>,
) -> Result<HttpResponse, ApiError> {
    let holder = cookie_holder(&request)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let history = consents::history(db.get_ref(), &archive, &holder).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"consent-history.json\"",
        ))
        .json(history))
}

/// `POST /my-consent/erase`: withdraw and erase, then show the result.
#[allow(clippy::too_many_arguments)] // one extractor per shared resource
pub async fn erase(
    request: HttpRequest,
    query: web::Query<LangQuery>,
    form: web::Form<EraseForm>,
    db: web::Data<DatabaseConnection>,
    policies: web::Data<Policies>,
    pages: web::Data<Pages>,
    writer: web::Data<LedgerWriter>,
    metrics: web::Data<Metrics>,
    archive: web::Data<ArchiveCache>,
) -> Result<HttpResponse, ApiError> {
    // Both checks, each enough alone in today's browsers: the request must
    // say it comes from this origin, and carry the token only our own page
    // (which can read the cookie's value) can know.
    if !same_origin(&request) {
        return Err(ApiError::Forbidden(
            "erasing consent needs a same-origin request (Origin header)".to_owned(),
        ));
    }
    let holder = cookie_holder(&request)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let expected = cookie_csrf(&request);
    if !crate::auditors::same_hash(&form.csrf, &expected) {
        return Err(ApiError::Forbidden(
            "the form's CSRF token is missing or wrong: reload /my-consent".to_owned(),
        ));
    }
    let ctx = Context {
        writer: &writer,
        policies: &policies.0,
        metrics: &metrics,
    };
    consents::erase(ctx, db.get_ref(), &holder).await?;
    let history = consents::history_now(db.get_ref(), &archive, &holder).await?;
    let (lang, statement, site) = statement(&policies, &request, &query, Some(&history));
    let mut response = html(render(
        &pages,
        (&lang, statement, site),
        Some(&history),
        true,
        String::new(),
    )?);
    // The banner asks again on the next page view.
    let expired = Cookie::build(CONSENT_COOKIE, "")
        .path("/")
        .max_age(CookieAge::ZERO)
        .finish();
    response
        .add_cookie(&expired)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(response)
}

/// The CSRF token of the erase form: a digest of the consent cookie's value.
/// A page on another site cannot read that cookie, so cannot compute it.
fn cookie_csrf(request: &HttpRequest) -> String {
    use sha2::{Digest, Sha256};
    let cookie = request.cookie(CONSENT_COOKIE);
    let value = cookie.as_ref().map_or("", |c| c.value());
    hex::encode(Sha256::digest(format!("nexxt-consent erase form\0{value}")))
}

/// The request names this server as its origin. A missing `Origin` is not
/// same-origin; a `Sec-Fetch-Site` other than `same-origin` refuses too.
fn same_origin(request: &HttpRequest) -> bool {
    let header = |name: &str| request.headers().get(name).and_then(|o| o.to_str().ok());
    if header("Sec-Fetch-Site").is_some_and(|site| site != "same-origin") {
        return false;
    }
    let Some(origin) = header("Origin") else {
        return false;
    };
    let info = request.connection_info();
    origin == format!("{}://{}", info.scheme(), info.host())
}

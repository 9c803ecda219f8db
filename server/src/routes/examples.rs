//! The demo sites (`examples/www`, `examples/app`), served so that the
//! README's run command shows a working banner. Each page is served under a
//! strict CSP with a fresh nonce.

use actix_web::{HttpResponse, web};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::json;

use super::csp;
use super::problem::ApiError;

const STUBS: &[(&str, &str)] = &[
    ("stub.js", include_str!("../../../examples/stubs/stub.js")),
    (
        "google-analytics.js",
        include_str!("../../../examples/stubs/google-analytics.js"),
    ),
    (
        "hotjar.js",
        include_str!("../../../examples/stubs/hotjar.js"),
    ),
    ("vwo.js", include_str!("../../../examples/stubs/vwo.js")),
    (
        "facebook-pixel.js",
        include_str!("../../../examples/stubs/facebook-pixel.js"),
    ),
    (
        "linkedin-insight.js",
        include_str!("../../../examples/stubs/linkedin-insight.js"),
    ),
    (
        "bing-uet.js",
        include_str!("../../../examples/stubs/bing-uet.js"),
    ),
    (
        "google-ads.js",
        include_str!("../../../examples/stubs/google-ads.js"),
    ),
    (
        "intercom.js",
        include_str!("../../../examples/stubs/intercom.js"),
    ),
    (
        "embed.html",
        include_str!("../../../examples/stubs/embed.html"),
    ),
];
const DEMO_CSS: &str = include_str!("../../../examples/demo.css");

/// Templates of the demo pages, registered by [`crate::templates`].
pub const PAGES: &[(&str, &str)] = &[
    (
        "examples/www",
        include_str!("../../../examples/www/index.html"),
    ),
    (
        "examples/app",
        include_str!("../../../examples/app/index.html"),
    ),
];

#[derive(Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

/// `GET /examples/{site}/`: a demo page.
pub async fn page(
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    pages: web::Data<crate::templates::Pages>,
) -> Result<HttpResponse, ApiError> {
    let name = format!("examples/{}", path.as_str());
    if !PAGES.iter().any(|(n, _)| *n == name) {
        return Err(ApiError::NotFound("no such demo site".to_owned()));
    }
    let lang = match query.lang.as_deref() {
        Some("en") => "en",
        _ => "nl",
    };
    let nonce = csp::nonce();
    let hb: &Handlebars<'static> = &pages.0;
    let html = hb
        .render(&name, &json!({ "nonce": nonce, "lang": lang }))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", csp::banner_page(&nonce)))
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}

/// `GET /examples/stubs/{file}`: the stand-ins for the vendors' tags.
pub async fn stub(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (name, body) = STUBS
        .iter()
        .find(|(n, _)| *n == path.as_str())
        .ok_or_else(|| ApiError::NotFound("no such stub".to_owned()))?;
    let content_type = if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    Ok(HttpResponse::Ok().content_type(content_type).body(*body))
}

/// `GET /examples/demo.css`.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(DEMO_CSS)
}

/// `GET /`: the demo is what a first run should show.
pub async fn home() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", "/examples/www/"))
        .finish()
}

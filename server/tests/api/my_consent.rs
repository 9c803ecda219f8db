//! The visitor's own page: their records, read from the consent cookie.

use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, spawn_app};

fn rows(html: &str) -> usize {
    Html::parse_document(html)
        .select(&Selector::parse("table.history tbody tr:not(.shown)").unwrap())
        .count()
}

/// The erase form's CSRF token on a rendered page.
fn csrf_of(html: &str) -> String {
    let page = Html::parse_document(html);
    let input = Selector::parse("form input[name=csrf]").unwrap();
    let value = page
        .select(&input)
        .next()
        .expect("the erase form has a CSRF field");
    value.value().attr("value").unwrap().to_owned()
}

/// `POST /my-consent/erase` with the cookie, and the headers and field given.
async fn post_erase(
    app: &TestApp,
    token: &str,
    origin: Option<&str>,
    fetch_site: Option<&str>,
    csrf: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/my-consent/erase?lang=en"))
        .header("Cookie", format!("nexxt_consent={token}"));
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    if let Some(site) = fetch_site {
        request = request.header("Sec-Fetch-Site", site);
    }
    let form: Vec<(&str, &str)> = csrf.map(|c| ("csrf", c)).into_iter().collect();
    request.form(&form).send().await.unwrap()
}

async fn with_cookie(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    let request = app.client.get(app.url(path));
    request
        .header("Cookie", format!("nexxt_consent={token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn visitor_sees_downloads_and_erases_their_records() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let receipt = app.consent(all("www", true)).await;
    let token = receipt["token"].as_str().unwrap();

    let page = with_cookie(&app, "/my-consent?lang=en", token).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert_eq!(rows(&page), 1);
    let csrf = csrf_of(&page);

    let download = with_cookie(&app, "/my-consent/export", token).await;
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let history: Value = download.json().await.unwrap();
    assert_eq!(history["consent_id"], receipt["consent_id"]);

    let erased = post_erase(&app, token, Some(&app.address), None, Some(&csrf)).await;
    assert_eq!(erased.status(), 200);
    let set_cookie = erased.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("nexxt_consent=;") && set_cookie.contains("Max-Age=0"),
        "{set_cookie}"
    );
    let html = erased.text().await.unwrap();
    assert_eq!(
        rows(&html),
        2,
        "the consent and its withdrawal, both without personal data"
    );
    let report = consent_server::ledger::verify_database(&app.db)
        .await
        .unwrap();
    assert_eq!(report.redacted, 2);
}

#[tokio::test]
async fn erasure_from_another_site_is_refused_and_stores_nothing() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let receipt = app.consent(all("www", true)).await;
    let response = app
        .client
        .post(app.url("/my-consent/erase"))
        .header(
            "Cookie",
            format!("nexxt_consent={}", receipt["token"].as_str().unwrap()),
        )
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    // Refused at the door by the CORS layer (foreign origin), before the handler's own check.
    assert_eq!(response.status(), 400);
    assert_eq!(app.event_count().await, 1);
}

#[tokio::test]
async fn erasure_needs_a_same_origin_request_and_the_forms_csrf_token() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let receipt = app.consent(all("www", true)).await;
    let token = receipt["token"].as_str().unwrap();
    let page = with_cookie(&app, "/my-consent", token)
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let other = app.consent(all("www", true)).await;
    let page_of_other = with_cookie(&app, "/my-consent", other["token"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    let own = app.address.as_str();
    let cases = [
        (
            "no Origin (a form from another site)",
            None,
            None,
            Some(csrf.as_str()),
            403,
        ),
        (
            "same Origin, cross-site fetch",
            Some(own),
            Some("cross-site"),
            Some(csrf.as_str()),
            403,
        ),
        ("no CSRF field", Some(own), Some("same-origin"), None, 400),
        (
            "wrong CSRF token",
            Some(own),
            Some("same-origin"),
            Some("00"),
            403,
        ),
        (
            "another visitor's CSRF token",
            Some(own),
            None,
            Some(csrf_of(&page_of_other).leak()),
            403,
        ),
    ];
    for (case, origin, fetch_site, field, status) in cases {
        let response = post_erase(&app, token, origin, fetch_site, field).await;
        assert_eq!(response.status(), status, "{case}");
    }
    assert_eq!(app.event_count().await, 2, "nothing was withdrawn");
    let done = post_erase(&app, token, Some(own), Some("same-origin"), Some(&csrf)).await;
    assert_eq!(done.status(), 200);
    assert_eq!(app.event_count().await, 3);
}

#[tokio::test]
async fn without_a_consent_cookie_there_is_nothing_to_show() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let page = app.get("/my-consent").await;
    assert_eq!(page.status(), 200);
    assert_eq!(rows(&page.text().await.unwrap()), 0);
    let export = app.get("/my-consent/export").await;
    assert_eq!(export.status(), 401);
    let forged = with_cookie(&app, "/my-consent/export", "not.a.token").await;
    assert_eq!(forged.status(), 401);
}

crate::on_both_backends!(each_decision_shows_what_was_shown_and_the_download_proves_itself);

async fn each_decision_shows_what_was_shown_and_the_download_proves_itself(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut choices = all("www", false);
    choices["analytics"] = true.into();
    let receipt = app.consent(choices).await;
    let token = receipt["token"].as_str().unwrap();

    for (lang, heading, analytics, marketing) in [
        ("en", "What you were shown", "Analytics", "Marketing"),
        ("nl", "Wat u te zien kreeg", "Statistieken", "Marketing"),
    ] {
        let html = with_cookie(&app, &format!("/my-consent?lang={lang}"), token)
            .await
            .text()
            .await
            .unwrap();
        let page = Html::parse_document(&html);
        let summary = Selector::parse("tr.shown details summary").unwrap();
        assert_eq!(
            page.select(&summary)
                .next()
                .unwrap()
                .text()
                .collect::<String>(),
            heading
        );
        let items: Vec<String> = page
            .select(&Selector::parse("tr.shown li").unwrap())
            .map(|li| li.text().collect::<String>())
            .collect();
        let line = |name: &str| {
            items
                .iter()
                .find(|i| i.contains(name))
                .cloned()
                .unwrap_or_default()
        };
        assert!(
            line(analytics).starts_with('✓') && line(analytics).contains("Google Analytics"),
            "{items:?}"
        );
        assert!(
            line(marketing).starts_with('✗') && line(marketing).contains("Facebook"),
            "{items:?}"
        );
        let granted =
            Selector::parse("table.history tbody tr:first-child td:nth-child(3)").unwrap();
        let cell: String = page.select(&granted).next().unwrap().text().collect();
        assert!(cell.contains(analytics), "category names, not ids: {cell}");
    }

    let download: Value = with_cookie(&app, "/my-consent/export", token)
        .await
        .json()
        .await
        .unwrap();
    let event_hash = download["events"][0]["policy_hash"].as_str().unwrap();
    let proof = &download["policies"][0];
    assert_eq!(proof["hash"], event_hash);
    assert_eq!(
        policies::document_hash(proof["document"].as_str().unwrap()),
        event_hash,
        "the visitor's copy proves what they were shown"
    );
    assert_eq!(download["policies"].as_array().unwrap().len(), 1);
}

fn html_lang(html: &str) -> String {
    let page = Html::parse_document(html);
    let root = page
        .select(&Selector::parse("html").unwrap())
        .next()
        .unwrap();
    root.value().attr("lang").unwrap_or_default().to_owned()
}

/// The `href` of the first element `css` selects.
fn link(html: &str, css: &str) -> String {
    let page = Html::parse_document(html);
    let found = page.select(&Selector::parse(css).unwrap()).next();
    found
        .and_then(|a| a.value().attr("href"))
        .unwrap_or_default()
        .to_owned()
}

/// The categories column of the first history row.
fn granted_of(html: &str) -> String {
    let page = Html::parse_document(html);
    let cell = Selector::parse("table.history tbody tr:not(.shown) td:nth-child(3)").unwrap();
    page.select(&cell).next().unwrap().text().collect()
}

async fn page_with(app: &TestApp, path: &str, token: Option<&str>, accept: Option<&str>) -> String {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.header("Cookie", format!("nexxt_consent={token}"));
    }
    if let Some(accept) = accept {
        request = request.header("Accept-Language", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Accept-Language")
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_visitors_page_speaks_the_language_they_used_on_the_site() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut body = crate::helpers::consent_body(serde_json::json!({
        "necessary": true, "analytics": true, "experience": false, "marketing": false, "support": false
    }));
    body["locale"] = "en-GB".into();
    let receipt: Value = app.post_consent(&body).await.json().await.unwrap();
    let token = receipt["token"].as_str().unwrap();

    // Decided on the English site: English, with category names, not ids.
    let page = page_with(&app, "/my-consent", Some(token), Some("nl")).await;
    assert_eq!(html_lang(&page), "en");
    assert_eq!(granted_of(&page), "Necessary, Analytics");
    assert_eq!(
        link(&page, "nav a[hreflang=nl]"),
        "/my-consent?lang=nl",
        "a switch to Dutch"
    );
    assert_eq!(
        link(&page, "a[href^=\"/privacy\"]"),
        "/privacy?site=www&lang=en"
    );

    // The switch: asked for, Dutch.
    let page = page_with(&app, "/my-consent?lang=nl", Some(token), None).await;
    assert_eq!(html_lang(&page), "nl");
    assert_eq!(granted_of(&page), "Noodzakelijk, Statistieken");
}

#[tokio::test]
async fn without_a_consent_the_browsers_language_decides_then_the_sites() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let english = page_with(
        &app,
        "/my-consent",
        None,
        Some("de-DE, en-GB;q=0.8, nl;q=0.5"),
    )
    .await;
    assert_eq!(html_lang(&english), "en");
    let german_only = page_with(&app, "/my-consent", None, Some("de")).await;
    assert_eq!(html_lang(&german_only), "nl", "the site's default language");

    let privacy = page_with(&app, "/privacy?site=www", None, Some("en-US,en;q=0.9")).await;
    assert_eq!(html_lang(&privacy), "en");
    let asked = page_with(&app, "/privacy?site=www&lang=nl", None, Some("en")).await;
    assert_eq!(html_lang(&asked), "nl", "?lang= wins over the browser");
    let default = page_with(&app, "/privacy?site=www", None, None).await;
    assert_eq!(html_lang(&default), "nl");
}

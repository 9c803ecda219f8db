//! The privacy statement is rendered from the policies: every vendor, cookie,
//! processor and right is on the page, in both languages (checked by parsing
//! the HTML, not by matching template text).

use scraper::{Html, Selector};

use crate::helpers::{Backend, spawn_app};

fn texts(page: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).unwrap();
    page.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

#[tokio::test]
async fn statement_declares_every_vendor_cookie_processor_and_right_in_both_languages() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let set = policies::PolicySet::shipped().unwrap();
    for site in ["www", "app"] {
        let policy = &set.site(site).unwrap().policy;
        for lang in ["nl", "en"] {
            let url = app.url(&format!("/privacy?site={site}&lang={lang}"));
            let response = app.client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{site}/{lang}");
            assert!(
                response.headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("script-src 'self'")
            );
            let page = Html::parse_document(&response.text().await.unwrap());
            let root = page.root_element().value().attr("lang");
            assert_eq!(root, Some(lang), "{site}/{lang}: html lang");
            let vendors = texts(&page, "th.vendor .vendor-name");
            for vendor in &policy.vendors {
                assert!(
                    vendors.contains(&vendor.name),
                    "{site}/{lang}: vendor {} missing",
                    vendor.name
                );
            }
            let cookies = texts(&page, "table.cookies td > code");
            for cookie in policy.vendors.iter().flat_map(|v| &v.cookies) {
                assert!(
                    cookies.contains(&cookie.name),
                    "{site}/{lang}: cookie {} missing",
                    cookie.name
                );
            }
            let processors = texts(&page, "table.processors td a");
            for processor in &set.organization.processors {
                assert!(
                    processors.contains(&processor.name),
                    "{site}/{lang}: processor {} missing",
                    processor.name
                );
            }
            let sections: Vec<String> = page
                .select(&Selector::parse("main > section").unwrap())
                .filter_map(|s| s.value().attr("id").map(str::to_owned))
                .collect();
            for right in [
                "access",
                "erasure",
                "restriction",
                "portability",
                "objection",
                "withdrawal",
                "complaint",
            ] {
                assert!(
                    sections.contains(&right.to_owned()),
                    "{site}/{lang}: right {right} missing"
                );
            }
            let links = texts(&page, "section#complaint a");
            assert_eq!(links.len(), 1, "the complaint route links to the authority");
        }
    }
}

#[tokio::test]
async fn unknown_site_has_no_statement() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let response = app.get("/privacy?site=shop").await;
    assert_eq!(response.status(), 404);
}

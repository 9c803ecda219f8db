//! The same-origin deployment behind a real nginx: a site that serves the
//! consent paths on its own origin gets the consent cookie from the server
//! (`Set-Cookie`, which Safari does not cap at 7 days as it caps cookies a
//! script writes), and the server stores the visitor's network, read from
//! the proxy it trusts. Straight to the server, cross-origin, nothing changes.

use serde_json::Value;

use crate::helpers::{all, consent_body};
use crate::nginx::proxied_site;

#[tokio::test]
async fn behind_the_sites_own_proxy_the_server_sets_the_consent_cookie() {
    let Some((nginx, server, _app)) = proxied_site().await else {
        return;
    };
    let site = nginx.origin.clone();
    let version = server.get_text("/v1/sites/www/policy").await;
    let version: Value = serde_json::from_str(&version).unwrap();
    let mut body = consent_body(all("www", true));
    body["policy_version"] = version["version"].clone();
    body["url"] = format!("{site}/prijzen").into();

    // The visitor's browser, on an address of its own network.
    let visitor = reqwest::Client::builder()
        .local_address("127.0.1.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let response = visitor
        .post(format!("{}/v1/consents", nginx.origin))
        .header("Origin", &site)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["cookie_set_by_server"], true);
    let token = receipt["token"].as_str().unwrap();
    assert!(
        set_cookie.starts_with(&format!("nexxt_consent={token}; ")),
        "{set_cookie}"
    );
    for part in ["Path=/", "SameSite=Lax"] {
        assert!(set_cookie.contains(part), "{part} in {set_cookie}");
    }
    assert!(
        !set_cookie.contains("HttpOnly"),
        "the loader verifies it: {set_cookie}"
    );
    assert!(
        !set_cookie.contains("Secure"),
        "plain http here: {set_cookie}"
    );
    let max_age: i64 = set_cookie
        .split("Max-Age=")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("Max-Age in {set_cookie}"));
    let year = 365 * 86_400;
    assert!(
        (year - 60..=year).contains(&max_age),
        "the token's lifetime: {max_age}"
    );

    let history: Value = visitor
        .get(format!(
            "{}/v1/consents/{}",
            nginx.origin,
            receipt["consent_id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["events"][0]["ip_prefix"], "127.0.1.0/24",
        "the visitor's network from the trusted proxy, not the proxy's"
    );

    // Cross-origin, straight to the server: as today, the loader stores it.
    let mut direct = consent_body(all("www", false));
    direct["policy_version"] = version["version"].clone();
    let response = server
        .client
        .post(server.url("/v1/consents"))
        .header("Origin", "https://www.nexxtjourneys.com")
        .json(&direct)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("set-cookie").is_none());
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["cookie_set_by_server"], false);

    // An Origin that names the proxy's host but no site of ours: no cookie.
    let response = visitor
        .post(format!("{}/v1/consents", nginx.origin))
        .header("Origin", &site)
        .header("Host", "evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
}

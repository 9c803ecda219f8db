//! Cross-origin access is limited to the policies' site origins; every
//! response carries the baseline security headers.

use crate::helpers::{Backend, all, consent_body, spawn_app};
use crate::server_process::ServerProcess;

#[tokio::test]
async fn only_the_policies_origins_may_call_the_api_cross_origin() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let post = |origin: &'static str| {
        app.client
            .post(app.url("/v1/consents"))
            .header("Origin", origin)
            .json(&consent_body(all("www", true)))
            .send()
    };
    let allowed = post("https://www.nexxtjourneys.com").await.unwrap();
    assert_eq!(allowed.status(), 201);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://www.nexxtjourneys.com"
    );

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/consents"))
        .header("Origin", "https://app.nexxtjourneys.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(
        preflight.status().is_success(),
        "preflight {}",
        preflight.status()
    );
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.nexxtjourneys.com"
    );

    let foreign = post("https://evil.example").await.unwrap();
    assert_eq!(foreign.status(), 400, "a foreign origin is refused");
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS grant for a foreign origin"
    );
    assert_eq!(
        app.event_count().await,
        1,
        "a foreign origin stored nothing"
    );
}

#[tokio::test]
async fn responses_carry_baseline_security_headers() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for path in [
        "/healthz",
        "/examples/www/",
        "/privacy",
        "/v1/sites/www/policy",
    ] {
        let response = app.get(path).await;
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert_eq!(
            response.headers()["referrer-policy"],
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
    // Every HTML page: no inline script; wasm only where the banner runs.
    for (path, runs_banner) in [
        ("/examples/www/", true),
        ("/examples/app/", true),
        ("/privacy", true),
        ("/my-consent", false),
    ] {
        let page = app.get(path).await;
        assert!(
            page.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            csp.contains("'wasm-unsafe-eval'"),
            runs_banner,
            "{path}: {csp}"
        );
        if runs_banner {
            assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
}

/// What the server writes to its log while serving a visitor never holds the
/// visitor's token, consent id, network or browser.
#[tokio::test]
async fn logs_hold_no_token_consent_id_ip_or_user_agent() {
    let dir = crate::helpers::temp_dir();
    let server = ServerProcess::start(&["--data-dir", dir.to_str().unwrap()]);
    let client = reqwest::Client::new();
    let url = |path: &str| server.url(path);
    let receipt: serde_json::Value = client
        .post(url("/v1/consents"))
        .header("User-Agent", "SecretAgent/7.7")
        .json(&consent_body(all("www", true)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, token) = (
        receipt["consent_id"].as_str().unwrap(),
        receipt["token"].as_str().unwrap(),
    );
    client
        .get(url(&format!("/v1/consents/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    client
        .delete(url(&format!("/v1/consents/{id}")))
        .bearer_auth("forged.token.value")
        .send()
        .await
        .unwrap();
    client
        .delete(url(&format!("/v1/consents/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let log = server.kill_and_read_log();
    assert!(
        log.iter()
            .any(|l| l.contains("route=/v1/consents/{consent_id}")),
        "requests were logged"
    );
    for secret in [
        token,
        id,
        "127.0.0.0/24",
        "SecretAgent",
        "forged.token.value",
        "Bearer",
    ] {
        assert!(
            !log.iter().any(|l| l.contains(secret)),
            "the log holds {secret}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

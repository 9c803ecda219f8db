//! Cross-origin access is limited to the policies' site origins; every
//! response carries the baseline security headers.

use crate::helpers::{Backend, all, consent_body, spawn_app};

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
        let response = app.client.get(app.url(path)).send().await.unwrap();
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
    let page = app
        .client
        .get(app.url("/examples/www/"))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self' 'nonce-") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

/// What the server writes to its log while serving a visitor never holds the
/// visitor's token, consent id, network or browser.
#[tokio::test]
async fn logs_hold_no_token_consent_id_ip_or_user_agent() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = crate::helpers::temp_dir();
    let mut server = Command::new(env!("CARGO_BIN_EXE_consent-server"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--checkpoint-interval",
            "0",
            "--data-dir",
            dir.to_str().unwrap(),
        ])
        .env_remove("RUST_LOG")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let stderr = server.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(strip_ansi(&line));
        }
    });
    let address = loop {
        let line = lines_rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the server logs its address");
        if let Some(rest) = line
            .split("address=")
            .nth(1)
            .filter(|_| line.contains("listening"))
        {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{address}{path}");
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
    server.kill().unwrap();
    server.wait().unwrap();
    reader.join().unwrap(); // every line up to the kill has been read
    let log: Vec<String> = lines_rx.try_iter().collect();
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

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

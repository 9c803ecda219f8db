//! Spawning an app per test, with its own database, and request helpers.

use std::path::PathBuf;
use std::sync::Once;

use consent_server::configuration::{DatabaseSettings, Settings};
use consent_server::startup::Application;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            #[cfg_attr(skip_postgres_tests, ignore = "TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

/// One running app and the database behind it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub db_url: String,
    pub data_dir: PathBuf,
    pg: Option<PgDatabase>,
    /// Whether this app made `data_dir` (and removes it when dropped): a
    /// second instance on the same directory must not delete the first's
    /// database under it.
    owns_data_dir: bool,
}

/// A throwaway PostgreSQL database, dropped with the test.
struct PgDatabase {
    admin_url: String,
    name: String,
}

static SKIP_NOTICE: Once = Once::new();

/// The admin URL of the test PostgreSQL, or `None` (with a loud notice) when
/// none is configured. Under `CI=true` a missing PostgreSQL fails the test.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but TEST_POSTGRES_URL is not set: PostgreSQL tests cannot be skipped in CI"
            )
        }
        _ => {
            SKIP_NOTICE.call_once(|| {
                eprintln!(
                    "\n!!! TEST_POSTGRES_URL is not set: PostgreSQL tests are SKIPPED.\n\
                     !!! Set it, e.g. TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres\n"
                );
            });
            None
        }
    }
}

/// A fresh database URL for `backend`, or `None` when it is not available.
pub async fn fresh_database(
    backend: Backend,
    data_dir: &std::path::Path,
) -> Option<(String, Option<String>)> {
    match backend {
        Backend::Sqlite => Some((
            format!("sqlite://{}", data_dir.join("consent.db").display()),
            None,
        )),
        Backend::Postgres => {
            let admin = postgres_admin_url()?;
            let (url, name) = consent_server::storage::create_scratch(&admin, "consent_test")
                .await
                .expect("TEST_POSTGRES_URL answers and can create a test database");
            Some((url, Some(name)))
        }
    }
}

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("consent-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Spawns an app on a free port with a fresh database; `None` when the
/// backend is not available here.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let data_dir = temp_dir();
    let (db_url, pg_name) = fresh_database(backend, &data_dir).await?;
    let mut app = spawn_on(&db_url, &data_dir, None).await;
    app.owns_data_dir = true;
    app.pg = pg_name.map(|name| PgDatabase {
        admin_url: postgres_admin_url().unwrap(),
        name,
    });
    Some(app)
}

/// Spawns another app on an existing database (a second server instance).
pub async fn spawn_on(
    db_url: &str,
    data_dir: &std::path::Path,
    policies: Option<PathBuf>,
) -> TestApp {
    spawn_limited(db_url, data_dir, policies, 0).await
}

/// Like [`spawn_on`], with a write rate limit (tests otherwise run without).
pub async fn spawn_limited(
    db_url: &str,
    data_dir: &std::path::Path,
    policies: Option<PathBuf>,
    write_rate_limit: u32,
) -> TestApp {
    spawn_behind(db_url, data_dir, policies, write_rate_limit, &[]).await
}

/// Like [`spawn_limited`], believing `X-Forwarded-For` from `proxies`.
pub async fn spawn_behind(
    db_url: &str,
    data_dir: &std::path::Path,
    policies: Option<PathBuf>,
    write_rate_limit: u32,
    proxies: &[&str],
) -> TestApp {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseSettings {
            url: db_url.to_owned(),
            data_dir: data_dir.to_owned(),
        },
        policies,
        issuer: "nexxt-consent".to_owned(),
        checkpoint_interval: 0,
        write_rate_limit,
        trusted_proxies: consent_server::client_ip::TrustedProxies::parse(proxies).unwrap(),
    };
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let db = consent_server::storage::connect(db_url)
        .await
        .expect("test connects");
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        db_url: db_url.to_owned(),
        data_dir: data_dir.to_owned(),
        pg: None,
        owns_data_dir: false,
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await; a short-lived runtime on its own thread can.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(consent_server::storage::drop_scratch(&admin, &name))
        });
        if let Ok(Err(e)) = dropped.join() {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.pg.is_none() && self.owns_data_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// The shipped policies, parsed once: parsing per request would starve the
/// test's single-threaded runtime.
fn shipped() -> &'static policies::PolicySet {
    static SET: std::sync::OnceLock<policies::PolicySet> = std::sync::OnceLock::new();
    SET.get_or_init(|| policies::PolicySet::shipped().expect("shipped policies load"))
}

/// Every category of `site` with the value `on`, `necessary` always true.
pub fn all(site: &str, on: bool) -> Value {
    let policy = &shipped().site(site).unwrap().policy;
    policy
        .category_ids()
        .map(|c| (c.to_owned(), json!(c == "necessary" || on)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub fn current_version(site: &str) -> String {
    shipped().site(site).unwrap().policy.site.version.clone()
}

/// A valid consent body for `www`.
/// The token of a `POST /v1/consents` receipt.
pub fn token_of(receipt: &Value) -> &str {
    receipt["token"].as_str().unwrap()
}

/// The consent id of a `POST /v1/consents` receipt.
pub fn id_of(receipt: &Value) -> &str {
    receipt["consent_id"].as_str().unwrap()
}

pub fn consent_body(choices: Value) -> Value {
    json!({
        "site": "www",
        "policy_version": current_version("www"),
        "choices": choices,
        "url": "https://www.nexxtjourneys.com/prijzen?email=someone@example.com",
        "locale": "nl",
        "source": "banner",
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `GET path` without credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// `GET path` with `key` as its bearer credential (an auditor's key).
    pub async fn get_with_key(&self, path: &str, key: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request sent")
    }

    /// The body of `GET path`, whatever its status.
    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body read")
    }

    pub async fn post_consent(&self, body: &Value) -> reqwest::Response {
        self.post_consent_with(body, None).await
    }

    /// `POST /v1/consents`, with a consent token as bearer when given.
    pub async fn post_consent_with(&self, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/v1/consents"))
            .header("User-Agent", "Mozilla/5.0 (test)")
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Adds an auditor through the CLI and returns the key it printed.
    pub fn add_auditor(&self, name: &str) -> String {
        let output = self.cli(&["auditors", "add", name]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// The `/metrics` text, read with an auditor key.
    pub async fn metrics(&self, key: &str) -> String {
        let response = self.get_with_key("/metrics", key).await;
        assert_eq!(response.status(), 200, "metrics readable with the key");
        response.text().await.unwrap()
    }

    /// `GET /v1/consent-status` with `token` as bearer.
    pub async fn token_status(&self, token: &str) -> reqwest::Response {
        let request = self.client.get(self.url("/v1/consent-status"));
        request.bearer_auth(token).send().await.unwrap()
    }

    /// Records a consent that must succeed; returns the receipt.
    pub async fn consent(&self, choices: Value) -> Value {
        let response = self.post_consent(&consent_body(choices)).await;
        assert_eq!(response.status(), 201, "consent accepted");
        response.json().await.unwrap()
    }

    pub async fn get_history(&self, consent_id: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .get(self.url(&format!("/v1/consents/{consent_id}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn delete_consent(&self, consent_id: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .delete(self.url(&format!("/v1/consents/{consent_id}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn event_count(&self) -> u64 {
        consent_server::storage::count_events(&self.db)
            .await
            .unwrap()
    }

    pub async fn jwks(&self) -> Value {
        self.get("/.well-known/jwks.json")
            .await
            .json()
            .await
            .unwrap()
    }

    /// Runs the `consent-server` binary with `args` on this app's database and data dir.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
            .args(args)
            .args([
                "--database-url",
                &self.db_url,
                "--data-dir",
                self.data_dir.to_str().unwrap(),
            ])
            .env_remove("DATABASE_URL")
            .output()
            .expect("consent-server runs")
    }

    /// Runs `consent-server audit verify` against this app's database.
    pub fn verify_cli(&self) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
            .args(["audit", "verify", "--database-url", &self.db_url])
            .env_remove("DATABASE_URL")
            .output()
            .expect("consent-server runs")
    }
}

/// Verifies `token` the way a site's backend would: JWKS only, standard library.
pub fn verify_with_jwks(jwks: &Value, token: &str, site: &str) -> Value {
    let set: JwkSet = serde_json::from_value(jwks.clone()).expect("a standard JWK Set");
    let kid = jsonwebtoken::decode_header(token)
        .unwrap()
        .kid
        .expect("kid header");
    let jwk = set.find(&kid).expect("kid is published");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[site]);
    validation.set_issuer(&["nexxt-consent"]);
    let key = DecodingKey::from_jwk(jwk).unwrap();
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("token verifies")
        .claims
}

/// A policy directory with the shipped files, `www.toml` changed by `edit`.
pub fn policies_with_www(edit: impl FnOnce(String) -> String) -> std::path::PathBuf {
    let dir = temp_dir();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies");
    for sub in ["sites", "statement"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for file in [
        "organization.toml",
        "sites/app.toml",
        "statement/nl.toml",
        "statement/en.toml",
    ] {
        std::fs::copy(format!("{root}/{file}"), dir.join(file)).unwrap();
    }
    let www = std::fs::read_to_string(format!("{root}/sites/www.toml")).unwrap();
    std::fs::write(dir.join("sites/www.toml"), edit(www)).unwrap();
    dir
}

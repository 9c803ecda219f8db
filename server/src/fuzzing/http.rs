//! Any request a client can send, against a running server: the fuzzer's
//! bytes choose a method and a route and fill the path, query, credentials
//! and body, with placeholders for a real consent's id and token and an
//! auditor's key so that inputs reach the logic behind the checks, not only
//! the 401s and 404s. Whatever the input, the server answers with a status
//! below 500 and keeps answering.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A running server and the credentials its placeholders stand for.
#[derive(Debug, Clone)]
pub struct HttpTarget {
    pub address: SocketAddr,
    /// `$ID` and `$TOKEN`: a recorded consent.
    pub consent_id: String,
    pub token: String,
    /// `$KEY`: an auditor's key.
    pub auditor_key: String,
}

const METHODS: [&str; 7] = ["GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD", "FUZZ"];
const PATHS: [&str; 18] = [
    "/v1/consents",
    "/v1/consents/{}",
    "/v1/consent-status",
    "/v1/audit/events",
    "/v1/audit/stats",
    "/audit/report",
    "/v1/audit/checkpoints",
    "/v1/audit/keys",
    "/v1/sites/{}/policy",
    "/v1/sites/{}/loader.js",
    "/v1/sites/{}/banner.json",
    "/banner/{}",
    "/my-consent",
    "/my-consent/export",
    "/my-consent/erase",
    "/privacy",
    "/metrics",
    "/examples/{}/",
];

/// Sends the request `data` describes and returns the status.
///
/// Layout: byte 0 the method, byte 1 the route, then fields separated by
/// 0xFF: path segment, query, `Authorization`, `Cookie`, `Origin`,
/// `Content-Type`, body.
///
/// # Panics
/// When the server answers 5xx (503 aside: the ledger may be busy), drops
/// the connection without an answer, or answers something that is not HTTP.
pub fn http_request(target: &HttpTarget, data: &[u8]) -> u16 {
    let [method, route, rest @ ..] = data else {
        return 0;
    };
    let mut fields = rest.split(|b| *b == 0xFF);
    let mut field = || fill(target, fields.next().unwrap_or_default());
    let method = METHODS[usize::from(*method) % METHODS.len()];
    let path = PATHS[usize::from(*route) % PATHS.len()].replace("{}", &path_safe(&field()));
    let query = path_safe(&field());
    let headers = [
        ("Authorization", field()),
        ("Cookie", field()),
        ("Origin", field()),
        ("Content-Type", field()),
    ];
    let raw_body = fields_rest(rest);
    let body = match std::str::from_utf8(raw_body) {
        Ok(text) => fill(target, text.as_bytes()).into_bytes(),
        Err(_) => raw_body.to_vec(),
    };
    let mut request = format!(
        "{method} {path}{}{query} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n",
        if query.is_empty() { "" } else { "?" }
    );
    for (name, value) in headers {
        let value = header_safe(&value);
        if !value.is_empty() {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(&body);
    let status = exchange(target.address, &bytes);
    assert!(
        status < 500 || status == 503,
        "{status} for {}",
        String::from_utf8_lossy(&bytes)
    );
    status
}

/// The body: whatever follows the sixth separator.
fn fields_rest(rest: &[u8]) -> &[u8] {
    let mut at = 0;
    for _ in 0..6 {
        match rest[at..].iter().position(|b| *b == 0xFF) {
            Some(i) => at += i + 1,
            None => return &[],
        }
    }
    &rest[at..]
}

fn fill(target: &HttpTarget, raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .replace("$ID", &target.consent_id)
        .replace("$TOKEN", &target.token)
        .replace("$KEY", &target.auditor_key)
}

/// Percent-encodes what a request line cannot carry as it is.
fn path_safe(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'='
            | b'&'
            | b'%'
            | b'+'
            | b':' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A header value without line breaks or control characters.
fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn exchange(address: SocketAddr, request: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    stream.write_all(request).expect("the request is sent");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    status.unwrap_or_else(|| panic!("no HTTP answer (connection dropped?): {head:?}"))
}

/// Starts a server on loopback with a fresh SQLite ledger in a temporary
/// directory, records one consent and adds one auditor: the target the
/// fuzzer and the corpus replay send their requests to.
///
/// # Panics
/// When the server cannot start; this is test set-up.
pub async fn spawn_target() -> HttpTarget {
    use crate::configuration::{DatabaseSettings, Settings};
    let dir = std::env::temp_dir().join(format!("consent-fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let url = format!("sqlite://{}", dir.join("consent.db").display());
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("an address"),
        database: DatabaseSettings {
            url: url.clone(),
            data_dir: dir,
        },
        policies: None,
        issuer: "nexxt-consent".to_owned(),
        checkpoint_interval: 0,
        write_rate_limit: 0,
        trusted_proxies: Default::default(),
    };
    let app = crate::startup::Application::build(settings)
        .await
        .expect("the server builds");
    let address = SocketAddr::from(([127, 0, 0, 1], app.port()));
    tokio::spawn(app.run_until_stopped());
    let db = crate::storage::connect(&url)
        .await
        .expect("the test connects");
    let (auditor_key, hash) = crate::auditors::generate_key();
    crate::storage::insert_auditor(&db, "fuzz", &hash, &crate::clock::now())
        .await
        .expect("an auditor");
    let receipt = tokio::task::spawn_blocking(move || first_consent(address))
        .await
        .expect("the consent is recorded");
    HttpTarget {
        address,
        consent_id: receipt["consent_id"].as_str().expect("an id").to_owned(),
        token: receipt["token"].as_str().expect("a token").to_owned(),
        auditor_key,
    }
}

fn first_consent(address: SocketAddr) -> serde_json::Value {
    let body = r#"{"site":"www","policy_version":"2026-11-25","choices":{"necessary":true,"analytics":true,"experience":true,"marketing":true,"support":true}}"#;
    let version = crate::fuzzing::shipped_version("www");
    let body = body.replace("2026-11-25", &version);
    let request = format!(
        "POST /v1/consents HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answered");
    let (_, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    serde_json::from_str(json).expect("a receipt")
}

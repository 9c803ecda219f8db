//! A site's backend deciding which tags it may render, from the consent
//! cookie alone: fetch the JWKS once (cache it), verify the token offline.
//!
//! ```text
//! cargo run -p consent-server --example verify_token -- http://127.0.0.1:8080 www <token>
//! ```
//!
//! Nothing here is specific to nexxt-consent: any JWT library that speaks
//! EdDSA verifies the token the same way.

use std::process::ExitCode;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The claims a site cares about.
#[derive(Debug, Deserialize)]
struct Consent {
    sub: String,
    exp: i64,
    /// Policy version: when it is not the current one, show the banner again.
    pv: String,
    /// Granted categories.
    cat: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, site, token] = args.as_slice() else {
        eprintln!("usage: verify_token SERVER_URL SITE TOKEN");
        return ExitCode::from(2);
    };
    match run(server, site, token).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("not verified: {error}");
            ExitCode::from(1)
        }
    }
}

async fn run(server: &str, site: &str, token: &str) -> Result<(), Box<dyn std::error::Error>> {
    // A real site fetches this once and caches it (the server says for how long).
    let jwks: JwkSet = reqwest::get(format!("{server}/.well-known/jwks.json"))
        .await?
        .json()
        .await?;
    let consent = verify(&jwks, site, token)?;
    println!(
        "consent {} (policy {}) valid until unix time {}",
        consent.sub, consent.pv, consent.exp
    );
    let policy: serde_json::Value = reqwest::get(format!("{server}/v1/sites/{site}/policy"))
        .await?
        .json()
        .await?;
    for vendor in policy["vendors"].as_array().into_iter().flatten() {
        let category = vendor["category"].as_str().unwrap_or_default();
        let verdict = if consent.cat.iter().any(|c| c == category) {
            "render"
        } else {
            "skip"
        };
        println!(
            "{verdict:>6}  {:<28} ({category})",
            vendor["name"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}

/// Pins the algorithm, checks issuer, audience (the site) and expiry.
fn verify(jwks: &JwkSet, site: &str, token: &str) -> Result<Consent, Box<dyn std::error::Error>> {
    let kid = jsonwebtoken::decode_header(token)?
        .kid
        .ok_or("token has no kid")?;
    let jwk = jwks.find(&kid).ok_or("token signed by an unknown key")?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[site]);
    validation.set_issuer(&["nexxt-consent"]);
    let key = DecodingKey::from_jwk(jwk)?;
    Ok(jsonwebtoken::decode::<Consent>(token, &key, &validation)?.claims)
}

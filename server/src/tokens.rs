//! Consent tokens: Ed25519-signed JWTs that a site verifies offline with the
//! JWKS. The algorithm is pinned; every decode failure is the same error.

use std::fmt;
use std::path::Path;

use anyhow::Context;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::storage::PublicKeyRow;

const ALGORITHM: Algorithm = Algorithm::EdDSA;
/// Name of the JWK algorithm column, as stored and published.
pub const JWK_ALG: &str = "EdDSA";
const KEY_FILE: &str = "signing-key.ed25519.pk8";
/// Clock skew tolerated between this server and a site verifying its tokens.
const LEEWAY_SECONDS: u64 = 30;

/// The claims of a consent token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentClaims {
    pub iss: String,
    /// The consent id.
    pub sub: String,
    /// The site id.
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Policy version the choice was made under.
    pub pv: String,
    /// Policy content hash.
    pub ph: String,
    /// Granted categories.
    pub cat: Vec<String>,
    /// Whether a Global Privacy Control signal was honoured.
    pub gpc: bool,
}

/// The one answer to any token that does not verify.
#[derive(Debug, thiserror::Error)]
#[error("invalid token")]
pub struct InvalidToken;

/// This instance's private signing key.
pub struct SigningKey {
    encoding: EncodingKey,
    public: PublicKeyRow,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.public.kid)
            .field("private", &"[redacted]")
            .finish()
    }
}

impl SigningKey {
    /// Loads the key from `data_dir`, creating one on first start.
    ///
    /// # Errors
    /// When the key file cannot be read or written, or is not an Ed25519 key.
    pub fn load_or_generate(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let pkcs8 = if path.exists() {
            std::fs::read(&path).with_context(|| format!("while reading {}", path.display()))?
        } else {
            let doc = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("could not generate an Ed25519 key"))?;
            write_private(&path, doc.as_ref())?;
            tracing::info!(path = %path.display(), "generated a new token signing key");
            doc.as_ref().to_vec()
        };
        Self::from_pkcs8(&pkcs8)
            .with_context(|| format!("{} is not an Ed25519 key", path.display()))
    }

    /// Replaces the key in `data_dir` with a fresh one and returns it. The
    /// old private key is overwritten: nothing can sign with it again. Its
    /// public half stays published while its tokens are unexpired.
    ///
    /// # Errors
    /// When the new key cannot be written or moved in place.
    pub fn rotate(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let fresh = data_dir.join(format!("{KEY_FILE}.new"));
        let _ = std::fs::remove_file(&fresh); // a rotation that died half-way
        let doc = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("could not generate an Ed25519 key"))?;
        write_private(&fresh, doc.as_ref())?;
        // A rename is atomic: a server starting now reads the old key or the
        // new one, never half of either.
        std::fs::rename(&fresh, &path)
            .with_context(|| format!("while moving the new key to {}", path.display()))?;
        Self::from_pkcs8(doc.as_ref())
    }

    fn from_pkcs8(pkcs8: &[u8]) -> anyhow::Result<Self> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|e| anyhow::anyhow!("{e}"))?;
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        provider::remember(pkcs8, pair);
        Ok(Self {
            encoding: EncodingKey::from_ed_der(pkcs8),
            public: PublicKeyRow {
                kid: thumbprint(&x),
                algorithm: JWK_ALG.to_owned(),
                public_key: x,
            },
        })
    }

    pub fn public(&self) -> &PublicKeyRow {
        &self.public
    }

    /// Signs `claims` with this key, naming it in the `kid` header.
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.public.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .expect("signing with a loaded Ed25519 key cannot fail")
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("while creating {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("while writing {}", path.display()))
}

/// RFC 7638 JWK thumbprint of an Ed25519 public key: a stable `kid`.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical))
}

/// The `kid` a token claims to be signed with, read before verification.
///
/// # Errors
/// [`InvalidToken`] when the header is unreadable, not EdDSA or has no `kid`.
pub fn key_id(token: &str) -> Result<String, InvalidToken> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| InvalidToken)?;
    if header.alg != ALGORITHM {
        return Err(InvalidToken);
    }
    header.kid.ok_or(InvalidToken)
}

/// Verifies signature, issuer and expiry of a token against one public key.
///
/// # Errors
/// [`InvalidToken`] for any failure, whatever it was.
pub fn verify(
    token: &str,
    key: &PublicKeyRow,
    issuer: &str,
) -> Result<ConsentClaims, InvalidToken> {
    provider::install();
    let decoding = DecodingKey::from_ed_components(&key.public_key).map_err(|_| InvalidToken)?;
    let mut validation = Validation::new(ALGORITHM);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    // The audience is the site; callers compare it with the site they serve.
    validation.validate_aud = false;
    validation.leeway = LEEWAY_SECONDS;
    jsonwebtoken::decode::<ConsentClaims>(token, &decoding, &validation)
        .map(|data| data.claims)
        .map_err(|_| InvalidToken)
}

/// Verifies a signed statement of the ledger (checkpoint, export seal):
/// signature and issuer; such statements do not expire.
///
/// # Errors
/// [`InvalidToken`] for any failure.
pub fn verify_statement<T: serde::de::DeserializeOwned>(
    token: &str,
    key: &PublicKeyRow,
    issuer: Option<&str>,
) -> Result<T, InvalidToken> {
    provider::install();
    let decoding = DecodingKey::from_ed_components(&key.public_key).map_err(|_| InvalidToken)?;
    let mut validation = Validation::new(ALGORITHM);
    if let Some(issuer) = issuer {
        validation.set_issuer(&[issuer]);
    }
    validation.set_required_spec_claims(&["iss"]);
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<T>(token, &decoding, &validation)
        .map(|data| data.claims)
        .map_err(|_| InvalidToken)
}

/// Public keys read from a JWK Set document (OKP/Ed25519 entries only).
pub fn keys_from_jwks(jwks: &serde_json::Value) -> Vec<PublicKeyRow> {
    let keys = jwks["keys"].as_array().into_iter().flatten();
    keys.filter(|k| k["kty"] == "OKP" && k["crv"] == "Ed25519")
        .filter_map(|k| {
            Some(PublicKeyRow {
                kid: k["kid"].as_str()?.to_owned(),
                algorithm: JWK_ALG.to_owned(),
                public_key: k["x"].as_str()?.to_owned(),
            })
        })
        .collect()
}

/// The JWK Set document publishing `keys`.
pub fn jwks(keys: &[PublicKeyRow]) -> serde_json::Value {
    let keys: Vec<_> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": k.algorithm,
                "use": "sig",
                "kid": k.kid,
                "x": k.public_key,
            })
        })
        .collect();
    serde_json::json!({ "keys": keys })
}

mod provider;
#[cfg(test)]
mod tests;

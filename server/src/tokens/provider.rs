//! jsonwebtoken's signing through Ed25519 key pairs parsed once.
//!
//! `jsonwebtoken::encode` asks the process's crypto provider for a signer on
//! every call, and the stock aws-lc provider parses the PKCS#8 document each
//! time. For Ed25519 that parse derives the public key again: a fixed-base
//! scalar multiplication, as costly as the signature itself, on every consent
//! written. This provider keeps the parsed pairs of the keys this process
//! signs with. Everything else (other algorithms, unknown keys, all
//! verification) goes to the stock provider unchanged.

use std::sync::{Arc, LazyLock, Once, RwLock};

use aws_lc_rs::signature::Ed25519KeyPair;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, aws_lc};
use jsonwebtoken::signature::{Error, Signer};
use jsonwebtoken::{Algorithm, EncodingKey};

/// PKCS#8 documents of this process's signing keys, with their parsed pairs.
/// A handful at most (one per data directory a process opens).
static PARSED: RwLock<Vec<(Vec<u8>, Arc<Ed25519KeyPair>)>> = RwLock::new(Vec::new());

static PROVIDER: LazyLock<CryptoProvider> = LazyLock::new(|| CryptoProvider {
    signer_factory: signer,
    verifier_factory: aws_lc::DEFAULT_PROVIDER.verifier_factory,
    key_utils: aws_lc::DEFAULT_PROVIDER.key_utils.clone(),
});

/// Makes this the process's jsonwebtoken provider. Called before any token
/// is made or read; if something else chose a provider first, signing stays
/// correct, only slower.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if CryptoProvider::install_default(&PROVIDER).is_err() {
            tracing::debug!(
                "jsonwebtoken's provider was chosen elsewhere; keys are parsed per token"
            );
        }
    });
}

/// Whether tokens are signed through the parsed pairs.
#[cfg(test)]
pub fn is_installed() -> bool {
    install();
    CryptoProvider::install_default(&PROVIDER)
        .err()
        .is_some_and(|chosen| std::ptr::eq(chosen, &*PROVIDER))
}

/// Remembers `pair` as the parsed form of `pkcs8`.
pub fn remember(pkcs8: &[u8], pair: Ed25519KeyPair) {
    install();
    let mut parsed = PARSED.write().unwrap_or_else(|e| e.into_inner());
    if !parsed.iter().any(|(der, _)| der == pkcs8) {
        parsed.push((pkcs8.to_vec(), Arc::new(pair)));
    }
}

fn signer(
    algorithm: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *algorithm == Algorithm::EdDSA {
        let parsed = PARSED.read().unwrap_or_else(|e| e.into_inner());
        if let Some((_, pair)) = parsed.iter().find(|(der, _)| der == key.as_bytes()) {
            return Ok(Box::new(ParsedEd25519(Arc::clone(pair))));
        }
    }
    (aws_lc::DEFAULT_PROVIDER.signer_factory)(algorithm, key)
}

struct ParsedEd25519(Arc<Ed25519KeyPair>);

impl Signer<Vec<u8>> for ParsedEd25519 {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self.0.sign(message).as_ref().to_vec())
    }
}

impl JwtSigner for ParsedEd25519 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

//! Content Security Policy for the HTML pages we serve: no inline script or
//! style anywhere, scripts only from here or with the response's nonce.

use base64::Engine;

/// The policy of a page that runs the banner: scripts from here or carrying
/// `nonce`, and `'wasm-unsafe-eval'` because the banner is WebAssembly.
/// Pages without the banner get [`SCRIPTLESS`] instead.
pub fn banner_page(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of a page without any script at all.
pub const SCRIPTLESS: &str = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A fresh nonce for one response.
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random generator works");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_banner_pages_may_compile_wasm_and_none_runs_inline_script() {
        let banner = banner_page("n");
        assert!(banner.contains("script-src 'self' 'nonce-n' 'wasm-unsafe-eval';"));
        assert!(!SCRIPTLESS.contains("wasm") && SCRIPTLESS.contains("default-src 'none'"));
        for policy in [banner.as_str(), SCRIPTLESS] {
            assert!(!policy.contains("unsafe-inline"), "{policy}");
        }
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 24);
    }
}

//! The banner's files, as built by `banner-pipeline` into `banner-wasm/dist/`
//! and embedded by `build.rs`, each served under a content hash so browsers
//! may cache it forever.

use sha2::{Digest, Sha256};

use crate::encoded::Encoded;

const WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/banner_wasm_bg.wasm"));
const GLUE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/banner_wasm.js"));
const CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/banner.css"));
const EMBEDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embeds.js"));

/// One embedded file and the name it is served under.
pub struct Asset {
    /// `<hash>.<ext>`, the last path segment under `/banner/`.
    pub file: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// The bytes as sent: gzipped once here, not for every visitor.
    pub encoded: Encoded,
}

/// The banner's files: the dialog (wasm, glue, CSS) and the placeholders
/// of blocked embeds, loaded only by a page that has one.
pub struct BannerAssets {
    pub wasm: Asset,
    pub glue: Asset,
    pub css: Asset,
    pub embeds: Asset,
}

fn asset(bytes: &'static [u8], ext: &str, content_type: &'static str) -> Asset {
    let hash = hex::encode(&Sha256::digest(bytes)[..8]);
    Asset {
        file: format!("{hash}.{ext}"),
        content_type,
        bytes,
        encoded: Encoded::new(bytes),
    }
}

impl BannerAssets {
    pub fn embedded() -> Self {
        Self {
            wasm: asset(WASM, "wasm", "application/wasm"),
            glue: asset(GLUE, "js", "text/javascript; charset=utf-8"),
            css: asset(CSS, "css", "text/css; charset=utf-8"),
            embeds: asset(EMBEDS, "js", "text/javascript; charset=utf-8"),
        }
    }

    /// The asset served as `/banner/{file}`, if any.
    pub fn find(&self, file: &str) -> Option<&Asset> {
        [&self.wasm, &self.glue, &self.css, &self.embeds]
            .into_iter()
            .find(|a| a.file == file)
    }
}

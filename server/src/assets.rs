//! The banner's files, as built by `banner-pipeline` into `banner-wasm/dist/`
//! and embedded by `build.rs`, each served under a content hash so browsers
//! may cache it forever.

use sha2::{Digest, Sha256};

const WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/banner_wasm_bg.wasm"));
const GLUE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/banner_wasm.js"));
const CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/banner.css"));

/// One embedded file and the name it is served under.
pub struct Asset {
    /// `<hash>.<ext>`, the last path segment under `/banner/`.
    pub file: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// The three banner files.
pub struct BannerAssets {
    pub wasm: Asset,
    pub glue: Asset,
    pub css: Asset,
}

fn asset(bytes: &'static [u8], ext: &str, content_type: &'static str) -> Asset {
    let hash = hex::encode(&Sha256::digest(bytes)[..8]);
    Asset {
        file: format!("{hash}.{ext}"),
        content_type,
        bytes,
    }
}

impl BannerAssets {
    pub fn embedded() -> Self {
        Self {
            wasm: asset(WASM, "wasm", "application/wasm"),
            glue: asset(GLUE, "js", "text/javascript; charset=utf-8"),
            css: asset(CSS, "css", "text/css; charset=utf-8"),
        }
    }

    /// The asset served as `/banner/{file}`, if any.
    pub fn find(&self, file: &str) -> Option<&Asset> {
        [&self.wasm, &self.glue, &self.css]
            .into_iter()
            .find(|a| a.file == file)
    }
}

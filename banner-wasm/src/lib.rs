//! The nexxt-consent cookie banner, compiled to WebAssembly.
//!
//! Placeholder until the banner is built: it only reports its version, so the
//! workspace, the wasm target and the pinned wasm-bindgen are exercised.

use wasm_bindgen::prelude::wasm_bindgen;

/// The banner's version, as the loader will report it.
#[wasm_bindgen]
pub fn banner_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

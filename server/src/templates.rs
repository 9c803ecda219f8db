//! The one Handlebars registry, built at start-up in strict mode from
//! templates embedded in the binary.

use handlebars::Handlebars;

/// Name of the banner loader template.
pub const LOADER: &str = "loader.js";

/// # Errors
/// When an embedded template does not parse (a build-time mistake).
pub fn registry() -> anyhow::Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    // The loader is JavaScript, not HTML: its only variable is JSON we
    // serialize ourselves, inserted with a triple-stash, so no HTML escaping.
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string(LOADER, include_str!("../templates/loader.js.hbs"))?;
    Ok(hb)
}

//! Handlebars registries, built once at start-up in strict mode from
//! templates embedded in the binary: one for scripts, one for HTML pages,
//! because they need different escaping.

use handlebars::Handlebars;

/// Name of the banner loader template.
pub const LOADER: &str = "loader.js";
/// The loader template as built (minified), before the site's configuration
/// is put in; its hash is archived with each policy.
pub const LOADER_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/loader.js.hbs"));
/// Name of the data subject page template.
pub const MY_CONSENT: &str = "my-consent";
/// Name of the auditor's report template.
pub const REPORT: &str = "report";
/// Name of the privacy statement template.
pub const PRIVACY: &str = "privacy";

/// Templates that produce JavaScript.
pub struct Scripts(pub Handlebars<'static>);

/// Templates that produce HTML: every `{{value}}` is HTML-escaped.
pub struct Pages(pub Handlebars<'static>);

/// # Errors
/// When an embedded template does not parse (a build-time mistake).
pub fn scripts() -> anyhow::Result<Scripts> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    // JavaScript, not HTML: its only variables are an id and JSON we
    // serialize ourselves, so HTML escaping would only corrupt them.
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string(LOADER, LOADER_SOURCE)?;
    Ok(Scripts(hb))
}

/// # Errors
/// When an embedded template does not parse (a build-time mistake).
pub fn pages() -> anyhow::Result<Pages> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    for (name, template) in crate::routes::EXAMPLE_PAGES {
        hb.register_template_string(name, *template)?;
    }
    hb.register_template_string(PRIVACY, include_str!("../templates/privacy.html.hbs"))?;
    hb.register_template_string(REPORT, include_str!("../templates/report.html.hbs"))?;
    hb.register_template_string(MY_CONSENT, include_str!("../templates/my-consent.html.hbs"))?;
    Ok(Pages(hb))
}

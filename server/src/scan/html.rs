//! The report as one self-contained HTML page for people who are not
//! engineers: the verdict first, then what is wrong, then the evidence.

use handlebars::Handlebars;
use serde_json::json;

use super::report::{ScanReport, Verdict};

const TEMPLATE: &str = include_str!("../../templates/scan-report.html.hbs");

/// Each banner check in words.
const CHECK_TITLES: &[(&str, &str)] = &[
    ("banner_shown", "A new visitor is asked"),
    ("reject_on_first_layer", "Reject is on the first layer"),
    ("reject_as_prominent_as_accept", "Reject looks like accept"),
    ("no_pre_ticked_toggles", "Nothing is switched on in advance"),
    (
        "withdrawal_control",
        "The choice can be changed on the page",
    ),
    ("consent_recorded", "The server recorded the decision"),
];

/// Renders `report`; every value is HTML-escaped.
///
/// # Errors
/// When the embedded template does not parse (a build-time mistake).
pub fn render_html(report: &ScanReport) -> anyhow::Result<String> {
    let mut hb = Handlebars::new();
    // Strict mode would refuse the optional fields (`vendor`, `receipt`).
    hb.register_template_string("scan", TEMPLATE)?;
    let verdict_word = match report.verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
    };
    Ok(hb.render(
        "scan",
        &json!({
            "report": report,
            "verdict_word": verdict_word,
            "checks_total": report.banner_checks.len(),
            "titles": CHECK_TITLES.iter().copied().collect::<std::collections::BTreeMap<_, _>>(),
        }),
    )?)
}

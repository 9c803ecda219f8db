//! The rules for the banner itself: shown, rejecting as easy and as
//! visible as accepting, nothing pre-ticked, a way back on every page, and
//! every decision recorded by the server.

use std::collections::BTreeSet;

use serde_json::Value;

use super::cmp::Cmp;
use super::report::{Check, Finding, Severity};
use super::visit::Decision;

/// Checks of the first visit's banner of `cmp`; returns whether it was shown.
pub fn check(page: &str, cmp: Cmp, banner: Option<&Value>, checks: &mut Vec<Check>) -> bool {
    let mut add = |check: &str, passed: bool, detail: String| {
        checks.push(Check {
            check: check.to_owned(),
            page: page.to_owned(),
            visit: "no choice".to_owned(),
            passed,
            detail,
        });
    };
    let Some(banner) = banner.filter(|b| b["visible"] == true) else {
        add(
            "banner_shown",
            false,
            format!(
                "no visible consent banner ({} of {}) appeared within 10 s",
                cmp.selector(),
                cmp.id()
            ),
        );
        return false;
    };
    add("banner_shown", true, "the banner appeared".to_owned());
    let (accept, reject) = (&banner["accept"], &banner["reject"]);
    let reject_shown = reject["visible"] == true;
    add(
        "reject_on_first_layer",
        reject_shown,
        if reject_shown {
            format!("\"{}\" is on the first layer", text(reject))
        } else {
            "the first layer has no visible reject button".to_owned()
        },
    );
    if reject_shown {
        let (passed, detail) = prominence(accept, reject);
        add("reject_as_prominent_as_accept", passed, detail);
    }
    let ticked: Vec<&str> = banner["toggles"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|t| t["checked"] == true && t["category"] != policies::NECESSARY)
        .filter_map(|t| t["category"].as_str())
        .collect();
    add(
        "no_pre_ticked_toggles",
        ticked.is_empty(),
        if ticked.is_empty() {
            "every optional category starts off".to_owned()
        } else {
            format!(
                "switched on before the visitor chose: {}",
                ticked.join(", ")
            )
        },
    );
    true
}

/// Accept and reject must look alike: size, type and colours.
fn prominence(accept: &Value, reject: &Value) -> (bool, String) {
    if accept["visible"] != true {
        return (true, "no accept button on the first layer".to_owned());
    }
    let number = |v: &Value, k: &str| v[k].as_f64().unwrap_or(0.0);
    let (aw, ah, rw, rh) = (
        number(accept, "width"),
        number(accept, "height"),
        number(reject, "width"),
        number(reject, "height"),
    );
    let mut differences = Vec::new();
    // Within 10% in width (labels differ in length) and 2 px in height.
    if rw < aw * 0.9 || (rh - ah).abs() > 2.0 {
        differences.push(format!("size {rw}×{rh} against {aw}×{ah}"));
    }
    for (key, what) in [
        ("font_size", "font size"),
        ("font_weight", "font weight"),
        ("color", "text colour"),
        ("background", "background"),
    ] {
        if accept[key] != reject[key] {
            differences.push(format!("{what} {} against {}", reject[key], accept[key]));
        }
    }
    if differences.is_empty() {
        (
            true,
            format!(
                "both {aw}×{ah} px, weight {}, same colours",
                accept["font_weight"].as_str().unwrap_or("?")
            ),
        )
    } else {
        (
            false,
            format!("reject differs from accept: {}", differences.join("; ")),
        )
    }
}

/// After every decision a visible control must lead back to the settings.
pub fn withdrawal(page: &str, without: &[String], checks: &mut Vec<Check>) {
    checks.push(Check {
        check: "withdrawal_control".to_owned(),
        page: page.to_owned(),
        visit: "after each decision".to_owned(),
        passed: without.is_empty(),
        detail: if without.is_empty() {
            "a cookie-settings control was shown after every decision".to_owned()
        } else {
            format!(
                "no visible cookie-settings control after: {}",
                without.join(", ")
            )
        },
    });
}

/// What the server answered to one decision, and whether its ledger holds it.
pub struct Answer<'a> {
    /// `ok`, or why the decision could not be made.
    pub decided: Option<&'a str>,
    /// Of `POST /v1/consents`; 0 when none was sent.
    pub status: u16,
    pub consent_id: Option<&'a str>,
    /// What the signed token grants.
    pub granted: &'a BTreeSet<String>,
    /// The consent's history, asked as its holder, ends with the decision.
    pub in_ledger: bool,
}

impl Answer<'_> {
    /// Whether the decision granting `expected` was recorded as made, and
    /// the check's detail.
    pub fn judge(&self, expected: &BTreeSet<String>) -> (bool, String) {
        let recorded = self.status == 201 && self.granted == expected && self.in_ledger;
        let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
        let detail = match (self.decided, self.status) {
            (Some(outcome), _) if outcome != "ok" => {
                format!("the decision could not be made: {outcome}")
            }
            (_, 0) => "no POST /v1/consents was sent for the decision".to_owned(),
            _ if recorded => format!(
                "201; token grants {}; the server's history of {} ends with this decision",
                list(self.granted),
                self.consent_id.unwrap_or("?")
            ),
            _ => format!(
                "status {}; token grants [{}], expected [{}]; in the ledger: {}",
                self.status,
                list(self.granted),
                list(expected),
                self.in_ledger
            ),
        };
        (recorded, detail)
    }
}

/// Whether the server recorded the decision of one visit.
pub fn record(
    page: &str,
    decision: &Decision,
    recorded: bool,
    detail: String,
    checks: &mut Vec<Check>,
) {
    checks.push(Check {
        check: "consent_recorded".to_owned(),
        page: page.to_owned(),
        visit: decision.label(),
        passed: recorded,
        detail,
    });
}

/// Rule of the warning for a page whose banner the scanner cannot operate.
pub const BANNER_CHECKS_NOT_AVAILABLE: &str = "banner_checks_not_available";

/// The warning that the banner checks could not be made on `page`.
pub fn not_available(page: &str) -> Finding {
    let check = Check {
        check: BANNER_CHECKS_NOT_AVAILABLE.to_owned(),
        page: page.to_owned(),
        visit: "no choice".to_owned(),
        passed: false,
        detail: "no #nx-consent, #cc-main or .klaro element and no CookieConsent or klaro global within 10 s".to_owned(),
    };
    Finding {
        severity: Severity::Warning,
        ..finding(&check)
    }
}

/// A violation for a failed check, in words for the site owner.
pub fn finding(check: &Check) -> Finding {
    let message = match check.check.as_str() {
        "banner_shown" => "No consent banner was shown to a new visitor.",
        "reject_on_first_layer" => {
            "Rejecting is not possible on the banner's first layer: it must be as easy as accepting."
        }
        "reject_as_prominent_as_accept" => {
            "The reject button is less prominent than the accept button."
        }
        "no_pre_ticked_toggles" => {
            "Optional categories are switched on before the visitor chose: consent must be an active choice (Planet49)."
        }
        "withdrawal_control" => {
            "After a decision the page offers no visible way to change or withdraw it."
        }
        "consent_recorded" => "The server did not record this decision as the visitor made it.",
        BANNER_CHECKS_NOT_AVAILABLE => {
            "No consent banner the scanner knows (nexxt-consent, vanilla-cookieconsent, Klaro) was found, so the banner checks were not made and no decision was tried: the verdict covers what a visitor who made no choice met. Pass --cmp if the banner is one of these."
        }
        _ => "A banner check failed.",
    };
    Finding {
        severity: Severity::Violation,
        rule: check.check.clone(),
        page: check.page.clone(),
        visit: check.visit.clone(),
        subject: "banner".to_owned(),
        message: message.to_owned(),
        evidence: vec![check.detail.clone()],
    }
}

fn text(button: &Value) -> &str {
    button["text"].as_str().unwrap_or("?")
}

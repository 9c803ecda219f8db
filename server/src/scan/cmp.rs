//! The consent banners the scanner can judge and operate: ours,
//! vanilla-cookieconsent 3 and Klaro 0.7. For each, JavaScript that reads
//! the banner as a visitor meets it (the same shape for all: shown or not,
//! the first layer's accept and reject buttons as rendered, every category
//! switch), makes a decision the way a visitor would, and finds the way
//! back to the settings. Reading and clicking only: nothing here changes
//! what the site does.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cmp {
    /// nexxt-consent: `#nx-consent`.
    #[value(name = "nexxt-consent")]
    Nexxt,
    /// vanilla-cookieconsent 3 (orestbida): `#cc-main`.
    #[value(name = "vanilla-cookieconsent")]
    VanillaCookieconsent,
    /// Klaro 0.7 (KIProtect): `.klaro`.
    Klaro,
}

/// Which banner the page has, by its markup or its global: the first found.
pub const DETECT: &str = r##"(function () {
  if (document.getElementById("nx-consent")) return "nexxt-consent";
  if (document.getElementById("cc-main") || window.CookieConsent && window.CookieConsent.run) return "vanilla-cookieconsent";
  if (document.querySelector(".klaro") || window.klaro && window.klaro.show) return "klaro";
  return null;
})()"##;

/// Functions every banner reading shares: what a visitor can see of an
/// element, and how a button is rendered.
const HELPERS: &str = r##"
  function visible(e) {
    if (!e || e.closest("[hidden]") || e.closest("[aria-hidden=true]")) return false;
    var r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && s.opacity !== "0";
  }
  function describe(e) {
    if (!e) return null;
    var r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return {visible: visible(e), width: Math.round(r.width), height: Math.round(r.height),
      font_size: s.fontSize, font_weight: s.fontWeight, color: s.color,
      background: s.backgroundColor, text: e.textContent.trim()};
  }
  function click(e) { if (e) e.click(); return !!e; }
  function anyVisible(selector) {
    return Array.prototype.some.call(document.querySelectorAll(selector), visible);
  }
"##;

impl Cmp {
    /// The id `DETECT` answers and `--cmp` takes.
    pub fn id(self) -> &'static str {
        match self {
            Self::Nexxt => "nexxt-consent",
            Self::VanillaCookieconsent => "vanilla-cookieconsent",
            Self::Klaro => "klaro",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        [Self::Nexxt, Self::VanillaCookieconsent, Self::Klaro]
            .into_iter()
            .find(|c| c.id() == id)
    }

    /// The banner's element, for messages.
    pub fn selector(self) -> &'static str {
        match self {
            Self::Nexxt => "#nx-consent",
            Self::VanillaCookieconsent => "#cc-main .cm",
            Self::Klaro => ".klaro .cookie-notice",
        }
    }

    /// Evaluates to `null` without the banner, else
    /// `{visible, accept, reject, toggles: [{category, checked, disabled}]}`.
    pub fn banner_js(self) -> String {
        let body = match self {
            Self::Nexxt => {
                r##"
  var b = document.getElementById("nx-consent");
  if (!b) return null;
  var first = b.querySelector(".nx-layer");
  return {
    visible: visible(b),
    accept: describe(first && first.querySelector('[data-a="accept"]')),
    reject: describe(first && first.querySelector('[data-a="reject"]')),
    toggles: Array.prototype.map.call(b.querySelectorAll("input[data-c]"), function (i) {
      return {category: i.getAttribute("data-c"), checked: i.checked, disabled: i.disabled};
    })
  };"##
            }
            // The settings layer is built only when opened: the switches'
            // starting state is the configuration's `enabled`.
            Self::VanillaCookieconsent => {
                r##"
  var cm = document.querySelector("#cc-main .cm");
  if (!cm) return null;
  var config = window.CookieConsent && CookieConsent.getConfig && CookieConsent.getConfig("categories") || {};
  var shown = document.querySelectorAll("#cc-main .pm input.section__toggle");
  var toggles = shown.length ? Array.prototype.map.call(shown, function (i) {
    return {category: i.value, checked: i.checked, disabled: i.disabled};
  }) : Object.keys(config).map(function (c) {
    return {category: c, checked: !!config[c].enabled, disabled: !!config[c].readOnly};
  });
  return {
    visible: visible(cm) && document.documentElement.classList.contains("show--consent"),
    accept: describe(cm.querySelector('[data-role="all"]')),
    reject: describe(cm.querySelector('[data-role="necessary"]')),
    toggles: toggles
  };"##
            }
            // A purpose starts on when the manager would load one of its
            // services before any choice (`default: true`).
            Self::Klaro => {
                r##"
  var notice = document.querySelector(".klaro .cookie-notice");
  if (!notice) return null;
  var manager = window.klaro && klaro.getManager && klaro.getManager();
  var services = manager && manager.config.services || [];
  var purposes = {};
  services.forEach(function (s) {
    (s.purposes || []).forEach(function (p) {
      var t = purposes[p] || (purposes[p] = {category: p, checked: false, disabled: true});
      if (!s.required) t.disabled = false;
      if (!s.required && manager.getConsent(s.name)) t.checked = true;
    });
  });
  return {
    visible: visible(notice) && !notice.classList.contains("cookie-notice-hidden"),
    accept: describe(notice.querySelector(".cm-btn-success")),
    reject: describe(notice.querySelector(".cn-decline")),
    toggles: Object.keys(purposes).map(function (p) { return purposes[p]; })
  };"##
            }
        };
        format!("(function () {{{HELPERS}{body}\n}})()")
    }

    /// Makes a decision the way a visitor would: `accept` or `reject` on
    /// the first layer, or `only` one category through the settings. The
    /// script answers `ok` or what was missing; `only` may need a second
    /// step (see [`Self::decide_steps`]).
    pub fn decide_js(self, action: &str, category: &str, step: usize) -> String {
        let body = match (self, action, step) {
            (Self::Nexxt, "only", _) => {
                r##"
  var b = document.getElementById("nx-consent");
  var layers = b ? b.querySelectorAll(".nx-layer") : [], first = layers[0], second = layers[1];
  if (!second) return "no settings layer";
  click(first && first.querySelector('[data-a="settings"]'));
  Array.prototype.forEach.call(second.querySelectorAll("input[data-c]"), function (i) {
    if (!i.disabled && i.checked !== (i.getAttribute("data-c") === only)) i.click();
  });
  return click(second.querySelector('[data-a="save"]')) ? "ok" : "no save button in the settings";"##
            }
            (Self::Nexxt, _, _) => {
                r##"
  var b = document.getElementById("nx-consent");
  var first = b && b.querySelector(".nx-layer");
  return click(first && first.querySelector('[data-a="' + action + '"]')) ? "ok" : "no " + action + " button on the first layer";"##
            }
            (Self::VanillaCookieconsent, "only", 0) => {
                r##"
  return click(document.querySelector('#cc-main .cm [data-role="show"]')) ? "next" : "no settings button on the first layer";"##
            }
            (Self::VanillaCookieconsent, "only", _) => {
                r##"
  var pm = document.querySelector("#cc-main .pm");
  if (!pm) return "no settings layer";
  Array.prototype.forEach.call(pm.querySelectorAll("input.section__toggle"), function (i) {
    if (!i.disabled && i.checked !== (i.value === only)) i.click();
  });
  return click(pm.querySelector('[data-role="save"]')) ? "ok" : "no save button in the settings";"##
            }
            (Self::VanillaCookieconsent, _, _) => {
                r##"
  var role = action === "accept" ? "all" : "necessary";
  return click(document.querySelector('#cc-main .cm [data-role="' + role + '"]')) ? "ok" : "no " + action + " button on the first layer";"##
            }
            (Self::Klaro, "only", 0) => {
                r##"
  return click(document.querySelector(".klaro .cookie-notice .cn-learn-more, .klaro .cookie-notice .cm-btn-lern-more")) ? "next" : "no settings link on the first layer";"##
            }
            (Self::Klaro, "only", _) => {
                r##"
  var modal = document.querySelector(".klaro .cookie-modal");
  if (!modal) return "no settings layer";
  var manager = klaro.getManager(), services = manager.config.services;
  var purposes = modal.querySelectorAll('input[id^="purpose-item-"]');
  if (purposes.length) {
    Array.prototype.forEach.call(purposes, function (i) {
      if (!i.disabled && i.checked !== (i.id === "purpose-item-" + only)) i.click();
    });
  } else {
    services.forEach(function (s) {
      var i = modal.querySelector('input[id="service-item-' + s.name + '"]');
      var on = (s.purposes || []).indexOf(only) >= 0;
      if (i && !i.disabled && i.checked !== on) i.click();
    });
  }
  return click(modal.querySelector(".cm-btn-accept")) ? "ok" : "no save button in the settings";"##
            }
            (Self::Klaro, _, _) => {
                r##"
  var selector = action === "accept" ? ".cm-btn-success" : ".cn-decline";
  return click(document.querySelector(".klaro .cookie-notice " + selector)) ? "ok" : "no " + action + " button on the first layer";"##
            }
        };
        format!(
            "(function (action, only) {{{HELPERS}{body}\n}})({}, {})",
            Value::from(action),
            Value::from(category)
        )
    }

    /// Whether the page offers a visible way back to the settings: our
    /// reopen button, vanilla-cookieconsent's `data-cc` trigger, a control
    /// calling `klaro.show()`.
    pub fn withdrawal_js(self) -> String {
        let selector = match self {
            Self::Nexxt => "#nx-reopen",
            Self::VanillaCookieconsent => {
                r##"[data-cc="show-preferencesModal"], [data-cc="show-consentModal"]"##
            }
            Self::Klaro => r##"[onclick*="klaro.show"], [data-klaro-trigger]"##,
        };
        format!(
            "(function () {{{HELPERS}\n  return anyVisible({});\n}})()",
            Value::from(selector)
        )
    }
}

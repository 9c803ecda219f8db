//! JavaScript the scanner runs inside the scanned page. Kept to reading the
//! DOM and clicking what a visitor would click; nothing here changes what
//! the site does.

/// Name of the binding the hook reports through (`Runtime.addBinding`).
pub const BINDING: &str = "__nexxtScanRecord";

/// Installed before any of the page's scripts: reports every cookie written
/// through `document.cookie` and every `localStorage` key set, with the
/// scripts on the stack at that moment.
pub const HOOK: &str = r#"(function () {
  var report = window.__nexxtScanRecord;
  if (!report) return;
  function scripts() {
    var seen = [], re = /(https?:\/\/[^\s()]+?):\d+:\d+/g, m, s = String(new Error().stack || "");
    while ((m = re.exec(s))) if (seen.indexOf(m[1]) < 0) seen.push(m[1]);
    return seen;
  }
  function send(kind, name) {
    try { report(JSON.stringify({kind: kind, name: name, by: scripts()})); } catch (e) {}
  }
  var cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookie && cookie.set) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true, enumerable: cookie.enumerable,
      get: function () { return cookie.get.call(this); },
      set: function (v) { send("cookie", String(v).split(";")[0].split("=")[0].trim()); cookie.set.call(this, v); }
    });
  }
  var setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (k) {
    try { if (this === window.localStorage) send("local_storage", String(k)); } catch (e) {}
    return setItem.apply(this, arguments);
  };
})();"#;

/// The banner as a visitor meets it: shown or not, the first layer's accept
/// and reject buttons as rendered, and every category switch.
pub const BANNER: &str = r#"(function () {
  var b = document.getElementById("nx-consent");
  if (!b) return null;
  function visible(e) {
    if (!e || e.closest("[hidden]")) return false;
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
  var first = b.querySelector(".nx-layer");
  return {
    visible: visible(b),
    accept: describe(first && first.querySelector('[data-a="accept"]')),
    reject: describe(first && first.querySelector('[data-a="reject"]')),
    toggles: Array.prototype.map.call(b.querySelectorAll("input[data-c]"), function (i) {
      return {category: i.getAttribute("data-c"), checked: i.checked, disabled: i.disabled};
    })
  };
})()"#;

/// Makes a decision the way a visitor would: `accept` or `reject` on the
/// first layer, or `only` a category through the settings layer. Returns
/// `ok` or what was missing.
pub fn decide(action: &str, category: &str) -> String {
    format!(
        r#"(function (action, only) {{
  var b = document.getElementById("nx-consent");
  if (!b) return "no banner";
  var layers = b.querySelectorAll(".nx-layer"), first = layers[0], second = layers[1];
  function button(layer, a) {{ return layer && layer.querySelector('[data-a="' + a + '"]'); }}
  if (action !== "only") {{
    var direct = button(first, action);
    if (!direct) return "no " + action + " button on the first layer";
    direct.click();
    return "ok";
  }}
  var settings = button(first, "settings");
  if (settings) settings.click();
  Array.prototype.forEach.call(second.querySelectorAll("input[data-c]"), function (i) {{
    if (!i.disabled && i.checked !== (i.getAttribute("data-c") === only)) i.click();
  }});
  var save = button(second, "save");
  if (!save) return "no save button in the settings";
  save.click();
  return "ok";
}})({}, {})"#,
        serde_json::Value::from(action),
        serde_json::Value::from(category)
    )
}

/// Whether the page offers a visible way back to the settings.
pub const WITHDRAWAL_CONTROL: &str = r#"(function () {
  var e = document.getElementById("nx-reopen");
  if (!e) return false;
  var r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
})()"#;

/// The page's `localStorage` keys.
pub const STORAGE_KEYS: &str =
    "(function () { try { return Object.keys(localStorage); } catch (e) { return []; } })()";

/// Every link of the page, absolute.
pub const LINKS: &str = r#"Array.prototype.map.call(document.querySelectorAll("a[href]"), function (a) { return a.href; })"#;

/// Run at the server's origin: the consent's history as its holder sees it.
pub fn history(consent_id: &str, token: &str) -> String {
    format!(
        r#"fetch("/v1/consents/" + encodeURIComponent({}), {{headers: {{Authorization: "Bearer " + {}}}}})
  .then(function (r) {{ return r.ok ? r.json() : {{status: r.status}}; }})"#,
        serde_json::Value::from(consent_id),
        serde_json::Value::from(token)
    )
}

/// Run at the server's origin: the hash of the policy it serves for `site`.
pub fn live_policy_hash(site: &str) -> String {
    format!(
        r#"fetch("/v1/sites/" + encodeURIComponent({}) + "/policy")
  .then(function (r) {{ return r.ok ? r.json() : null; }})
  .then(function (p) {{ return p && {{hash: p.hash, version: p.version}}; }})"#,
        serde_json::Value::from(site)
    )
}

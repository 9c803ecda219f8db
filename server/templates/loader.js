/* nexxt-consent loader. Sets Consent Mode defaults before any tag runs; then
   applies a stored, valid consent, or shows the banner. The build minifies
   it (esbuild) and the server puts the site's configuration in place of
   __NEXXT_CONFIG__. */
(function (w, d) {
"use strict";
var C = __NEXXT_CONFIG__;
var me = d.currentScript, nonce = me && me.nonce, base = new URL(me.src).origin;
var dl = w.dataLayer = w.dataLayer || [];
function gtag() { dl.push(arguments); }
gtag("consent", "default", {ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
  analytics_storage: "denied", functionality_storage: "denied", personalization_storage: "denied",
  security_storage: "granted", wait_for_update: 500});
var uet = w.uetq = w.uetq || [];
uet.push("consent", "default", {ad_storage: "denied"});

var granted = null, held = null, subs = [], banner, txt, PENDING = "nexxt_consent_pending";
var lang = (d.documentElement.lang || "").slice(0, 2).toLowerCase();
if (C.langs.indexOf(lang) < 0) lang = C.lang;
var gpc = navigator.globalPrivacyControl === true;
// Deciding and recording live in the banner's module (record.js), so that
// a return visit does not download them.
var x = {c: C, base: base, lang: lang, q: PENDING,
  apply: function (cats) { granted = cats.slice(); ready(function () { apply(cats); }); }, // every tag of the page is parsed by then
  was: function () { return granted; }, held: function () { return held; }, hold: function (t) { held = t; },
  // Only the dialog withdraws (an embed's "always allow" adds), so the banner is loaded.
  reload: function (gone) { banner.then(function (r) { r[0].purge(r[1], gone); location.reload(); }); }};
function record() { return import(base + C.glue); }
function decide(cats) { record().then(function (m) { m.decide(x, cats); }); }

function has(list, x) { return list.indexOf(x) >= 0; }
function bytes(s) {
  return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), function (c) { return c.charCodeAt(0); });
}
function part(p, i) { return JSON.parse(new TextDecoder().decode(bytes(p[i]))); }
function cookie() {
  var m = d.cookie.match(new RegExp("(?:^|; )" + C.cookie + "=([^;]*)"));
  return m ? m[1] : null;
}
function ready(f) { d.readyState === "loading" ? d.addEventListener("DOMContentLoaded", f) : f(); }

// The claims of a token that is ours, for this site and unexpired, with a
// signature by one of the active keys; else null. Fails closed: anything
// malformed, unknown or unverifiable shows the banner. Only a browser
// without Ed25519 in WebCrypto asks the server instead (never applying
// grants it could not check). A token of an older policy version is not
// applied, but still proves whose consent the next choice changes. (The
// keys come without their ids: trying the one or two of them costs less
// than every return visit downloading the ids.)
function check(t) {
  var p = t.split("."), c, s = crypto.subtle, E = {name: "Ed25519"};
  try {
    c = part(p, 1);
    if (p.length !== 3 || part(p, 0).alg !== "EdDSA" || c.iss !== C.iss || c.aud !== C.site ||
      !(c.exp * 1000 > Date.now()) || !Array.isArray(c.cat)) return Promise.resolve(null);
    var sig = bytes(p[2]), data = new TextEncoder().encode(p[0] + "." + p[1]);
  } catch (e) { return Promise.resolve(null); }
  return Promise.all(C.keys.map(function (k) {
    return s.importKey("raw", bytes(k), E, false, ["verify"]).then(function (key) { return s.verify(E, key, sig, data); });
  })).then(function (ok) { return ok.indexOf(true) >= 0 ? c : null; }, function () { return ask(t); });
}

// What the server says a token grants (it checks signature and withdrawal).
function ask(t) {
  return fetch(base + "/v1/consent-status", {headers: {Authorization: "Bearer " + t}}).then(function (r) {
    return r.ok ? r.json() : null;
  }).then(function (j) {
    return j && j.site === C.site ? {cat: j.granted, pv: j.policy_version} : null;
  }, function () { return null; });
}

function apply(cats) {
  granted = cats.slice();
  var u = {};
  C.cats.forEach(function (id) {
    (C.cm[id] || []).forEach(function (k) { u[k] = has(cats, id) ? "granted" : "denied"; });
  });
  gtag("consent", "update", u);
  var ads = u.ad_storage === "granted";
  uet.push("consent", "update", {ad_storage: ads ? "granted" : "denied"});
  if (w.fbq) w.fbq("consent", ads ? "grant" : "revoke");
  d.querySelectorAll("script[type='text/plain'][data-consent-category],iframe[data-consent-category][data-src]").forEach(function (el) {
    if (!has(cats, el.getAttribute("data-consent-category"))) return;
    if (el.tagName === "IFRAME") { el.src = el.getAttribute("data-src"); el.removeAttribute("data-src"); return; }
    var s = d.createElement("script");
    for (var i = 0; i < el.attributes.length; i++) {
      var a = el.attributes[i];
      if (a.name !== "type") s.setAttribute(a.name, a.value);
    }
    s.nonce = el.nonce || nonce;
    s.async = false; // keep document order
    s.text = el.text;
    el.replaceWith(s);
  });
  d.dispatchEvent(new CustomEvent("nexxt:consent", {bubbles: true, detail: {granted: cats.slice()}}));
  subs.forEach(function (f) { try { f(cats.slice()); } catch (e) {} });
  control();
  embeds(cats);
}

// The persistent way back to the settings: withdrawing is as easy as consenting.
function control() {
  if (d.getElementById("nx-reopen")) return;
  var b = d.createElement("button");
  b.id = "nx-reopen";
  b.type = "button";
  b.textContent = C.reopen[lang];
  b.style.cssText = "position:fixed;left:12px;bottom:12px;z-index:2147483645;min-height:44px;padding:8px 16px;" +
    "border:2px solid #1b3a5c;border-radius:22px;background:#fff;color:#1b3a5c;font:600 14px system-ui,sans-serif;cursor:pointer";
  b.addEventListener("click", function () { open(true); });
  d.body.appendChild(b);
}

// Everything the banner needs is requested at once, in parallel: the CSS,
// the glue, the texts and the wasm (handed to the glue as a fetch under
// way). It paints as soon as there is a body, not at DOMContentLoaded.
function open(settings) {
  if (!banner) {
    var l = d.createElement("link"), wasm = fetch(base + C.wasm);
    l.id = "nx-css"; l.rel = "stylesheet"; l.href = base + C.css; l.nonce = nonce;
    // Shown only once styled: an unstyled dialog would shift when the CSS lands.
    var css = new Promise(function (ok) { l.onload = l.onerror = ok; });
    d.head.appendChild(l);
    banner = Promise.all([import(base + C.glue), texts(), css]).then(function (r) {
      return r[0].default(wasm).then(function () { return r; });
    });
  }
  banner.then(function (r) {
    body(function () { r[0].show(r[1], granted || [], gpc, settings, decide, r[0].on_event); });
  });
}
function body(f) { d.body ? f() : d.addEventListener("DOMContentLoaded", f); }
// The dialog's texts; with `embeds`, the placeholders' texts and the
// vendors' hosts too (only a page with a blocked embed needs them).
function texts(embeds) {
  var u = base + "/v1/sites/" + C.site + "/banner.json?lang=" + lang;
  function get(u) { return fetch(u).then(function (r) { return r.json(); }); }
  return embeds ? get(u + "&embeds=true") : txt = txt || get(u);
}

// Blocked embeds get a placeholder (a module of its own, fetched only when
// a page has one); "always allow" there is a decision like the banner's.
function embeds(cats) {
  var f = [].filter.call(d.querySelectorAll("iframe[data-consent-category][data-src]"),
    function (e) { return !has(cats, e.getAttribute("data-consent-category")); });
  if (f.length) Promise.all([import(base + C.embeds), texts(1)]).then(function (r) { r[0].place(f, r[1], decide); });
}

w.nexxtConsent = {
  get: function () { return granted && granted.slice(); },
  show: function () { open(true); },
  on: function (f) { subs.push(f); if (granted) f(granted.slice()); }
};

// Decided at once, from <head>: a banner is needed unless a queued or a
// valid stored choice applies, and tags are activated once parsed.
(function () {
  var pending, t = cookie();
  try { pending = JSON.parse(localStorage.getItem(PENDING)); } catch (e) {}
  if (Array.isArray(pending) && pending[0] && pending[0].policy_version === C.v) {
    return ready(function () {
      apply(C.cats.filter(function (id) { return pending[0].choices[id] === true; }));
      record().then(function (m) { m.send(x, pending[0], pending[1], 0); });
    });
  }
  (t ? check(t) : Promise.resolve(null)).then(function (c) {
    if (c) held = t;
    // None, or of an older policy version: asked again (the choice changes this consent).
    if (!c || c.pv !== C.v) {
      ready(function () { embeds([]); });
      return open(false);
    }
    ready(function () { apply(c.cat.filter(function (id) { return has(C.cats, id); })); });
  });
})();
})(window, document);

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
// valid signature; else null. Fails closed: anything malformed, unknown or
// unverifiable shows the banner. Only a browser without Ed25519 in WebCrypto
// asks the server instead (never applying grants it could not check). A
// token of an older policy version is not applied, but still proves whose
// consent the next choice changes.
function check(t) {
  var p = t.split("."), h, c, s = crypto.subtle, k;
  try {
    h = part(p, 0); c = part(p, 1);
    k = C.keys.filter(function (k) { return k.kid === h.kid; })[0];
    if (p.length !== 3 || !k || h.alg !== "EdDSA" || c.iss !== C.iss || c.aud !== C.site ||
      !(c.exp * 1000 > Date.now()) || !Array.isArray(c.cat)) return Promise.resolve(null);
    var sig = bytes(p[2]), data = new TextEncoder().encode(p[0] + "." + p[1]);
  } catch (e) { return Promise.resolve(null); }
  return s.importKey("raw", bytes(k.x), {name: "Ed25519"}, false, ["verify"]).then(function (key) {
    return s.verify({name: "Ed25519"}, key, sig, data).then(function (ok) { return ok ? c : null; }, function () { return null; });
  }, function () { return ask(t); });
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
  if (!d.getElementById("nx-css")) {
    var l = d.createElement("link");
    l.id = "nx-css"; l.rel = "stylesheet"; l.href = base + C.css; l.nonce = nonce;
    d.head.appendChild(l);
  }
  if (!banner) {
    var wasm = fetch(base + C.wasm);
    banner = Promise.all([import(base + C.glue), texts()]).then(function (r) {
      return r[0].default({module_or_path: wasm}).then(function () { return r; });
    });
  }
  banner.then(function (r) {
    body(function () { r[0].show(r[1], granted || [], gpc, settings, decide); });
  });
}
function body(f) { d.body ? f() : d.addEventListener("DOMContentLoaded", f); }
function texts() {
  return txt = txt || fetch(base + "/v1/sites/" + C.site + "/banner.json?lang=" + lang).then(function (r) { return r.json(); });
}

// Blocked embeds get a placeholder (a module of its own, fetched only when
// a page has one); "always allow" there is a decision like the banner's.
function embeds(cats) {
  var f = [].filter.call(d.querySelectorAll("iframe[data-consent-category][data-src]"),
    function (e) { return !has(cats, e.getAttribute("data-consent-category")); });
  if (f.length) Promise.all([import(base + C.embeds), texts()]).then(function (r) { r[0].place(f, r[1], decide); });
}

// A withdrawal must stop what already runs: once it is recorded (or
// queued), the withdrawn categories' cookies are deleted once more and the
// page reloads, so no tag of theirs can write them again.
function decide(cats) {
  var choices = {}, gone = (granted || []).filter(function (id) { return !has(cats, id); });
  C.cats.forEach(function (id) { choices[id] = has(cats, id); });
  granted = cats.slice();
  ready(function () { apply(cats); }); // every tag of the page is parsed by then
  send({site: C.site, policy_version: C.v, choices: choices,
    url: location.href, locale: lang, source: "banner"}, held, 0, gone.length ? function () {
    banner.then(function (r) { r[0].purge(r[1], gone); location.reload(); });
  } : null);
}

// The choice applies at once; recording it is retried, across page loads too.
// A change carries the verified cookie's token: it alone proves the consent
// is this visitor's. If the server no longer accepts it (withdrawn
// elsewhere), the choice is recorded as a new consent.
function send(body, tok, n, done) {
  try { localStorage.setItem(PENDING, JSON.stringify([body, tok])); } catch (e) {}
  var hd = {"Content-Type": "application/json"};
  if (tok) hd.Authorization = "Bearer " + tok;
  fetch(base + "/v1/consents", {method: "POST", headers: hd, body: JSON.stringify(body)})
    .then(function (r) {
      if (r.status === 401 && tok) return send(body, null, n, done);
      if (r.status >= 400 && r.status < 500) return null; // never recordable as it is
      if (!r.ok) throw r;
      return r.json();
    })
    .then(function (j) {
      if (j === undefined) return; // handed to a retry without the token
      try { localStorage.removeItem(PENDING); } catch (e) {}
      if (j) {
        held = j.token;
        // Served on the site's own origin, the server set the cookie (no
        // 7-day cap in Safari); otherwise the loader stores it.
        var age = Math.max(0, Math.floor((Date.parse(j.expires_at) - Date.now()) / 1000));
        if (!j.cookie_set_by_server) d.cookie = C.cookie + "=" + j.token + "; Path=/; Max-Age=" + age +
          "; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
      }
      if (done) done();
    })
    // Unsent, it stays queued: a reload sends it, else a retry does.
    .catch(function () {
      if (done) return done();
      if (n < 3) setTimeout(function () { send(body, tok, n + 1); }, 2000 * Math.pow(4, n));
    });
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
      send(pending[0], pending[1], 0);
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

/* nexxt-consent: deciding and recording, appended to the banner's module
   (the wasm glue) by the build. A return visit never needs this: the
   loader imports it with the dialog, for a blocked embed's "always allow",
   or to send a choice still queued from an earlier page. `x` is the
   loader's side: its configuration `c`, origin `base`, language `lang`,
   `apply(cats)`, the previous grants and token `was()` / `held()`, `hold(t)`,
   `reload(gone)` and the name `q` of the queue in localStorage. */

// A withdrawal must stop what already runs: once it is recorded (or
// queued), the withdrawn categories' cookies are deleted once more and the
// page reloads, so no tag of theirs can write them again.
export function decide(x, cats) {
  var choices = {}, c = x.c, gone = (x.was() || []).filter(function (id) { return cats.indexOf(id) < 0; });
  c.cats.forEach(function (id) { choices[id] = cats.indexOf(id) >= 0; });
  x.apply(cats);
  send(x, {site: c.site, policy_version: c.v, choices: choices,
    url: location.href, locale: x.lang, source: "banner"}, x.held(), 0, gone.length ? function () { x.reload(gone); } : null);
}

// The choice applies at once; recording it is retried, across page loads too.
// A change carries the verified cookie's token: it alone proves the consent
// is this visitor's. If the server no longer accepts it (withdrawn
// elsewhere), the choice is recorded as a new consent.
export function send(x, body, tok, n, done) {
  var c = x.c;
  try { localStorage.setItem(x.q, JSON.stringify([body, tok])); } catch (e) {}
  var hd = {"Content-Type": "application/json"};
  if (tok) hd.Authorization = "Bearer " + tok;
  fetch(x.base + "/v1/consents", {method: "POST", headers: hd, body: JSON.stringify(body)})
    .then(function (r) {
      if (r.status === 401 && tok) return send(x, body, null, n, done);
      if (r.status >= 400 && r.status < 500) return null; // never recordable as it is
      if (!r.ok) throw r;
      return r.json();
    })
    .then(function (j) {
      if (j === undefined) return; // handed to a retry without the token
      try { localStorage.removeItem(x.q); } catch (e) {}
      if (j) {
        x.hold(j.token);
        // Served on the site's own origin, the server set the cookie (no
        // 7-day cap in Safari); otherwise the loader stores it.
        var age = Math.max(0, Math.floor((Date.parse(j.expires_at) - Date.now()) / 1000));
        if (!j.cookie_set_by_server) document.cookie = c.cookie + "=" + j.token + "; Path=/; Max-Age=" + age +
          "; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
      }
      if (done) done();
    })
    // Unsent, it stays queued: a reload sends it, else a retry does.
    .catch(function () {
      if (done) return done();
      if (n < 3) setTimeout(function () { send(x, body, tok, n + 1); }, 2000 * Math.pow(4, n));
    });
}

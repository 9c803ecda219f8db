//! JavaScript the scanner runs inside the scanned page. Kept to reading the
//! DOM and clicking what a visitor would click; nothing here changes what
//! the site does.

/// Name of the binding the hook reports through (`Runtime.addBinding`).
pub const BINDING: &str = "__nexxtScanRecord";

/// Installed before any of the page's scripts: reports, with the scripts on
/// the stack at that moment, every cookie written through `document.cookie`,
/// every `localStorage`/`sessionStorage` key set, IndexedDB database and
/// Cache Storage cache opened, service worker registered, beacon sent
/// (`sendBeacon`, `fetch` with `keepalive`), and the calls fingerprinting
/// scripts make: canvas read-back, an `AudioContext`, WebGL's unmasked
/// renderer and vendor strings. Each wrapper calls the original unchanged.
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
  function absolute(u) { try { return new URL(String(u), location.href).href; } catch (e) { return String(u); } }
  function wrap(proto, method, kind, name) {
    var original = proto && proto[method];
    if (typeof original !== "function") return;
    proto[method] = function () {
      try { var n = name(arguments, this); if (n !== null) send(kind, n); } catch (e) {}
      return original.apply(this, arguments);
    };
  }
  function first(a) { return String(a[0]); }
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
    try {
      if (this === window.localStorage) send("local_storage", String(k));
      else if (this === window.sessionStorage) send("session_storage", String(k));
    } catch (e) {}
    return setItem.apply(this, arguments);
  };
  wrap(window.IDBFactory && IDBFactory.prototype, "open", "indexed_db", first);
  wrap(window.CacheStorage && CacheStorage.prototype, "open", "cache_storage", first);
  wrap(window.ServiceWorkerContainer && ServiceWorkerContainer.prototype, "register", "service_worker",
    function (a) { return absolute(a[0]).split(/[?#]/)[0]; });
  wrap(Navigator.prototype, "sendBeacon", "beacon", function (a) { return absolute(a[0]); });
  var fetch = window.fetch;
  if (fetch) window.fetch = function (input, init) {
    try { if (init && init.keepalive) send("beacon", absolute(input && input.url || input)); } catch (e) {}
    return fetch.apply(this, arguments);
  };
  function fixed(label) { return function () { return label; }; }
  wrap(window.HTMLCanvasElement && HTMLCanvasElement.prototype, "toDataURL", "fingerprint", fixed("canvas toDataURL"));
  wrap(window.HTMLCanvasElement && HTMLCanvasElement.prototype, "toBlob", "fingerprint", fixed("canvas toBlob"));
  wrap(window.CanvasRenderingContext2D && CanvasRenderingContext2D.prototype, "getImageData", "fingerprint", fixed("canvas getImageData"));
  function unmasked(a) { return a[0] === 0x9245 ? "WebGL unmasked vendor" : a[0] === 0x9246 ? "WebGL unmasked renderer" : null; }
  wrap(window.WebGLRenderingContext && WebGLRenderingContext.prototype, "getParameter", "fingerprint", unmasked);
  wrap(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype, "getParameter", "fingerprint", unmasked);
  ["AudioContext", "OfflineAudioContext", "webkitAudioContext"].forEach(function (name) {
    var Original = window[name];
    if (typeof Original !== "function" || typeof Proxy !== "function") return;
    window[name] = new Proxy(Original, {construct: function (target, args, newTarget) {
      send("fingerprint", name);
      return Reflect.construct(target, args, newTarget);
    }});
  });
})();"#;

/// What the page keeps on the device besides cookies, by kind: storage
/// keys, IndexedDB databases, Cache Storage caches and service worker
/// scripts. A kind the browser refuses here is empty.
pub const STORES: &str = r#"(async function () {
  function keys(store) { try { return Object.keys(window[store]); } catch (e) { return []; } }
  async function safely(f) { try { return await f(); } catch (e) { return []; } }
  return {
    local_storage: keys("localStorage"),
    session_storage: keys("sessionStorage"),
    indexed_db: await safely(async function () {
      return (await indexedDB.databases()).map(function (d) { return d.name; });
    }),
    cache_storage: await safely(function () { return caches.keys(); }),
    service_worker: await safely(async function () {
      return (await navigator.serviceWorker.getRegistrations()).map(function (r) {
        var w = r.active || r.waiting || r.installing;
        return (w ? w.scriptURL : r.scope).split(/[?#]/)[0];
      });
    })
  };
})()"#;

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

// Stand-in for every third-party tag of the demo: records that it ran, in
// which order, whether Consent Mode defaults were already set, and sets the
// vendor's real first-party cookies. No request leaves the machine.
window.nexxtStub = function (vendor, cookies) {
  var ran = (window.__stubs = window.__stubs || {});
  ran[vendor] = (ran[vendor] || 0) + 1;
  (window.__stubOrder = window.__stubOrder || []).push(vendor);
  var dl = window.dataLayer || [];
  var sawDefault = false;
  for (var i = 0; i < dl.length; i++) {
    if (dl[i][0] === "consent" && dl[i][1] === "default") sawDefault = true;
  }
  (window.__stubSawDefault = window.__stubSawDefault || {})[vendor] = sawDefault;
  cookies.forEach(function (c) {
    // A day unless the stub gives the vendor's own, shorter lifetime.
    var age = /;\s*max-age=/i.test(c) ? "" : "; Max-Age=86400";
    document.cookie = c + age + "; Path=/; SameSite=Lax";
  });
};

// Any Content-Security-Policy violation on the demo is a bug of the banner.
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});

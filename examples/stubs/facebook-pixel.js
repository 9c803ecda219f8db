nexxtStub("facebook-pixel", ["_fbp=fb.1.1700000000.42"]);
// The real pixel defines fbq; the loader reports consent through it.
window.fbq = window.fbq || function () { (window.__fbq = window.__fbq || []).push([].slice.call(arguments)); };
// Like the real pixel it refreshes its cookie while it runs: after a
// withdrawal, only stopping the tag (a reload) keeps the cookie gone.
setInterval(function () { document.cookie = "_fbp=fb.1.1700000000.42; Max-Age=7776000; Path=/; SameSite=Lax"; }, 1000);

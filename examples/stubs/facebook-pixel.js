nexxtStub("facebook-pixel", ["_fbp=fb.1.1700000000.42"]);
// The real pixel defines fbq; the loader reports consent through it.
window.fbq = window.fbq || function () { (window.__fbq = window.__fbq || []).push([].slice.call(arguments)); };

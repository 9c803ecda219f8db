/* nexxt-consent: placeholders for blocked embeds. The loader imports this
   module only on a page with an <iframe data-consent-category data-src>
   whose category is not granted. Each placeholder takes the embed's place
   and size, says in the visitor's language whose content it is and what
   loading it shares, and offers "load this once" (nothing recorded) and
   "always allow <category>" (a consent change, through the loader). */

/* The vendor of an embed: `data-vendor` (a vendor id of the policy), else
   the vendor whose hosts cover the embed's host, else its title or host. */
function vendorOf(frame, doc) {
  var host = "", id = frame.getAttribute("data-vendor");
  try { host = new URL(frame.getAttribute("data-src"), location.href).hostname; } catch (e) {}
  var found = null;
  doc.categories.forEach(function (c) {
    c.vendors.forEach(function (v) {
      var covers = (v.hosts || []).some(function (h) { return host === h || host.slice(-h.length - 1) === "." + h; });
      if (!found && (v.id === id || (!id && covers))) found = v.name;
    });
  });
  return found || frame.title || host;
}

/* Without the policy's own texts: Dutch or English. */
var FALLBACK = {
  nl: ["Deze inhoud van {vendor} is geblokkeerd. Als u hem laadt, ontvangt {vendor} uw IP-adres en gegevens over uw browser.",
    "Eenmalig laden", "{category} altijd toestaan"],
  en: ["This content from {vendor} is blocked. Loading it sends your IP address and details of your browser to {vendor}.",
    "Load this once", "Always allow {category}"]
};

function fill(text, vendor, category) {
  return text.split("{vendor}").join(vendor).split("{category}").join(category);
}

function load(frame, box) {
  if (frame.hasAttribute("data-src")) {
    frame.src = frame.getAttribute("data-src");
    frame.removeAttribute("data-src");
  }
  frame.hidden = false;
  box.remove();
}

/* `decide` is the loader's: it records the categories granted and applies them. */
export function place(frames, doc, decide) {
  function allow(id) {
    var banner = document.getElementById("nx-consent");
    if (banner) banner.remove(); // decided here instead
    decide((window.nexxtConsent.get() || [doc.categories[0].id]).concat([id]));
  }
  var held = [];
  frames.forEach(function (frame) {
    if (frame.hasAttribute("data-nx-held")) return;
    frame.setAttribute("data-nx-held", "");
    var id = frame.getAttribute("data-consent-category");
    var category = doc.categories.filter(function (c) { return c.id === id; })[0];
    var name = category ? category.name : id, vendor = vendorOf(frame, doc), t = doc.texts;
    var f = FALLBACK[doc.lang] || FALLBACK.en;
    var blocked = t.embed_blocked || f[0], once = t.embed_load_once || f[1], always = t.embed_always || f[2];
    var r = frame.getBoundingClientRect();
    var box = document.createElement("div");
    box.className = "nx-embed";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", vendor);
    box.lang = doc.lang;
    box.style.cssText = "box-sizing:border-box;display:flex;flex-direction:column;justify-content:center;gap:10px;" +
      "padding:16px;border:2px solid #1b3a5c;border-radius:8px;background:#f4f6f9;color:#1b2a3a;" +
      "font:15px/1.4 system-ui,sans-serif;overflow:auto";
    box.style.width = (r.width || 300) + "px";
    box.style.height = (r.height || 150) + "px"; // exactly: the page must not move
    var p = document.createElement("p");
    p.style.margin = "0";
    p.textContent = fill(blocked, vendor, name);
    box.appendChild(p);
    var row = document.createElement("div");
    row.style.cssText = "display:flex;flex-wrap:wrap;gap:8px";
    [[once, function () { load(frame, box); }],
      [fill(always, vendor, name), function () { allow(id); }]].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b[0];
      button.style.cssText = "min-height:44px;padding:8px 16px;border:2px solid #1b3a5c;border-radius:22px;" +
        "background:#fff;color:#1b3a5c;font:600 14px system-ui,sans-serif;cursor:pointer";
      button.addEventListener("click", b[1]);
      row.appendChild(button);
    });
    box.appendChild(row);
    frame.hidden = true;
    frame.parentNode.insertBefore(box, frame);
    held.push([frame, box, id]);
  });
  // Allowed later (here or in the settings): the loader has set the embed's
  // source by then; the placeholder makes way.
  if (held.length) window.nexxtConsent.on(function (granted) {
    held.forEach(function (h) { if (granted.indexOf(h[2]) >= 0 && h[1].parentNode) load(h[0], h[1]); });
  });
}

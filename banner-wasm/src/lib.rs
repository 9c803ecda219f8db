//! The nexxt-consent cookie banner, compiled to WebAssembly.
//!
//! The loader (served by the server) does everything a return visit needs:
//! Consent Mode, reading the consent cookie, activating scripts. Only when
//! the visitor must choose does it fetch this module and call [`show`]; the
//! banner renders the two layers, traps focus, deletes the cookies of
//! withdrawn categories and hands the decision back (and [`purge`] deletes
//! them once more before the loader reloads the page):
//!
//! ```js
//! const m = await import("/banner/<hash>.js");
//! await m.default(fetch("/banner/<hash>.wasm"));
//! m.show(bannerJson, ["necessary"], gpc, openSettings, (granted) => record(granted), m.on_event);
//! ```

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

// The allocator is the wasm build's; natively only its arithmetic is tested.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod arena;
mod config;
mod cookies;
mod dom;
mod js;
mod state;

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::{Array, Function};
use wasm_bindgen::{JsValue, prelude::wasm_bindgen};
use web_sys::{Document, Element, Event};

use config::Config;

// Without std, a panic has nothing to print to: stop at once, which also
// keeps core::fmt out of the banner (several KB).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// A bump allocator that never frees (see `arena`), instead of dlmalloc's
// ~7 KB.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: arena::Arena = arena::Arena::new();

/// The dialog on the page, if any. The listener the page calls is the
/// exported [`on_event`], not a Rust closure: closures cost their own
/// plumbing in both the wasm and the glue.
struct Current(RefCell<Option<Rc<Banner>>>);
// SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
unsafe impl Sync for Current {}
static CURRENT: Current = Current(RefCell::new(None));

struct Banner {
    doc: Document,
    cfg: Config,
    before: Vec<String>,
    gpc: bool,
    root: Element,
    first: Element,
    second: Element,
    /// Opened straight into settings (the reopen control): Escape closes.
    settings_only: bool,
    opener: Option<JsValue>,
    decide: Function,
}

/// Shows the banner.
///
/// `banner` is the site's banner document, `current` the categories granted
/// so far, `gpc` whether the browser sends Global Privacy Control,
/// `settings_first` opens the second layer directly, `decide` is called
/// once with the array of granted category ids, and `listener` is this
/// module's exported `on_event` (the dialog's click and key listener).
///
/// # Errors
/// When the page has no document or body.
#[wasm_bindgen]
pub fn show(
    banner: JsValue,
    current: JsValue,
    gpc: bool,
    settings_first: bool,
    decide: Function,
    listener: JsValue,
) -> Result<(), JsValue> {
    let doc = js::document();
    let body = js::object(&doc, "body").ok_or("no body")?;
    if let Some(old) = js::first(&doc, dom::ROOT_SELECTOR) {
        old.remove();
    }
    let cfg = Config::read(&banner);
    let before = config::strings(&current);
    let on = state::initial(&cfg.ids, &before, gpc, &cfg.gpc_off);
    let (root, first, second) = dom::build(&doc, &cfg, &on, gpc);
    // Unchecked casts here and below: `instanceof` checks cost an import
    // each, and only `focus`, which every focusable element has, is called.
    let opener = js::object(&doc, "activeElement");
    js::append(&body, &root);
    let banner = Banner {
        doc,
        cfg,
        before,
        gpc,
        root,
        first,
        second,
        settings_only: settings_first,
        opener,
        decide,
    };
    if settings_first {
        banner.open_settings();
    } else {
        focus_first(&banner.first);
    }
    js::listen(&banner.root, "click", &listener);
    js::listen(&banner.root, "keydown", &listener);
    // Replaces (and so frees) a dialog shown before.
    *CURRENT.0.borrow_mut() = Some(Rc::new(banner));
    Ok(())
}

/// The dialog's listener for clicks and keys.
#[wasm_bindgen]
pub fn on_event(event: Event) {
    // A clone, not a borrow: deciding calls back into the page, which may
    // open the dialog again.
    let current = CURRENT.0.borrow().clone();
    if let Some(banner) = current {
        banner.on_event(&event);
    }
}

/// Bytes the banner has allocated on this page (it never frees: see
/// `arena`); the browser tests bound what each dialog adds.
#[wasm_bindgen]
pub fn heap_used() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        ALLOCATOR.used()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Whether `layer` is hidden (the `hidden` property reflects the attribute).
fn hidden(layer: &Element) -> bool {
    js::field(layer, "hidden").is_truthy()
}

/// Focuses a layer's heading, never a consent button: a keyboard user's
/// first Enter must not decide anything, and Tab then starts at the text.
fn focus_first(layer: &Element) {
    if let Some(heading) = js::first(layer, "h2") {
        js::focus(&heading);
    }
}

impl Banner {
    fn on_event(&self, event: &Event) {
        // The dialog listens to clicks and keys only; a key event has `key`.
        if let Some(key) = js::field(event, "key").as_string() {
            // WebKitGTK names Shift+Tab's key `Unidentified` (GTK's
            // ISO_Left_Tab); its `code` is still `Tab`.
            let key = if key == "Unidentified" {
                js::text(event, "code")
            } else {
                key
            };
            return self.on_key(event, &key);
        }
        // A click's target is an element of the dialog.
        let target = js::object(event, "target");
        let Some(action) = target.and_then(|t| js::closest(&t, "[data-a]")) else {
            return;
        };
        let on = match js::text(&js::field(&action, "dataset"), "a").as_str() {
            "accept" => state::accept_all(&self.cfg.ids, self.gpc, &self.cfg.gpc_off),
            "reject" => state::reject_all(&self.cfg.ids),
            "save" => dom::read_toggles(&self.second),
            "settings" => return self.open_settings(),
            _ => return,
        };
        self.finish(&state::granted(&self.cfg.ids, &on));
    }

    fn on_key(&self, event: &Event, key: &str) {
        let settings_open = !hidden(&self.second);
        match key {
            // Closing the settings is never consent: back to the first layer,
            // or, when reopened later, away with nothing changed.
            "Escape" if settings_open && self.settings_only => self.close(),
            "Escape" if settings_open => {
                js::set(&self.second, "hidden", "");
                js::unset(&self.first, "hidden");
                focus_first(&self.first);
            }
            "Tab" => self.trap_focus(event),
            _ => {}
        }
    }

    /// Keeps Tab and Shift+Tab inside the visible layer while it is modal.
    fn trap_focus(&self, key: &Event) {
        let layer = if hidden(&self.second) {
            &self.first
        } else {
            &self.second
        };
        let items = dom::focusables(layer);
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let active = js::field(&self.doc, "activeElement");
        let at = |e: &JsValue| active == *e;
        // From the heading (not itself in the Tab order) Shift+Tab must
        // stay inside too.
        let on_item = items.contains(&active);
        let shift = js::field(key, "shiftKey").is_truthy();
        let wrap_to = if shift && (at(first) || !on_item) {
            last
        } else if !shift && (at(last) || !on_item) {
            first
        } else {
            return;
        };
        key.prevent_default();
        js::focus(wrap_to);
    }

    fn open_settings(&self) {
        js::set(&self.first, "hidden", "");
        js::unset(&self.second, "hidden");
        focus_first(&self.second);
    }

    fn finish(&self, granted: &[String]) {
        self.delete_cookies(&state::withdrawn(&self.before, granted));
        let list = Array::new();
        for id in granted {
            list.push(&JsValue::from_str(id));
        }
        self.close();
        js::call(&self.decide, &JsValue::NULL, &list);
    }

    fn close(&self) {
        self.root.remove();
        CURRENT.0.borrow_mut().take();
        if let Some(opener) = &self.opener {
            js::focus(opener);
        }
    }

    fn delete_cookies(&self, categories: &[String]) {
        delete_cookies(&self.doc, &self.cfg, categories);
    }
}

/// Deletes the first-party cookies `banner` declares for `categories`
/// again: the loader calls it right before the reload that stops a
/// withdrawn category's running tags, which may have written them anew.
#[wasm_bindgen]
pub fn purge(banner: JsValue, categories: JsValue) {
    let cfg = Config::read(&banner);
    delete_cookies(&js::document(), &cfg, &config::strings(&categories));
}

/// Deletes the first-party cookies the policy declares for `categories`.
fn delete_cookies(doc: &Document, cfg: &Config, categories: &[String]) {
    if categories.is_empty() {
        return;
    }
    let host = js::text(&js::field(doc, "location"), "hostname");
    for name in cookies::doomed(&js::text(doc, "cookie"), &cfg.rules_of(categories)) {
        for expiry in cookies::expiries(&name, &host) {
            js::put(doc, "cookie", &JsValue::from_str(&expiry));
        }
    }
}

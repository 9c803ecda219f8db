//! The nexxt-consent cookie banner, compiled to WebAssembly.
//!
//! The loader (served by the server) does everything a return visit needs:
//! Consent Mode, reading the consent cookie, activating scripts. Only when
//! the visitor must choose does it fetch this module and call [`show`]; the
//! banner renders the two layers, traps focus, deletes the cookies of
//! withdrawn categories and hands the decision back:
//!
//! ```js
//! import init, { show } from "/banner/<hash>.js";
//! await init({ module_or_path: "/banner/<hash>.wasm" });
//! show(bannerJson, ["necessary"], gpc, openSettings, (granted) => record(granted));
//! ```

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

mod config;
mod cookies;
mod dom;
mod state;

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use web_sys::{Document, Element, Event, HtmlDocument, HtmlElement, KeyboardEvent};

use config::Config;
use dom::Res;

struct Banner {
    doc: Document,
    cfg: Config,
    ids: Vec<String>,
    before: Vec<String>,
    gpc: bool,
    root: Element,
    first: Element,
    second: Element,
    /// Opened straight into settings (the reopen control): Escape closes.
    settings_only: bool,
    opener: Option<HtmlElement>,
    decide: Function,
}

// Without std, a panic has nothing to print to: stop at once, which also
// keeps core::fmt out of the banner (several KB).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// A free-list allocator of a few hundred bytes instead of dlmalloc's ~7 KB.
// SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Shows the banner.
///
/// `banner` is the site's banner document, `current` the categories granted
/// so far, `gpc` whether the browser sends Global Privacy Control,
/// `settings_first` opens the second layer directly, and `decide` is called
/// once with the array of granted category ids.
///
/// # Errors
/// When the page has no document or a DOM call fails.
#[wasm_bindgen]
pub fn show(
    banner: JsValue,
    current: JsValue,
    gpc: bool,
    settings_first: bool,
    decide: Function,
) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    if let Some(old) = doc.get_element_by_id(dom::ROOT_ID) {
        old.remove();
    }
    let cfg = Config::read(&banner);
    let ids = cfg.ids();
    let before = config::strings(&current);
    let on = state::initial(&ids, &before, gpc, &cfg.gpc_off);
    let (root, first, second) = dom::build(&doc, &cfg, &on, gpc)?;
    let opener = doc.active_element().and_then(|e| e.dyn_into().ok());
    doc.body().ok_or("no body")?.append_child(&root)?;
    let banner = Rc::new(Banner {
        doc,
        cfg,
        ids,
        before,
        gpc,
        root,
        first,
        second,
        settings_only: settings_first,
        opener,
        decide,
    });
    if settings_first {
        banner.open_settings()?;
    } else {
        banner.focus_first(&banner.first)?;
    }
    let handler = Rc::clone(&banner);
    // Owned by the JS side: freed with the dialog once it is removed and
    // collected, so a banner reopened many times leaks nothing.
    let listener = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        let _ = handler.on_event(&event);
    })
    .into_js_value();
    let target: &web_sys::EventTarget = banner.root.as_ref();
    target.add_event_listener_with_callback("click", listener.unchecked_ref())?;
    target.add_event_listener_with_callback("keydown", listener.unchecked_ref())?;
    Ok(())
}

impl Banner {
    fn on_event(&self, event: &Event) -> Res<()> {
        if let Some(key) = event.dyn_ref::<KeyboardEvent>() {
            return self.on_key(key);
        }
        let target: Option<Element> = event.target().and_then(|t| t.dyn_into().ok());
        let Some(action) = target.and_then(|t| t.closest("[data-a]").ok().flatten()) else {
            return Ok(());
        };
        let gpc_off = &self.cfg.gpc_off;
        let on = match action.get_attribute("data-a").as_deref() {
            Some("accept") => state::accept_all(&self.ids, self.gpc, gpc_off),
            Some("reject") => state::reject_all(&self.ids),
            Some("save") => dom::read_toggles(&self.second)?,
            Some("settings") => return self.open_settings(),
            _ => return Ok(()),
        };
        self.finish(&state::granted(&self.ids, &on))
    }

    fn on_key(&self, key: &KeyboardEvent) -> Res<()> {
        let settings_open = !self.second.has_attribute("hidden");
        match key.key().as_str() {
            // Closing the settings is never consent: back to the first layer,
            // or, when reopened later, away with nothing changed.
            "Escape" if settings_open && self.settings_only => self.close(),
            "Escape" if settings_open => {
                self.second.set_attribute("hidden", "")?;
                self.first.remove_attribute("hidden")?;
                self.focus_first(&self.first)
            }
            "Tab" => self.trap_focus(key),
            _ => Ok(()),
        }
    }

    /// Keeps Tab and Shift+Tab inside the visible layer while it is modal.
    fn trap_focus(&self, key: &KeyboardEvent) -> Res<()> {
        let layer = if self.second.has_attribute("hidden") {
            &self.first
        } else {
            &self.second
        };
        let items = dom::focusables(layer)?;
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return Ok(());
        };
        let active = self.doc.active_element();
        let at = |e: &HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == AsRef::<Element>::as_ref(e))
        };
        if key.shift_key() && at(first) {
            key.prevent_default();
            last.focus()?;
        } else if !key.shift_key() && at(last) {
            key.prevent_default();
            first.focus()?;
        }
        Ok(())
    }

    fn open_settings(&self) -> Res<()> {
        self.first.set_attribute("hidden", "")?;
        self.second.remove_attribute("hidden")?;
        self.focus_first(&self.second)
    }

    fn focus_first(&self, layer: &Element) -> Res<()> {
        // Layer 1 starts on the first button, not the privacy link.
        let buttons = layer.query_selector("button, input:not([disabled])")?;
        match buttons {
            Some(b) => b.unchecked_into::<HtmlElement>().focus(),
            None => Ok(()),
        }
    }

    fn finish(&self, granted: &[String]) -> Res<()> {
        self.delete_cookies(&state::withdrawn(&self.before, granted))?;
        let list: Array = granted.iter().map(|g| JsValue::from_str(g)).collect();
        self.close()?;
        self.decide.call1(&JsValue::NULL, &list)?;
        Ok(())
    }

    fn close(&self) -> Res<()> {
        self.root.remove();
        if let Some(opener) = &self.opener {
            let _ = opener.focus();
        }
        Ok(())
    }

    /// Deletes the first-party cookies the policy declares for `categories`.
    fn delete_cookies(&self, categories: &[String]) -> Res<()> {
        if categories.is_empty() {
            return Ok(());
        }
        let doc: &HtmlDocument = self.doc.unchecked_ref();
        let host = self.doc.location().ok_or("no location")?.hostname()?;
        for name in cookies::doomed(&doc.cookie()?, &self.cfg.rules_of(categories)) {
            for expiry in cookies::expiries(&name, &host) {
                doc.set_cookie(&expiry)?;
            }
        }
        Ok(())
    }
}

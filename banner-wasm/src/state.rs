//! Which categories are on: pure logic, tested natively.

use alloc::string::String;
use alloc::vec::Vec;

/// The category that is always on and cannot be switched off.
pub const NECESSARY: &str = "necessary";

/// Initial toggle states: what the visitor granted before, nothing optional
/// otherwise (no pre-ticked boxes), and never a category the browser's GPC
/// signal rules out. (Plain loops in this file: iterator adapters cost
/// several times their code in wasm.)
pub fn initial(ids: &[String], current: &[String], gpc: bool, gpc_off: &[String]) -> Vec<bool> {
    let mut on = Vec::new();
    for id in ids {
        on.push(id == NECESSARY || (current.contains(id) && !(gpc && gpc_off.contains(id))));
    }
    on
}

/// Every category on, except those GPC rules out.
pub fn accept_all(ids: &[String], gpc: bool, gpc_off: &[String]) -> Vec<bool> {
    initial(ids, ids, gpc, gpc_off)
}

/// Only `necessary` on.
pub fn reject_all(ids: &[String]) -> Vec<bool> {
    initial(ids, &[], false, &[])
}

/// The ids whose state is on.
pub fn granted(ids: &[String], on: &[bool]) -> Vec<String> {
    let mut out = Vec::new();
    for (id, on) in ids.iter().zip(on) {
        if *on {
            out.push(id.clone());
        }
    }
    out
}

/// Categories granted before and not any more.
pub fn withdrawn(before: &[String], after: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for id in before {
        if !after.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        ["necessary", "analytics", "marketing"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn first_visit_starts_with_only_necessary_on() {
        assert_eq!(initial(&ids(), &[], false, &[]), [true, false, false]);
    }

    #[test]
    fn reopening_shows_what_was_granted() {
        let current = ["necessary".into(), "marketing".into()];
        assert_eq!(initial(&ids(), &current, false, &[]), [true, false, true]);
    }

    #[test]
    fn gpc_keeps_its_categories_off_even_on_accept_all() {
        let off = ["marketing".to_owned()];
        assert_eq!(accept_all(&ids(), true, &off), [true, true, false]);
        assert_eq!(initial(&ids(), &ids(), true, &off), [true, true, false]);
        assert_eq!(accept_all(&ids(), false, &off), [true, true, true]);
    }

    #[test]
    fn reject_all_keeps_necessary() {
        assert_eq!(granted(&ids(), &reject_all(&ids())), ["necessary"]);
    }

    #[test]
    fn withdrawn_lists_what_was_switched_off() {
        let before = ids();
        let after = ["necessary".to_owned()];
        assert_eq!(withdrawn(&before, &after), ["analytics", "marketing"]);
    }
}

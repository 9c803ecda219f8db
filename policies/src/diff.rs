//! What changed between two versions of a site policy: what an auditor
//! needs to see to judge whether visitors had to be asked again.

use std::collections::BTreeSet;

use crate::model::SitePolicy;

/// The differences from one version to the next, each as readable names.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PolicyDiff {
    pub vendors_added: Vec<String>,
    pub vendors_removed: Vec<String>,
    /// `vendor: cookie` names.
    pub cookies_added: Vec<String>,
    pub cookies_removed: Vec<String>,
    /// Where texts differ: `nl: banner body`, `en: category analytics`, …
    pub texts_changed: Vec<String>,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What changed from `old` to `new`.
pub fn diff(old: &SitePolicy, new: &SitePolicy) -> PolicyDiff {
    let vendors =
        |p: &SitePolicy| -> BTreeSet<String> { p.vendors.iter().map(|v| v.name.clone()).collect() };
    let cookies = |p: &SitePolicy| -> BTreeSet<String> {
        p.vendors
            .iter()
            .flat_map(|v| {
                v.cookies
                    .iter()
                    .map(move |c| format!("{}: {}", v.name, c.name))
            })
            .collect()
    };
    let (old_v, new_v) = (vendors(old), vendors(new));
    let (old_c, new_c) = (cookies(old), cookies(new));
    PolicyDiff {
        vendors_added: new_v.difference(&old_v).cloned().collect(),
        vendors_removed: old_v.difference(&new_v).cloned().collect(),
        cookies_added: new_c.difference(&old_c).cloned().collect(),
        cookies_removed: old_c.difference(&new_c).cloned().collect(),
        texts_changed: texts_changed(old, new),
    }
}

fn texts_changed(old: &SitePolicy, new: &SitePolicy) -> Vec<String> {
    let languages: BTreeSet<&String> = old.texts.keys().chain(new.texts.keys()).collect();
    let mut changed = Vec::new();
    for lang in languages {
        let (a, b) = (old.texts.get(lang), new.texts.get(lang));
        let parts = [
            ("banner title", a.map(|t| &t.title), b.map(|t| &t.title)),
            ("banner text", a.map(|t| &t.body), b.map(|t| &t.body)),
        ];
        for (part, x, y) in parts {
            if x != y {
                changed.push(format!("{lang}: {part}"));
            }
        }
        for category in &new.categories {
            let before = old.categories.iter().find(|c| c.id == category.id);
            let was = before.and_then(|c| c.description.get(lang));
            if was != category.description.get(lang) {
                changed.push(format!("{lang}: category {}", category.id));
            }
        }
        for vendor in &new.vendors {
            let before = old.vendors.iter().find(|v| v.id == vendor.id);
            if before.is_some_and(|v| v.purpose.get(lang) != vendor.purpose.get(lang)) {
                changed.push(format!("{lang}: purpose of {}", vendor.name));
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PolicySet;

    fn www() -> SitePolicy {
        PolicySet::shipped()
            .unwrap()
            .site("www")
            .unwrap()
            .policy
            .clone()
    }

    #[test]
    fn the_same_policy_has_no_changes() {
        assert!(diff(&www(), &www()).is_empty());
    }

    #[test]
    fn added_vendors_cookies_and_edited_texts_are_named() {
        let old = www();
        let mut new = www();
        let mut tiktok = new.vendors[0].clone();
        tiktok.id = "tiktok".into();
        tiktok.name = "TikTok Pixel".into();
        tiktok.cookies.truncate(1);
        tiktok.cookies[0].name = "_ttp".into();
        new.vendors.push(tiktok);
        new.texts.get_mut("nl").unwrap().body.push_str(" en TikTok");
        let removed = new.vendors.remove(1).name;
        let changes = diff(&old, &new);
        assert_eq!(changes.vendors_added, ["TikTok Pixel"]);
        assert_eq!(changes.vendors_removed, std::slice::from_ref(&removed));
        assert!(
            changes
                .cookies_added
                .contains(&"TikTok Pixel: _ttp".to_owned())
        );
        assert!(
            changes
                .cookies_removed
                .iter()
                .all(|c| c.starts_with(&removed))
        );
        assert_eq!(changes.texts_changed, ["nl: banner text"]);
    }
}

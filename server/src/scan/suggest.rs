//! `scan --suggest FILE`: the vendor and cookie entries the policy lacks,
//! written in the policies' own TOML, from what the scan saw and what the
//! known-cookie data says of it. Every guess carries a comment naming its
//! source; what the data does not know, and what cannot be a valid entry
//! yet (no category of the site fits, no privacy link), is written as
//! comments for the owner to finish.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use policies::LoadedPolicy;

use super::judge::lifetime_seconds;
use super::known::SOURCE;
use super::report::{Known, ScanReport, Undeclared};

/// The suggestion for `report`, judged against `policy`.
pub fn suggest(report: &ScanReport, policy: &LoadedPolicy) -> String {
    let site = &policy.policy;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Suggested by `consent-server scan {}` on {}\n\
         # for site `{}` (policy version {}): what the scan saw that the policy does not\n\
         # declare. Classification from the {SOURCE} (Apache-2.0). Check every\n\
         # guess, translate the texts marked so, then append what is right to the\n\
         # site's policy file and give the policy a new version.",
        report.target, report.scanned_at, site.site.id, site.site.version
    );
    let mut platforms: BTreeMap<&str, Vec<&Undeclared>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for item in &report.undeclared {
        match (&item.known.classification, &item.known.platform) {
            (Known::Known, Some(platform)) => platforms.entry(platform).or_default().push(item),
            _ => unknown.push(item),
        }
    }
    let mut used_ids: Vec<String> = site.vendors.iter().map(|v| v.id.clone()).collect();
    for (platform, items) in platforms {
        out.push('\n');
        out.push_str(&vendor_block(platform, &items, policy, &mut used_ids));
    }
    if !unknown.is_empty() {
        out.push_str("\n# Not in the known-cookie data: classify these by hand.\n");
        for item in unknown {
            let _ = writeln!(
                out,
                "#   {} `{}`{}, seen at {}",
                item.kind,
                item.name,
                if item.domain.is_empty() || item.domain == item.name {
                    String::new()
                } else {
                    format!(" (domain {})", item.domain)
                },
                item.seen.first().map_or("?", String::as_str)
            );
        }
    }
    out
}

/// One `[[vendors]]` entry for a platform, or comments saying what to add
/// where it cannot be one.
fn vendor_block(
    platform: &str,
    items: &[&Undeclared],
    policy: &LoadedPolicy,
    used_ids: &mut Vec<String>,
) -> String {
    let site = &policy.policy;
    let first = items[0];
    let mut problems = Vec::new();
    let existing = site.vendors.iter().find(|v| {
        v.name.eq_ignore_ascii_case(platform) || v.id == slug(platform) || v.company == platform
    });
    // The most intrusive use decides: a vendor runs under one category.
    let likely = items
        .iter()
        .filter_map(|i| i.known.likely_category.as_deref())
        .max_by_key(|c| intrusiveness(c))
        .unwrap_or("marketing");
    let category = items
        .iter()
        .find(|i| i.known.likely_category.as_deref() == Some(likely))
        .and_then(|i| i.known.site_category.clone());
    if category.is_none() {
        problems.push(format!(
            "the site has no category for `{likely}` use: add one, or choose one of {}",
            site.category_ids().collect::<Vec<_>>().join(", ")
        ));
    }
    let privacy_url = items
        .iter()
        .find_map(|i| i.known.privacy_url.clone())
        .unwrap_or_default();
    if privacy_url.is_empty() {
        problems.push("the data has no privacy link for it: add the vendor's".to_owned());
    }
    let hosts: Vec<&str> = items
        .iter()
        .filter(|i| i.kind == "host" && is_host(&i.name))
        .map(|i| i.name.as_str())
        .collect();
    let mut cookies = Vec::new();
    for item in items.iter().filter(|i| i.kind != "host") {
        cookies.push(cookie_line(item, site));
    }
    cookies.dedup();

    let mut block = String::new();
    let seen: Vec<String> = items
        .iter()
        .map(|i| format!("{} {}", i.kind, i.name))
        .collect();
    let _ = writeln!(block, "# {platform}: seen as {}", seen.join(", "));
    if let Some(vendor) = existing {
        let _ = writeln!(
            block,
            "# The policy has this platform as vendor `{}`: add to its entry",
            vendor.id
        );
        if !hosts.is_empty() {
            let _ = writeln!(block, "#   hosts: {}", quoted_list(&hosts));
        }
        for line in &cookies {
            for l in line.lines() {
                let _ = writeln!(block, "#   {}", l.trim_start());
            }
        }
        return block;
    }
    let id = unique_id(&slug(platform), used_ids);
    let purpose = items
        .iter()
        .find_map(|i| i.known.purpose.clone())
        .unwrap_or_else(|| format!("{platform} ({likely})."));
    let company = first
        .known
        .controller
        .clone()
        .unwrap_or_else(|| platform.to_owned());
    let mut entry = String::new();
    let _ = writeln!(entry, "[[vendors]]");
    let _ = writeln!(entry, "id = {}", toml_string(&id));
    let _ = writeln!(entry, "name = {}", toml_string(platform));
    let _ = writeln!(
        entry,
        "category = {}  # {SOURCE}: {likely}",
        toml_string(category.as_deref().unwrap_or("?"))
    );
    let _ = writeln!(entry, "company = {}", toml_string(&company));
    let _ = writeln!(entry, "privacy_url = {}", toml_string(&privacy_url));
    let _ = writeln!(
        entry,
        "purpose = {}{}",
        localized(&purpose, site),
        translate_note(site)
    );
    if !hosts.is_empty() {
        let _ = writeln!(
            entry,
            "hosts = [{}]  # seen in the scan",
            quoted_list(&hosts)
        );
    }
    if !cookies.is_empty() {
        let _ = writeln!(entry, "cookies = [");
        for line in &cookies {
            entry.push_str(line);
        }
        let _ = writeln!(entry, "]");
    }
    if problems.is_empty() {
        block.push_str(&entry);
    } else {
        for problem in problems {
            let _ = writeln!(block, "# Not valid yet: {problem}.");
        }
        for line in entry.lines() {
            let _ = writeln!(block, "# {line}");
        }
    }
    block
}

/// `  # comment\n  { name = …, lifetime = …, purpose = { … } },\n`
fn cookie_line(item: &Undeclared, site: &policies::SitePolicy) -> String {
    let known = &item.known;
    let by_prefix = known.matched_by.as_deref() == Some("prefix");
    let name = match (&known.known_name, by_prefix) {
        (Some(prefix), true) => prefix.clone(),
        _ => item.name.clone(),
    };
    let observed = item.lifetime_seconds.map(in_policy_units);
    // The longer of what was seen and what the data states.
    let lifetime = match (observed.clone(), known.lifetime.clone()) {
        (Some(seen), Some(stated)) if longer(&stated, &seen) => stated,
        (Some(seen), _) => seen,
        (None, Some(stated)) => stated,
        (None, None) if item.kind == "session_storage" || item.kind == "cookie" => {
            "session".to_owned()
        }
        (None, None) => "1y".to_owned(),
    };
    let purpose = known.purpose.clone().unwrap_or_else(|| {
        format!(
            "A {} of {}.",
            item.kind,
            known.platform.as_deref().unwrap_or("?")
        )
    });
    let mut line = format!(
        "  # {} `{}`: {} match in the {SOURCE}, retention \"{}\"",
        item.kind,
        item.name,
        known.matched_by.as_deref().unwrap_or("?"),
        known.retention.as_deref().unwrap_or("not stated")
    );
    if let Some(seconds) = item.lifetime_seconds {
        let _ = write!(line, "; seen to live {seconds} s");
    } else if item.kind != "cookie" && known.lifetime.is_none() {
        line.push_str("; storage does not expire: state how long it is kept");
    }
    line.push('\n');
    let _ = writeln!(
        line,
        "  {{ name = {}{}, lifetime = {}, purpose = {} }},{}",
        toml_string(&name),
        if by_prefix { ", prefix = true" } else { "" },
        toml_string(&lifetime),
        localized(&purpose, site),
        translate_note(site)
    );
    line
}

/// `{ nl = "…", en = "…" }`: the data's English text in every language of
/// the site (see [`translate_note`]).
fn localized(english: &str, site: &policies::SitePolicy) -> String {
    let texts: Vec<String> = site
        .site
        .languages
        .iter()
        .map(|lang| format!("{lang} = {}", toml_string(english)))
        .collect();
    format!("{{ {} }}", texts.join(", "))
}

/// The end-of-line comment marking the languages whose text is English.
fn translate_note(site: &policies::SitePolicy) -> String {
    let others: Vec<&str> = site
        .site
        .languages
        .iter()
        .filter(|l| *l != "en")
        .map(String::as_str)
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!("  # translate: {}", others.join(", "))
    }
}

fn intrusiveness(category: &str) -> u8 {
    match category {
        "marketing" => 3,
        "analytics" => 2,
        "functional" => 1,
        _ => 0,
    }
}

/// `a` lasts longer than `b` (both policy lifetimes; `session` shortest).
fn longer(a: &str, b: &str) -> bool {
    lifetime_seconds(a).unwrap_or(0) > lifetime_seconds(b).unwrap_or(0)
}

/// Seconds as the smallest policy lifetime at least as long.
fn in_policy_units(seconds: i64) -> String {
    let seconds = seconds.max(60);
    if seconds <= 2 * 3_600 {
        format!("{}min", (seconds + 59) / 60)
    } else if seconds <= 2 * 86_400 {
        format!("{}h", (seconds + 3_599) / 3_600)
    } else {
        format!("{}d", (seconds + 86_399) / 86_400)
    }
}

/// `Google Analytics` → `google-analytics`, at most 32 characters.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(32).collect();
    if slug.is_empty() {
        "vendor".to_owned()
    } else {
        slug.trim_end_matches('-').to_owned()
    }
}

fn unique_id(base: &str, used: &mut Vec<String>) -> String {
    let mut id = base.to_owned();
    let mut n = 2;
    while used.contains(&id) {
        id = format!("{}-{n}", &base[..base.len().min(29)]);
        n += 1;
    }
    used.push(id.clone());
    id
}

fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && host.parse::<std::net::IpAddr>().is_err()
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| toml_string(i))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_names_become_vendor_ids() {
        assert_eq!(slug("Google Analytics"), "google-analytics");
        assert_eq!(slug("  Crazy Egg (Inc.) "), "crazy-egg-inc");
        let mut used = vec!["hotjar".to_owned()];
        assert_eq!(unique_id("hotjar", &mut used), "hotjar-2");
    }

    #[test]
    fn observed_lifetimes_round_up_to_policy_units() {
        assert_eq!(in_policy_units(1_800), "30min");
        assert_eq!(in_policy_units(86_400), "24h");
        assert_eq!(in_policy_units(31_536_000), "365d");
        assert!(longer("2y", "365d"));
        assert!(!longer("session", "1min"));
    }
}

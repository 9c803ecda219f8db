use super::*;

fn www() -> SitePolicy {
    PolicySet::shipped()
        .unwrap()
        .site("www")
        .unwrap()
        .policy
        .clone()
}

fn fields(policy: &SitePolicy) -> Vec<String> {
    validate(policy).into_iter().map(|v| v.field).collect()
}

#[test]
fn shipped_policies_are_valid_and_cover_both_sites() {
    let set = PolicySet::shipped().expect("shipped policies load");
    let ids: Vec<&str> = set.sites().map(|s| s.policy.site.id.as_str()).collect();
    assert_eq!(ids, ["app", "www"]);
}

#[test]
fn www_has_every_category_and_vendor_of_the_privacy_statement() {
    let www = www();
    let cats: Vec<&str> = www.category_ids().collect();
    assert_eq!(
        cats,
        [
            "necessary",
            "analytics",
            "experience",
            "marketing",
            "support"
        ]
    );
    let vendors = |cat| {
        www.vendors_in(cat)
            .map(|v| v.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(vendors("analytics"), ["google-analytics"]);
    assert_eq!(vendors("experience"), ["hotjar", "vwo"]);
    assert_eq!(
        vendors("marketing"),
        [
            "facebook-pixel",
            "linkedin-insight",
            "bing-uet",
            "google-ads"
        ]
    );
    assert_eq!(vendors("support"), ["intercom"]);
}

#[test]
fn app_offers_only_necessary_and_support() {
    let set = PolicySet::shipped().unwrap();
    let app = &set.site("app").unwrap().policy;
    assert_eq!(
        app.category_ids().collect::<Vec<_>>(),
        ["necessary", "support"]
    );
}

#[test]
fn every_processor_of_the_privacy_statement_is_listed() {
    let set = PolicySet::shipped().unwrap();
    let names: Vec<&str> = set
        .organization
        .processors
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for expected in [
        "ActiveCampaign",
        "MoneyBird",
        "Stripe",
        "GitLab",
        "Intercom",
        "Saber",
        "Zapier",
        "Slack",
        "Calendly",
        "Google",
        "Google Analytics",
        "Facebook",
        "LinkedIn",
        "Bing/Microsoft",
        "Google Adwords",
        "Oxillion",
        "Microsoft Azure",
        "TypeForm",
    ] {
        assert!(names.contains(&expected), "{expected} missing");
    }
}

#[test]
fn hash_changes_when_any_text_changes() {
    let set = PolicySet::shipped().unwrap();
    let hash = |policy: &SitePolicy| document_hash(&canonical_document(&set.organization, policy));
    let before = hash(&www());
    let mut changed = www();
    changed.vendors[1]
        .purpose
        .insert("en".into(), "Something else".into());
    assert_ne!(before, hash(&changed));
    assert_eq!(
        before,
        set.site("www").unwrap().hash,
        "hash is deterministic"
    );
}

#[test]
fn missing_translation_is_named_by_field() {
    let mut p = www();
    p.categories[2].name.remove("en");
    assert_eq!(fields(&p), ["categories[2].name.en"]);
}

#[test]
fn vendor_with_unknown_category_is_rejected() {
    let mut p = www();
    p.vendors[0].category = "tracking".into();
    assert_eq!(fields(&p), ["vendors[0].category"]);
}

#[test]
fn first_category_must_be_necessary() {
    let mut p = www();
    p.categories.swap(0, 1);
    assert_eq!(fields(&p), ["categories[0].id"]);
}

#[test]
fn duplicate_category_is_rejected() {
    let mut p = www();
    p.categories[2].id = "analytics".into();
    // The vendors of the renamed category now point nowhere as well.
    assert!(fields(&p).contains(&"categories[2].id".to_owned()));
}

#[test]
fn gpc_cannot_force_off_necessary_or_unknown_categories() {
    let mut p = www();
    p.site.gpc_forces_off = vec!["necessary".into(), "ads".into()];
    assert_eq!(
        fields(&p),
        ["site.gpc_forces_off[0]", "site.gpc_forces_off[1]"]
    );
}

#[test]
fn consent_lifetime_over_thirteen_months_is_rejected() {
    let mut p = www();
    p.site.consent_lifetime_days = 400;
    assert_eq!(fields(&p), ["site.consent_lifetime_days"]);
}

#[test]
fn cookie_lifetime_must_be_readable() {
    for (value, ok) in [
        ("session", true),
        ("30min", true),
        ("13mo", true),
        ("2y", true),
        ("0d", false),
        ("2 years", false),
        ("y", false),
        ("", false),
    ] {
        assert_eq!(validate::is_lifetime(value), ok, "{value:?}");
    }
}

#[test]
fn bad_cookie_name_is_rejected() {
    let mut p = www();
    p.vendors[1].cookies[0].name = "_ga;x".into();
    assert_eq!(fields(&p), ["vendors[1].cookies[0].name"]);
}

#[test]
fn load_error_names_the_file_and_the_field() {
    let dir = std::env::temp_dir().join(format!("policies-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(SITES_DIR)).unwrap();
    std::fs::write(dir.join(ORGANIZATION_FILE), SHIPPED_ORGANIZATION).unwrap();
    std::fs::create_dir_all(dir.join(STATEMENT_DIR)).unwrap();
    for (lang, text) in SHIPPED_STATEMENTS {
        std::fs::write(dir.join(STATEMENT_DIR).join(format!("{lang}.toml")), text).unwrap();
    }
    let broken = SHIPPED_SITES[0]
        .1
        .replace("consent_lifetime_days = 365", "consent_lifetime_days = 0");
    std::fs::write(dir.join("sites/www.toml"), broken).unwrap();
    let err = PolicySet::load_dir(&dir).unwrap_err().to_string();
    assert!(err.contains("www.toml"), "{err}");
    assert!(err.contains("site.consent_lifetime_days"), "{err}");

    std::fs::write(dir.join("sites/www.toml"), "[site]\nid = 3\n").unwrap();
    let err = PolicySet::load_dir(&dir).unwrap_err().to_string();
    assert!(err.contains("www.toml") && err.contains("id"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_field_in_a_policy_file_is_an_error() {
    let text = SHIPPED_SITES[0]
        .1
        .replace("[site]\n", "[site]\ndefault_on = true\n");
    let err = parse::<SitePolicy>(Path::new("www.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("default_on"), "{err}");
}

#[test]
fn unknown_consent_mode_key_is_rejected() {
    let mut p = www();
    p.categories[1].consent_mode.push("tracking_storage".into());
    assert_eq!(fields(&p), ["categories[1].consent_mode[1]"]);
}

#[test]
fn statements_exist_for_every_site_language_and_read_lifetimes() {
    let set = PolicySet::shipped().unwrap();
    let nl = set.statement("nl").unwrap();
    assert_eq!(nl.lifetime("13mo"), "13 maanden");
    assert_eq!(nl.lifetime("1d"), "1 dag");
    assert_eq!(nl.lifetime("1y"), "1 jaar");
    assert_eq!(nl.lifetime("session"), "sessie");
    assert_eq!(set.statement("en").unwrap().lifetime("30min"), "30 minutes");
    assert_eq!(set.statement("en").unwrap().lifetime("1d"), "1 day");
}

#[test]
fn a_site_language_without_statement_fails_to_load() {
    let org: Organization = toml::from_str(SHIPPED_ORGANIZATION).unwrap();
    let sites = SHIPPED_SITES
        .iter()
        .map(|(n, t)| (PathBuf::from(n), (*t).to_owned()));
    let only_nl = [(
        PathBuf::from("statement/nl.toml"),
        SHIPPED_STATEMENTS[0].1.to_owned(),
    )];
    let err = PolicySet::build(org, sites, only_nl)
        .unwrap_err()
        .to_string();
    assert!(err.contains("statement/en.toml is missing"), "{err}");
}

#[test]
fn vendor_hosts_must_be_bare_host_names() {
    let mut p = www();
    p.vendors[1].hosts = vec![
        "www.google-analytics.com".to_owned(),
        "https://evil.example/".to_owned(),
        "Upper.Example".to_owned(),
    ];
    assert_eq!(fields(&p), ["vendors[1].hosts[1]", "vendors[1].hosts[2]"]);
}

#[test]
fn the_document_is_what_the_hash_is_computed_from() {
    let set = PolicySet::shipped().unwrap();
    for site in set.sites() {
        assert_eq!(document_hash(&site.document), site.hash);
        let parsed: serde_json::Value = serde_json::from_str(&site.document).unwrap();
        assert_eq!(parsed[1]["site"]["id"], site.policy.site.id.as_str());
    }
}

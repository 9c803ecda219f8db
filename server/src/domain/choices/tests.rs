use super::*;

fn request(choices: &[(&str, bool)]) -> ConsentRequest {
    ConsentRequest {
        site: "www".into(),
        policy_version: current_version(),
        choices: choices.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        consent_id: None,
        url: None,
        locale: None,
        source: None,
    }
}

fn current_version() -> String {
    PolicySet::shipped()
        .unwrap()
        .site("www")
        .unwrap()
        .policy
        .site
        .version
        .clone()
}

const ALL_ON: &[(&str, bool)] = &[
    ("necessary", true),
    ("analytics", true),
    ("experience", true),
    ("marketing", true),
    ("support", true),
];

#[test]
fn complete_choice_is_accepted_and_granted_in_policy_order() {
    let set = PolicySet::shipped().unwrap();
    let choices = Choices::parse(&set, request(ALL_ON), false, &[]).unwrap();
    assert_eq!(
        choices.granted(),
        [
            "necessary",
            "analytics",
            "experience",
            "marketing",
            "support"
        ]
    );
    assert_eq!(choices.named_id, None);
}

#[test]
fn gpc_forces_marketing_off() {
    let set = PolicySet::shipped().unwrap();
    let choices = Choices::parse(&set, request(ALL_ON), true, &[]).unwrap();
    assert!(!choices.states["marketing"]);
    assert!(!choices.granted().contains(&"marketing".to_owned()));
}

#[test]
fn missing_category_is_rejected() {
    let set = PolicySet::shipped().unwrap();
    let err = Choices::parse(&set, request(&ALL_ON[..4]), false, &[]).unwrap_err();
    assert!(matches!(err, ChoicesError::MissingCategory(c) if c == "support"));
}

#[test]
fn unknown_category_is_rejected() {
    let set = PolicySet::shipped().unwrap();
    let mut all = ALL_ON.to_vec();
    all.push(("tracking", false));
    let err = Choices::parse(&set, request(&all), false, &[]).unwrap_err();
    assert!(matches!(err, ChoicesError::UnknownCategory(c) if c == "tracking"));
}

#[test]
fn refusing_necessary_is_rejected() {
    let set = PolicySet::shipped().unwrap();
    let mut all = ALL_ON.to_vec();
    all[0].1 = false;
    let err = Choices::parse(&set, request(&all), false, &[]).unwrap_err();
    assert!(matches!(err, ChoicesError::NecessaryRefused));
}

#[test]
fn stale_policy_version_names_the_current_one() {
    let set = PolicySet::shipped().unwrap();
    let mut req = request(ALL_ON);
    req.policy_version = "1999-01-01".into();
    let err = Choices::parse(&set, req, false, &[]).unwrap_err();
    assert!(
        matches!(err, ChoicesError::StalePolicy { current, .. } if current == current_version())
    );
}

#[test]
fn unknown_site_is_rejected() {
    let set = PolicySet::shipped().unwrap();
    let mut req = request(ALL_ON);
    req.site = "shop".into();
    assert!(matches!(
        Choices::parse(&set, req, false, &[]).unwrap_err(),
        ChoicesError::UnknownSite(_)
    ));
}

#[test]
fn a_named_consent_id_is_parsed_as_a_claim() {
    let set = PolicySet::shipped().unwrap();
    let id = ConsentId::generate();
    let mut req = request(ALL_ON);
    req.consent_id = Some(id.to_string());
    let choices = Choices::parse(&set, req, false, &[]).unwrap();
    assert_eq!(choices.named_id, Some(id));
}

#[test]
fn page_url_must_be_on_the_site_or_the_servers_own_origin() {
    let set = PolicySet::shipped().unwrap();
    let with_url = |url: &str| {
        let mut req = request(ALL_ON);
        req.url = Some(url.to_owned());
        req
    };
    let own = ["http://127.0.0.1:8080".to_owned()];
    assert!(
        Choices::parse(
            &set,
            with_url("https://www.nexxtjourneys.com/x"),
            false,
            &[]
        )
        .is_ok()
    );
    assert!(
        Choices::parse(
            &set,
            with_url("http://127.0.0.1:8080/examples/www/"),
            false,
            &own
        )
        .is_ok()
    );
    for foreign in [
        "https://attacker.example/x",
        "https://app.nexxtjourneys.com/",
    ] {
        assert!(
            matches!(
                Choices::parse(&set, with_url(foreign), false, &own),
                Err(ChoicesError::Url(PageUrlError::ForeignOrigin(_)))
            ),
            "{foreign}"
        );
    }
}

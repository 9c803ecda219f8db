use super::*;

fn key() -> SigningKey {
    let doc = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).unwrap();
    SigningKey::from_pkcs8(doc.as_ref()).unwrap()
}

fn claims(exp_in: i64) -> ConsentClaims {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    ConsentClaims {
        iss: "nexxt-consent".into(),
        sub: "4b0c7d0e-0000-4000-8000-000000000000".into(),
        aud: "www".into(),
        iat: now,
        exp: now + exp_in,
        pv: "1".into(),
        ph: "ab".into(),
        cat: vec!["necessary".into()],
        gpc: false,
    }
}

#[test]
fn signed_token_verifies_with_the_public_key_alone() {
    // Guards the crypto backend feature: with none or two, jsonwebtoken
    // compiles and then fails here.
    let key = key();
    let token = key.sign(&claims(60));
    assert_eq!(key_id(&token).unwrap(), key.public().kid);
    let verified = verify(&token, key.public(), "nexxt-consent").unwrap();
    assert_eq!(verified, claims(60));
}

#[test]
fn token_of_another_key_is_rejected() {
    let token = key().sign(&claims(60));
    assert!(verify(&token, key().public(), "nexxt-consent").is_err());
}

#[test]
fn each_key_signs_through_its_own_parsed_pair() {
    let (first, second) = (key(), key());
    assert!(
        provider::is_installed(),
        "signing would parse the key per token"
    );
    let (one, two) = (first.sign(&claims(60)), second.sign(&claims(60)));
    assert!(verify(&one, first.public(), "nexxt-consent").is_ok());
    assert!(verify(&two, second.public(), "nexxt-consent").is_ok());
    assert!(verify(&two, first.public(), "nexxt-consent").is_err());
}

#[test]
fn expired_token_is_rejected() {
    let key = key();
    let token = key.sign(&claims(-3600));
    assert!(verify(&token, key.public(), "nexxt-consent").is_err());
}

#[test]
fn token_of_another_issuer_is_rejected() {
    let key = key();
    let token = key.sign(&claims(60));
    assert!(verify(&token, key.public(), "someone-else").is_err());
}

#[test]
fn kid_is_the_rfc7638_thumbprint() {
    // RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    assert_eq!(thumbprint(x), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

#[test]
fn debug_output_hides_the_private_key() {
    let key = key();
    let shown = format!("{key:?}");
    assert!(shown.contains("[redacted]"));
    assert!(!shown.contains("encoding"));
}

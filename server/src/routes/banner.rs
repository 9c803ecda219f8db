//! What a page loads for the banner: the loader script, the banner document
//! in the page's language, and the content-hashed wasm, glue and CSS.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use policies::LoadedPolicy;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::problem::ApiError;
use super::state::{Issuer, Policies};
use crate::assets::BannerAssets;
use crate::storage;
use crate::templates::{LOADER, Scripts};

/// Name of the first-party cookie that holds the consent token.
pub const CONSENT_COOKIE: &str = "nexxt_consent";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn site<'a>(policies: &'a Policies, id: &str) -> Result<&'a LoadedPolicy, ApiError> {
    policies
        .0
        .site(id)
        .ok_or_else(|| ApiError::NotFound(format!("unknown site `{id}`")))
}

/// `GET /v1/sites/{site}/loader.js`: small, short-cached, everything a
/// return visit needs and nothing more.
pub async fn loader(
    path: web::Path<String>,
    policies: web::Data<Policies>,
    assets: web::Data<BannerAssets>,
    templates: web::Data<Scripts>,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
) -> Result<HttpResponse, ApiError> {
    let loaded = site(&policies, &path)?;
    let policy = &loaded.policy;
    let keys: Vec<_> = storage::active_keys(db.get_ref())
        .await?
        .into_iter()
        .map(|k| k.public_key)
        .collect();
    // Categories without Consent Mode types are left out: the loader reads
    // a missing entry as none, and every return visit downloads this.
    let consent_mode: BTreeMap<&str, &Vec<String>> = policy
        .categories
        .iter()
        .filter(|c| !c.consent_mode.is_empty())
        .map(|c| (c.id.as_str(), &c.consent_mode))
        .collect();
    let reopen: BTreeMap<&str, &str> = policy
        .texts
        .iter()
        .map(|(l, t)| (l.as_str(), t.reopen.as_str()))
        .collect();
    let config = json!({
        "site": policy.site.id,
        "iss": issuer.0,
        "v": policy.site.version,
        "langs": policy.site.languages,
        "lang": policy.site.default_language,
        "cookie": CONSENT_COOKIE,
        "cats": policy.category_ids().collect::<Vec<_>>(),
        "cm": consent_mode,
        "keys": keys,
        "reopen": reopen,
        "wasm": format!("/banner/{}", assets.wasm.file),
        "glue": format!("/banner/{}", assets.glue.file),
        "css": format!("/banner/{}", assets.css.file),
        "embeds": format!("/banner/{}", assets.embeds.file),
    });
    let context = json!({ "config": config.to_string() });
    let script = templates
        .0
        .render(LOADER, &context)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(script))
}

#[derive(Deserialize)]
pub struct DocumentQuery {
    lang: Option<String>,
    /// For the embeds' placeholders: with their texts and each vendor's id
    /// and hosts, which the dialog does not use.
    #[serde(default)]
    embeds: bool,
}

/// `GET /v1/sites/{site}/banner.json?lang=nl`: the banner's texts, categories,
/// vendors and cookies in one language (the site default when unknown).
/// Every first visit downloads it, so it carries what the dialog shows and
/// no more: `prefix` only when true, and the embeds' texts and the vendors'
/// ids and hosts only with `&embeds=true` (a page with a blocked embed).
pub async fn banner_document(
    path: web::Path<String>,
    query: web::Query<DocumentQuery>,
    policies: web::Data<Policies>,
) -> Result<HttpResponse, ApiError> {
    let policy = &site(&policies, &path)?.policy;
    let lang = query
        .lang
        .as_deref()
        .filter(|l| policy.site.languages.iter().any(|x| x == l))
        .unwrap_or(&policy.site.default_language);
    let local = |text: &BTreeMap<String, String>| text.get(lang).cloned().unwrap_or_default();
    // Cookie lifetimes in words ("13 maanden"), as the privacy statement has them.
    let statement = policies.0.statement(lang);
    let categories: Vec<_> = policy
        .categories
        .iter()
        .map(|c| {
            let vendors: Vec<_> = policy
                .vendors_in(&c.id)
                .map(|v| {
                    let cookies: Vec<_> = v
                        .cookies
                        .iter()
                        .map(|k| {
                            let lifetime = statement.map_or_else(|| k.lifetime.clone(), |s| s.lifetime(&k.lifetime));
                            let mut cookie = json!({ "name": k.name, "lifetime": lifetime });
                            if k.prefix {
                                cookie["prefix"] = json!(true);
                            }
                            cookie
                        })
                        .collect();
                    let mut vendor = json!({ "name": v.name, "purpose": local(&v.purpose), "cookies": cookies });
                    if query.embeds {
                        vendor["id"] = json!(v.id);
                        vendor["hosts"] = json!(v.hosts);
                    }
                    vendor
                })
                .collect();
            json!({ "id": c.id, "name": local(&c.name), "description": local(&c.description), "vendors": vendors })
        })
        .collect();
    let mut texts = policy.texts[lang].clone();
    if !query.embeds {
        // Empty texts are left out of the document.
        texts.embed_blocked.clear();
        texts.embed_load_once.clear();
        texts.embed_always.clear();
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(BannerDocument {
            lang,
            texts: &texts,
            privacy_url: &policy.site.privacy_url,
            gpc_forces_off: &policy.site.gpc_forces_off,
            categories,
        }))
}

#[derive(Serialize)]
struct BannerDocument<'a> {
    lang: &'a str,
    texts: &'a policies::BannerTexts,
    privacy_url: &'a str,
    gpc_forces_off: &'a [String],
    categories: Vec<serde_json::Value>,
}

/// `GET /banner/{file}`: the wasm, glue and CSS, cached for a year.
pub async fn asset(
    path: web::Path<String>,
    assets: web::Data<BannerAssets>,
) -> Result<HttpResponse, ApiError> {
    let asset = assets
        .find(&path)
        .ok_or_else(|| ApiError::NotFound("no such banner file".to_owned()))?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", IMMUTABLE))
        .body(asset.bytes))
}

//! What a page loads for the banner: the loader script, the banner document
//! in the page's language, and the content-hashed wasm, glue and CSS.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use policies::LoadedPolicy;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::problem::ApiError;
use super::state::{Issuer, Policies};
use super::{KeptBodies, KeyedBodies};
use crate::assets::BannerAssets;
use crate::encoded::Encoded;
use crate::storage::{PublicKeyRow, PublishedKeys};
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
/// return visit needs and nothing more. Every page view asks for it, so it
/// is made once per key set and kept compressed.
#[allow(clippy::too_many_arguments)] // one extractor per shared resource
pub async fn loader(
    request: HttpRequest,
    path: web::Path<String>,
    policies: web::Data<Policies>,
    assets: web::Data<BannerAssets>,
    templates: web::Data<Scripts>,
    db: web::Data<DatabaseConnection>,
    issuer: web::Data<Issuer>,
    published: web::Data<PublishedKeys>,
    bodies: web::Data<KeyedBodies>,
) -> Result<HttpResponse, ApiError> {
    let loaded = site(&policies, &path)?;
    let keys = published.get(db.get_ref()).await?;
    let script = bodies.get_or_make(&loaded.policy.site.id, &keys, |keys| {
        render_loader(loaded, keys, &assets, &templates, &issuer.0).map(Encoded::new)
    })?;
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"));
    Ok(script.respond(&request, response))
}

fn render_loader(
    loaded: &LoadedPolicy,
    keys: &[PublicKeyRow],
    assets: &BannerAssets,
    templates: &Scripts,
    issuer: &str,
) -> Result<String, ApiError> {
    let policy = &loaded.policy;
    let keys: Vec<&str> = keys.iter().map(|k| k.public_key.as_str()).collect();
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
        "iss": issuer,
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
    templates
        .0
        .render(LOADER, &context)
        .map_err(|e| ApiError::Internal(e.into()))
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
/// The policies do not change while the server runs: each document is made
/// once and kept compressed.
pub async fn banner_document(
    request: HttpRequest,
    path: web::Path<String>,
    query: web::Query<DocumentQuery>,
    policies: web::Data<Policies>,
    kept: web::Data<KeptBodies>,
) -> Result<HttpResponse, ApiError> {
    let policy = &site(&policies, &path)?.policy;
    let lang = query
        .lang
        .as_deref()
        .filter(|l| policy.site.languages.iter().any(|x| x == l))
        .unwrap_or(&policy.site.default_language);
    // Site and language are known ones here, so the names are few.
    let name = format!("banner.json {} {lang} {}", policy.site.id, query.embeds);
    let document = kept
        .get_or_make(&name, &(), |()| {
            serde_json::to_vec(&document(&policies, policy, lang, query.embeds)).map(Encoded::new)
        })
        .map_err(|e| ApiError::Internal(e.into()))?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/json");
    Ok(document.respond(&request, response))
}

fn document<'a>(
    policies: &'a Policies,
    policy: &'a policies::SitePolicy,
    lang: &'a str,
    embeds: bool,
) -> BannerDocument<'a> {
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
                    if embeds {
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
    if !embeds {
        // Empty texts are left out of the document.
        texts.embed_blocked.clear();
        texts.embed_load_once.clear();
        texts.embed_always.clear();
    }
    BannerDocument {
        lang,
        texts,
        privacy_url: &policy.site.privacy_url,
        gpc_forces_off: &policy.site.gpc_forces_off,
        categories,
    }
}

#[derive(Serialize)]
struct BannerDocument<'a> {
    lang: &'a str,
    texts: policies::BannerTexts,
    privacy_url: &'a str,
    gpc_forces_off: &'a [String],
    categories: Vec<serde_json::Value>,
}

/// `GET /banner/{file}`: the wasm, glue and CSS, cached for a year.
pub async fn asset(
    request: HttpRequest,
    path: web::Path<String>,
    assets: web::Data<BannerAssets>,
) -> Result<HttpResponse, ApiError> {
    let asset = assets
        .find(&path)
        .ok_or_else(|| ApiError::NotFound("no such banner file".to_owned()))?;
    let mut response = HttpResponse::Ok();
    response
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", IMMUTABLE));
    Ok(asset.encoded.respond(&request, response))
}

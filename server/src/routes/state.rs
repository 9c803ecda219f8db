//! Small shared-state newtypes handed to handlers through `web::Data`.

use actix_web::web;
use policies::PolicySet;
use sea_orm::DatabaseConnection;

use crate::assets::BannerAssets;
use crate::client_ip::TrustedProxies;
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::rate_limit::WriteLimiter;
use crate::storage::{ArchiveCache, KeyCache, PublishedKeys, SubjectReads};
use crate::templates::{Pages, Scripts};
use crate::tokens::SigningKey;

/// The loaded policies of every site.
pub struct Policies(pub PolicySet);

/// The `iss` claim this deployment signs and accepts.
pub struct Issuer(pub String);

/// Page origins accepted in a consent's `url` besides the sites' own: the
/// server's loopback address when it serves the demo pages locally. Derived
/// from the bound address, never from a request's `Host`.
pub struct OwnOrigins(pub Vec<String>);

impl OwnOrigins {
    /// `http://127.0.0.1:PORT` and `http://localhost:PORT` for a loopback
    /// listener (`[::1]` for IPv6); nothing for any other address.
    pub fn of(bound: std::net::SocketAddr) -> Self {
        if !bound.ip().is_loopback() {
            return Self(Vec::new());
        }
        let port = bound.port();
        let own = match bound {
            std::net::SocketAddr::V4(a) => format!("http://{}:{port}", a.ip()),
            std::net::SocketAddr::V6(a) => format!("http://[{}]:{port}", a.ip()),
        };
        Self(vec![own, format!("http://localhost:{port}")])
    }
}

/// What handlers are given, by name; each is one `web::Data` a handler
/// asks for by its type.
#[derive(Clone)]
pub struct AppState {
    pub policies: web::Data<Policies>,
    pub db: web::Data<DatabaseConnection>,
    pub writer: web::Data<LedgerWriter>,
    pub key: web::Data<SigningKey>,
    pub issuer: web::Data<Issuer>,
    pub metrics: web::Data<Metrics>,
    pub assets: web::Data<BannerAssets>,
    pub scripts: web::Data<Scripts>,
    pub pages: web::Data<Pages>,
    pub write_limiter: web::Data<WriteLimiter>,
    pub key_cache: web::Data<KeyCache>,
    pub published_keys: web::Data<PublishedKeys>,
    pub keyed_bodies: web::Data<super::KeyedBodies>,
    pub kept_bodies: web::Data<super::KeptBodies>,
    pub subject_reads: web::Data<SubjectReads>,
    pub archive_cache: web::Data<ArchiveCache>,
    pub trusted_proxies: web::Data<TrustedProxies>,
    pub own_origins: web::Data<OwnOrigins>,
}

impl AppState {
    /// Makes every part available to the handlers.
    pub fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.policies.clone())
            .app_data(self.db.clone())
            .app_data(self.writer.clone())
            .app_data(self.key.clone())
            .app_data(self.issuer.clone())
            .app_data(self.metrics.clone())
            .app_data(self.assets.clone())
            .app_data(self.scripts.clone())
            .app_data(self.pages.clone())
            .app_data(self.write_limiter.clone())
            .app_data(self.key_cache.clone())
            .app_data(self.published_keys.clone())
            .app_data(self.keyed_bodies.clone())
            .app_data(self.kept_bodies.clone())
            .app_data(self.subject_reads.clone())
            .app_data(self.archive_cache.clone())
            .app_data(self.trusted_proxies.clone())
            .app_data(self.own_origins.clone());
    }
}

//! Building the application: database, migrations, keys, policies, the
//! ledger writer and the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use policies::PolicySet;

use crate::assets::BannerAssets;
use crate::configuration::{Settings, redact_url};
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;
use crate::rate_limit::WriteLimiter;
use crate::routes::{self, AppState, Issuer, OwnOrigins, Policies};
use crate::tokens::SigningKey;
use crate::{storage, templates};

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects and migrates the database, loads (or creates) the signing
    /// key, loads the policies, starts the ledger writer and binds.
    ///
    /// # Errors
    /// Any of those steps failing, with a message saying what to fix.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.database.ensure_data_dir()?;
        let policies = load_policies(&settings)?;
        let db = storage::connect(&settings.database.url).await?;
        storage::migrate(&db).await?;
        let key = SigningKey::load_or_generate(&settings.database.data_dir)?;
        storage::upsert_key(&db, key.public(), &crate::clock::now())
            .await
            .context("while publishing the signing key")?;
        ensure_key_signs(&db, &key).await?;
        let assets = BannerAssets::embedded();
        crate::archive::archive_policies(&db, &policies, &crate::archive::banner_bundle(&assets))
            .await
            .context("the policies cannot be served")?;
        let metrics = Metrics::default();
        let key = std::sync::Arc::new(key);
        spawn_checkpoints(
            db.clone(),
            key.clone(),
            settings.issuer.clone(),
            settings.checkpoint_interval,
        );
        spawn_daily_purge(
            db.clone(),
            key.clone(),
            settings.issuer.clone(),
            policies.clone(),
            settings.checkpoint_interval > 0,
        );
        let writer_store = storage::connect_writer(&settings.database.url).await?;
        let writer = LedgerWriter::start(writer_store, metrics.clone()).await?;
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("while binding {} (set --bind)", settings.bind))?;
        let port = listener.local_addr()?.port();
        tracing::info!(
            address = %listener.local_addr()?,
            database = %redact_url(&settings.database.url),
            kid = %key.public().kid,
            write_rate_limit = settings.write_rate_limit,
            "nexxt-consent listening"
        );
        let subject_reads = storage::SubjectReads::new(db.clone());
        let state = AppState {
            policies: web::Data::new(Policies(policies)),
            db: web::Data::new(db),
            writer: web::Data::new(writer),
            key: web::Data::from(key),
            issuer: web::Data::new(Issuer(settings.issuer)),
            metrics: web::Data::new(metrics),
            assets: web::Data::new(assets),
            scripts: web::Data::new(templates::scripts()?),
            pages: web::Data::new(templates::pages()?),
            write_limiter: web::Data::new(WriteLimiter::new(settings.write_rate_limit)),
            key_cache: web::Data::new(storage::KeyCache::default()),
            published_keys: web::Data::new(storage::PublishedKeys::default()),
            keyed_bodies: web::Data::new(routes::KeyedBodies::default()),
            kept_bodies: web::Data::new(routes::KeptBodies::default()),
            subject_reads: web::Data::new(subject_reads),
            archive_cache: web::Data::new(storage::ArchiveCache::default()),
            trusted_proxies: web::Data::new(settings.trusted_proxies),
            own_origins: web::Data::new(OwnOrigins::of(listener.local_addr()?)),
        };
        let origins = allowed_origins(&state.policies.0);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(routes::limit_public_writes))
                .wrap(cors(origins.clone()))
                .wrap(security_headers())
                .wrap(from_fn(routes::observe_requests))
                .wrap(from_fn(routes::encode_sized_bodies))
                .wrap(Compress::default())
                .wrap(from_fn(routes::unmark_identity))
                .wrap(from_fn(routes::refuse_unknown_methods))
                .configure(|cfg| state.register(cfg))
                .configure(routes::configure)
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is asked to stop (SIGINT/SIGTERM).
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Refuses to start with a key whose tokens would not count: one revoked
/// (it leaked) or rotated away (another copy of this data directory).
async fn ensure_key_signs(
    db: &sea_orm::DatabaseConnection,
    key: &SigningKey,
) -> anyhow::Result<()> {
    let kid = &key.public().kid;
    let keys = storage::list_keys(db).await?;
    let ours = keys.iter().find(|k| k.key.kid == *kid);
    if ours.is_some_and(|k| k.revoked_at.is_none() && k.retired_at.is_none()) {
        return Ok(());
    }
    anyhow::bail!(
        "this instance's signing key {kid} was revoked or rotated away: \
         run `consent-server keys rotate` on this data directory, then start again"
    )
}

/// Every origin a policy names: the only pages that may call the API, load
/// the banner module or read its wasm from another origin.
fn allowed_origins(policies: &PolicySet) -> std::sync::Arc<Vec<String>> {
    let mut origins: Vec<String> = policies
        .sites()
        .flat_map(|s| s.policy.site.origins.clone())
        .collect();
    origins.sort();
    origins.dedup();
    std::sync::Arc::new(origins)
}

/// Requests that name a foreign origin are refused outright (400), not only
/// left unreadable: a page elsewhere cannot record or erase consent. The
/// server's own pages (the demo, /my-consent) are same-origin.
fn cors(origins: std::sync::Arc<Vec<String>>) -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            let own = head
                .headers()
                .get("host")
                .and_then(|h| h.to_str().ok())
                .is_some_and(|host| {
                    origin
                        .strip_prefix("http://")
                        .or_else(|| origin.strip_prefix("https://"))
                        == Some(host)
                });
            own || origins.iter().any(|x| x == origin)
        })
        .block_on_origin_mismatch(true)
        .allowed_methods(["GET", "POST", "DELETE"])
        .allowed_headers(["Content-Type", "Authorization"])
        .max_age(3600)
}

/// Headers every response carries; pages add their own CSP.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .add(("X-Frame-Options", "SAMEORIGIN"))
}

fn load_policies(settings: &Settings) -> anyhow::Result<PolicySet> {
    let set = match &settings.policies {
        Some(dir) => {
            PolicySet::load_dir(dir).context("invalid policies (fix the file or set --policies)")?
        }
        None => PolicySet::shipped().context("the shipped policies are invalid")?,
    };
    for site in set.sites() {
        tracing::info!(site = %site.policy.site.id, version = %site.policy.site.version, hash = %site.hash, "policy loaded");
    }
    Ok(set)
}

/// Signs every chain head that moved, every `interval` seconds, so that an
/// auditor's copy can be checked against attestations made long before.
fn spawn_checkpoints(
    db: sea_orm::DatabaseConnection,
    key: std::sync::Arc<SigningKey>,
    issuer: String,
    interval: u64,
) {
    if interval == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(interval));
        ticks.tick().await; // the first tick is immediate; the ledger just opened
        loop {
            ticks.tick().await;
            match crate::ledger::checkpoint::checkpoint_heads(&db, &key, &issuer, "periodic").await
            {
                Ok(made) if !made.is_empty() => {
                    tracing::info!(checkpoints = made.len(), "ledger checkpoints signed")
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "signing checkpoints failed"),
            }
        }
    });
}

/// Deletes what retention no longer allows, once a day. Off together with
/// checkpoints (tests and benchmarks), which it relies on.
fn spawn_daily_purge(
    db: sea_orm::DatabaseConnection,
    key: std::sync::Arc<SigningKey>,
    issuer: String,
    policies: PolicySet,
    enabled: bool,
) {
    if !enabled {
        return;
    }
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            ticks.tick().await;
            let now = time::OffsetDateTime::now_utc();
            if let Err(error) =
                crate::ledger::purge::purge(&db, &key, &issuer, &policies, now, false).await
            {
                tracing::error!(%error, "retention purge failed");
            }
        }
    });
}

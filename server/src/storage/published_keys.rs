//! The keys that verify tokens, as published (the JWKS and the loader),
//! read from the database at most every few seconds.
//!
//! Every page view asks for the loader, which carries them, and every site
//! that verifies tokens asks for the JWKS: one query each was most of their
//! cost. A key rotated in or revoked by any instance shows here within
//! `FRESH_FOR`, well inside the five minutes both responses may be cached
//! by browsers and proxies anyway.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use super::{PublicKeyRow, active_keys};

const FRESH_FOR: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct PublishedKeys {
    read: RwLock<Option<(Arc<Vec<PublicKeyRow>>, Instant)>>,
}

impl PublishedKeys {
    /// The keys that verify tokens now, oldest first. The same `Arc` is
    /// returned for as long as the set does not change, so that what was
    /// derived from it can be kept by comparing pointers.
    ///
    /// # Errors
    /// When the database cannot be read; nothing stale is served then.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Arc<Vec<PublicKeyRow>>, sea_orm::DbErr> {
        let now = Instant::now();
        let known = self.read.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((keys, at)) = &known
            && now.saturating_duration_since(*at) < FRESH_FOR
        {
            return Ok(Arc::clone(keys));
        }
        let found = active_keys(db).await?;
        let keys = match known {
            Some((keys, _)) if *keys == found => keys,
            _ => Arc::new(found),
        };
        *self.read.write().unwrap_or_else(|e| e.into_inner()) = Some((Arc::clone(&keys), now));
        Ok(keys)
    }
}

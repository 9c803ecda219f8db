//! Published keys remembered by `kid`, so that verifying a consent token
//! does not read the key table on every request. An entry lives one
//! minute: a key retired in the database (by any instance) stops being
//! accepted within that time.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use super::{PublicKeyRow, find_key};

const FRESH_FOR: Duration = Duration::from_secs(60);
/// More distinct kids than any deployment publishes; past it, start over.
const MAX_ENTRIES: usize = 64;

#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<String, (PublicKeyRow, Instant)>>,
}

impl KeyCache {
    /// The active key named `kid`: from memory when fresh, else from `db`.
    /// Unknown kids are not remembered, so a key published by another
    /// instance is found as soon as it exists.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn find(
        &self,
        db: &impl ConnectionTrait,
        kid: &str,
    ) -> Result<Option<PublicKeyRow>, sea_orm::DbErr> {
        if let Some(key) = self.fresh(kid, Instant::now()) {
            return Ok(Some(key));
        }
        let found = find_key(db, kid).await?;
        if let Some(key) = &found {
            let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
            if keys.len() >= MAX_ENTRIES {
                keys.clear();
            }
            keys.insert(kid.to_owned(), (key.clone(), Instant::now()));
        }
        Ok(found)
    }

    fn fresh(&self, kid: &str, now: Instant) -> Option<PublicKeyRow> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let (key, stored) = keys.get(kid)?;
        (now.saturating_duration_since(*stored) < FRESH_FOR).then(|| key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str) -> PublicKeyRow {
        PublicKeyRow {
            kid: kid.to_owned(),
            algorithm: "EdDSA".to_owned(),
            public_key: "x".to_owned(),
        }
    }

    #[test]
    fn an_entry_is_used_for_a_minute_then_read_again() {
        let cache = KeyCache::default();
        let stored = Instant::now();
        cache
            .keys
            .write()
            .unwrap()
            .insert("k".into(), (key("k"), stored));
        assert_eq!(
            cache.fresh("k", stored + Duration::from_secs(59)),
            Some(key("k"))
        );
        assert_eq!(cache.fresh("k", stored + FRESH_FOR), None);
        assert_eq!(cache.fresh("other", stored), None);
    }
}

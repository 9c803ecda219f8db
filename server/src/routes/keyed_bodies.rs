//! Response bodies kept compressed instead of made for every request:
//! those made from the published keys (the JWKS, each site's loader) until
//! the key set changes, and those made from the policies alone (the banner
//! documents) for as long as the server runs. The loader was rendered from
//! its template and compressed for every page view.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::encoded::Encoded;
use crate::storage::PublicKeyRow;

/// Bodies made from the published keys, made again when they change.
pub type KeyedBodies = Bodies<Arc<Vec<PublicKeyRow>>>;
/// Bodies made from what does not change while the server runs.
pub type KeptBodies = Bodies<()>;

/// Bodies by name, each with what it was made from.
pub struct Bodies<From> {
    /// Callers name only what the policies know (a site, a language) or
    /// `jwks`, so the names are few.
    made: RwLock<HashMap<String, (From, Arc<Encoded>)>>,
}

impl<From> Default for Bodies<From> {
    fn default() -> Self {
        Self {
            made: RwLock::default(),
        }
    }
}

impl<From: PartialEq + Clone> Bodies<From> {
    /// The body named `name` as made from `from`: kept, or made now by
    /// `make` if it was made from something else.
    ///
    /// # Errors
    /// `make`'s; then nothing is kept.
    pub fn get_or_make<E>(
        &self,
        name: &str,
        from: &From,
        make: impl FnOnce(&From) -> Result<Encoded, E>,
    ) -> Result<Arc<Encoded>, E> {
        let made = self.made.read().unwrap_or_else(|e| e.into_inner());
        if let Some((made_from, body)) = made.get(name)
            && made_from == from
        {
            return Ok(Arc::clone(body));
        }
        drop(made);
        let body = Arc::new(make(from)?);
        self.made
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned(), (from.clone(), Arc::clone(&body)));
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(kid: &str) -> Arc<Vec<PublicKeyRow>> {
        Arc::new(vec![PublicKeyRow {
            kid: kid.to_owned(),
            algorithm: "EdDSA".to_owned(),
            public_key: kid.to_owned(),
        }])
    }

    #[test]
    fn a_body_is_made_once_per_key_set() {
        let bodies = KeyedBodies::default();
        let (first, second) = (keys("a"), keys("b"));
        let mut made = 0;
        let mut get = |k: &Arc<Vec<PublicKeyRow>>| {
            bodies
                .get_or_make("www", k, |k| {
                    made += 1;
                    Ok::<_, ()>(Encoded::new(k[0].kid.clone()))
                })
                .unwrap()
                .identity()
                .clone()
        };
        assert_eq!(get(&first), "a");
        assert_eq!(get(&first), "a");
        assert_eq!(get(&second), "b", "a new key set makes the body again");
        assert_eq!(made, 2);
    }
}

//! Response bodies kept compressed instead of made for every request:
//! those made from the published keys (the JWKS, each site's loader) until
//! the key set changes, and those made from the policies alone (the banner
//! documents) for as long as the server runs. The loader was rendered from
//! its template and compressed for every page view.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::encoded::Encoded;
use crate::storage::PublicKeyRow;

type Keys = Arc<Vec<PublicKeyRow>>;

#[derive(Default)]
pub struct KeyedBodies {
    /// By name: `jwks`, or a site's id (from the policies, so few).
    made: RwLock<HashMap<String, (Keys, Arc<Encoded>)>>,
}

impl KeyedBodies {
    /// The body named `name` as made from `keys`: kept, or made now by
    /// `make` if `keys` is not the set it was made from.
    ///
    /// # Errors
    /// `make`'s; then nothing is kept.
    pub fn get_or_make<E>(
        &self,
        name: &str,
        keys: &Keys,
        make: impl FnOnce(&[PublicKeyRow]) -> Result<Encoded, E>,
    ) -> Result<Arc<Encoded>, E> {
        let made = self.made.read().unwrap_or_else(|e| e.into_inner());
        if let Some((from, body)) = made.get(name)
            && Arc::ptr_eq(from, keys)
        {
            return Ok(Arc::clone(body));
        }
        drop(made);
        let body = Arc::new(make(keys)?);
        self.made
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned(), (Arc::clone(keys), Arc::clone(&body)));
        Ok(body)
    }
}

/// Bodies made from what does not change while the server runs.
#[derive(Default)]
pub struct KeptBodies {
    /// By name; callers name only what the policies know, so they are few.
    made: RwLock<HashMap<String, Arc<Encoded>>>,
}

impl KeptBodies {
    /// The body named `name`: kept, or made now by `make`.
    ///
    /// # Errors
    /// `make`'s; then nothing is kept.
    pub fn get_or_make<E>(
        &self,
        name: &str,
        make: impl FnOnce() -> Result<Encoded, E>,
    ) -> Result<Arc<Encoded>, E> {
        if let Some(body) = self
            .made
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(Arc::clone(body));
        }
        let body = Arc::new(make()?);
        self.made
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned(), Arc::clone(&body));
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(kid: &str) -> Keys {
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
        let mut get = |k: &Keys| {
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

//! The policy archive and the version discipline: at start-up every policy
//! in force is archived (its canonical document, by hash, with the banner
//! served with it), and a version already archived with other content is
//! refused, because visitors whose tokens name that version would not be
//! asked again about what changed.

use policies::{LoadedPolicy, PolicySet};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::assets::BannerAssets;
use crate::storage::{self, ArchivedPolicy};

/// Why the policies in force cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(
        "policy `{site}` version `{version}` is already archived with other content \
         (hash {archived}); the policy files now give hash {loaded}. \
         Visitors who consented to version `{version}` would not be asked again: \
         bump `version` in the site's policy file"
    )]
    VersionReused {
        site: String,
        version: String,
        archived: String,
        loaded: String,
    },
    #[error("the policy archive could not be read or written")]
    Db(#[from] sea_orm::DbErr),
}

/// The hashes of the banner files served with the policies (JSON).
pub fn banner_bundle(assets: &BannerAssets) -> String {
    let loader = hex::encode(Sha256::digest(crate::templates::LOADER_SOURCE.as_bytes()));
    serde_json::json!({
        "loader": loader,
        "wasm": assets.wasm.file,
        "glue": assets.glue.file,
        "css": assets.css.file,
    })
    .to_string()
}

/// Archives every policy of `set`, first checking that none reuses an
/// archived version with other content; a refusal stores nothing.
///
/// # Errors
/// [`ArchiveError::VersionReused`] naming the site, version and both hashes.
pub async fn archive_policies(
    db: &impl ConnectionTrait,
    set: &PolicySet,
    banner: &str,
) -> Result<(), ArchiveError> {
    for policy in set.sites() {
        check_version(db, policy).await?;
    }
    for policy in set.sites() {
        storage::archive_policy(db, &archived(policy, banner)).await?;
        // Another instance may have archived other content for the same
        // version at the same moment: the document archived first wins.
        check_version(db, policy).await?;
    }
    Ok(())
}

async fn check_version(
    db: &impl ConnectionTrait,
    policy: &LoadedPolicy,
) -> Result<(), ArchiveError> {
    let site = &policy.policy.site;
    let hashes = storage::archived_hashes(db, &site.id, &site.version).await?;
    match hashes.first() {
        Some(archived) if *archived != policy.hash => Err(ArchiveError::VersionReused {
            site: site.id.clone(),
            version: site.version.clone(),
            archived: archived.clone(),
            loaded: policy.hash.clone(),
        }),
        _ => Ok(()),
    }
}

fn archived(policy: &LoadedPolicy, banner: &str) -> ArchivedPolicy {
    ArchivedPolicy {
        hash: policy.hash.clone(),
        site: policy.policy.site.id.clone(),
        version: policy.policy.site.version.clone(),
        document: policy.document.clone(),
        banner: banner.to_owned(),
        first_served_at: crate::clock::now(),
    }
}

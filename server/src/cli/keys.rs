//! `consent-server keys list|rotate|revoke`: the life of the token signing
//! keys. Each instance signs with the key in its own data directory; every
//! instance publishes and accepts the public keys of all of them.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;

use crate::configuration::DatabaseArgs;
use crate::storage::{self, KeyState};
use crate::tokens::SigningKey;

/// Margin past the longest token lifetime before a rotated key drops out:
/// tokens signed between the rotation and the instance's restart.
const RESTART_MARGIN_DAYS: i64 = 1;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Every key ever published, and where it is in its life.
    List(DatabaseArgs),
    /// Replace this data directory's signing key. The old private key is
    /// destroyed; its public half stays in the JWKS until the last token it
    /// signed has expired. Restart the instance afterwards.
    Rotate {
        /// Directory with organization.toml and sites/*.toml, for the longest
        /// consent lifetime [default: the shipped policies]
        #[arg(long, env = "CONSENT_POLICIES")]
        policies: Option<std::path::PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// The key leaked: nothing it signed counts any more, anywhere (within a
    /// minute on running instances). Its visitors are asked again. Then
    /// rotate the key of the instance that held it.
    Revoke {
        /// The key's id, as `keys list` prints it. A base64url thumbprint may
        /// begin with `-`, so it is never taken for a flag.
        #[arg(allow_hyphen_values = true)]
        kid: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl KeysCommand {
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Self::List(database) => {
                let (db, settings) = super::open(database).await?;
                let own = SigningKey::load_or_generate(&settings.data_dir)?;
                let now = crate::clock::now();
                for key in storage::list_keys(&db).await? {
                    let here = if key.key.kid == own.public().kid {
                        "  (signs here)"
                    } else {
                        ""
                    };
                    println!(
                        "{}  created {}  {}{here}",
                        key.key.kid,
                        key.created_at,
                        state(&key, &now)
                    );
                }
            }
            Self::Rotate { policies, database } => {
                let policies = policies::PolicySet::load(policies.as_deref())?;
                let (db, settings) = super::open(database).await?;
                let old = SigningKey::load_or_generate(&settings.data_dir)?;
                let new = SigningKey::rotate(&settings.data_dir)?;
                let now = time::OffsetDateTime::now_utc();
                storage::upsert_key(&db, new.public(), &crate::clock::format(now)).await?;
                let lifetime = policies
                    .sites()
                    .map(|s| i64::from(s.policy.site.consent_lifetime_days))
                    .max()
                    .unwrap_or(0);
                let horizon = now + time::Duration::days(lifetime + RESTART_MARGIN_DAYS);
                storage::retire_key(&db, &old.public().kid, &crate::clock::format(horizon)).await?;
                println!("new signing key {}", new.public().kid);
                println!(
                    "old key {} verifies its tokens until {}; restart the server on {} now",
                    old.public().kid,
                    crate::clock::format(horizon),
                    settings.data_dir.display()
                );
            }
            Self::Revoke { kid, database } => {
                let (db, _) = super::open(database).await?;
                if !storage::revoke_key(&db, &kid, &crate::clock::now()).await? {
                    bail!("no key `{kid}` is published (see `consent-server keys list`)");
                }
                println!("key {kid} revoked: its tokens and statements no longer count");
                println!(
                    "run `consent-server keys rotate` on the data directory that holds it, then restart that instance"
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn state(key: &KeyState, now: &str) -> String {
    match (&key.revoked_at, &key.retired_at) {
        (Some(at), _) => format!("REVOKED {at}"),
        (None, Some(until)) if until.as_str() <= now => format!("retired {until}"),
        (None, Some(until)) => format!("verifies tokens until {until}"),
        (None, None) => "active".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::KeysCommand;

    #[test]
    fn a_kid_that_begins_with_a_hyphen_is_an_id_not_a_flag() {
        let kid = "-_uJtNczlWQ2bR7hDkjga3M8fb7Az7OMFy7qqBv8QxM";
        let cli = Cli::try_parse_from(["consent-server", "keys", "revoke", kid]).unwrap();
        let Some(Command::Keys(KeysCommand::Revoke { kid: parsed, .. })) = cli.command else {
            panic!("not parsed as `keys revoke`");
        };
        assert_eq!(parsed, kid);
    }
}

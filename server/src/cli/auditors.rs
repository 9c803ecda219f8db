//! `consent-server auditors add|list|revoke`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::configuration::DatabaseArgs;
use crate::{auditors, storage};

#[derive(Subcommand)]
pub enum AuditorsCommand {
    /// Create an auditor and print their API key (shown this once only).
    Add {
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List auditors (never their keys).
    List(DatabaseArgs),
    /// Revoke an auditor's key at once.
    Revoke {
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl AuditorsCommand {
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Self::Add { name, database } => {
                if !auditors::valid_name(&name) {
                    bail!("auditor names are 1-64 letters, digits or - _ . @");
                }
                let (db, _) = super::open(database).await?;
                let (key, hash) = auditors::generate_key();
                storage::insert_auditor(&db, &name, &hash, &crate::clock::now())
                    .await
                    .with_context(|| {
                        format!("could not add `{name}` (does an auditor by that name exist?)")
                    })?;
                eprintln!("Auditor `{name}` added. Their key, shown this once:");
                println!("{key}");
            }
            Self::List(database) => {
                let (db, _) = super::open(database).await?;
                for a in storage::list_auditors(&db).await? {
                    let state = a
                        .revoked_at
                        .map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                    println!("{}\tadded {}\t{state}", a.name, a.created_at);
                }
            }
            Self::Revoke { name, database } => {
                let (db, _) = super::open(database).await?;
                if !storage::revoke_auditor(&db, &name, &crate::clock::now()).await? {
                    bail!("no active auditor named `{name}`");
                }
                println!("auditor `{name}` revoked");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

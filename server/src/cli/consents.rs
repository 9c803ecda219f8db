//! `consent-server consents erase`: the data protection officer's erasure of
//! one consent, for a request that reached them by mail or phone and that
//! they verified outside this system. Same use case as the visitor's own.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use crate::configuration::DatabaseArgs;
use crate::consents::{self, ConsentError, Context};
use crate::domain::ConsentId;
use crate::ledger::LedgerWriter;
use crate::metrics::Metrics;

#[derive(Subcommand)]
pub enum ConsentsCommand {
    /// Withdraw one consent and erase its personal fields (in one
    /// transaction); every token of it stops counting.
    Erase {
        /// The site the consent was given on (`www`, `app`).
        #[arg(long)]
        site: String,
        /// The consent id.
        consent_id: String,
        /// Directory with organization.toml and sites/*.toml [default: the shipped policies]
        #[arg(long, env = "CONSENT_POLICIES")]
        policies: Option<std::path::PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl ConsentsCommand {
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        let Self::Erase {
            site,
            consent_id,
            policies,
            database,
        } = self;
        let id = ConsentId::parse(&consent_id).context("the consent id")?;
        let policies = policies::PolicySet::load(policies.as_deref())?;
        let (db, settings) = super::open(database).await?;
        let metrics = Metrics::default();
        let writer_store = crate::storage::connect_writer(&settings.url).await?;
        let writer = LedgerWriter::start(writer_store, metrics.clone()).await?;
        let ctx = Context {
            writer: &writer,
            policies: &policies,
            metrics: &metrics,
        };
        match consents::erase_by_operator(ctx, &db, &site, id).await {
            Ok(erasure) => {
                println!(
                    "consent {} withdrawn at {}; {} events erased",
                    erasure.consent_id, erasure.withdrawn_at, erasure.redacted_events
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(ConsentError::NotHolder) => {
                eprintln!(
                    "no active consent {consent_id} on site `{site}` (never recorded, purged or already withdrawn)"
                );
                Ok(ExitCode::from(1))
            }
            Err(other) => Err(other.into()),
        }
    }
}

//! `consent-server backup --out FILE`: a consistent copy of a SQLite ledger
//! while the server keeps writing. PostgreSQL has its own tool for that
//! (`pg_dump`, README); the command says so rather than half-doing it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;

use crate::configuration::DatabaseArgs;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The new SQLite file; it must not exist yet
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

impl BackupArgs {
    /// Copies the database with `VACUUM INTO`: one read transaction, so the
    /// copy holds every event committed before it began and nothing half
    /// written, while writers go on (WAL). Then checks the copy's chains.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        if self.out.exists() {
            bail!(
                "--out {}: the file exists; a backup never overwrites",
                self.out.display()
            );
        }
        let (db, settings) = super::open(self.database).await?;
        if !settings.url.starts_with("sqlite:") {
            bail!("backup copies SQLite ledgers; for PostgreSQL use pg_dump (README: Backups)");
        }
        let target = self
            .out
            .to_str()
            .context("--out must be a UTF-8 path")?
            .replace('\'', "''");
        db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await
            .with_context(|| format!("while writing {}", self.out.display()))?;
        db.close().await.ok();
        let copy = crate::storage::connect(&format!("sqlite://{}", self.out.display())).await?;
        let report = crate::ledger::verify_database(&copy)
            .await
            .map_err(|e| anyhow::anyhow!("the copy does not verify: {e:?}"))?;
        copy.close().await.ok();
        println!(
            "backed up {} events in {} chains to {} (verified); the signing key stays in the data directory",
            report.events,
            report.chains,
            self.out.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}

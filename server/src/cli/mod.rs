//! The `consent-server` command line: definitions and the commands that are
//! not `serve`.

mod audit;
mod auditors;
mod backup;
mod consents;
mod keys;
mod scan;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::configuration::{DatabaseArgs, DatabaseSettings, ServeArgs, Settings};
use crate::startup::Application;
use crate::storage;

#[derive(Parser)]
#[command(
    name = "consent-server",
    version,
    about = "nexxt-consent: consent records you can prove"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command, `serve` runs with these flags.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Creates the database and signing key on first start.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Copy a SQLite ledger consistently while the server runs, and verify
    /// the copy (PostgreSQL: pg_dump, see README).
    Backup(backup::BackupArgs),
    /// Auditing of the consent ledger.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Manage auditor API keys.
    #[command(subcommand)]
    Auditors(auditors::AuditorsCommand),
    /// Token signing keys: list, rotate, revoke.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Act on one consent on a data subject's request received elsewhere.
    #[command(subcommand)]
    Consents(consents::ConsentsCommand),
    /// Delete events older than their site's retention (a signed checkpoint
    /// marks each cut, so what remains still verifies). `serve` does it daily.
    Purge(PurgeArgs),
    /// Visit a site in headless Chromium as new visitors who decide
    /// differently, and judge what it sets and contacts, and its banner,
    /// against the policy. Exit code 1 when anything is a violation.
    Scan(scan::ScanArgs),
}

#[derive(clap::Args)]
struct PurgeArgs {
    /// Say what would be deleted, delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// Directory with organization.toml and sites/*.toml [default: the shipped policies]
    #[arg(long, env = "CONSENT_POLICIES")]
    policies: Option<std::path::PathBuf>,
    #[arg(long, env = "CONSENT_ISSUER", default_value = "nexxt-consent")]
    issuer: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

impl Cli {
    /// The whole program: logging, a runtime, the command. The runtime stops
    /// before the log's writer thread does, so what its tasks log while they
    /// stop is written out.
    pub fn main(self) -> ExitCode {
        let _log = crate::telemetry::init();
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
        let code = runtime.block_on(self.run());
        drop(runtime);
        code
    }

    /// Runs the command; errors become exit code 2 with a message.
    pub async fn run(self) -> ExitCode {
        let result = match self.command.unwrap_or(Command::Serve(self.serve)) {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Backup(args) => args.run().await,
            Command::Audit(command) => command.run().await,
            Command::Auditors(command) => command.run().await,
            Command::Consents(command) => command.run().await,
            Command::Keys(command) => command.run().await,
            Command::Purge(args) => purge(args).await,
            Command::Scan(args) => args.run().await,
        };
        result.unwrap_or_else(|error| {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        })
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args)?;
    Application::build(settings)
        .await?
        .run_until_stopped()
        .await?;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(args: DatabaseArgs) -> anyhow::Result<ExitCode> {
    let db = open(args).await?.0;
    drop(db);
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

async fn purge(args: PurgeArgs) -> anyhow::Result<ExitCode> {
    let policies = policies::PolicySet::load(args.policies.as_deref())?;
    let (db, settings) = open(args.database).await?;
    let key = crate::tokens::SigningKey::load_or_generate(&settings.data_dir)?;
    storage::upsert_key(&db, key.public(), &crate::clock::now()).await?;
    let now = time::OffsetDateTime::now_utc();
    let plans =
        crate::ledger::purge::purge(&db, &key, &args.issuer, &policies, now, args.dry_run).await?;
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    for plan in &plans {
        println!(
            "chain {}: {verb} {} events (through seq {})",
            plan.chain_id, plan.events, plan.through_seq
        );
    }
    let total: u64 = plans.iter().map(|p| p.events).sum();
    println!("{verb} {total} events past retention");
    Ok(ExitCode::SUCCESS)
}

/// Opens and migrates the database the flags name.
async fn open(
    args: DatabaseArgs,
) -> anyhow::Result<(sea_orm::DatabaseConnection, DatabaseSettings)> {
    let settings = DatabaseSettings::resolve(args)?;
    settings.ensure_data_dir()?;
    let db = storage::connect(&settings.url).await?;
    storage::migrate(&db).await?;
    Ok((db, settings))
}

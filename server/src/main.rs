//! The `consent-server` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use consent_server::configuration::{DatabaseArgs, DatabaseSettings, ServeArgs, Settings};
use consent_server::ledger::{VerifyError, verify_database};
use consent_server::startup::Application;
use consent_server::{storage, telemetry};

#[derive(Parser)]
#[command(
    name = "consent-server",
    version,
    about = "nexxt-consent: consent records you can prove"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
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
    /// Auditing of the consent ledger.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every hash link of the ledger in the database. Exit 0 when intact,
    /// 1 naming the first bad event when anything was edited, removed, inserted
    /// or reordered, 2 when the check could not run.
    Verify(DatabaseArgs),
}

fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    let result = runtime.block_on(async {
        match command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Audit(AuditCommand::Verify(args)) => audit_verify(args).await,
        }
    });
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
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
    let settings = DatabaseSettings::resolve(args)?;
    settings.ensure_data_dir()?;
    let db = storage::connect(&settings.url).await?;
    storage::migrate(&db).await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

async fn audit_verify(args: DatabaseArgs) -> anyhow::Result<ExitCode> {
    let settings = DatabaseSettings::resolve(args)?;
    let db = storage::connect(&settings.url).await?;
    match verify_database(&db).await {
        Ok(report) => {
            println!(
                "ledger intact: {} events in {} chains ({} redacted)",
                report.events, report.chains, report.redacted
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(VerifyError::Tampered(tamper)) => {
            println!("LEDGER TAMPERED: {tamper}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error.into()),
    }
}

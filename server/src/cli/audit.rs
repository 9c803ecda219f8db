//! `consent-server audit verify|export|checkpoint`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;

use crate::configuration::DatabaseArgs;
use crate::ledger::{
    ExportFilter, Exporter, FileError, Format, Kept, VerifyError, checkpoint, kept_positions,
    verify_database, verify_export_against,
};
use crate::storage;
use crate::tokens::{self, SigningKey};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the ledger: the database (default) or, with --input and --jwks,
    /// an export file without any database. Exit 0 when intact, 1 naming the
    /// first bad event when anything was edited, removed, inserted or
    /// reordered, 2 when the check could not run.
    Verify {
        /// An export file (.ndjson or .csv) to check offline.
        #[arg(long, requires = "jwks")]
        input: Option<PathBuf>,
        /// The server's JWK Set (GET /.well-known/jwks.json, or GET
        /// /v1/audit/keys for keys rotated out since), for --input.
        #[arg(long)]
        jwks: Option<PathBuf>,
        /// An earlier export you kept (repeatable): --input must agree with
        /// it wherever both hold a chain position, which catches a chain
        /// rewritten in the database with its hashes recomputed.
        #[arg(long, requires = "input")]
        kept: Vec<PathBuf>,
        /// The issuer the signatures must name.
        #[arg(long, env = "CONSENT_ISSUER", default_value = "nexxt-consent")]
        issuer: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Export the ledger for a period, sealed, to a file.
    Export {
        /// First instant included (RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// First instant excluded (RFC 3339).
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        site: Option<String>,
        /// Only these events in full; the others of the period are elided.
        #[arg(long, value_parser = ["given", "changed", "withdrawn"])]
        action: Option<String>,
        /// Only events under this policy version in full.
        #[arg(long)]
        policy_version: Option<String>,
        /// Only events that grant this category in full.
        #[arg(long)]
        granted: Option<String>,
        /// Only events that deny this category in full.
        #[arg(long)]
        denied: Option<String>,
        #[arg(long, default_value = "ndjson", value_parser = ["ndjson", "csv"])]
        format: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "CONSENT_ISSUER", default_value = "nexxt-consent")]
        issuer: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Sign a checkpoint of every chain head now.
    Checkpoint {
        #[arg(long, env = "CONSENT_ISSUER", default_value = "nexxt-consent")]
        issuer: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl AuditCommand {
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Self::Verify {
                input: Some(input),
                jwks,
                kept,
                issuer,
                ..
            } => verify_file(&input, &jwks.expect("clap requires --jwks"), &kept, &issuer),
            Self::Verify { database, .. } => verify_db(database).await,
            Self::Export {
                from,
                to,
                site,
                action,
                policy_version,
                granted,
                denied,
                format,
                out,
                issuer,
                database,
            } => {
                let filter = ExportFilter {
                    site,
                    from: bound(from)?,
                    to: bound(to)?,
                    action,
                    policy_version,
                    granted,
                    denied,
                };
                export(
                    database,
                    filter,
                    Format::parse(&format).expect("clap checked"),
                    &out,
                    issuer,
                )
                .await
            }
            Self::Checkpoint { issuer, database } => {
                let (db, settings) = super::open(database).await?;
                let key = signing_key(&db, &settings.data_dir).await?;
                let made = checkpoint::checkpoint_heads(&db, &key, &issuer, "on-demand").await?;
                println!("{} checkpoints signed", made.len());
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

fn bound(value: Option<String>) -> anyhow::Result<Option<String>> {
    value
        .map(|v| crate::clock::parse_bound(&v).with_context(|| format!("`{v}`")))
        .transpose()
}

async fn signing_key(
    db: &sea_orm::DatabaseConnection,
    data_dir: &std::path::Path,
) -> anyhow::Result<SigningKey> {
    let key = SigningKey::load_or_generate(data_dir)?;
    storage::upsert_key(db, key.public(), &crate::clock::now()).await?;
    Ok(key)
}

async fn verify_db(database: DatabaseArgs) -> anyhow::Result<ExitCode> {
    let (db, _) = super::open(database).await?;
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

fn verify_file(
    input: &std::path::Path,
    jwks: &std::path::Path,
    kept: &[PathBuf],
    issuer: &str,
) -> anyhow::Result<ExitCode> {
    let jwks: serde_json::Value = serde_json::from_slice(
        &std::fs::read(jwks).with_context(|| format!("reading {}", jwks.display()))?,
    )
    .context("the JWKS file is not JSON")?;
    let keys = tokens::keys_from_jwks(&jwks);
    let mut positions = Kept::new();
    for path in kept {
        match kept_positions(open_export(path)?, format_of(path), &keys, issuer) {
            Ok(more) => positions.extend(more),
            Err(FileError::Broken(broken)) => {
                println!("KEPT EXPORT {} TAMPERED: {broken}", path.display());
                return Ok(ExitCode::from(1));
            }
            Err(FileError::Io(e)) => return Err(e.into()),
        }
    }
    match verify_export_against(
        open_export(input)?,
        format_of(input),
        &keys,
        issuer,
        positions,
    ) {
        Ok(report) => {
            println!(
                "export intact: {} events, {} of other sites elided, {} checkpoints, {} chains, sealed",
                report.events, report.elided, report.checkpoints, report.chains
            );
            if !kept.is_empty() {
                println!(
                    "agrees with the kept exports at {} positions",
                    report.kept_matched
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(FileError::Broken(broken)) => {
            println!("EXPORT TAMPERED: {broken}");
            Ok(ExitCode::from(1))
        }
        Err(FileError::Io(e)) => Err(e.into()),
    }
}

fn format_of(path: &std::path::Path) -> Format {
    if path.extension().is_some_and(|e| e == "csv") {
        Format::Csv
    } else {
        Format::Ndjson
    }
}

fn open_export(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))
}

async fn export(
    database: DatabaseArgs,
    filter: ExportFilter,
    format: Format,
    out: &std::path::Path,
    issuer: String,
) -> anyhow::Result<ExitCode> {
    let (db, settings) = super::open(database).await?;
    let key = Arc::new(signing_key(&db, &settings.data_dir).await?);
    let described = serde_json::to_string(&filter)?;
    storage::log_audit(&db, "cli", "export", &described, &crate::clock::now()).await?;
    let mut exporter = Exporter::new(db, key, issuer, "cli".to_owned(), filter).await?;
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let progress = std::io::stderr().is_terminal();
    exporter
        .write_to(format, &mut writer, |exporter| {
            if progress {
                eprint!("\rexported {} events", exporter.events());
            }
        })
        .await?;
    if progress {
        eprintln!();
    }
    println!("{} events exported to {}", exporter.events(), out.display());
    Ok(ExitCode::SUCCESS)
}

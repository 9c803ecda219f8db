//! Export and offline verification of a large ledger: time and peak memory.
//!
//! ```text
//! cargo run --release -p nexxt-bench --bin export-bench -- seed 1000000 /tmp/bench
//! cargo run --release -p nexxt-bench --bin export-bench -- export /tmp/bench ndjson
//! cargo run --release -p nexxt-bench --bin export-bench -- export /tmp/bench csv
//! cargo run --release -p nexxt-bench --bin export-bench -- verify /tmp/bench ndjson
//! ```
//!
//! Each phase is its own process, so the peak resident memory it prints
//! (VmHWM) belongs to that phase alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use consent_server::domain::{Action, ConsentId, EventDraft, Personal, Source};
use consent_server::ledger::{ExportFilter, Exporter, Format, LedgerWriter, verify_export};
use consent_server::metrics::Metrics;
use consent_server::storage;
use consent_server::tokens::{SigningKey, jwks, keys_from_jwks};

/// The allocator of the `consent-server` binary, whose `audit export` and
/// HTTP export this measures: glibc's spent a third of an export in malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Export and offline verification of a large ledger (see BENCHMARKS.md);
/// each phase its own process, so its peak memory is its own.
#[derive(clap::Parser)]
#[command(name = "export-bench")]
enum Phase {
    /// Fill DIR with a fresh SQLite ledger of N events.
    Seed { n: usize, dir: PathBuf },
    /// Export every event of DIR's ledger to DIR/export.FORMAT.
    Export { dir: PathBuf, format: Encoding },
    /// Verify DIR/export.FORMAT offline against the ledger's keys.
    Verify { dir: PathBuf, format: Encoding },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Encoding {
    Ndjson,
    Csv,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Self::Ndjson => "ndjson",
            Self::Csv => "csv",
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    match <Phase as clap::Parser>::parse() {
        Phase::Seed { n, dir } => seed(n, &dir).await?,
        Phase::Export { dir, format } => export(&dir, format.name()).await?,
        Phase::Verify { dir, format } => verify(&dir, format.name())?,
    }
    println!(
        "took {:.1} s, peak memory {}",
        started.elapsed().as_secs_f64(),
        peak_memory()
    );
    Ok(())
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("consent.db").display())
}

async fn seed(n: usize, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let db = storage::connect(&db_url(dir)).await?;
    storage::migrate(&db).await?;
    let key = SigningKey::load_or_generate(dir)?;
    storage::upsert_key(&db, key.public(), &consent_server::clock::now()).await?;
    let writer = LedgerWriter::start(
        storage::connect_writer(&db_url(dir)).await?,
        Metrics::default(),
    )
    .await?;
    // Many appends in flight at once, as under real load: group commit.
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..64 {
        let writer = writer.clone();
        tasks.spawn(async move {
            for i in (worker..n).step_by(64) {
                writer.append(draft(i)).await.expect("append");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    println!("seeded {n} events");
    Ok(())
}

fn draft(i: usize) -> EventDraft {
    let choices: BTreeMap<String, bool> = [
        "necessary",
        "analytics",
        "experience",
        "marketing",
        "support",
    ]
    .iter()
    .enumerate()
    .map(|(k, c)| ((*c).to_owned(), k == 0 || (i >> k) & 1 == 1))
    .collect();
    EventDraft {
        site: "www".into(),
        consent_id: ConsentId::generate(),
        action: Action::Given,
        source: Source::Banner,
        policy_version: "2026-11-25".into(),
        policy_hash: "0".repeat(64),
        choices,
        gpc: i.is_multiple_of(10),
        locale: Some("nl".into()),
        personal: Personal {
            url: Some("https://www.nexxtjourneys.com/prijzen".into()),
            ip_prefix: Some(format!("192.0.{}.0/24", i % 256)),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0".into()),
        },
        erasure: false,
    }
}

fn out_file(dir: &Path, format: &str) -> PathBuf {
    dir.join(format!("export.{format}"))
}

async fn export(dir: &Path, format: &str) -> anyhow::Result<()> {
    let db = storage::connect(&db_url(dir)).await?;
    let key = Arc::new(SigningKey::load_or_generate(dir)?);
    std::fs::write(
        dir.join("jwks.json"),
        jwks(std::slice::from_ref(key.public())).to_string(),
    )?;
    let format_kind = Format::parse(format).ok_or_else(|| anyhow::anyhow!("ndjson or csv"))?;
    let mut exporter = Exporter::new(
        db,
        key,
        "nexxt-consent".into(),
        "bench".into(),
        ExportFilter::default(),
    )
    .await?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(out_file(dir, format))?);
    exporter.write_to(format_kind, &mut out, |_| {}).await?;
    let bytes = std::fs::metadata(out_file(dir, format))?.len();
    println!(
        "exported {} events, {:.0} MB {format}",
        exporter.events(),
        bytes as f64 / 1e6
    );
    Ok(())
}

fn verify(dir: &Path, format: &str) -> anyhow::Result<()> {
    let jwks: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("jwks.json"))?)?;
    let keys = keys_from_jwks(&jwks);
    let format_kind = Format::parse(format).ok_or_else(|| anyhow::anyhow!("ndjson or csv"))?;
    let file = std::io::BufReader::new(std::fs::File::open(out_file(dir, format))?);
    let report = verify_export(file, format_kind, &keys, "nexxt-consent")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("verified {} events offline", report.events);
    Ok(())
}

/// Peak resident set size of this process (Linux), e.g. `12.3 MB`.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kb.map_or_else(
        || "unknown".to_owned(),
        |kb| format!("{:.1} MB", kb / 1024.0),
    )
}

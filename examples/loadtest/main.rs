//! HTTP load benchmark: `POST /v1/consents` and token verification
//! (`GET /v1/consents/{id}` with the token) at rising concurrency, on
//! SQLite and PostgreSQL, beside a no-op actix-web handler on the same
//! machine (the ceiling) and beside that handler signing a consent token
//! (what any signed answer costs at least). The servers are child processes;
//! this process only drives load. Each step also reports the CPU time the
//! server process spent per successful request, which moves far less from
//! run to run than throughput does on a shared machine.
//!
//! ```text
//! cargo run --release -p nexxt-bench --bin loadtest -- \
//!     [--seconds 5] [--levels 1,4,16,64] [--postgres postgres://postgres@127.0.0.1/postgres]
//! ```
//!
//! PostgreSQL is used when `--postgres` or `TEST_POSTGRES_URL` names an
//! admin URL; a throwaway database is created and dropped. Afterwards every
//! acknowledged (201) write is looked up in the ledger and the chains are
//! verified.

mod http;
mod servers;

use std::process::ExitCode;
use std::time::Duration;

use http::{Connection, MakeRequest, Samples, closed_loop, fixed, open_loop, request};
use sea_orm::ConnectionTrait;
use servers::ServerChild;

/// The same allocator as the `consent-server` binary: this executable is
/// also the server under load (see `servers`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// HTTP load: consent writes and token-verified reads at rising
/// concurrency, beside a no-op and a signing no-op (see BENCHMARKS.md).
#[derive(clap::Parser)]
#[command(name = "loadtest")]
struct Options {
    /// Seconds per measured step
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Connection counts to step through
    #[arg(long, value_delimiter = ',', default_values_t = [1, 4, 16, 64])]
    levels: Vec<usize>,
    /// PostgreSQL admin URL: a throwaway database is created and dropped
    /// [default: SQLite only]
    #[arg(long, env = "TEST_POSTGRES_URL")]
    postgres: Option<String>,
    /// `examples/peers/c15t/server.mjs`, installed by its install.sh
    #[arg(long)]
    peer: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    // This executable is also each server under load, started by `servers`.
    match args.get(1).map(String::as_str) {
        Some("noop") => match servers::run_noop() {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        },
        Some("consent-server") => servers::run_consent_server(args[1..].to_vec()),
        _ => {
            let mut options = <Options as clap::Parser>::parse();
            options.postgres = options.postgres.filter(|u| !u.is_empty());
            // One driver thread: the servers get the rest of the machine.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            match runtime.block_on(drive(options)) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// One measured step.
struct Row {
    what: String,
    connections: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
    ceiling: Option<f64>,
    /// The server process's CPU time per successful request, µs.
    cpu_us: Option<f64>,
}

async fn drive(options: Options) -> anyhow::Result<bool> {
    let duration = Duration::from_secs(options.seconds);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "# loadtest: {cores} cores, {} s per step, levels {:?}\n",
        options.seconds, options.levels
    );

    let noop = ServerChild::noop()?;
    let write_req = fixed(write_request(&noop.address));
    let read_req = fixed(request(
        "GET",
        &noop.address,
        "/v1/consents/x",
        &[("Authorization", "Bearer x")],
        b"",
    ));
    let signed_req = fixed(write_request_to(&noop.address, "/signed/v1/consents"));
    let mut ceiling = Ceiling::default();
    let mut rows = Vec::new();
    for &c in &options.levels {
        let (mut s, cpu) =
            metered(&noop, closed_loop(&noop.address, &write_req, c, duration)).await;
        ceiling.write.push(rate(&s, duration));
        rows.push(row("no-op POST (ceiling)", c, &mut s, duration, None, cpu));
        let (mut s, cpu) = metered(&noop, closed_loop(&noop.address, &read_req, c, duration)).await;
        ceiling.read.push(rate(&s, duration));
        rows.push(row("no-op GET (ceiling)", c, &mut s, duration, None, cpu));
        let (mut s, cpu) =
            metered(&noop, closed_loop(&noop.address, &signed_req, c, duration)).await;
        ceiling.signed = ceiling.signed.max(rate(&s, duration));
        rows.push(row(
            "no-op POST + token signature",
            c,
            &mut s,
            duration,
            None,
            cpu,
        ));
    }
    drop(noop);
    print_rows(&rows);

    let mut all_good = true;
    let mut postgres_summary = None;
    let mut backends = vec![("SQLite", None)];
    if let Some(admin) = &options.postgres {
        backends.push(("PostgreSQL", Some(admin.clone())));
    } else {
        println!("\n(PostgreSQL skipped: pass --postgres ADMIN_URL or set TEST_POSTGRES_URL)");
    }
    for (name, admin) in backends {
        let dir = std::env::temp_dir().join(format!("loadtest-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let (url, pg) = match &admin {
            None => (
                format!("sqlite://{}", dir.join("consent.db").display()),
                None,
            ),
            Some(admin) => {
                let (url, name) = create_pg(admin).await?;
                (url, Some(name))
            }
        };
        let outcome = measure(name, &url, &dir, &options, &ceiling).await;
        if let (Some(admin), Some(db)) = (&admin, &pg) {
            drop_pg(admin, db).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        let summary = outcome?;
        all_good &= summary.ok;
        if name == "PostgreSQL" {
            postgres_summary = Some(summary);
        }
    }
    if let (Some(script), Some(admin), Some(ours)) =
        (&options.peer, &options.postgres, &postgres_summary)
    {
        let (url, db) = create_pg(admin).await?;
        let theirs = measure_c15t(script, &url, &options).await;
        drop_pg(admin, &db).await;
        compare(&options.levels, ours, &theirs?);
    } else if options.peer.is_some() {
        println!("\n(the peer needs PostgreSQL: pass --postgres ADMIN_URL)");
    }
    Ok(all_good)
}

/// The no-op server's rates: per level for writes and reads, and the best
/// rate of the route that only signs a token.
#[derive(Default)]
struct Ceiling {
    write: Vec<f64>,
    read: Vec<f64>,
    signed: f64,
}

/// Throughput per concurrency level, and whether nothing was lost.
struct Summary {
    ok: bool,
    writes: Vec<f64>,
    reads: Vec<f64>,
}

/// c15t on the same PostgreSQL: `POST /subjects` (record a consent) and
/// `GET /subjects/:id` (read it back; c15t signs no tokens to verify).
async fn measure_c15t(
    script: &std::path::Path,
    url: &str,
    options: &Options,
) -> anyhow::Result<Summary> {
    let duration = Duration::from_secs(options.seconds);
    let server = ServerChild::c15t(script, url)?;
    let address = server.address.clone();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let run = uuid::Uuid::new_v4().as_u128() as u32;
    let write_req: MakeRequest = {
        let (address, counter) = (address.clone(), counter.clone());
        std::sync::Arc::new(move || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let given = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            let body = format!(
                r#"{{"type":"cookie_banner","subjectId":"sub_{}","domain":"www.nexxtjourneys.com","preferences":{{"necessary":true,"measurement":true,"experience":true,"marketing":true,"functionality":true}},"givenAt":{given}}}"#,
                subject_id(run, n)
            );
            let ua = ("User-Agent", "loadtest/1 (Mozilla/5.0 compatible)");
            request(
                "POST",
                &address,
                "/api/c15t/subjects",
                &[ua],
                body.as_bytes(),
            )
        })
    };
    closed_loop(&address, &write_req, 4, Duration::from_secs(1)).await;
    let mut rows = Vec::new();
    let mut summary = Summary {
        ok: true,
        writes: Vec::new(),
        reads: Vec::new(),
    };
    let mut acknowledged = 0;
    for &c in &options.levels {
        let (mut s, cpu) = metered(&server, closed_loop(&address, &write_req, c, duration)).await;
        acknowledged += s.successes();
        summary.writes.push(rate(&s, duration));
        rows.push(row("c15t POST /subjects", c, &mut s, duration, None, cpu));
    }
    let read_req = fixed(request(
        "GET",
        &address,
        &format!("/api/c15t/subjects/sub_{}", subject_id(run, 0)),
        &[],
        b"",
    ));
    for &c in &options.levels {
        let (mut s, cpu) = metered(&server, closed_loop(&address, &read_req, c, duration)).await;
        summary.reads.push(rate(&s, duration));
        rows.push(row(
            "c15t GET /subjects/:id",
            c,
            &mut s,
            duration,
            None,
            cpu,
        ));
    }
    drop(server);
    println!();
    print_rows(&rows);
    let db = consent_server::storage::connect(url).await?;
    let stored = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM consent",
        ))
        .await?
        .and_then(|row| row.try_get::<i64>("", "n").ok())
        .unwrap_or(0);
    db.close().await.ok();
    println!(
        "\nc15t: {acknowledged} writes acknowledged (200), {stored} rows in its consent table (warm-up included)"
    );
    Ok(summary)
}

/// A fresh subject id in c15t's format (base58 after `sub_`).
fn subject_id(run: u32, n: u64) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut value = (u128::from(run) << 64) | u128::from(n);
    let mut out = Vec::new();
    while value > 0 || out.is_empty() {
        out.push(ALPHABET[(value % 58) as usize]);
        value /= 58;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// Our PostgreSQL figures over c15t's, level by level.
fn compare(levels: &[usize], ours: &Summary, theirs: &Summary) {
    println!(
        "\n| connections | ours writes/s | c15t writes/s | ratio | ours reads/s | c15t reads/s | ratio |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (i, c) in levels.iter().enumerate() {
        println!(
            "| {c} | {:.0} | {:.0} | {:.1}× | {:.0} | {:.0} | {:.1}× |",
            ours.writes[i],
            theirs.writes[i],
            ours.writes[i] / theirs.writes[i],
            ours.reads[i],
            theirs.reads[i],
            ours.reads[i] / theirs.reads[i]
        );
    }
}

async fn measure(
    name: &str,
    url: &str,
    dir: &std::path::Path,
    options: &Options,
    ceiling: &Ceiling,
) -> anyhow::Result<Summary> {
    let duration = Duration::from_secs(options.seconds);
    let server =
        ServerChild::consent(&["--database-url", url, "--data-dir", dir.to_str().unwrap()])?;
    let write_bytes = write_request(&server.address);
    let write_req = fixed(write_bytes.clone());
    let mut acknowledged = 0u64;
    let mut rows = Vec::new();
    let mut peak = 0f64;
    let mut peak_connections = 1;
    let mut summary = Summary {
        ok: false,
        writes: Vec::new(),
        reads: Vec::new(),
    };
    // Warm-up: connections, prepared statements, the first chain.
    acknowledged += closed_loop(&server.address, &write_req, 4, Duration::from_secs(1))
        .await
        .count(201);
    for (i, &c) in options.levels.iter().enumerate() {
        let (mut s, cpu) = metered(
            &server,
            closed_loop(&server.address, &write_req, c, duration),
        )
        .await;
        acknowledged += s.count(201);
        if rate(&s, duration) > peak {
            (peak, peak_connections) = (rate(&s, duration), c);
        }
        summary.writes.push(rate(&s, duration));
        rows.push(row(
            &format!("{name} POST /v1/consents"),
            c,
            &mut s,
            duration,
            Some(ceiling.write[i]),
            cpu,
        ));
    }
    // Half the rate from as many connections as the peak had: with fewer,
    // each connection's share of the schedule, not the server, bounds the
    // latency (32 connections at 11,000/s leave 2.9 ms per request, and a
    // connection whose answer takes longer stays behind for the rest of the run).
    let half = peak / 2.0;
    let (mut s, cpu) = metered(
        &server,
        open_loop(
            &server.address,
            &write_req,
            half,
            peak_connections,
            duration,
        ),
    )
    .await;
    acknowledged += s.count(201);
    let half_row = row(
        &format!("{name} POST at half of peak ({half:.0}/s, open loop)"),
        peak_connections,
        &mut s,
        duration,
        None,
        cpu,
    );

    // Token verification: real consents, then their histories with their
    // tokens, each connection going round them all. Many subjects, not
    // one: a server that gathers concurrent reads into one query must not
    // be flattered by reading the same row for all of them.
    let mut connection = Connection::open(&server.address).await?;
    let mut reads = Vec::with_capacity(READ_SUBJECTS);
    for _ in 0..READ_SUBJECTS {
        let answer = connection.call(&write_bytes).await?;
        anyhow::ensure!(
            answer.status == 201,
            "recording a consent answered {}",
            answer.status
        );
        acknowledged += 1;
        let receipt: serde_json::Value = serde_json::from_slice(answer.body)?;
        let (id, token) = (
            receipt["consent_id"].as_str().unwrap_or_default(),
            receipt["token"].as_str().unwrap_or_default(),
        );
        let bearer = format!("Bearer {token}");
        reads.push(request(
            "GET",
            &server.address,
            &format!("/v1/consents/{id}"),
            &[("Authorization", &bearer)],
            b"",
        ));
    }
    let read_req = round_robin(reads);
    for (i, &c) in options.levels.iter().enumerate() {
        let (mut s, cpu) = metered(
            &server,
            closed_loop(&server.address, &read_req, c, duration),
        )
        .await;
        anyhow::ensure!(
            s.count(200) > 0,
            "token verification answered {:?}",
            s.by_status
        );
        summary.reads.push(rate(&s, duration));
        rows.push(row(
            &format!("{name} GET /v1/consents/{{id}} (token verified)"),
            c,
            &mut s,
            duration,
            Some(ceiling.read[i]),
            cpu,
        ));
    }
    drop(server);
    rows.push(half_row);
    println!();
    print_rows(&rows);

    let db = consent_server::storage::connect(url).await?;
    let stored = consent_server::storage::count_events(&db).await?;
    let verified = consent_server::ledger::verify_database(&db).await;
    db.close().await.ok();
    let lost = acknowledged.saturating_sub(stored);
    println!(
        "\n{name}: {acknowledged} writes acknowledged, {stored} events in the ledger, {lost} lost; chains {}",
        match &verified {
            Ok(report) => format!("verify ({report:?})"),
            Err(error) => format!("DO NOT VERIFY: {error}"),
        }
    );
    let half_ok = rows.last().is_some_and(|r| r.p99 <= 10.0);
    let noop_peak = ceiling.write.iter().copied().fold(0.0, f64::max);
    let ratio_ok = peak >= 0.5 * noop_peak;
    println!(
        "{name}: peak {peak:.0} writes/s = {:.0}% of the no-op peak (target ≥ 50%: {}), {:.0}% of the signing no-op's peak; p99 at half load {:.2} ms (target ≤ 10 ms: {})",
        100.0 * peak / noop_peak,
        if ratio_ok { "met" } else { "NOT met" },
        100.0 * peak / ceiling.signed,
        rows.last().map_or(f64::NAN, |r| r.p99),
        if half_ok { "met" } else { "NOT met" },
    );
    summary.ok = lost == 0 && verified.is_ok();
    Ok(summary)
}

/// Consents whose histories the read steps go round.
const READ_SUBJECTS: usize = 512;

/// Each request of `requests` in turn, across all connections.
fn round_robin(requests: Vec<Vec<u8>>) -> MakeRequest {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::sync::Arc::new(move || {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        requests[n % requests.len()].clone()
    })
}

/// A consent body any server accepts: every category on, current version.
fn write_request(host: &str) -> Vec<u8> {
    write_request_to(host, "/v1/consents")
}

fn write_request_to(host: &str, path: &str) -> Vec<u8> {
    let policies = policies::PolicySet::shipped().expect("shipped policies load");
    let www = &policies.site("www").expect("www is shipped").policy;
    let choices: serde_json::Map<String, serde_json::Value> = www
        .category_ids()
        .map(|c| (c.to_owned(), true.into()))
        .collect();
    let body = serde_json::json!({
        "site": "www",
        "policy_version": www.site.version,
        "choices": choices,
        "url": "https://www.nexxtjourneys.com/prijzen",
        "locale": "nl",
        "source": "banner",
    })
    .to_string();
    let ua = ("User-Agent", "loadtest/1 (Mozilla/5.0 compatible)");
    request("POST", host, path, &[ua], body.as_bytes())
}

/// Successful answers per second.
fn rate(samples: &Samples, duration: Duration) -> f64 {
    samples.successes() as f64 / duration.as_secs_f64()
}

fn row(
    what: &str,
    connections: usize,
    samples: &mut Samples,
    duration: Duration,
    ceiling: Option<f64>,
    cpu_seconds: Option<f64>,
) -> Row {
    if samples.errors > 0 || samples.by_status.keys().any(|s| *s >= 400) {
        eprintln!(
            "{what} at {connections}: statuses {:?}, {} errors",
            samples.by_status, samples.errors
        );
    }
    Row {
        what: what.to_owned(),
        connections,
        per_second: rate(samples, duration),
        p50: samples.quantile_ms(0.5),
        p99: samples.quantile_ms(0.99),
        ceiling,
        cpu_us: cpu_seconds
            .filter(|_| samples.successes() > 0)
            .map(|cpu| cpu * 1e6 / samples.successes() as f64),
    }
}

/// Runs one step and measures the CPU seconds `server` spent on it, which
/// tells more than its throughput when other work shares the machine.
async fn metered(
    server: &ServerChild,
    step: impl std::future::Future<Output = Samples>,
) -> (Samples, Option<f64>) {
    let before = server.cpu_seconds();
    let samples = step.await;
    let spent = server
        .cpu_seconds()
        .zip(before)
        .map(|(after, before)| after - before);
    (samples, spent)
}

fn print_rows(rows: &[Row]) {
    println!(
        "| what | connections | requests/s | p50 ms | p99 ms | of no-op | server CPU µs/request |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let ratio = r.ceiling.map_or(String::new(), |c| {
            format!("{:.0}%", 100.0 * r.per_second / c)
        });
        let cpu = r.cpu_us.map_or(String::new(), |us| format!("{us:.0}"));
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {ratio} | {cpu} |",
            r.what, r.connections, r.per_second, r.p50, r.p99
        );
    }
}

async fn create_pg(admin: &str) -> anyhow::Result<(String, String)> {
    Ok(consent_server::storage::create_scratch(admin, "loadtest").await?)
}

async fn drop_pg(admin: &str, name: &str) {
    let _ = consent_server::storage::drop_scratch(admin, name).await;
}

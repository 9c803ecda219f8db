//! Logging: `tracing` to stderr, filtered by `RUST_LOG`.

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Keeps the log writer thread; dropping it writes out what is queued.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard(#[allow(dead_code, reason = "held for its Drop")] Option<WorkerGuard>);

/// Installs the global subscriber; a second call (tests) is a no-op.
///
/// Lines go through a queue to a writer thread that writes them out in
/// batches: a request never waits for stderr (a pipe to journald, a
/// terminal), and a burst of requests costs a few writes instead of one
/// each. The queue never drops a line: when it is full, logging waits.
pub fn init() -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log-writer")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stderr()));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // Colour only for a person at a terminal; log files and pipes get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    LogGuard(installed.ok().map(|()| guard))
}

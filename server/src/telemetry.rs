//! Logging: `tracing` to stderr, filtered by `RUST_LOG`.

mod sink;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub use sink::{LogSink, SinkGuard};

/// Keeps the log writer thread; dropping it writes out what is queued.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard(#[allow(dead_code, reason = "held for its Drop")] Option<SinkGuard>);

/// Installs the global subscriber; a second call (tests) is a no-op.
///
/// Lines go into a buffer that a writer thread writes out every few
/// milliseconds ([`LogSink`]): a request never waits for stderr (a pipe to
/// journald, a terminal), and a burst of requests costs a few writes
/// instead of one each. Nothing is dropped: when the buffer is full,
/// logging waits.
pub fn init() -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let (writer, guard) = LogSink::start(std::io::stderr());
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // Colour only for a person at a terminal; log files and pipes get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    LogGuard(installed.ok().map(|()| guard))
}

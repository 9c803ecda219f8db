//! The `consent-server` command line; see `consent_server::cli`.

use std::process::ExitCode;

use clap::Parser;
use consent_server::{cli::Cli, telemetry};

/// glibc's malloc took a fifth of the server's CPU under write load (its
/// consolidation of freed chunks most of it); mimalloc is cheaper for the
/// many short-lived allocations of requests and batch statements.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let _log = telemetry::init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let code = runtime.block_on(cli.run());
    // The runtime's tasks may still log while they stop; then the log is written out.
    drop(runtime);
    code
}

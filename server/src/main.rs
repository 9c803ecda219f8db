//! The `consent-server` command line; see `consent_server::cli`.

use std::process::ExitCode;

use clap::Parser;
use consent_server::cli::Cli;

/// glibc's malloc took a fifth of the server's CPU under write load (its
/// consolidation of freed chunks most of it); mimalloc is cheaper for the
/// many short-lived allocations of requests and batch statements.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    Cli::parse().main()
}

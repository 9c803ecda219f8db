//! The `consent-server` command line; see `consent_server::cli`.

use std::process::ExitCode;

use clap::Parser;
use consent_server::{cli::Cli, telemetry};

fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    runtime.block_on(cli.run())
}

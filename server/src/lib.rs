//! nexxt-consent server: records consent decisions in a tamper-evident,
//! hash-chained ledger and answers with signed consent tokens that a site
//! verifies offline against the JWKS.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! use consent_server::{configuration::{ServeArgs, Settings}, startup::Application};
//! let settings = Settings::resolve(ServeArgs::default())?;
//! Application::build(settings).await?.run_until_stopped().await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod archive;
pub mod assets;
pub mod auditors;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod configuration;
pub mod consents;
pub mod domain;
pub mod encoded;
pub mod fuzzing;
pub mod ledger;
pub mod metrics;
pub mod rate_limit;
pub mod routes;
pub mod scan;
pub mod startup;
pub mod stats;
pub mod storage;
pub mod telemetry;
pub mod templates;
pub mod tokens;

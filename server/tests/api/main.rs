//! Black-box tests of the HTTP API: each test spawns the real server on a
//! free port with a database of its own, on SQLite and (when
//! `TEST_POSTGRES_URL` is set) on PostgreSQL.

mod helpers;

mod audit;
mod backup;
mod bad_input;
mod banner_document;
mod compression;
mod consents;
mod crash;
mod export_filters;
mod fuzz_corpus;
mod keys;
mod ledger;
mod my_consent;
mod nginx;
mod ops;
mod ownership;
mod policy;
mod policy_archive;
mod privacy;
mod purge;
mod rate_limit;
mod reconnect;
mod refused_batch;
mod report;
mod rewrite;
mod same_origin;
mod scan_cli;
mod security;
mod server_process;
mod size_budget;
mod subject;

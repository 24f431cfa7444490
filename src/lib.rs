//! govwatch: oversight platform for a city government's websites and official social-media
//! accounts (政务网站与政务新媒体监管平台).
//!
//! # Brief overview
//! - [`config::Settings`]: defaults → `govwatch.toml` → `GOVWATCH_*` → flags.
//! - [`db`]: SQLite (embedded default) or PostgreSQL through sea-orm; migrations in the
//!   `migrations` crate.
//! - [`registry`]: departments and accounts, and the account lifecycle state machine.
//! - [`ledger`]: the tamper-evident, hash-chained record of every change, with signed
//!   RFC 9162 Merkle checkpoints and inclusion/consistency proofs.
//! - [`auth`]: users, roles (office, auditor, owner), sessions and API tokens.
//! - [`web`]: the axum server: JSON API, pages, health, metrics.
//! - [`startup::Application`]: builds the server on any address (port 0 in tests).
//! - [`queue`]: the job queue (in-process or Redis Streams) and workers;
//!   [`scheduler`]: cron firings that enqueue crawls; [`storage`]: the content-addressed
//!   snapshot store, diffs and WARC export.
//! - [`rules`]: the rules engine (pure): personal information, wording errors, structured
//!   judgements and scores; [`findings`]: fingerprinted, idempotent findings;
//!   [`crawl`]: runs crawls and feeds what they saw through the rules.
//! - [`cli`]: the `govwatch` command line.
//! - [`demo`]: the built-in demo / fixture estate served on loopback.

pub mod auth;
pub mod cli;
pub mod config;
pub mod crawl;
pub mod db;
pub mod demo;
pub mod findings;
pub mod ledger;
pub mod queue;
pub mod registry;
pub mod rules;
pub mod scheduler;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod time;
pub mod web;
pub mod worker;

/// Installs the process-wide rustls crypto provider. Two providers are linked (sqlx uses
/// ring, reqwest aws-lc-rs), so rustls cannot pick one by itself; call this first in `main`
/// and in test helpers. Calling it twice is harmless.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

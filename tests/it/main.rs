//! govwatch's integration tests: one binary, a fresh database per test.
//! Set `GOVWATCH_TEST_DATABASE_URL=postgres://…` to run them all on PostgreSQL, and
//! `GOVWATCH_TEST_REDIS_URL=redis://127.0.0.1:6379/` for the Redis-backed queue tests (under
//! `CI` they fail rather than skip without it).

mod support;

mod api;
mod auth;
mod cli;
mod crawl;
mod db_parity;
mod demo_estate;
mod demo_flow;
mod findings_api;
mod import;
mod ledger_proofs;
mod ledger_tamper;
mod lifecycle;
mod queue;
mod rules_overrides;
mod scan;
mod scheduler;
mod storage;

//! govwatch's integration tests: one binary, a fresh database per test.
//! Set `GOVWATCH_TEST_DATABASE_URL=postgres://…` to run them all on PostgreSQL.

mod support;

mod api;
mod auth;
mod cli;
mod db_parity;
mod demo_estate;
mod import;
mod ledger_proofs;
mod ledger_tamper;
mod lifecycle;

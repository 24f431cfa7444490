//! Test helpers: a fresh database per test (SQLite file, or PostgreSQL when
//! `GOVWATCH_TEST_DATABASE_URL` is set), a running app on a loopback port, logged-in clients.

pub mod app;
pub mod ct;
pub mod db;
pub mod redis;
pub mod warcio;

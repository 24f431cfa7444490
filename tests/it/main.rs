//! The integration-test binary: `cargo test -p govwatch --test it`.
//!
//! Redis-backed tests need `GOVWATCH_TEST_REDIS_URL` (e.g. `redis://127.0.0.1:6379/`); see
//! `support/redis.rs`.

mod queue;
mod scheduler;
mod storage;
mod support;

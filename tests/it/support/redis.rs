//! A Redis for tests: the real server named by `GOVWATCH_TEST_REDIS_URL`, isolated per test by a
//! key prefix `t:<uuid>:` (tests run in parallel, so never FLUSHALL).
//!
//! - Variable unset: the test prints a note and returns early, unless `CI` is set, in which
//!   case it panics (a missing service must never pass as green).
//! - Variable set but Redis unreachable: the test fails.
//!
//! The prefix's keys are deleted when the [`TestRedis`] is dropped, also after a failed test.

use std::time::Duration;

/// Environment variable naming the test Redis.
pub const ENV: &str = "GOVWATCH_TEST_REDIS_URL";

/// A Redis URL and a key prefix of this test's own.
#[derive(Debug)]
pub struct TestRedis {
    /// `redis://…`
    pub url: String,
    /// `t:<uuid>:`
    pub prefix: String,
}

/// The test Redis, or `None` (after printing why) when the test should be skipped.
pub fn test_redis(test: &str) -> Option<TestRedis> {
    let url = match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{ENV} is not set but CI is: Redis tests must run on CI ({test})"
            );
            eprintln!("note: skipping {test}: set {ENV}=redis://127.0.0.1:6379/ to run it");
            return None;
        }
    };
    let client = redis::Client::open(url.as_str())
        .unwrap_or_else(|e| panic!("{ENV}={url} is not a valid Redis URL: {e}"));
    let mut conn = client
        .get_connection_with_timeout(Duration::from_secs(3))
        .unwrap_or_else(|e| panic!("{ENV}={url} is set but Redis is unreachable: {e}"));
    let pong: String = redis::cmd("PING")
        .query(&mut conn)
        .unwrap_or_else(|e| panic!("Redis at {url} does not answer PING: {e}"));
    assert_eq!(pong, "PONG");
    Some(TestRedis {
        url,
        prefix: format!("t:{}:", uuid::Uuid::new_v4()),
    })
}

impl TestRedis {
    /// Keys under this test's prefix.
    pub fn keys(&self) -> Vec<String> {
        let client = redis::Client::open(self.url.as_str()).expect("valid URL");
        let mut conn = client.get_connection().expect("connect to test Redis");
        let iter: redis::Iter<'_, String> = redis::cmd("SCAN")
            .cursor_arg(0)
            .arg("MATCH")
            .arg(format!("{}*", self.prefix))
            .arg("COUNT")
            .arg(1000)
            .clone()
            .iter(&mut conn)
            .expect("SCAN");
        iter.filter_map(Result::ok).collect()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        // Synchronous on purpose: Drop cannot await, and this also runs after a panic.
        let keys = self.keys();
        if keys.is_empty() {
            return;
        }
        if let Ok(mut conn) =
            redis::Client::open(self.url.as_str()).and_then(|c| c.get_connection())
        {
            let _: Result<(), _> = redis::cmd("DEL").arg(&keys).query(&mut conn);
        }
    }
}

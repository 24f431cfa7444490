//! Queue behaviour, run unchanged against both engines.
//!
//! Each scenario is an `async fn(Engine)`; `both_engines!` turns it into one test per engine
//! (`queue::memory::<name>` and `queue::redis::<name>`).

mod lock;
mod scenarios;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use govwatch::queue::{Queue, QueueConfig, RedisQueueConfig};

use crate::support::redis::{TestRedis, test_redis};

/// Which engine a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Memory,
    Redis,
}

/// Makes queue handles onto one logical queue. For Redis every handle is a separate client
/// with its own connection pools, as two processes would be; in-process there is only one
/// queue, so handles share it.
pub struct Harness {
    pub config: QueueConfig,
    memory: Option<Arc<Queue>>,
    pub redis: Option<TestRedis>,
}

impl Harness {
    /// `None` when the Redis test should be skipped (see `support::redis`).
    pub fn new(engine: Engine, test: &str, config: QueueConfig) -> Option<Self> {
        match engine {
            Engine::Memory => Some(Self {
                memory: Some(Arc::new(
                    Queue::memory(config.clone()).expect("valid config"),
                )),
                config,
                redis: None,
            }),
            Engine::Redis => Some(Self {
                config,
                memory: None,
                redis: Some(test_redis(test)?),
            }),
        }
    }

    /// A handle on the queue ("a process").
    pub async fn queue(&self) -> Arc<Queue> {
        match (&self.memory, &self.redis) {
            (Some(q), _) => Arc::clone(q),
            (None, Some(r)) => Arc::new(
                Queue::redis(
                    RedisQueueConfig::new(&r.url).with_prefix(&r.prefix),
                    self.config.clone(),
                )
                .await
                .expect("connect the Redis queue"),
            ),
            (None, None) => unreachable!("a harness has one engine"),
        }
    }
}

/// A configuration with short timings for tests.
pub fn fast_config() -> QueueConfig {
    QueueConfig {
        visibility_timeout: Duration::from_millis(300),
        max_attempts: 3,
        retry_delay: Duration::from_millis(50),
        dedup_ttl: Duration::from_secs(60),
        max_dead_letters: 100,
    }
}

/// Declares one test per engine for each scenario named.
macro_rules! both_engines {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::queue::Engine::Memory).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::queue::Engine::Redis).await;
                }
            )*
        }
    };
}
pub(crate) use both_engines;

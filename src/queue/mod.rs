//! The job queue: one interface, two engines.
//!
//! # Overview
//!
//! - [`Job`] is what the scheduler (or a user action) asks a worker to do; [`Delivery`] is one
//!   attempt at it, handed to one consumer.
//! - [`JobQueue`] is the interface. [`MemoryQueue`] is the embedded default (one process, no
//!   services); [`RedisQueue`] runs on Redis Streams with a consumer group so any number of
//!   `govwatch worker` processes on any number of machines share the work.
//! - [`Queue`] is the enum the application holds (in an `Arc`) so that the engine is chosen at
//!   start-up from configuration.
//! - [`run_worker`] is the consume loop; [`TickLock`] a small distributed lock.
//!
//! # Semantics (both engines)
//!
//! - **At-least-once.** A delivery that is neither acked nor failed within the visibility timeout
//!   (its worker died, hung or lost its connection) is handed to the next consumer that asks.
//!   Handlers must therefore be idempotent: results are keyed so that a job run twice stores
//!   nothing twice (see the design notes on finding fingerprints).
//! - **Ack after commit.** [`JobQueue::ack`] is called only after the handler's results are
//!   committed; acking deletes the job.
//! - **Retries.** [`JobQueue::fail`] records the error and makes the job visible again after
//!   [`QueueConfig::retry_delay`]; a job that has been delivered
//!   [`QueueConfig::max_attempts`] times without an ack goes to the dead letters, with the last
//!   error. A redelivery after a visibility timeout counts as an attempt too: a job that kills
//!   its worker every time must not circulate for ever.
//! - **Stale deliveries.** Once a delivery has been reclaimed by another consumer, `fail` on the
//!   old delivery is ignored (the new attempt owns the job); `ack` on it still deletes the job,
//!   because its results *were* committed.
//! - **De-duplication.** A job with a `dedup_key` is enqueued only if no job with that key was
//!   enqueued within [`QueueConfig::dedup_ttl`]; `enqueue` then returns `false`.
//!
//! # Why an enum and a trait
//!
//! Native `async fn` in traits is not dyn-compatible, so `Arc<dyn JobQueue>` is impossible
//! without boxing every future (`async-trait`). The set of engines is closed and small, so the
//! application holds the enum [`Queue`], which dispatches statically with no allocation per call.
//! The [`JobQueue`] trait (futures declared `Send`) stays as the contract both engines and the
//! enum implement, so generic code such as [`run_worker`] and the test-suite run unchanged on
//! either engine.

mod lock;
mod memory;
mod redis_scripts;
mod redis_streams;
mod worker;

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use lock::{LockGuard, RedisLock, TickLock};
pub use memory::MemoryQueue;
pub use redis_streams::{RedisQueue, RedisQueueConfig};
pub use worker::{WorkerOptions, WorkerSummary, run_worker, run_worker_with};

/// A unit of work: "crawl account 42", "probe the home page of account 7", …
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Time-ordered UUID v7, as text; results are keyed by it.
    pub id: String,
    /// What to do, e.g. `"crawl"`; the worker dispatches on it.
    pub kind: String,
    /// Parameters of the job, e.g. `{"account_id": 42}`.
    pub payload: serde_json::Value,
    /// Jobs with the same key enqueued within the de-duplication TTL collapse into one, e.g.
    /// `"sched:crawl:website:42@2026-11-27T06:00:00Z"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
}

impl Job {
    /// A new job with a fresh UUID v7 and no de-duplication key.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.into(),
            payload,
            dedup_key: None,
        }
    }

    /// The same job, de-duplicated on `key`.
    pub fn with_dedup_key(mut self, key: impl Into<String>) -> Self {
        self.dedup_key = Some(key.into());
        self
    }
}

/// One attempt at a job, handed to one consumer. Pass it back to [`JobQueue::ack`] or
/// [`JobQueue::fail`].
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The job to run.
    pub job: Job,
    /// 1 for the first delivery, 2 for the first retry, …
    pub attempt: u32,
    /// The error recorded by the previous attempt, if it failed (rather than timed out).
    pub last_error: Option<String>,
    /// Engine-specific identity of the delivery.
    pub(crate) receipt: Receipt,
}

impl Delivery {
    /// The consumer this delivery was handed to.
    pub fn consumer(&self) -> &str {
        match &self.receipt {
            Receipt::Memory { consumer, .. } | Receipt::Redis { consumer, .. } => consumer,
        }
    }
}

/// Where a delivery came from, so that `ack`/`fail` find it again.
#[derive(Debug, Clone)]
pub(crate) enum Receipt {
    /// Sequence number of the entry in the in-process queue.
    Memory { seq: u64, consumer: String },
    /// Stream entry ID in Redis.
    Redis { entry_id: String, consumer: String },
}

/// Counts for dashboards and health checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Enqueued and not yet handed to any consumer.
    pub pending: u64,
    /// Handed to a consumer and not yet acked (running, waiting for a retry, or abandoned by a
    /// dead worker and waiting for the visibility timeout).
    pub in_flight: u64,
    /// Jobs that exhausted their attempts (bounded by [`QueueConfig::max_dead_letters`]).
    pub dead_lettered: u64,
}

/// A job that exhausted its attempts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// The job as enqueued. If a foreign writer put malformed JSON on the stream, `kind` is
    /// `"<malformed>"` and `payload` holds the raw text.
    pub job: Job,
    /// How many times it was delivered.
    pub attempts: u32,
    /// The last error (or why it was given up, e.g. a visibility timeout).
    pub error: String,
    /// When it was dead-lettered.
    pub failed_at: DateTime<Utc>,
}

/// Tuning shared by both engines.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// How long a delivery may stay unacknowledged before another consumer may take it. Longer
    /// than the slowest honest job (a large site crawl), shorter than the patience of the
    /// dashboard.
    pub visibility_timeout: Duration,
    /// Deliveries before a job is dead-lettered (1 = no retries).
    pub max_attempts: u32,
    /// Delay before a failed job becomes visible again; capped at `visibility_timeout`.
    pub retry_delay: Duration,
    /// How long a `dedup_key` blocks equal jobs.
    pub dedup_ttl: Duration,
    /// Dead letters kept (the oldest are trimmed beyond this).
    pub max_dead_letters: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            visibility_timeout: Duration::from_secs(15 * 60),
            max_attempts: 5,
            retry_delay: Duration::from_secs(60),
            dedup_ttl: Duration::from_secs(24 * 3600),
            max_dead_letters: 10_000,
        }
    }
}

impl QueueConfig {
    /// Checks the values that would make the queue misbehave silently.
    pub fn validate(&self) -> Result<(), QueueError> {
        if self.max_attempts == 0 {
            return Err(QueueError::Config("max_attempts must be at least 1".into()));
        }
        if self.visibility_timeout < Duration::from_millis(10) {
            return Err(QueueError::Config(
                "visibility_timeout must be at least 10 ms".into(),
            ));
        }
        if self.dedup_ttl < Duration::from_secs(1) {
            return Err(QueueError::Config("dedup_ttl must be at least 1 s".into()));
        }
        Ok(())
    }

    /// `retry_delay`, never longer than the visibility timeout (the Redis engine expresses the
    /// delay as "idle time already spent", which cannot be negative).
    pub(crate) fn effective_retry_delay(&self) -> Duration {
        self.retry_delay.min(self.visibility_timeout)
    }
}

/// Errors of the queue and the lock.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// A Redis command failed (connection lost, script error, …).
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// No Redis connection could be taken from the pool.
    #[error("redis connection pool: {0}")]
    Pool(String),
    /// A job could not be serialised.
    #[error("job serialisation: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The configuration is unusable.
    #[error("queue configuration: {0}")]
    Config(String),
    /// Redis answered something this engine did not write (another program on the same keys?).
    #[error("unexpected reply from redis: {0}")]
    Protocol(String),
}

/// The queue interface both engines implement. See the module docs for the semantics.
///
/// The futures are `Send` so that generic code can run on the multi-threaded runtime.
pub trait JobQueue: Send + Sync {
    /// Adds a job. Returns `false` (and adds nothing) when its `dedup_key` was seen within the
    /// de-duplication TTL.
    fn enqueue(&self, job: Job) -> impl Future<Output = Result<bool, QueueError>> + Send;

    /// Hands the next job to `consumer`, first reclaiming jobs whose delivery exceeded the
    /// visibility timeout. Waits up to `block` for one to arrive; `None` if none did.
    fn dequeue(
        &self,
        consumer: &str,
        block: Duration,
    ) -> impl Future<Output = Result<Option<Delivery>, QueueError>> + Send;

    /// Marks the job done and deletes it. Call only after its results are committed.
    fn ack(&self, delivery: &Delivery) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Records a failed attempt: the job is retried after the retry delay, or dead-lettered with
    /// `error` once it has had `max_attempts` deliveries.
    fn fail(
        &self,
        delivery: &Delivery,
        error: &str,
    ) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Pending, in-flight and dead-lettered counts.
    fn stats(&self) -> impl Future<Output = Result<QueueStats, QueueError>> + Send;

    /// The most recent dead letters, newest first.
    fn dead_letters(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, QueueError>> + Send;
}

/// The queue the application holds: the engine is chosen from configuration at start-up.
// Built once and held in an `Arc`: the variants' sizes never matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Queue {
    /// In-process engine: the default, for a single `govwatch serve`.
    Memory(MemoryQueue),
    /// Redis Streams engine: for `serve` + any number of `govwatch worker` processes.
    Redis(RedisQueue),
}

impl Queue {
    /// The in-process engine.
    pub fn memory(config: QueueConfig) -> Result<Self, QueueError> {
        Ok(Self::Memory(MemoryQueue::new(config)?))
    }

    /// The Redis Streams engine (creates the stream and consumer group if needed).
    pub async fn redis(redis: RedisQueueConfig, config: QueueConfig) -> Result<Self, QueueError> {
        Ok(Self::Redis(RedisQueue::connect(redis, config).await?))
    }

    /// Name of the engine, for logs and the status page.
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }
}

impl JobQueue for Queue {
    async fn enqueue(&self, job: Job) -> Result<bool, QueueError> {
        match self {
            Self::Memory(q) => q.enqueue(job).await,
            Self::Redis(q) => q.enqueue(job).await,
        }
    }

    async fn dequeue(
        &self,
        consumer: &str,
        block: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        match self {
            Self::Memory(q) => q.dequeue(consumer, block).await,
            Self::Redis(q) => q.dequeue(consumer, block).await,
        }
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        match self {
            Self::Memory(q) => q.ack(delivery).await,
            Self::Redis(q) => q.ack(delivery).await,
        }
    }

    async fn fail(&self, delivery: &Delivery, error: &str) -> Result<(), QueueError> {
        match self {
            Self::Memory(q) => q.fail(delivery, error).await,
            Self::Redis(q) => q.fail(delivery, error).await,
        }
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        match self {
            Self::Memory(q) => q.stats().await,
            Self::Redis(q) => q.stats().await,
        }
    }

    async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        match self {
            Self::Memory(q) => q.dead_letters(limit).await,
            Self::Redis(q) => q.dead_letters(limit).await,
        }
    }
}

/// `JobQueue` through a shared pointer, so `run_worker(Arc<Queue>, …)` reads naturally.
impl<Q: JobQueue + ?Sized> JobQueue for std::sync::Arc<Q> {
    fn enqueue(&self, job: Job) -> impl Future<Output = Result<bool, QueueError>> + Send {
        (**self).enqueue(job)
    }

    fn dequeue(
        &self,
        consumer: &str,
        block: Duration,
    ) -> impl Future<Output = Result<Option<Delivery>, QueueError>> + Send {
        (**self).dequeue(consumer, block)
    }

    fn ack(&self, delivery: &Delivery) -> impl Future<Output = Result<(), QueueError>> + Send {
        (**self).ack(delivery)
    }

    fn fail(
        &self,
        delivery: &Delivery,
        error: &str,
    ) -> impl Future<Output = Result<(), QueueError>> + Send {
        (**self).fail(delivery, error)
    }

    fn stats(&self) -> impl Future<Output = Result<QueueStats, QueueError>> + Send {
        (**self).stats()
    }

    fn dead_letters(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, QueueError>> + Send {
        (**self).dead_letters(limit)
    }
}

/// The job stored as text: what both engines put in the queue and dead letters.
pub(crate) fn encode_job(job: &Job) -> Result<String, QueueError> {
    Ok(serde_json::to_string(job)?)
}

/// The job read back; malformed text becomes a visible placeholder rather than an error, so a
/// dead letter of a foreign writer can still be listed.
pub(crate) fn decode_job_lossy(raw: &str, fallback_id: &str) -> Job {
    serde_json::from_str(raw).unwrap_or_else(|_| Job {
        id: fallback_id.to_owned(),
        kind: "<malformed>".to_owned(),
        payload: serde_json::Value::String(raw.to_owned()),
        dedup_key: None,
    })
}

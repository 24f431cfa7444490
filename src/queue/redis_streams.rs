//! [`RedisQueue`]: the Redis Streams engine.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use deadpool_redis::{Manager, Pool, Runtime};
use redis::streams::{StreamRangeReply, StreamReadOptions, StreamReadReply};
use redis::{AsyncCommands, AsyncConnectionConfig, Script, Value};
use tokio::time::Instant;

use super::{
    DeadLetter, Delivery, Job, JobQueue, QueueConfig, QueueError, QueueStats, Receipt,
    decode_job_lossy, encode_job, lock::RedisLock, redis_scripts as scripts,
};

/// Longest single `XREADGROUP … BLOCK`; longer waits are made of several reads.
const MAX_BLOCK_SLICE: Duration = Duration::from_secs(5);

/// Where and how the Redis engine keeps its data.
#[derive(Debug, Clone)]
pub struct RedisQueueConfig {
    /// `redis://host:port/db` (from `GOVWATCH_REDIS_URL`).
    pub url: String,
    /// Prefix of every key, so several installations (or tests) share one Redis.
    pub key_prefix: String,
    /// Consumer group all workers join.
    pub group: String,
    /// `MAXLEN ~` cap of the job stream (a safety net; see the module docs).
    pub stream_maxlen: usize,
    /// Connections reserved for blocking reads: at least the number of consumers of this
    /// process that may block at the same time.
    pub max_blocking_reads: usize,
    /// Connections for all other commands.
    pub max_connections: usize,
    /// How long any non-blocking command may take before it fails.
    pub command_timeout: Duration,
}

impl RedisQueueConfig {
    /// Defaults for `url`: prefix `govwatch:`, group `workers`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: "govwatch:".to_owned(),
            group: "workers".to_owned(),
            stream_maxlen: 1_000_000,
            max_blocking_reads: 16,
            max_connections: 8,
            command_timeout: Duration::from_secs(5),
        }
    }

    /// The same configuration with another key prefix (tests use `t:<uuid>:`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }
}

/// The Redis Streams engine: jobs are entries of one stream read through one consumer group.
///
/// Keys (all under [`RedisQueueConfig::key_prefix`], `govwatch:` by default):
///
/// | key | type | holds |
/// | --- | --- | --- |
/// | `jobs` | stream | live jobs (field `job` = JSON); acked entries are deleted |
/// | `dead` | stream | dead letters (`job`, `attempts`, `error`, `failed_at_ms`) |
/// | `errors` | hash | last error by entry ID, for jobs waiting for a retry |
/// | `reclaim_cursor` | string | where the next `XAUTOCLAIM` continues |
/// | `dedup:<key>` | string | de-duplication keys (`SET NX EX`) |
/// | `lock:<name>` | string | [`TickLock`](super::TickLock) locks |
///
/// New jobs are read with `XREADGROUP … BLOCK`, on a connection taken from a pool of its own for
/// the duration of the read: a blocking read must never share a multiplexed connection (every
/// other command on it would wait behind the `BLOCK`). Reads block in short slices so that jobs
/// abandoned by dead workers (`XAUTOCLAIM` after the visibility timeout) and failed jobs due for a
/// retry are picked up while a consumer waits. Delivery counts come from `XPENDING`, so a job
/// whose worker dies every time is dead-lettered after `max_attempts` deliveries too.
///
/// Because acked entries are deleted, the stream holds exactly the live jobs, and `MAXLEN ~` is
/// only a safety cap against a runaway producer: set [`RedisQueueConfig::stream_maxlen`] far above
/// any honest backlog (trimming would drop unread jobs).
///
/// The semantics shared with the in-process engine are described in the [queue docs](super).
pub struct RedisQueue {
    config: QueueConfig,
    redis: RedisQueueConfig,
    keys: Keys,
    /// Short commands and scripts.
    pool: Pool,
    /// Blocking reads only: one connection per waiting consumer.
    blocking_pool: Pool,
    scripts: Scripts,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("prefix", &self.redis.key_prefix)
            .field("group", &self.redis.group)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Keys {
    stream: String,
    errors: String,
    dead: String,
    cursor: String,
}

struct Scripts {
    enqueue: Script,
    ack: Script,
    fail: Script,
    reclaim: Script,
    bury: Script,
    stats: Script,
}

pub(super) fn build_pool(
    url: &str,
    max_size: usize,
    response_timeout: Duration,
) -> Result<Pool, QueueError> {
    let connection = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(response_timeout));
    let manager = Manager::new_with_config(url, connection)?;
    Pool::builder(manager)
        .max_size(max_size.max(1))
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(Duration::from_secs(5)))
        // More waiting consumers than connections is a configuration error: say so after a
        // while rather than hang (see `RedisQueueConfig::max_blocking_reads`).
        .wait_timeout(Some(response_timeout))
        .build()
        .map_err(|e| QueueError::Pool(e.to_string()))
}

fn pool_error(e: deadpool_redis::PoolError) -> QueueError {
    match e {
        deadpool_redis::PoolError::Backend(e) => QueueError::Redis(e),
        other => QueueError::Pool(other.to_string()),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn is_nogroup(e: &QueueError) -> bool {
    matches!(e, QueueError::Redis(r) if r.code() == Some("NOGROUP"))
}

impl RedisQueue {
    /// Connects, and creates the stream and the consumer group if they do not exist yet.
    pub async fn connect(redis: RedisQueueConfig, config: QueueConfig) -> Result<Self, QueueError> {
        config.validate()?;
        if redis.key_prefix.is_empty() || redis.group.is_empty() {
            return Err(QueueError::Config(
                "key prefix and group must not be empty".into(),
            ));
        }
        let pool = build_pool(&redis.url, redis.max_connections, redis.command_timeout)?;
        let blocking_pool = build_pool(
            &redis.url,
            redis.max_blocking_reads,
            MAX_BLOCK_SLICE + redis.command_timeout,
        )?;
        let p = &redis.key_prefix;
        let queue = Self {
            keys: Keys {
                stream: format!("{p}jobs"),
                errors: format!("{p}errors"),
                dead: format!("{p}dead"),
                cursor: format!("{p}reclaim_cursor"),
            },
            scripts: Scripts {
                enqueue: Script::new(scripts::ENQUEUE),
                ack: Script::new(scripts::ACK),
                fail: Script::new(scripts::FAIL),
                reclaim: Script::new(scripts::RECLAIM),
                bury: Script::new(scripts::BURY),
                stats: Script::new(scripts::STATS),
            },
            config,
            redis,
            pool,
            blocking_pool,
        };
        queue.check_version().await?;
        queue.ensure_group().await?;
        Ok(queue)
    }

    /// Fails fast on a Redis without `XAUTOCLAIM` (before 6.2), instead of erroring on every
    /// dequeue later.
    async fn check_version(&self) -> Result<(), QueueError> {
        let mut conn = self.conn().await?;
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut *conn)
            .await?;
        let version = info
            .lines()
            .find_map(|line| line.strip_prefix("redis_version:"))
            .map(str::trim)
            .unwrap_or_default();
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if (major, minor) < (6, 2) {
            return Err(QueueError::Config(format!(
                "Redis 6.2 or newer is required (XAUTOCLAIM); the server reports {version:?}"
            )));
        }
        Ok(())
    }

    /// The queue configuration.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// A [`RedisLock`] on the same Redis and key prefix, sharing this queue's connections.
    pub fn lock(&self) -> RedisLock {
        RedisLock::from_pool(self.pool.clone(), &self.redis.key_prefix)
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection, QueueError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// `XGROUP CREATE <stream> <group> 0 MKSTREAM`, tolerating `BUSYGROUP`. Starting at `0`
    /// means jobs added before the group existed are still delivered.
    async fn ensure_group(&self) -> Result<(), QueueError> {
        let mut conn = self.conn().await?;
        let created: Result<(), redis::RedisError> = conn
            .xgroup_create_mkstream(&self.keys.stream, &self.redis.group, "0")
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `op`; if the group vanished (the stream key was deleted or evicted), recreates it
    /// and runs `op` once more.
    async fn with_group<T, F, Fut>(&self, op: F) -> Result<T, QueueError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, QueueError>>,
    {
        match op().await {
            Err(e) if is_nogroup(&e) => {
                tracing::warn!(stream = %self.keys.stream, "consumer group missing; recreating it");
                self.ensure_group().await?;
                op().await
            }
            other => other,
        }
    }

    fn invocation<'a>(&'a self, script: &'a Script) -> redis::ScriptInvocation<'a> {
        let mut inv = script.key(&self.keys.stream);
        inv.key(&self.keys.errors).key(&self.keys.dead);
        inv
    }

    /// Takes over one job abandoned (or due for a retry) for longer than the visibility timeout.
    async fn reclaim(&self, consumer: &str) -> Result<Option<Delivery>, QueueError> {
        loop {
            let reply: Value = self
                .with_group(|| async {
                    let mut conn = self.conn().await?;
                    let mut inv = self.invocation(&self.scripts.reclaim);
                    inv.key(&self.keys.cursor)
                        .arg(&self.redis.group)
                        .arg(consumer)
                        .arg(millis(self.config.visibility_timeout))
                        .arg(self.config.max_attempts)
                        .arg(now_ms())
                        .arg(self.config.max_dead_letters);
                    Ok(inv.invoke_async(&mut *conn).await?)
                })
                .await?;
            let (entry_id, raw, count, last_error): (String, String, u32, Option<String>) =
                match reply {
                    Value::Nil => return Ok(None),
                    other => redis::from_redis_value(other)
                        .map_err(|e| QueueError::Protocol(format!("reclaim reply: {e}")))?,
                };
            match serde_json::from_str::<Job>(&raw) {
                Ok(job) => {
                    tracing::info!(job_id = %job.id, attempt = count, %consumer, "reclaimed job");
                    return Ok(Some(
                        self.delivery(job, entry_id, consumer, count, last_error),
                    ));
                }
                Err(e) => self.bury_malformed(&entry_id, &raw, count, &e).await?,
            }
        }
    }

    /// Reads one new job, blocking up to `block` (not at all if zero).
    async fn read_new(
        &self,
        consumer: &str,
        block: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        loop {
            let reply: Option<StreamReadReply> = self
                .with_group(|| async {
                    let mut conn = self.blocking_pool.get().await.map_err(pool_error)?;
                    let mut options = StreamReadOptions::default()
                        .group(&self.redis.group, consumer)
                        .count(1);
                    // BLOCK 0 would mean "for ever"; a zero wait is a plain read.
                    if block >= Duration::from_millis(1) {
                        options =
                            options.block(usize::try_from(block.as_millis()).unwrap_or(usize::MAX));
                    }
                    Ok(conn
                        .xread_options(&[&self.keys.stream], &[">"], &options)
                        .await?)
                })
                .await?;
            let Some(entry) = reply
                .and_then(|r| r.keys.into_iter().next())
                .and_then(|k| k.ids.into_iter().next())
            else {
                return Ok(None);
            };
            let raw: Option<String> = entry.get("job");
            let raw = raw.unwrap_or_default();
            match serde_json::from_str::<Job>(&raw) {
                Ok(job) => return Ok(Some(self.delivery(job, entry.id, consumer, 1, None))),
                // Not ours to run; bury it and look for the next one (without blocking again).
                Err(e) => self.bury_malformed(&entry.id, &raw, 1, &e).await?,
            }
        }
    }

    async fn bury_malformed(
        &self,
        entry_id: &str,
        raw: &str,
        attempts: u32,
        error: &serde_json::Error,
    ) -> Result<(), QueueError> {
        tracing::warn!(%entry_id, %error, "malformed job on the stream; dead-lettering it");
        let mut conn = self.conn().await?;
        let mut inv = self.invocation(&self.scripts.bury);
        inv.arg(&self.redis.group)
            .arg(entry_id)
            .arg(raw)
            .arg(attempts)
            .arg(format!("malformed job: {error}"))
            .arg(now_ms())
            .arg(self.config.max_dead_letters);
        let _: i64 = inv.invoke_async(&mut *conn).await?;
        Ok(())
    }

    fn delivery(
        &self,
        job: Job,
        entry_id: String,
        consumer: &str,
        attempt: u32,
        last_error: Option<String>,
    ) -> Delivery {
        Delivery {
            job,
            attempt,
            last_error,
            receipt: Receipt::Redis {
                entry_id,
                consumer: consumer.to_owned(),
            },
        }
    }

    /// How long one blocking read may last before we look for reclaimable jobs again: a
    /// quarter of the shorter of the visibility timeout and the retry delay, so an abandoned or
    /// failed job waits at most that much longer than its due time while consumers are idle.
    fn block_slice(&self) -> Duration {
        let due_within = self
            .config
            .visibility_timeout
            .min(self.config.effective_retry_delay());
        (due_within / 4).clamp(Duration::from_millis(20), MAX_BLOCK_SLICE)
    }
}

fn redis_receipt(delivery: &Delivery) -> Result<(&str, &str), QueueError> {
    match &delivery.receipt {
        Receipt::Redis { entry_id, consumer } => Ok((entry_id, consumer)),
        Receipt::Memory { .. } => Err(QueueError::Config(
            "an in-process delivery was passed to the Redis queue".into(),
        )),
    }
}

impl JobQueue for RedisQueue {
    async fn enqueue(&self, job: Job) -> Result<bool, QueueError> {
        let json = encode_job(&job)?;
        let mut conn = self.conn().await?;
        let mut inv = self.scripts.enqueue.key(&self.keys.stream);
        if let Some(key) = &job.dedup_key {
            inv.key(format!("{}dedup:{key}", self.redis.key_prefix));
        }
        inv.arg(self.redis.stream_maxlen)
            .arg(&json)
            .arg(self.config.dedup_ttl.as_secs().max(1))
            .arg(&job.id);
        let added: i64 = inv.invoke_async(&mut *conn).await?;
        Ok(added == 1)
    }

    async fn dequeue(
        &self,
        consumer: &str,
        block: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        let deadline = Instant::now() + block;
        loop {
            if let Some(delivery) = self.reclaim(consumer).await? {
                return Ok(Some(delivery));
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if let Some(delivery) = self
                .read_new(consumer, remaining.min(self.block_slice()))
                .await?
            {
                return Ok(Some(delivery));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let (entry_id, _) = redis_receipt(delivery)?;
        let mut conn = self.conn().await?;
        let acked: i64 = self
            .scripts
            .ack
            .key(&self.keys.stream)
            .key(&self.keys.errors)
            .arg(&self.redis.group)
            .arg(entry_id)
            .invoke_async(&mut *conn)
            .await?;
        if acked == 0 {
            tracing::debug!(job_id = %delivery.job.id, "ack of a job no longer pending (acked or dead-lettered meanwhile)");
        }
        Ok(())
    }

    async fn fail(&self, delivery: &Delivery, error: &str) -> Result<(), QueueError> {
        let (entry_id, consumer) = redis_receipt(delivery)?;
        let idle = self
            .config
            .visibility_timeout
            .saturating_sub(self.config.effective_retry_delay());
        let mut conn = self.conn().await?;
        let mut inv = self.invocation(&self.scripts.fail);
        inv.arg(&self.redis.group)
            .arg(consumer)
            .arg(entry_id)
            .arg(delivery.attempt)
            .arg(self.config.max_attempts)
            .arg(error)
            .arg(now_ms())
            .arg(self.config.max_dead_letters)
            .arg(millis(idle));
        let outcome: String = inv.invoke_async(&mut *conn).await?;
        match outcome.as_str() {
            "dead" => tracing::warn!(job_id = %delivery.job.id, kind = %delivery.job.kind,
                attempts = delivery.attempt, %error, "job dead-lettered"),
            "stale" | "gone" => tracing::debug!(job_id = %delivery.job.id, %outcome,
                "ignoring failure of a superseded delivery"),
            _ => {}
        }
        Ok(())
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        let (len, pel, dead): (u64, u64, u64) = self
            .with_group(|| async {
                let mut conn = self.conn().await?;
                Ok(self
                    .invocation(&self.scripts.stats)
                    .arg(&self.redis.group)
                    .invoke_async(&mut *conn)
                    .await?)
            })
            .await?;
        Ok(QueueStats {
            pending: len.saturating_sub(pel),
            in_flight: pel,
            dead_lettered: dead,
        })
    }

    async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let reply: StreamRangeReply = conn
            .xrevrange_count(&self.keys.dead, "+", "-", limit)
            .await?;
        Ok(reply
            .ids
            .into_iter()
            .map(|entry| {
                let raw: String = entry.get("job").unwrap_or_default();
                let attempts: u32 = entry.get("attempts").unwrap_or_default();
                let error: String = entry.get("error").unwrap_or_default();
                let failed_ms: i64 = entry.get("failed_at_ms").unwrap_or_default();
                DeadLetter {
                    job: decode_job_lossy(&raw, &entry.id),
                    attempts,
                    error,
                    failed_at: Utc
                        .timestamp_millis_opt(failed_ms)
                        .single()
                        .unwrap_or_default(),
                }
            })
            .collect())
    }
}

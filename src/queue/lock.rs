//! [`TickLock`]: a small lock for work that must happen once across all processes.

use std::time::Duration;

use deadpool_redis::Pool;
use redis::Script;

use super::QueueError;
use super::redis_streams::build_pool;

/// A small lock for work that must happen once across all processes.
///
/// With Redis: `SET <prefix>lock:<name> <token> NX PX <ttl>`; the random token makes release a
/// compare-and-delete (a Lua script), so a holder whose lock expired and was taken by someone
/// else can never delete the new holder's lock. In-process there is only one process, so the
/// lock always grants.
///
/// The lock expires on its own: keep the guarded work shorter than the TTL (there is no
/// fencing), or make the work idempotent as well.
///
/// The engine is chosen like the queue engine.
#[derive(Debug, Clone)]
pub enum TickLock {
    /// One process: every acquisition succeeds.
    Local,
    /// Several processes sharing a Redis.
    Redis(RedisLock),
}

/// Proof of holding a lock; pass it to [`TickLock::release`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockGuard {
    /// The lock's name.
    pub name: String,
    token: String,
}

impl TickLock {
    /// Tries once to take `name` for `ttl`; `None` if someone else holds it.
    pub async fn try_acquire(
        &self,
        name: &str,
        ttl: Duration,
    ) -> Result<Option<LockGuard>, QueueError> {
        match self {
            Self::Local => Ok(Some(LockGuard {
                name: name.to_owned(),
                token: String::new(),
            })),
            Self::Redis(lock) => lock.try_acquire(name, ttl).await,
        }
    }

    /// Releases the lock if `guard` still holds it. `false` if it had expired (and perhaps been
    /// taken by another holder, whose lock stays untouched).
    pub async fn release(&self, guard: &LockGuard) -> Result<bool, QueueError> {
        match self {
            Self::Local => Ok(true),
            Self::Redis(lock) => lock.release(guard).await,
        }
    }
}

/// The Redis lock; see [`TickLock`].
#[derive(Clone)]
pub struct RedisLock {
    pool: Pool,
    prefix: String,
    release: std::sync::Arc<Script>,
}

impl std::fmt::Debug for RedisLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLock")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLock {
    /// A lock client of its own (the queue offers one sharing its connections:
    /// [`RedisQueue::lock`](super::RedisQueue::lock)).
    pub fn connect(url: &str, key_prefix: &str) -> Result<Self, QueueError> {
        Ok(Self::from_pool(
            build_pool(url, 4, Duration::from_secs(5))?,
            key_prefix,
        ))
    }

    pub(super) fn from_pool(pool: Pool, key_prefix: &str) -> Self {
        Self {
            pool,
            prefix: key_prefix.to_owned(),
            release: std::sync::Arc::new(Script::new(super::redis_scripts::RELEASE_LOCK)),
        }
    }

    fn key(&self, name: &str) -> String {
        format!("{}lock:{name}", self.prefix)
    }

    /// `SET <prefix>lock:<name> <token> NX PX <ttl>`.
    pub async fn try_acquire(
        &self,
        name: &str,
        ttl: Duration,
    ) -> Result<Option<LockGuard>, QueueError> {
        let token = uuid::Uuid::new_v4().to_string();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| QueueError::Pool(e.to_string()))?;
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(name))
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut *conn)
            .await?;
        Ok(set.map(|_| LockGuard {
            name: name.to_owned(),
            token,
        }))
    }

    /// Compare-and-delete release.
    pub async fn release(&self, guard: &LockGuard) -> Result<bool, QueueError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| QueueError::Pool(e.to_string()))?;
        let released: i64 = self
            .release
            .key(self.key(&guard.name))
            .arg(&guard.token)
            .invoke_async(&mut *conn)
            .await?;
        Ok(released == 1)
    }
}

//! The scheduler: fires per-account tasks on cron schedules by **enqueueing** jobs; workers run
//! them.
//!
//! # One firing per tick, however many processes
//!
//! Every `govwatch serve` process runs a scheduler over the same schedules. Each firing builds a
//! job whose `dedup_key` is `sched:<schedule name>@<tick slot>`, where the slot is the scheduled
//! time of the tick (UTC, to the second; see [`CronSpec::slot_at`]). The Redis engine sets the
//! key with `SET NX EX` and adds the job in the same Lua script, so of all processes firing the
//! same tick exactly one enqueues and the others are told "duplicate".
//!
//! We chose the idempotent enqueue over taking a [`TickLock`](crate::queue::TickLock) per
//! firing: with a lock, a process that takes it and then fails to enqueue (a Redis hiccup
//! between the two calls) loses the tick for everyone, whereas the atomic "key + job" script has
//! no such window; and a lock would add a round trip without adding a guarantee. The lock
//! remains available for singleton work that is not an enqueue.
//!
//! # Reloading
//!
//! [`Scheduler::replace`] swaps the schedule set (when the registry changes): unchanged
//! schedules keep running untouched, changed ones are re-registered, removed ones stop. The new
//! set is validated as a whole first, so a bad cron line changes nothing.

pub mod cron;
pub mod defaults;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::SecondsFormat;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler, JobSchedulerError};
use uuid::Uuid;

pub use self::cron::{CronError, CronSpec, TIMEZONE, normalize_cron, parse_cron};
pub use self::defaults::{
    CronOverrides, JOB_KIND_CRAWL, JOB_KIND_PROBE, ScheduleKind, account_schedules, default_cron,
};
use crate::queue::{Job, JobQueue, Queue};

/// A named periodic task.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Unique among the scheduler's schedules, stable across reloads (e.g. `website:42`); part
    /// of the de-duplication key.
    pub name: String,
    /// 5- or 6-field cron expression in Asia/Shanghai time.
    pub cron: String,
    /// The job each firing enqueues.
    pub job_template: JobTemplate,
}

impl Schedule {
    /// A schedule enqueueing jobs of `kind` with `payload`.
    pub fn new(
        name: impl Into<String>,
        cron: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            name: name.into(),
            cron: cron.into(),
            job_template: JobTemplate {
                kind: kind.into(),
                payload,
            },
        }
    }
}

/// What a firing enqueues (each job gets a fresh ID and the tick's de-duplication key).
#[derive(Debug, Clone, PartialEq)]
pub struct JobTemplate {
    /// [`Job::kind`].
    pub kind: String,
    /// [`Job::payload`].
    pub payload: serde_json::Value,
}

/// Errors of the scheduler.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulerError {
    /// A schedule's cron expression is invalid.
    #[error("schedule \"{name}\": {source}")]
    Cron {
        /// The schedule.
        name: String,
        /// Why.
        source: CronError,
    },
    /// Two schedules share a name.
    #[error("duplicate schedule name \"{0}\"")]
    DuplicateName(String),
    /// tokio-cron-scheduler refused an operation.
    #[error("cron engine: {0}")]
    Engine(#[from] JobSchedulerError),
}

/// Counters since start, for the status page and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedulerStats {
    /// Firings observed by this process.
    pub fired: u64,
    /// Firings that enqueued a job.
    pub enqueued: u64,
    /// Firings whose tick had already been enqueued (by another process, usually).
    pub deduplicated: u64,
    /// Firings that could not enqueue after retries (the tick is lost for this process).
    pub failed: u64,
}

#[derive(Debug, Default)]
struct Counters {
    fired: AtomicU64,
    enqueued: AtomicU64,
    deduplicated: AtomicU64,
    failed: AtomicU64,
}

/// Result of [`Scheduler::replace`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplaceSummary {
    /// Schedules registered anew (new or changed).
    pub added: usize,
    /// Schedules stopped (gone or changed).
    pub removed: usize,
    /// Schedules left running as they were.
    pub kept: usize,
}

struct Active {
    job_id: Uuid,
    schedule: Schedule,
}

/// The running scheduler; see the [module docs](self).
pub struct Scheduler<Q: JobQueue + 'static = Queue> {
    engine: JobScheduler,
    queue: Arc<Q>,
    active: tokio::sync::Mutex<HashMap<String, Active>>,
    counters: Arc<Counters>,
}

impl<Q: JobQueue + 'static> std::fmt::Debug for Scheduler<Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// What one registered cron job does when it fires.
struct Firing<Q> {
    name: String,
    spec: CronSpec,
    template: JobTemplate,
    queue: Arc<Q>,
    counters: Arc<Counters>,
}

impl<Q: JobQueue> Firing<Q> {
    async fn fire(&self) {
        self.counters.fired.fetch_add(1, Ordering::Relaxed);
        let now = chrono::Utc::now();
        let Some(slot) = self.spec.slot_at(now) else {
            tracing::error!(schedule = %self.name, %now, "fired with no tick at or before now");
            self.counters.failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let slot = slot.to_rfc3339_opts(SecondsFormat::Secs, true);
        let job = Job {
            id: Uuid::now_v7().to_string(),
            kind: self.template.kind.clone(),
            payload: self.template.payload.clone(),
            dedup_key: Some(format!("sched:{}@{slot}", self.name)),
        };
        let mut backoff = Duration::from_millis(100);
        for attempt in 1..=3 {
            match self.queue.enqueue(job.clone()).await {
                Ok(true) => {
                    tracing::debug!(schedule = %self.name, %slot, job_id = %job.id, "enqueued");
                    self.counters.enqueued.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Ok(false) => {
                    self.counters.deduplicated.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(e) if attempt < 3 => {
                    tracing::warn!(schedule = %self.name, %slot, error = %e, "enqueue failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(e) => {
                    tracing::error!(schedule = %self.name, %slot, error = %e, "enqueue failed; tick lost");
                }
            }
        }
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Parses every schedule and rejects duplicate names, before anything changes.
fn validate(schedules: Vec<Schedule>) -> Result<Vec<(Schedule, CronSpec)>, SchedulerError> {
    let mut seen = std::collections::HashSet::new();
    schedules
        .into_iter()
        .map(|schedule| {
            if !seen.insert(schedule.name.clone()) {
                return Err(SchedulerError::DuplicateName(schedule.name));
            }
            let spec = parse_cron(&schedule.cron).map_err(|source| SchedulerError::Cron {
                name: schedule.name.clone(),
                source,
            })?;
            Ok((schedule, spec))
        })
        .collect()
}

impl<Q: JobQueue + 'static> Scheduler<Q> {
    /// Registers `schedules` and starts firing them into `queue`.
    pub async fn start(schedules: Vec<Schedule>, queue: Arc<Q>) -> Result<Self, SchedulerError> {
        let validated = validate(schedules)?;
        let engine = JobScheduler::new().await?;
        let scheduler = Self {
            engine,
            queue,
            active: tokio::sync::Mutex::new(HashMap::new()),
            counters: Arc::new(Counters::default()),
        };
        {
            let mut active = scheduler.active.lock().await;
            for (schedule, spec) in validated {
                let job_id = scheduler.register(&schedule, spec).await?;
                active.insert(schedule.name.clone(), Active { job_id, schedule });
            }
        }
        scheduler.engine.start().await?;
        tracing::info!(
            schedules = scheduler.active.lock().await.len(),
            "scheduler started"
        );
        Ok(scheduler)
    }

    async fn register(&self, schedule: &Schedule, spec: CronSpec) -> Result<Uuid, SchedulerError> {
        let six_fields = spec.as_str().to_owned();
        let firing = Arc::new(Firing {
            name: schedule.name.clone(),
            spec,
            template: schedule.job_template.clone(),
            queue: Arc::clone(&self.queue),
            counters: Arc::clone(&self.counters),
        });
        let job = CronJob::new_async_tz(six_fields, TIMEZONE, move |_id, _engine| {
            let firing = Arc::clone(&firing);
            Box::pin(async move { firing.fire().await })
        })?;
        Ok(self.engine.add(job).await?)
    }

    /// Replaces the schedule set; see the [module docs](self).
    pub async fn replace(
        &self,
        schedules: Vec<Schedule>,
    ) -> Result<ReplaceSummary, SchedulerError> {
        let validated = validate(schedules)?;
        let mut active = self.active.lock().await;
        let mut summary = ReplaceSummary::default();
        let mut next = HashMap::with_capacity(validated.len());
        for (schedule, spec) in validated {
            match active.remove(&schedule.name) {
                Some(current) if current.schedule == schedule => {
                    summary.kept += 1;
                    next.insert(schedule.name.clone(), current);
                }
                previous => {
                    if let Some(previous) = previous {
                        self.engine.remove(&previous.job_id).await?;
                        summary.removed += 1;
                    }
                    let job_id = self.register(&schedule, spec).await?;
                    summary.added += 1;
                    next.insert(schedule.name.clone(), Active { job_id, schedule });
                }
            }
        }
        for (_, gone) in active.drain() {
            self.engine.remove(&gone.job_id).await?;
            summary.removed += 1;
        }
        *active = next;
        tracing::info!(?summary, "schedules replaced");
        Ok(summary)
    }

    /// The schedules currently registered, sorted by name.
    pub async fn schedules(&self) -> Vec<Schedule> {
        let active = self.active.lock().await;
        let mut list: Vec<Schedule> = active.values().map(|a| a.schedule.clone()).collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    /// Counters since start.
    pub fn stats(&self) -> SchedulerStats {
        SchedulerStats {
            fired: self.counters.fired.load(Ordering::Relaxed),
            enqueued: self.counters.enqueued.load(Ordering::Relaxed),
            deduplicated: self.counters.deduplicated.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
        }
    }

    /// Stops firing (within the engine's 500 ms tick). Firings already running finish on their
    /// own. Takes `&self` so a scheduler shared in an `Arc` can be stopped.
    pub async fn shutdown(&self) -> Result<(), SchedulerError> {
        // The engine is a handle onto shared state; a clone stops the same scheduler.
        self.engine.clone().shutdown().await?;
        Ok(())
    }
}

//! Background work: the job handler (crawls and probes), the workers that run it, the cron
//! scheduler fed from the registry, and housekeeping (expired sessions, hourly ledger
//! checkpoints).
//!
//! `serve` runs all of it in-process on the embedded default. With Redis, `serve` runs the
//! scheduler (each tick is enqueued once however many `serve` processes fire it) and
//! `govwatch worker` processes on any machine run the jobs.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::crawl::{CrawlEngine, CrawlJobError};
use crate::db::entities::{account, ledger_checkpoint, ledger_entry};
use crate::findings::RulesEngine;
use crate::queue::{Job, Queue, QueueError, RedisQueueConfig, run_worker};
use crate::registry::{Platform, Status};
use crate::scheduler::{CronOverrides, Schedule, ScheduleKind, Scheduler, account_schedules};
use crate::storage::SnapshotStore;

/// Errors while building the background services.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    /// The crawler could not be built.
    #[error("采集程序初始化失败: {0}")]
    Crawler(String),
    /// The rules runtime.
    #[error(transparent)]
    Engine(#[from] crate::findings::EngineError),
    /// The queue.
    #[error("任务队列: {0}")]
    Queue(#[from] QueueError),
    /// The scheduler.
    #[error("调度器: {0}")]
    Scheduler(#[from] crate::scheduler::SchedulerError),
    /// Database.
    #[error("数据库错误: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Builds the crawl engine for these settings.
pub fn crawl_engine(
    settings: &Settings,
    db: DatabaseConnection,
) -> Result<CrawlEngine, ServicesError> {
    let crawler = govwatch_crawlers::Crawler::new(settings.crawl_config())
        .map_err(|e| ServicesError::Crawler(e.to_string()))?;
    Ok(CrawlEngine {
        db,
        store: Arc::new(SnapshotStore::open_local_batched(&settings.data_dir)),
        crawler,
        rules: Arc::new(RulesEngine::open(&settings.hash_key_path())?),
    })
}

/// Opens the queue: Redis Streams when a Redis URL is configured, else in-process.
pub async fn open_queue(settings: &Settings) -> Result<Arc<Queue>, ServicesError> {
    let cfg = settings.queue_config();
    Ok(Arc::new(match &settings.redis_url {
        Some(url) => {
            Queue::redis(
                RedisQueueConfig::new(url.clone()).with_prefix(settings.queue.redis_prefix.clone()),
                cfg,
            )
            .await?
        }
        None => Queue::memory(cfg)?,
    }))
}

/// Runs one job. Crawls are idempotent per job (the dedup key, or the job id), so a
/// redelivered job stores nothing twice.
pub async fn handle_job(engine: &CrawlEngine, job: Job) -> Result<(), String> {
    let account_id = job
        .payload
        .get("account_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| format!("任务 {} 缺少 account_id", job.id))?;
    let key = job.dedup_key.clone().unwrap_or_else(|| job.id.clone());
    let result = match job.kind.as_str() {
        crate::scheduler::JOB_KIND_CRAWL => engine.crawl_account(account_id, Some(&key)).await.map(|o| {
            tracing::info!(account_id, crawl_id = o.crawl_id, pages = o.pages, status = %o.status, findings = o.findings_opened, "crawl done");
        }),
        crate::scheduler::JOB_KIND_PROBE => engine.probe_account(account_id).await.map(|p| {
            tracing::debug!(account_id, ok = p.ok, "probe done");
        }),
        other => return Err(format!("未知任务类型 {other}")),
    };
    match result {
        Ok(()) => Ok(()),
        // The account was suspended, closed or removed since the job was queued: nothing to do.
        Err(e @ (CrawlJobError::NotCrawlable { .. } | CrawlJobError::NotFound(_))) => {
            tracing::info!(account_id, reason = %e, "job skipped");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The schedules of every active account: websites are crawled daily and probed hourly,
/// social accounts read every 6 hours; an account's own cron line overrides its crawl time.
pub async fn registry_schedules(db: &DatabaseConnection) -> Result<Vec<Schedule>, ServicesError> {
    let accounts = account::Entity::find()
        .filter(account::Column::Status.eq(Status::Active.as_str()))
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for a in accounts {
        let website = Platform::parse(&a.platform) == Some(Platform::Website);
        let kinds = if website {
            ScheduleKind::WEBSITE
        } else {
            ScheduleKind::NEW_MEDIA
        };
        let overrides = CronOverrides {
            website_crawl: a.crawl_cron.clone().filter(|_| website),
            feed_crawl: a.crawl_cron.clone().filter(|_| !website),
            availability_probe: None,
        };
        match account_schedules(a.id, kinds, &overrides) {
            Ok(s) => out.extend(s),
            Err(e) => {
                // A bad override must not stop every other account's schedule.
                tracing::warn!(account_id = a.id, error = %e, "invalid crawl schedule; using defaults");
                out.extend(
                    account_schedules(a.id, kinds, &CronOverrides::default()).unwrap_or_default(),
                );
            }
        }
    }
    Ok(out)
}

/// Starts `n` workers on the queue.
pub fn spawn_workers(
    set: &mut JoinSet<()>,
    engine: &CrawlEngine,
    queue: &Arc<Queue>,
    n: usize,
    name: &str,
    shutdown: &CancellationToken,
) {
    for i in 0..n.max(1) {
        let (engine, queue, shutdown) = (engine.clone(), queue.clone(), shutdown.clone());
        let consumer = format!("{name}-{i}");
        set.spawn(async move {
            let summary = run_worker(
                &*queue,
                &consumer,
                |job| {
                    let engine = engine.clone();
                    async move { handle_job(&engine, job).await }
                },
                shutdown,
            )
            .await;
            tracing::info!(
                consumer,
                succeeded = summary.succeeded,
                failed = summary.failed,
                "worker stopped"
            );
        });
    }
}

/// Starts the scheduler and keeps it in step with the registry (every 5 minutes).
pub async fn spawn_scheduler(
    set: &mut JoinSet<()>,
    db: &DatabaseConnection,
    queue: &Arc<Queue>,
    shutdown: &CancellationToken,
) -> Result<(), ServicesError> {
    let scheduler = Scheduler::start(registry_schedules(db).await?, queue.clone()).await?;
    let (db, shutdown) = (db.clone(), shutdown.clone());
    set.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        tick.tick().await;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    match registry_schedules(&db).await {
                        Ok(s) => if let Err(e) = scheduler.replace(s).await { tracing::warn!(error = %e, "schedule reload failed") },
                        Err(e) => tracing::warn!(error = %e, "schedule reload failed"),
                    }
                }
            }
        }
        let _ = scheduler.shutdown().await;
    });
    Ok(())
}

/// Hourly housekeeping: expired sessions go, and the ledger gets a signed checkpoint when it
/// grew since the last one (so rewriting history is detectable with at most an hour's gap).
pub fn spawn_housekeeping(
    set: &mut JoinSet<()>,
    settings: Arc<Settings>,
    db: DatabaseConnection,
    shutdown: &CancellationToken,
) {
    let shutdown = shutdown.clone();
    set.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = crate::auth::sessions::purge_expired(&db).await {
                        tracing::warn!(error = %e, "session purge failed");
                    }
                    if let Err(e) = auto_checkpoint(&settings, &db).await {
                        tracing::warn!(error = %e, "automatic checkpoint failed");
                    }
                }
            }
        }
    });
}

async fn auto_checkpoint(settings: &Settings, db: &DatabaseConnection) -> Result<(), String> {
    let entries = ledger_entry::Entity::find()
        .count(db)
        .await
        .map_err(|e| e.to_string())?;
    let last = ledger_checkpoint::Entity::find()
        .order_by_desc(ledger_checkpoint::Column::TreeSize)
        .one(db)
        .await
        .map_err(|e| e.to_string())?
        .map_or(0, |c| c.tree_size);
    if entries == 0 || entries as i64 <= last {
        return Ok(());
    }
    let key = crate::ledger::keys::load_or_create(&settings.signing_key_path())
        .map_err(|e| e.to_string())?;
    let log = settings.data_dir.join("ledger").join("checkpoints.jsonl");
    match crate::ledger::checkpoint(db, &key, Some(&log))
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(cp) => {
            tracing::info!(tree_size = cp.tree_size, "ledger checkpoint signed");
            Ok(())
        }
        Err(report) => {
            tracing::error!(problem = ?report.problem, "LEDGER VERIFICATION FAILED: checkpoint refused");
            Err("ledger verification failed".into())
        }
    }
}

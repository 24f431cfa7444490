//! Running crawls for registry accounts: build the crawler's source from the account, feed
//! the observations into the snapshot store and the database, run the rules, and judge the
//! site or account as a whole at the end.
//!
//! # Architecture
//! - [`CrawlEngine`] holds what every crawl shares: the database, the snapshot store, one
//!   [`Crawler`] (so politeness and robots.txt caches span accounts) and the rules runtime.
//! - [`CrawlEngine::crawl_account`] runs one crawl. The crawler sends observations through a
//!   bounded channel; [`ingest::Ingestor`] stores each body once by content hash, writes
//!   metadata and findings in batches (one transaction each, ledger entries included), and
//!   keeps only what the final judgement needs (broken links, columns, the home page's
//!   newest date, the feed's status) — memory does not grow with the site.
//! - A job key makes a crawl idempotent: a redelivered queue job finds its crawl, clears
//!   that crawl's per-run rows and runs again, storing nothing twice.

pub mod ingest;
pub mod judge;
pub mod source;

use std::sync::Arc;

use chrono::Utc;
use govwatch_crawlers::{Crawler, Observation};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde::Serialize;

use crate::db::entities::{account, crawl, link_check, probe, site_column};
use crate::findings::{EngineError, RulesEngine};
use crate::ledger::LedgerError;
use crate::registry::{Platform, Status};
use crate::storage::{SnapshotStore, StorageError};

/// Why a crawl job could not run.
#[derive(Debug, thiserror::Error)]
pub enum CrawlJobError {
    /// No such account.
    #[error("没有编号为 {0} 的账号")]
    NotFound(i64),
    /// The account is not in a state that is crawled.
    #[error("账号 {id}「{name}」状态为{status}，不采集")]
    NotCrawlable {
        /// Id.
        id: i64,
        /// Name.
        name: String,
        /// Status label.
        status: String,
    },
    /// Database.
    #[error("数据库错误: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Snapshot store.
    #[error("快照存储错误: {0}")]
    Storage(#[from] StorageError),
    /// Rules runtime.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The crawler itself broke (not the site: site failures are observations).
    #[error("采集程序错误: {0}")]
    Crawler(String),
}

/// What a crawl did, for the CLI summary and the API.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlOutcome {
    /// Crawl id.
    pub crawl_id: i64,
    /// Account id.
    pub account_id: i64,
    /// `ok`, or `failed` when the source itself could not be read.
    pub status: String,
    /// The job had already run to the end: nothing was done again.
    pub reused: bool,
    /// Pages fetched.
    pub pages: u64,
    /// Attachments downloaded.
    pub attachments: u64,
    /// Link targets checked.
    pub links_checked: u64,
    /// Broken link targets.
    pub broken_links: u64,
    /// Failures (pages, attachments, the source).
    pub failures: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// 304 answers.
    pub not_modified: u64,
    /// Feed posts read.
    pub posts: u64,
    /// New snapshots (changed content).
    pub snapshots_new: u64,
    /// Findings opened.
    pub findings_opened: u64,
    /// Findings seen again.
    pub findings_seen: u64,
    /// Wall time.
    pub elapsed_ms: u64,
    /// Why the source failed, if it did.
    pub error: Option<String>,
}

/// Everything crawls share.
#[derive(Clone)]
pub struct CrawlEngine {
    /// Database.
    pub db: DatabaseConnection,
    /// Snapshot bodies.
    pub store: Arc<SnapshotStore>,
    /// The crawler (shared politeness and robots caches).
    pub crawler: Crawler,
    /// The rules runtime.
    pub rules: Arc<RulesEngine>,
}

impl CrawlEngine {
    /// Crawls one account now. `job_key` (from the queue) makes the run idempotent.
    pub async fn crawl_account(
        &self,
        account_id: i64,
        job_key: Option<&str>,
    ) -> Result<CrawlOutcome, CrawlJobError> {
        let account = account::Entity::find_by_id(account_id)
            .one(&self.db)
            .await?
            .ok_or(CrawlJobError::NotFound(account_id))?;
        let status = Status::parse(&account.status).unwrap_or(Status::Deregistered);
        if status != Status::Active {
            return Err(CrawlJobError::NotCrawlable {
                id: account.id,
                name: account.name.clone(),
                status: status.label().into(),
            });
        }
        let crawl_row = match self.begin_crawl(&account, job_key).await? {
            Ok(row) => row,
            Err(done) => return Ok(done),
        };
        let started = std::time::Instant::now();
        let src = source::build(&self.db, &account, self.crawler.config()).await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Observation>(
            self.crawler.config().channel_capacity.max(8),
        );
        let crawler = self.crawler.clone();
        let crawl_task = tokio::spawn(async move { crawler.crawl(src, tx).await });
        let rules = self.rules.rules(&self.db, crate::time::today()).await?;
        let mut ing = ingest::Ingestor::new(self, &account, crawl_row.id, rules.clone());
        while let Some(obs) = rx.recv().await {
            ing.observe(obs).await?;
        }
        let stats = match crawl_task.await {
            Ok(Ok(stats)) => Some(stats),
            Ok(Err(e)) => {
                ing.source_failed(format!("采集中断: {e}"));
                None
            }
            Err(e) => return Err(CrawlJobError::Crawler(e.to_string())),
        };
        ing.flush().await?;
        let verdict = judge::judge_after_crawl(self, &account, &rules, &mut ing).await?;
        let mut out = ing.finish(stats, started.elapsed());
        out.findings_opened += verdict.opened;
        out.findings_seen += verdict.seen_again;
        self.finish_crawl(crawl_row, &out).await?;
        metrics::counter!("govwatch_crawls_total", "status" => out.status.clone()).increment(1);
        Ok(out)
    }

    /// Starts (or resumes, for a redelivered job) the crawl row. `Err` carries the outcome of
    /// a job that already finished.
    async fn begin_crawl(
        &self,
        account: &account::Model,
        job_key: Option<&str>,
    ) -> Result<Result<crawl::Model, CrawlOutcome>, CrawlJobError> {
        if let Some(key) = job_key
            && let Some(existing) = crawl::Entity::find()
                .filter(crawl::Column::JobKey.eq(key))
                .one(&self.db)
                .await?
        {
            if existing.finished_at.is_some() {
                return Ok(Err(outcome_of(&existing, true)));
            }
            // A worker died mid-job: forget its per-run rows and run again on the same crawl.
            link_check::Entity::delete_many()
                .filter(link_check::Column::CrawlId.eq(existing.id))
                .exec(&self.db)
                .await?;
            site_column::Entity::delete_many()
                .filter(site_column::Column::CrawlId.eq(existing.id))
                .exec(&self.db)
                .await?;
            return Ok(Ok(existing));
        }
        let row = crawl::Entity::insert(crawl::ActiveModel {
            id: NotSet,
            account_id: Set(account.id),
            job_key: Set(job_key.map(str::to_string)),
            started_at: Set(Utc::now()),
            finished_at: Set(None),
            status: Set("running".into()),
            pages: Set(0),
            attachments: Set(0),
            links_checked: Set(0),
            broken_links: Set(0),
            failures: Set(0),
            bytes: Set(0),
            not_modified: Set(0),
            elapsed_ms: Set(0),
            source_ok: Set(None),
            post_count: Set(None),
            newest_post_at: Set(None),
            error: Set(None),
        })
        .exec_with_returning(&self.db)
        .await?;
        Ok(Ok(row))
    }

    async fn finish_crawl(
        &self,
        row: crawl::Model,
        out: &CrawlOutcome,
    ) -> Result<(), CrawlJobError> {
        let i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        crawl::Entity::update(crawl::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(row.id),
            finished_at: Set(Some(Utc::now())),
            status: Set(out.status.clone()),
            pages: Set(i(out.pages)),
            attachments: Set(i(out.attachments)),
            links_checked: Set(i(out.links_checked)),
            broken_links: Set(i(out.broken_links)),
            failures: Set(i(out.failures)),
            bytes: Set(i(out.bytes)),
            not_modified: Set(i(out.not_modified)),
            elapsed_ms: Set(i(out.elapsed_ms)),
            error: Set(out.error.clone()),
            ..Default::default()
        })
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// Probes a website's home page once (availability indicator) and records the result.
    pub async fn probe_account(&self, account_id: i64) -> Result<probe::Model, CrawlJobError> {
        let account = account::Entity::find_by_id(account_id)
            .one(&self.db)
            .await?
            .ok_or(CrawlJobError::NotFound(account_id))?;
        let status = Status::parse(&account.status).unwrap_or(Status::Deregistered);
        let url = account.url.as_deref().and_then(|u| url::Url::parse(u).ok());
        let (Status::Active, Some(Platform::Website), Some(url)) =
            (status, Platform::parse(&account.platform), url)
        else {
            return Err(CrawlJobError::NotCrawlable {
                id: account.id,
                name: account.name,
                status: status.label().into(),
            });
        };
        let r = self.crawler.probe(&url).await;
        let row = probe::Entity::insert(probe::ActiveModel {
            id: NotSet,
            account_id: Set(account.id),
            probed_at: Set(Utc::now()),
            ok: Set(r.ok),
            status: Set(r.status.map(i32::from)),
            elapsed_ms: Set(i64::try_from(r.elapsed_ms).unwrap_or(i64::MAX)),
            error: Set(r.error),
        })
        .exec_with_returning(&self.db)
        .await?;
        Ok(row)
    }
}

fn outcome_of(c: &crawl::Model, reused: bool) -> CrawlOutcome {
    let u = |v: i64| u64::try_from(v).unwrap_or(0);
    CrawlOutcome {
        crawl_id: c.id,
        account_id: c.account_id,
        status: c.status.clone(),
        reused,
        pages: u(c.pages),
        attachments: u(c.attachments),
        links_checked: u(c.links_checked),
        broken_links: u(c.broken_links),
        failures: u(c.failures),
        bytes: u(c.bytes),
        not_modified: u(c.not_modified),
        posts: u(c.post_count.unwrap_or(0)),
        elapsed_ms: u(c.elapsed_ms),
        error: c.error.clone(),
        ..Default::default()
    }
}

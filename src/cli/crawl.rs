//! `govwatch crawl`, `govwatch worker`, `govwatch snapshots export`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::config::Settings;
use crate::crawl::{CrawlEngine, CrawlOutcome};
use crate::db::entities::{account, crawl, snapshot};
use crate::registry::Status;
use crate::storage::ContentHash;
use crate::storage::warc::{HttpResponse, WarcWriter};
use crate::worker;

/// Accounts crawled at the same time (politeness is per host, so this is safe).
const PARALLEL: usize = 4;

/// Options of `govwatch crawl`.
#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Account ids to crawl.
    pub ids: Vec<i64>,
    /// Crawl every active account.
    #[arg(long, conflicts_with = "ids")]
    pub all: bool,
    /// Concurrent requests per host for this run (overrides [crawler] per_host_concurrency).
    #[arg(long)]
    pub per_host_concurrency: Option<usize>,
    /// Minimum milliseconds between requests to one host for this run (overrides per_host_delay_ms).
    #[arg(long)]
    pub per_host_delay_ms: Option<u64>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// Runs `govwatch crawl`.
pub async fn run_crawl(args: CrawlArgs, mut settings: Settings) -> anyhow::Result<i32> {
    if let Some(n) = args.per_host_concurrency {
        settings.crawler.per_host_concurrency = n.max(1);
    }
    if let Some(ms) = args.per_host_delay_ms {
        settings.crawler.per_host_delay = Duration::from_millis(ms);
    }
    let db = super::open(&settings).await?;
    let ids: Vec<i64> = if args.all {
        account::Entity::find()
            .filter(account::Column::Status.eq(Status::Active.as_str()))
            .order_by_asc(account::Column::Id)
            .all(&db)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect()
    } else {
        args.ids.clone()
    };
    if ids.is_empty() {
        bail!("没有要采集的账号：请给出账号编号，或用 --all 采集全部运行中的账号");
    }
    let engine = worker::crawl_engine(&settings, db.clone())?;
    let outcomes = crawl_many(&engine, &ids, !args.json).await;
    let mut failed = 0;
    let mut rows = Vec::new();
    for (id, r) in ids.iter().zip(outcomes) {
        match r {
            Ok(o) => {
                if o.status != "ok" {
                    failed += 1;
                }
                rows.push((*id, Ok(o)));
            }
            Err(e) => {
                failed += 1;
                rows.push((*id, Err(e)));
            }
        }
    }
    if args.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, r)| match r {
                Ok(o) => serde_json::to_value(o).unwrap_or_default(),
                Err(e) => serde_json::json!({ "account_id": id, "status": "error", "error": e }),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_summary(&db, &rows).await;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Crawls accounts, a few at a time, with a progress display on a terminal.
pub async fn crawl_many(
    engine: &CrawlEngine,
    ids: &[i64],
    show_progress: bool,
) -> Vec<Result<CrawlOutcome, String>> {
    let started = Instant::now();
    let progress = engine.crawler.progress();
    let terminal = show_progress && std::io::stderr().is_terminal();
    let bar = if terminal {
        let mp = MultiProgress::new();
        let pb = mp.add(ProgressBar::new(ids.len() as u64));
        pb.set_style(
            ProgressStyle::with_template("{spinner} 采集 [{bar:30}] {pos}/{len} 个账号 {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.enable_steady_tick(Duration::from_millis(120));
        Some(pb)
    } else {
        None
    };
    let ticker = bar.clone().map(|pb| {
        let progress = progress.clone();
        tokio::spawn(async move {
            loop {
                pb.set_message(format!(
                    "· 网页 {} · 链接 {} · 待抓 {} · {}",
                    progress.pages.load(Ordering::Relaxed),
                    progress.links_checked.load(Ordering::Relaxed),
                    progress.queued.load(Ordering::Relaxed),
                    human_bytes(progress.bytes.load(Ordering::Relaxed)),
                ));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    });
    let results: Vec<(usize, Result<CrawlOutcome, String>)> = futures::stream::iter(
        ids.iter().copied().enumerate(),
    )
    .map(|(i, id)| {
        let bar = bar.clone();
        async move {
            let r = engine
                .crawl_account(id, None)
                .await
                .map_err(|e| e.to_string());
            let line = match &r {
                Ok(o) => format!(
                    "账号 {id}: {} · 网页 {} · 附件 {} · 链接 {}（失效 {}）· 新问题 {} · {:.1} 秒",
                    if o.status == "ok" {
                        "完成"
                    } else {
                        "来源不可用"
                    },
                    o.pages,
                    o.attachments,
                    o.links_checked,
                    o.broken_links,
                    o.findings_opened,
                    o.elapsed_ms as f64 / 1000.0
                ),
                Err(e) => format!("账号 {id}: 失败: {e}"),
            };
            match &bar {
                Some(pb) => {
                    pb.println(line);
                    pb.inc(1);
                }
                None => tracing::info!("{line}"),
            }
            (i, r)
        }
    })
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    tracing::info!(
        elapsed_s = started.elapsed().as_secs_f64(),
        "crawl run finished"
    );
    let mut sorted = results;
    sorted.sort_by_key(|(i, _)| *i);
    sorted.into_iter().map(|(_, r)| r).collect()
}

async fn print_summary(
    db: &sea_orm::DatabaseConnection,
    rows: &[(i64, Result<CrawlOutcome, String>)],
) {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header([
        "账号",
        "名称",
        "结果",
        "网页",
        "附件",
        "检查链接",
        "失效链接",
        "失败",
        "流量",
        "新问题",
        "用时(秒)",
    ]);
    let mut total = CrawlOutcome::default();
    for (id, r) in rows {
        let name = account::Entity::find_by_id(*id)
            .one(db)
            .await
            .ok()
            .flatten()
            .map(|a| a.name)
            .unwrap_or_default();
        match r {
            Ok(o) => {
                t.add_row([
                    id.to_string(),
                    name,
                    if o.status == "ok" {
                        "完成".into()
                    } else {
                        format!("来源不可用: {}", o.error.clone().unwrap_or_default())
                    },
                    o.pages.to_string(),
                    o.attachments.to_string(),
                    o.links_checked.to_string(),
                    o.broken_links.to_string(),
                    o.failures.to_string(),
                    human_bytes(o.bytes),
                    o.findings_opened.to_string(),
                    format!("{:.1}", o.elapsed_ms as f64 / 1000.0),
                ]);
                total.pages += o.pages;
                total.attachments += o.attachments;
                total.links_checked += o.links_checked;
                total.broken_links += o.broken_links;
                total.failures += o.failures;
                total.bytes += o.bytes;
                total.findings_opened += o.findings_opened;
                total.elapsed_ms = total.elapsed_ms.max(o.elapsed_ms);
            }
            Err(e) => {
                t.add_row([
                    id.to_string(),
                    name,
                    format!("失败: {e}"),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
    }
    println!("{t}");
    println!(
        "合计: 网页 {} · 附件 {} · 检查链接 {} · 失效 {} · 失败 {} · 流量 {} · 新问题 {}",
        total.pages,
        total.attachments,
        total.links_checked,
        total.broken_links,
        total.failures,
        human_bytes(total.bytes),
        total.findings_opened
    );
}

/// Runs `govwatch worker`.
pub async fn run_worker(concurrency: Option<usize>, settings: Settings) -> anyhow::Result<i32> {
    if settings.redis_url.is_none() {
        bail!(
            "govwatch worker 需要 Redis：请设置 GOVWATCH_REDIS_URL（没有 Redis 时，serve 在本进程内运行采集任务）"
        );
    }
    let db = super::open(&settings).await?;
    let engine = worker::crawl_engine(&settings, db)?;
    let queue = worker::open_queue(&settings).await?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let mut set = tokio::task::JoinSet::new();
    let host = hostname();
    let n = concurrency.unwrap_or(settings.queue.workers).max(1);
    worker::spawn_workers(
        &mut set,
        &engine,
        &queue,
        n,
        &format!("worker-{host}"),
        &shutdown,
    );
    println!(
        "govwatch worker 已启动: {n} 个并发任务，队列 {}",
        queue.engine()
    );
    super::shutdown_signal().await;
    shutdown.cancel();
    while set.join_next().await.is_some() {}
    Ok(0)
}

/// A stable name for this machine (consumer names must not change across restarts).
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "local".into())
}

/// Options of `govwatch snapshots export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The WARC 1.1 file to write (`.warc`, or `.warc.gz` for per-record gzip).
    #[arg(long)]
    pub warc: PathBuf,
    /// Export this crawl (every resource it saw).
    #[arg(long, conflicts_with = "account")]
    pub crawl: Option<i64>,
    /// Export the latest crawl of this account.
    #[arg(long)]
    pub account: Option<i64>,
}

/// Runs `govwatch snapshots export`.
pub async fn run_export(args: ExportArgs, settings: Settings) -> anyhow::Result<i32> {
    let db = super::open(&settings).await?;
    let crawl_id = match (args.crawl, args.account) {
        (Some(c), _) => c,
        (None, Some(a)) => {
            crawl::Entity::find()
                .filter(crawl::Column::AccountId.eq(a))
                .filter(crawl::Column::FinishedAt.is_not_null())
                .order_by_desc(crawl::Column::Id)
                .one(&db)
                .await?
                .with_context(|| format!("账号 {a} 还没有完成的采集"))?
                .id
        }
        (None, None) => {
            crawl::Entity::find()
                .filter(crawl::Column::FinishedAt.is_not_null())
                .order_by_desc(crawl::Column::Id)
                .one(&db)
                .await?
                .context("还没有完成的采集")?
                .id
        }
    };
    let c = crawl::Entity::find_by_id(crawl_id)
        .one(&db)
        .await?
        .with_context(|| format!("没有编号为 {crawl_id} 的采集"))?;
    // A row stands for one version from its first to its last sighting: the versions this
    // crawl saw are the ones whose sighting interval covers it.
    let rows = snapshot::Entity::find()
        .filter(snapshot::Column::AccountId.eq(c.account_id))
        .filter(snapshot::Column::FirstCrawlId.lte(crawl_id))
        .filter(snapshot::Column::LastCrawlId.gte(crawl_id))
        .order_by_asc(snapshot::Column::Id)
        .all(&db)
        .await?;
    let store = crate::storage::SnapshotStore::open_local(&settings.data_dir);
    let file = std::fs::File::create(&args.warc)
        .with_context(|| format!("无法创建 {}", args.warc.display()))?;
    let gz = args.warc.extension().is_some_and(|e| e == "gz");
    let out = std::io::BufWriter::new(file);
    let mut w = if gz {
        WarcWriter::new_gzip(out)
    } else {
        WarcWriter::new(out)
    };
    let name = args
        .warc
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let software = format!("govwatch/{}", env!("CARGO_PKG_VERSION"));
    let description = format!("crawl {crawl_id}");
    w.write_warcinfo(
        &name,
        &[("software", &software), ("description", &description)],
    )?;
    let mut n = 0;
    for s in rows {
        let Some(hash) = s.content_hash.as_deref() else {
            continue;
        };
        let hash: ContentHash = hash
            .parse()
            .with_context(|| format!("快照 {} 的哈希无效", s.id))?;
        let body = crate::storage::index::load(&db, &store, &hash)
            .await
            .with_context(|| format!("快照 {} 的内容缺失", s.url))?;
        let headers: Vec<(String, String)> = serde_json::from_str(&s.headers).unwrap_or_default();
        w.write_response(&HttpResponse {
            url: &s.url,
            fetched_at: s.last_seen_at,
            status: u16::try_from(s.status).unwrap_or(200),
            headers: &headers,
            body: &body,
            ip: None,
        })?;
        n += 1;
    }
    w.finish()?;
    println!(
        "已写出 {n} 个响应记录到 {}（采集 {crawl_id}）",
        args.warc.display()
    );
    Ok(0)
}

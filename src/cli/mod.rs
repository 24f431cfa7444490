//! The `govwatch` command line. Operators script against these names; keep them stable.
//! This is the edge of the program: errors are `anyhow` with context, printed in Chinese.

mod accounts;
mod crawl;
mod demo;
mod findings;
mod ledger;
mod scan;
mod snapshots;
mod users;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};
use crate::{db, startup, telemetry};

/// 政务网站与政务新媒体监管平台 — oversight of a city government's websites and official
/// social-media accounts.
///
/// Configuration: built-in defaults, then govwatch.toml (or --config), then GOVWATCH_*
/// environment variables, then these flags. With no configuration at all govwatch keeps
/// everything in ./govwatch-data (an SQLite database, keys, snapshots) and needs no services.
#[derive(Debug, Parser)]
#[command(name = "govwatch", version, about, long_about)]
pub struct Cli {
    /// Configuration file (default: ./govwatch.toml when it exists).
    #[arg(long, global = true, env = "GOVWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: SQLite in the data directory.
    #[arg(long, global = true, env = "GOVWATCH_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory (database, signing key, snapshots). Default: ./govwatch-data.
    #[arg(long, global = true, env = "GOVWATCH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (API, pages, metrics). Creates the first `admin` user on an empty database.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; env GOVWATCH_LISTEN).
        #[arg(long, env = "GOVWATCH_LISTEN", value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Run pending database migrations (they also run at start-up unless auto_migrate = false).
    Migrate,
    /// Manage users and API tokens.
    #[command(subcommand)]
    Users(users::UsersCmd),
    /// Manage departments (单位).
    #[command(subcommand)]
    Departments(accounts::DepartmentsCmd),
    /// The registry of accounts (台账) and their lifecycle.
    #[command(subcommand)]
    Accounts(accounts::AccountsCmd),
    /// The tamper-evident ledger (全过程留痕).
    #[command(subcommand)]
    Ledger(ledger::LedgerCmd),
    /// Crawl accounts now, with a progress display and a summary (pages, attachments, links checked, broken, failures, bytes, time).
    Crawl(crawl::CrawlArgs),
    /// Run crawl workers on the Redis queue (GOVWATCH_REDIS_URL); any number, on any machine.
    Worker {
        /// Concurrent jobs (default [queue] workers).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Stored snapshots.
    #[command(subcommand)]
    Snapshots(SnapshotsCmd),
    /// Check local files with the same rules before publishing (pii, wording); exit 1 on any veto or personal-information finding.
    Scan(scan::ScanArgs),
    /// Findings (问题).
    #[command(subcommand)]
    Findings(FindingsCmd),
    /// Serve a built-in demo estate (two sites, four feeds, planted problems) on loopback, register and crawl it in ./govwatch-demo, and start the server: see govwatch work with no internet.
    Demo(demo::DemoArgs),
}

/// Snapshot commands.
#[derive(Debug, Subcommand)]
pub enum SnapshotsCmd {
    /// Write a crawl's snapshots as a WARC 1.1 file that standard tools (warcio, pywb) read.
    Export(crawl::ExportArgs),
    /// Read every stored body back and check it against its hash; name damaged or missing ones (exit 1).
    Verify(snapshots::VerifyArgs),
}

/// Finding commands.
#[derive(Debug, Subcommand)]
pub enum FindingsCmd {
    /// List findings.
    List(findings::ListArgs),
}

impl Cli {
    fn settings(&self) -> anyhow::Result<Settings> {
        let overrides = Overrides {
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            listen: match &self.command {
                Command::Serve { listen } => *listen,
                _ => None,
            },
        };
        Ok(Settings::load(self.config.as_deref(), &overrides)?)
    }
}

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let serving = matches!(cli.command, Command::Serve { .. } | Command::Demo(_));
    let explicit_data_dir = cli.data_dir.is_some();
    telemetry::init(if serving { "info,sqlx=warn" } else { "warn" });
    let settings = cli.settings()?;
    match cli.command {
        Command::Serve { .. } => serve(settings).await,
        Command::Migrate => {
            let db = db::connect(&settings.database_url()).await?;
            db::migrate(&db).await?;
            println!(
                "数据库迁移完成: {}",
                db::redact_url(&settings.database_url())
            );
            Ok(0)
        }
        Command::Users(cmd) => users::run(cmd, &settings).await,
        Command::Departments(cmd) => accounts::run_departments(cmd, &settings).await,
        Command::Accounts(cmd) => accounts::run(cmd, &settings).await,
        Command::Ledger(cmd) => ledger::run(cmd, &settings).await,
        Command::Crawl(args) => crawl::run_crawl(args, settings).await,
        Command::Worker { concurrency } => crawl::run_worker(concurrency, settings).await,
        Command::Snapshots(SnapshotsCmd::Export(args)) => crawl::run_export(args, settings).await,
        Command::Snapshots(SnapshotsCmd::Verify(args)) => {
            snapshots::run_verify(args, settings).await
        }
        Command::Scan(args) => scan::run(args),
        Command::Findings(FindingsCmd::List(args)) => findings::run_list(args, &settings).await,
        Command::Demo(args) => demo::run(args, explicit_data_dir, settings).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<i32> {
    let db = startup::open_database(&settings)
        .await
        .context("无法打开数据库")?;
    if let Some(password) = crate::auth::users::ensure_admin(&db).await? {
        // Printed once, on the terminal only (never logged).
        println!("已创建办公厅管理员账户 admin，初始密码（仅显示这一次，请妥善保存）: {password}");
    }
    let background = start_background(&settings, &db).await?;
    let app = startup::Application::build(settings, db).await?;
    let addr = app.local_addr();
    tracing::info!(%addr, "govwatch serving");
    println!("govwatch 已启动: http://{addr}/");
    app.run_until_stopped(shutdown_signal()).await?;
    background.stop().await;
    Ok(0)
}

/// The background services `serve` runs: the scheduler, in-process workers when there is no
/// Redis, and housekeeping.
pub(crate) struct Background {
    shutdown: tokio_util::sync::CancellationToken,
    tasks: tokio::task::JoinSet<()>,
}

impl Background {
    /// Stops everything, letting running jobs finish.
    pub(crate) async fn stop(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

pub(crate) async fn start_background(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
) -> anyhow::Result<Background> {
    use crate::worker;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    let queue = worker::open_queue(settings)
        .await
        .context("无法打开任务队列")?;
    if settings.queue.scheduler {
        worker::spawn_scheduler(&mut tasks, db, &queue, &shutdown).await?;
    }
    if settings.redis_url.is_none() {
        let engine = worker::crawl_engine(settings, db.clone())?;
        worker::spawn_workers(
            &mut tasks,
            &engine,
            &queue,
            settings.queue.workers,
            "serve",
            &shutdown,
        );
    }
    worker::spawn_housekeeping(
        &mut tasks,
        std::sync::Arc::new(settings.clone()),
        db.clone(),
        &shutdown,
    );
    tracing::info!(queue = queue.engine(), "background services started");
    Ok(Background { shutdown, tasks })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

/// Opens the database for a CLI command.
pub(crate) async fn open(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    startup::open_database(settings)
        .await
        .context("无法打开数据库")
}

/// Output format of listing commands.
#[derive(Debug, Clone, Copy, clap::ValueEnum, Default)]
pub enum Format {
    /// A table for people.
    #[default]
    Table,
    /// JSON for scripts.
    Json,
}

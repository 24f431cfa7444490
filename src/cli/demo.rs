//! `govwatch demo`: a built-in demo estate on loopback, registered, crawled, and served.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::config::Settings;
use crate::demo::{DemoEstate, register_estate};
use crate::{startup, worker};

/// Options of `govwatch demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where the web server listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where the demo estate (two sites, four feeds) is served. A fixed port lets a re-run
    /// find the accounts it registered before.
    #[arg(long, default_value = "127.0.0.1:18088")]
    pub estate: SocketAddr,
}

/// Runs `govwatch demo`.
pub async fn run(
    args: DemoArgs,
    explicit_data_dir: bool,
    mut settings: Settings,
) -> anyhow::Result<i32> {
    if !explicit_data_dir {
        settings.data_dir = "govwatch-demo".into();
        if settings
            .database_url
            .as_deref()
            .is_some_and(|u| !u.starts_with("sqlite:"))
        {
            anyhow::bail!(
                "演示环境使用独立的 SQLite 数据目录；请不要把 --database-url 指向正式数据库"
            );
        }
        settings.database_url = None;
    }
    settings.listen = args.listen;
    // The estate lives on loopback: allow it, and keep the demo quick.
    settings.crawler.allow_private_addresses = true;
    settings.crawler.per_host_delay = Duration::from_millis(20);
    settings.crawler.retry_base_delay = Duration::from_millis(100);
    let estate = DemoEstate::start(args.estate, crate::time::today())
        .await
        .with_context(|| {
            format!(
                "无法在 {} 启动演示站点（端口被占用时用 --estate 换一个）",
                args.estate
            )
        })?;
    println!("演示站点已启动: {}", estate.base_url());
    let db = startup::open_database(&settings)
        .await
        .context("无法打开数据库")?;
    if let Some(password) = crate::auth::users::ensure_admin(&db).await? {
        println!("已创建办公厅管理员账户 admin，初始密码（仅显示这一次，请妥善保存）: {password}");
    }
    let ids = register_estate(&db, &estate).await?;
    println!("已登记 {} 个演示账号，开始采集……", ids.len());
    let engine = worker::crawl_engine(&settings, db.clone())?;
    let results = super::crawl::crawl_many(&engine, &ids, true).await;
    let opened: u64 = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|o| o.findings_opened)
        .sum();
    let failed = results
        .iter()
        .filter(|r| r.as_ref().map_or(true, |o| o.status != "ok"))
        .count();
    println!(
        "采集完成: {} 个账号，新发现问题 {opened} 个，{failed} 个来源不可用（演示中的「崂山发布」订阅源故意失效）",
        ids.len()
    );
    let background = super::start_background(&settings, &db).await?;
    let app = startup::Application::build(settings, db).await?;
    println!(
        "govwatch 演示已启动: http://{}/ （Ctrl-C 退出）",
        app.local_addr()
    );
    app.run_until_stopped(super::shutdown_signal()).await?;
    background.stop().await;
    estate.shutdown().await;
    Ok(0)
}

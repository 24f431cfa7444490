//! `govwatch accounts …` and `govwatch departments …`.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::Format;
use crate::auth::Actor;
use crate::config::Settings;
use crate::registry::departments::{self, DepartmentInput};
use crate::registry::import::{self, ImportError};
use crate::registry::{
    self, AccountFilter, AccountInput, AccountPatch, AccountView, Platform, query,
};

/// Account commands. Every lifecycle action needs --reason and is recorded in the ledger.
#[derive(Debug, Subcommand)]
pub enum AccountsCmd {
    /// Import accounts from CSV, XLSX or JSON (columns name,platform,department,url[,handle,operator,contact]). All or nothing.
    Import {
        /// The file.
        file: PathBuf,
        /// Reason recorded for every imported account.
        #[arg(long, default_value = "批量导入台账")]
        reason: String,
    },
    /// List accounts.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Only this platform.
        #[arg(long)]
        platform: Option<String>,
        /// Only this status (active, suspended, closed, merged, deregistered).
        #[arg(long)]
        status: Option<String>,
        /// Only this department (code) and its sub-departments.
        #[arg(long)]
        department: Option<String>,
    },
    /// Register (开设) one account.
    Register {
        /// Platform: website, wechat, weibo, douyin, toutiao, kuaishou, bilibili, xiaohongshu, other.
        #[arg(long)]
        platform: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Owning department code.
        #[arg(long)]
        department: String,
        /// Base URL (websites) or feed URL.
        #[arg(long)]
        url: Option<String>,
        /// Platform handle / ID.
        #[arg(long)]
        handle: Option<String>,
        /// Operating unit.
        #[arg(long)]
        operator: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Show one account with its history.
    Show {
        /// Account id.
        id: i64,
    },
    /// Change fields (变更).
    Update {
        /// Account id.
        id: i64,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New handle ("" clears).
        #[arg(long)]
        handle: Option<String>,
        /// New URL ("" clears).
        #[arg(long)]
        url: Option<String>,
        /// New operating unit.
        #[arg(long)]
        operator: Option<String>,
        /// New responsible person.
        #[arg(long)]
        responsible: Option<String>,
        /// New crawl schedule (5-field cron; "" clears).
        #[arg(long)]
        cron: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Move to another department (划转).
    Transfer {
        /// Account id.
        id: i64,
        /// Target department code.
        #[arg(long)]
        to: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Suspend (暂停).
    Suspend {
        /// Account id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Resume (恢复).
    Resume {
        /// Account id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Merge into a main account (整合).
    Merge {
        /// Account id.
        id: i64,
        /// Main account id.
        #[arg(long)]
        into: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Announce closure (停更公告 → 关停).
    Close {
        /// Account id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// URL of the closure notice.
        #[arg(long)]
        notice_url: Option<String>,
        /// Closure date (default today).
        #[arg(long)]
        closed_on: Option<NaiveDate>,
    },
    /// Deregister (注销), terminal.
    Deregister {
        /// Account id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Proof or reference (e.g. the platform's confirmation).
        #[arg(long)]
        reference: Option<String>,
    },
}

/// Department commands.
#[derive(Debug, Subcommand)]
pub enum DepartmentsCmd {
    /// Add a department.
    Add {
        /// Code.
        code: String,
        /// Name.
        name: String,
        /// Parent department code.
        #[arg(long)]
        parent: Option<String>,
    },
    /// List departments.
    List,
}

/// Runs a department command.
pub async fn run_departments(cmd: DepartmentsCmd, settings: &Settings) -> anyhow::Result<i32> {
    let db = super::open(settings).await?;
    match cmd {
        DepartmentsCmd::Add { code, name, parent } => {
            let d = departments::create(
                &db,
                &Actor::cli(),
                DepartmentInput {
                    code,
                    name,
                    parent_code: parent,
                },
            )
            .await?;
            println!("已新增单位 {}（{}），编号 {}", d.name, d.code, d.id);
        }
        DepartmentsCmd::List => {
            for d in departments::list(&db).await? {
                let depth = d.path.matches('/').count().saturating_sub(2);
                println!("{}{}\t{}\t{}", "  ".repeat(depth), d.code, d.name, d.id);
            }
        }
    }
    Ok(0)
}

fn print_table(rows: &[AccountView]) {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header([
        "编号",
        "名称",
        "平台",
        "账号/网址",
        "主办单位",
        "状态",
    ]);
    for a in rows {
        t.add_row([
            a.id.to_string(),
            a.name.clone(),
            a.platform_label.clone(),
            a.handle
                .clone()
                .or_else(|| a.url.clone())
                .unwrap_or_default(),
            a.department_name.clone(),
            a.status_label.clone(),
        ]);
    }
    println!("{t}");
    println!("共 {} 个账号", rows.len());
}

/// Runs an account command.
pub async fn run(cmd: AccountsCmd, settings: &Settings) -> anyhow::Result<i32> {
    let db = super::open(settings).await?;
    let actor = Actor::cli();
    use registry::accounts as acc;
    let changed = match cmd {
        AccountsCmd::Import { file, reason } => {
            return match import::import_file(&db, &actor, &file, &reason).await {
                Ok(created) => {
                    println!("已导入 {} 个账号", created.len());
                    Ok(0)
                }
                Err(ImportError::Rows(rows)) => {
                    eprintln!("导入失败：{} 行有误，未写入任何数据。", rows.len());
                    for r in rows {
                        eprintln!("  第 {} 行: {}", r.row, r.reason);
                    }
                    Ok(1)
                }
                Err(e) => Err(e.into()),
            };
        }
        AccountsCmd::List {
            format,
            platform,
            status,
            department,
        } => {
            let department = match department {
                Some(code) => Some(
                    departments::by_code(&db, &code)
                        .await?
                        .with_context(|| format!("没有编码为 {code} 的单位"))?
                        .id,
                ),
                None => None,
            };
            let rows = query::list(
                &db,
                &actor,
                &AccountFilter {
                    platform,
                    status,
                    department,
                    q: None,
                },
            )
            .await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                Format::Table => print_table(&rows),
            }
            return Ok(0);
        }
        AccountsCmd::Show { id } => {
            let a = query::get(&db, &actor, id).await?;
            println!("{}", serde_json::to_string_pretty(&a)?);
            for e in crate::ledger::history(&db, "account", &id.to_string()).await? {
                println!(
                    "#{}\t{}\t{}\t{}\t{}",
                    e.entry.seq,
                    crate::time::local_str(&e.entry.recorded_at),
                    registry::Action::label_of_ledger_action(&e.entry.action),
                    e.entry.actor,
                    e.entry.reason
                );
            }
            return Ok(0);
        }
        AccountsCmd::Register {
            platform,
            name,
            department,
            url,
            handle,
            operator,
            reason,
        } => {
            let platform =
                Platform::parse(&platform).with_context(|| format!("未知平台 {platform}"))?;
            let d = departments::by_code(&db, &department)
                .await?
                .with_context(|| format!("没有编码为 {department} 的单位"))?;
            let input = AccountInput {
                platform,
                name,
                handle,
                url,
                department_id: d.id,
                operator,
                responsible: None,
                contacts: Vec::new(),
                opened_on: None,
                crawl_cron: None,
            };
            acc::register(&db, &actor, input, &reason).await?
        }
        AccountsCmd::Update {
            id,
            name,
            handle,
            url,
            operator,
            responsible,
            cron,
            reason,
        } => {
            let patch = AccountPatch {
                name,
                handle,
                url,
                operator,
                responsible,
                crawl_cron: cron,
                ..Default::default()
            };
            acc::update(&db, &actor, id, patch, &reason).await?
        }
        AccountsCmd::Transfer { id, to, reason } => {
            let d = departments::by_code(&db, &to)
                .await?
                .with_context(|| format!("没有编码为 {to} 的单位"))?;
            acc::transfer(&db, &actor, id, d.id, &reason).await?
        }
        AccountsCmd::Suspend { id, reason } => acc::suspend(&db, &actor, id, &reason).await?,
        AccountsCmd::Resume { id, reason } => acc::resume(&db, &actor, id, &reason).await?,
        AccountsCmd::Merge { id, into, reason } => {
            acc::merge(&db, &actor, id, into, &reason).await?
        }
        AccountsCmd::Close {
            id,
            reason,
            notice_url,
            closed_on,
        } => acc::close(&db, &actor, id, notice_url.as_deref(), closed_on, &reason).await?,
        AccountsCmd::Deregister {
            id,
            reason,
            reference,
        } => acc::deregister(&db, &actor, id, reference.as_deref(), &reason).await?,
    };
    let status =
        registry::Status::parse(&changed.status).map_or(changed.status.as_str(), |s| s.label());
    println!("账号 {}「{}」: {}", changed.id, changed.name, status);
    Ok(0)
}

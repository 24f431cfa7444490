//! `govwatch findings list`.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::Format;
use crate::auth::Actor;
use crate::config::Settings;
use crate::findings::{FindingFilter, list};

/// Options of `govwatch findings list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Rule id or prefix (`pii` for every personal-information rule).
    #[arg(long)]
    pub rule: Option<String>,
    /// Account id.
    #[arg(long)]
    pub account: Option<i64>,
    /// Status (open, …).
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many (default 500).
    #[arg(long)]
    pub limit: Option<u64>,
}

/// Runs `govwatch findings list`.
pub async fn run_list(args: ListArgs, settings: &Settings) -> anyhow::Result<i32> {
    let db = super::open(settings).await?;
    let rows = list(
        &db,
        &Actor::cli(),
        &FindingFilter {
            rule: args.rule,
            account: args.account,
            status: args.status,
            limit: args.limit,
        },
    )
    .await?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Table => {
            let mut t = Table::new();
            t.load_style(UTF8_FULL_CONDENSED).set_header([
                "编号",
                "账号",
                "规则",
                "级别",
                "位置",
                "说明",
                "摘录",
                "最近发现",
            ]);
            for f in &rows {
                let place = if f.location.is_empty() {
                    f.url.clone()
                } else {
                    format!("{} {}", f.url, f.location)
                };
                t.add_row([
                    f.id.to_string(),
                    f.account_id.to_string(),
                    f.rule_id.clone(),
                    f.severity.clone(),
                    place,
                    f.message.clone(),
                    f.excerpt.clone(),
                    crate::time::local(f.last_seen_at),
                ]);
            }
            println!("{t}");
            println!("共 {} 条", rows.len());
        }
    }
    Ok(0)
}

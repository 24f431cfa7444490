//! `govwatch snapshots verify`: every stored body still reads back as what was fetched.
//!
//! Run it after restoring a backup, or routinely: a pack or loose file that was damaged,
//! truncated or lost is named with a URL that used it, before anyone needs it as evidence.

use std::io::IsTerminal;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait as _},
};

use crate::config::Settings;
use crate::db::entities::snapshot;
use crate::storage::{ContentHash, SnapshotStore, StorageError, index};

/// Distinct hashes read from the database at a time.
const PAGE: u64 = 1000;
/// Objects read and checked at the same time.
const PARALLEL: usize = 4;
/// Problems listed one by one; the rest are counted.
const LIST_MAX: usize = 100;

/// Options of `govwatch snapshots verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {}

/// What went wrong with one object.
#[derive(Debug)]
struct Problem {
    hash: String,
    kind: &'static str,
    reason: String,
}

/// Runs `govwatch snapshots verify`: exit 0 when every object is intact, 1 otherwise.
pub async fn run_verify(_args: VerifyArgs, settings: Settings) -> anyhow::Result<i32> {
    let db = super::open(&settings).await?;
    let store = SnapshotStore::open_local(&settings.data_dir);
    let total: i64 = snapshot::Entity::find()
        .select_only()
        .expr(Expr::col(snapshot::Column::ContentHash).count_distinct())
        .into_tuple()
        .one(&db)
        .await?
        .unwrap_or(0);
    let total = u64::try_from(total).unwrap_or(0);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} 个对象 {per_sec} 剩余 {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let (mut checked, mut bytes) = (0u64, 0u64);
    let mut problems: Vec<Problem> = Vec::new();
    let mut last: Option<String> = None;
    loop {
        let mut q = snapshot::Entity::find()
            .select_only()
            .column(snapshot::Column::ContentHash)
            .distinct()
            .filter(snapshot::Column::ContentHash.is_not_null());
        if let Some(after) = &last {
            q = q.filter(snapshot::Column::ContentHash.gt(after.as_str()));
        }
        let page: Vec<Option<String>> = q
            .order_by_asc(snapshot::Column::ContentHash)
            .limit(PAGE)
            .into_tuple()
            .all(&db)
            .await?;
        let hashes: Vec<String> = page.into_iter().flatten().collect();
        let Some(tail) = hashes.last().cloned() else {
            break;
        };
        let results: Vec<(String, Result<u64, StorageError>)> = futures::stream::iter(hashes)
            .map(|hex| {
                let (db, store) = (&db, &store);
                async move {
                    let result = match hex.parse::<ContentHash>() {
                        Ok(hash) => index::load(db, store, &hash)
                            .await
                            .map(|body| body.len() as u64),
                        Err(e) => Err(StorageError::Index(e.to_string())),
                    };
                    (hex, result)
                }
            })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        for (hash, result) in results {
            checked += 1;
            match result {
                Ok(n) => bytes += n,
                Err(e) => problems.push(Problem {
                    hash,
                    kind: match e {
                        StorageError::NotFound(_) => "缺失",
                        StorageError::Corrupt { .. } => "损坏",
                        _ => "无法读取",
                    },
                    reason: e.to_string(),
                }),
            }
        }
        bar.set_position(checked);
        if bar.is_hidden() && checked % 10_000 < PAGE {
            tracing::info!(
                checked,
                total,
                problems = problems.len(),
                "verifying snapshots"
            );
        }
        last = Some(tail);
    }
    bar.finish_and_clear();
    for p in problems.iter().take(LIST_MAX) {
        let url = snapshot::Entity::find()
            .filter(snapshot::Column::ContentHash.eq(p.hash.as_str()))
            .select_only()
            .column(snapshot::Column::Url)
            .into_tuple::<String>()
            .one(&db)
            .await?
            .unwrap_or_default();
        println!("{}\t{}\t{url}\t{}", p.kind, p.hash, p.reason);
    }
    if problems.len() > LIST_MAX {
        println!("……另有 {} 个问题未列出", problems.len() - LIST_MAX);
    }
    println!(
        "已检查 {checked} 个快照对象（{}），完好 {}，有问题 {}",
        super::crawl::human_bytes(bytes),
        checked - problems.len() as u64,
        problems.len()
    );
    Ok(if problems.is_empty() { 0 } else { 1 })
}

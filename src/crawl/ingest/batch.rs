//! Writing one batch of a crawl: its new bodies as one pack, then its rows (snapshots, where
//! the packed objects are, link checks, columns, posts, findings with their ledger entries)
//! in one transaction.

use std::collections::HashMap;

use chrono::Utc;
use govwatch_crawlers::FeedPost;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};

use super::{SnapshotWrite, Stored, sha256_hex};
use crate::auth::Actor;
use crate::crawl::CrawlJobError;
use crate::db::entities::{link_check, post, site_column, snapshot};
use crate::findings::{self, FindingDraft};
use crate::ledger;
use crate::storage::{ContentHash, Prepared, index};

/// One batch of rows to write.
pub(super) struct Batch {
    pub(super) snapshots: Vec<SnapshotWrite>,
    pub(super) link_rows: Vec<link_check::ActiveModel>,
    pub(super) column_rows: Vec<site_column::ActiveModel>,
    pub(super) posts: Vec<(String, FeedPost)>,
    pub(super) drafts: Vec<FindingDraft>,
}

/// Where a batch goes.
pub(super) struct BatchTarget {
    pub(super) db: sea_orm::DatabaseConnection,
    pub(super) store: std::sync::Arc<crate::storage::SnapshotStore>,
    pub(super) actor: Actor,
    pub(super) account_id: i64,
    pub(super) crawl_id: i64,
}

/// What a batch wrote.
pub(super) struct Written {
    pub(super) snapshots_new: u64,
    pub(super) opened: u64,
    pub(super) seen_again: u64,
}

/// Writes one batch: waits for its snapshot bodies, writes the new small ones as one pack and
/// makes every body durable, then commits the rows, where the packed objects are, and the
/// findings (with their ledger entries) in one transaction.
pub(super) async fn write_batch(t: BatchTarget, mut b: Batch) -> Result<Written, CrawlJobError> {
    // Wait for the snapshot bodies before taking the database's write lock.
    let mut writes = Vec::with_capacity(b.snapshots.len());
    // In crawl order: a pack read back for one crawl (WARC export) reads forwards.
    let mut to_pack: Vec<Prepared> = Vec::new();
    let mut packing = std::collections::HashSet::new();
    let mut any_loose = false;
    for mut s in std::mem::take(&mut b.snapshots) {
        let hash = match s.content.take() {
            Some(handle) => {
                let stored = handle
                    .await
                    .map_err(|e| CrawlJobError::Crawler(e.to_string()))??;
                Some(match stored {
                    Stored::Loose(hash) => {
                        any_loose = true;
                        hash.to_hex()
                    }
                    Stored::Packed(p) => {
                        let hex = p.hash.to_hex();
                        // The same bytes twice in a batch (error pages, mirrors): packed once.
                        if packing.insert(p.hash) {
                            to_pack.push(p);
                        }
                        hex
                    }
                })
            }
            None => None,
        };
        writes.push((hash, s));
    }
    // Unchanged pages (most of a daily recrawl) are packed already: only new bytes are written.
    let hashes: Vec<ContentHash> = to_pack.iter().map(|p| p.hash).collect();
    let new = index::missing(&t.db, &hashes).await?;
    let objects: Vec<Prepared> = to_pack
        .into_iter()
        .filter(|p| new.contains(&p.hash))
        .collect();
    // No committed row may name an object a crash could lose: the pack is durable when
    // written, loose files when synced.
    let packed = t.store.write_pack(objects).await?;
    if any_loose {
        t.store.sync().await?;
    }
    let txn = t.db.begin().await?;
    let mut head = ledger::lock_head(&txn).await?;
    index::record(&txn, &packed, Utc::now()).await?;
    let snapshots_new = upsert_snapshots(&txn, t.account_id, t.crawl_id, writes).await?;
    for chunk in b.link_rows.chunks(500) {
        link_check::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in b.column_rows.chunks(500) {
        site_column::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for (key, p) in &b.posts {
        upsert_post(&txn, t.account_id, key, p).await?;
    }
    let stored = findings::store(
        &txn,
        &mut head,
        &t.actor,
        t.account_id,
        Some(t.crawl_id),
        &b.drafts,
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    Ok(Written {
        snapshots_new,
        opened: stored.opened,
        seen_again: stored.seen_again,
    })
}

/// Records a batch of fetched resources: a new snapshot row for each URL whose content
/// changed, `last_seen_at` moved for the others. Three statements per batch, whatever its
/// size. Returns how many new versions were recorded.
async fn upsert_snapshots<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    crawl_id: i64,
    writes: Vec<(Option<String>, SnapshotWrite)>,
) -> Result<u64, sea_orm::DbErr> {
    if writes.is_empty() {
        return Ok(0);
    }
    let keyed: Vec<(String, Option<String>, SnapshotWrite)> = writes
        .into_iter()
        .map(|(h, s)| (sha256_hex(&s.url), h, s))
        .collect();
    let keys: Vec<&str> = keyed.iter().map(|(k, _, _)| k.as_str()).collect();
    // The newest version of each URL in the batch.
    let mut latest: HashMap<String, (i64, Option<String>, i32)> = HashMap::new();
    for chunk in keys.chunks(500) {
        let rows = snapshot::Entity::find()
            .filter(snapshot::Column::AccountId.eq(account_id))
            .filter(snapshot::Column::UrlKey.is_in(chunk.iter().copied()))
            .select_only()
            .columns([
                snapshot::Column::UrlKey,
                snapshot::Column::Id,
                snapshot::Column::ContentHash,
                snapshot::Column::Status,
            ])
            .into_tuple::<(String, i64, Option<String>, i32)>()
            .all(db)
            .await?;
        for (key, id, hash, status) in rows {
            match latest.get(&key) {
                Some((newer, _, _)) if *newer > id => {}
                _ => {
                    latest.insert(key, (id, hash, status));
                }
            }
        }
    }
    let mut seen_ids = Vec::new();
    let mut seen_at = None;
    let mut inserts = Vec::new();
    let mut batch_keys = std::collections::HashSet::new();
    for (key, content_hash, s) in keyed {
        // A 304 has no body: it confirms the latest version.
        let same = latest.get(&key).is_some_and(|(_, hash, status)| {
            (content_hash.is_none() && s.status == 304)
                || (*hash == content_hash && *status == s.status)
        });
        if same {
            if let Some((id, _, _)) = latest.get(&key) {
                seen_ids.push(*id);
                seen_at = seen_at.max(Some(s.seen_at));
            }
            continue;
        }
        // The same URL twice in one batch (a redirect target seen twice): keep the first.
        if !batch_keys.insert(key.clone()) {
            continue;
        }
        inserts.push(snapshot::ActiveModel {
            id: NotSet,
            account_id: Set(account_id),
            url: Set(s.url),
            url_key: Set(key),
            kind: Set(s.kind.into()),
            content_hash: Set(content_hash),
            size: Set(s.size),
            status: Set(s.status),
            content_type: Set(s.content_type),
            encoding: Set(s.encoding),
            encoding_mismatch: Set(s.encoding_mismatch),
            title: Set(s.title),
            headers: Set(s.headers),
            etag: Set(s.etag),
            last_modified: Set(s.last_modified),
            first_seen_at: Set(s.seen_at),
            last_seen_at: Set(s.seen_at),
            first_crawl_id: Set(crawl_id),
            last_crawl_id: Set(crawl_id),
        });
    }
    if let Some(at) = seen_at {
        for chunk in seen_ids.chunks(500) {
            snapshot::Entity::update_many()
                .col_expr(snapshot::Column::LastSeenAt, at.into())
                .col_expr(snapshot::Column::LastCrawlId, crawl_id.into())
                .filter(snapshot::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    let new = inserts.len() as u64;
    // 19 columns a row: stay far below SQLite's bind-parameter limit.
    for chunk in inserts.chunks(400) {
        snapshot::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(new)
}

async fn upsert_post<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    key: &str,
    p: &FeedPost,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let existing = post::Entity::find()
        .filter(post::Column::AccountId.eq(account_id))
        .filter(post::Column::PostKey.eq(key))
        .select_only()
        .column(post::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    match existing {
        Some(id) => {
            post::Entity::update_many()
                .col_expr(post::Column::LastSeenAt, now.into())
                .filter(post::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
        None => {
            post::Entity::insert(post::ActiveModel {
                id: NotSet,
                account_id: Set(account_id),
                post_key: Set(key.to_string()),
                title: Set(p.title.clone()),
                link: Set(p.link.as_ref().map(ToString::to_string)),
                published_at: Set(p.published),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

//! What the crawls stored: an account's crawl runs, the versions of its pages, and the text
//! diff between two versions.
//!
//! Snapshot bodies are what a government site published, possibly hostile or broken HTML, so
//! they are never served as HTML: the diff endpoint decodes both pages, keeps their visible
//! text and answers JSON only.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, Query as SqlQuery};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::entities::{crawl, snapshot};
use crate::registry::query;
use crate::storage::{ContentHash, Diff, SnapshotStore, StorageError, text_diff};
use crate::web::AppState;
use crate::web::authn::Authed;
use crate::web::error::ApiError;

/// Pages larger than this are not decoded for a diff: parsing is the expensive part, and the
/// diff itself only compares the first 2 MiB of text anyway.
const MAX_DIFF_BODY: usize = 32 * 1024 * 1024;

/// One crawl run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrawlView {
    /// Id.
    pub id: i64,
    /// Started (UTC).
    pub started_at: DateTime<Utc>,
    /// Finished (UTC).
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `ok`, `partial`, `failed`, …
    pub status: String,
    /// Pages fetched.
    pub pages: i64,
    /// Attachments fetched.
    pub attachments: i64,
    /// Link targets checked.
    pub links_checked: i64,
    /// Broken link targets.
    pub broken_links: i64,
    /// Fetch failures.
    pub failures: i64,
    /// Bytes fetched.
    pub bytes: i64,
    /// Duration in milliseconds.
    pub elapsed_ms: i64,
    /// Feed accounts: whether the source could be read.
    pub source_ok: Option<bool>,
    /// Feed accounts: posts seen.
    pub post_count: Option<i64>,
    /// Feed accounts: newest post (UTC).
    pub newest_post_at: Option<DateTime<Utc>>,
    /// Why the crawl failed.
    pub error: Option<String>,
}

impl From<crawl::Model> for CrawlView {
    fn from(c: crawl::Model) -> Self {
        Self {
            id: c.id,
            started_at: c.started_at,
            finished_at: c.finished_at,
            status: c.status,
            pages: c.pages,
            attachments: c.attachments,
            links_checked: c.links_checked,
            broken_links: c.broken_links,
            failures: c.failures,
            bytes: c.bytes,
            elapsed_ms: c.elapsed_ms,
            source_ok: c.source_ok,
            post_count: c.post_count,
            newest_post_at: c.newest_post_at,
            error: c.error,
        }
    }
}

/// The latest `limit` crawls of an account, newest first (shared with the account page).
pub async fn recent_crawls<C: ConnectionTrait>(
    db: &C,
    account_id: i64,
    limit: u64,
) -> Result<Vec<crawl::Model>, DbErr> {
    crawl::Entity::find()
        .filter(crawl::Column::AccountId.eq(account_id))
        .order_by_desc(crawl::Column::StartedAt)
        .order_by_desc(crawl::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// An account's latest 50 crawls, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/crawls", tag = "crawls", params(("id" = i64, Path)),
    responses((status = 200, body = [CrawlView]), (status = 403), (status = 404)))]
pub async fn crawls(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CrawlView>>, ApiError> {
    query::get(&state.db, &a.actor, id).await?;
    let rows = recent_crawls(&state.db, id, 50).await?;
    Ok(Json(rows.into_iter().map(CrawlView::from).collect()))
}

/// One stored version of one URL (metadata only; the body stays in the snapshot store).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SnapshotView {
    /// Id (use it with the diff endpoint).
    pub id: i64,
    /// Account id.
    pub account_id: i64,
    /// URL.
    pub url: String,
    /// `page` or `attachment`.
    pub kind: String,
    /// BLAKE3 of the body (none for an empty body).
    pub content_hash: Option<String>,
    /// Body size in bytes.
    pub size: i64,
    /// HTTP status.
    pub status: i32,
    /// Content type.
    pub content_type: Option<String>,
    /// Encoding used to decode it.
    pub encoding: Option<String>,
    /// The declared and the detected encoding disagreed.
    pub encoding_mismatch: bool,
    /// Page title.
    pub title: Option<String>,
    /// First seen with this content (UTC).
    pub first_seen_at: DateTime<Utc>,
    /// Last seen with this content (UTC).
    pub last_seen_at: DateTime<Utc>,
    /// Crawl that first saw it.
    pub first_crawl_id: i64,
    /// Crawl that last saw it.
    pub last_crawl_id: i64,
}

impl From<snapshot::Model> for SnapshotView {
    fn from(s: snapshot::Model) -> Self {
        Self {
            id: s.id,
            account_id: s.account_id,
            url: s.url,
            kind: s.kind,
            content_hash: s.content_hash,
            size: s.size,
            status: s.status,
            content_type: s.content_type,
            encoding: s.encoding,
            encoding_mismatch: s.encoding_mismatch,
            title: s.title,
            first_seen_at: s.first_seen_at,
            last_seen_at: s.last_seen_at,
            first_crawl_id: s.first_crawl_id,
            last_crawl_id: s.last_crawl_id,
        }
    }
}

/// The snapshot list's query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct SnapshotQuery {
    /// One URL: all its versions, newest first. Without it: the latest version of every URL.
    pub url: Option<String>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Rows per page (default 50, at most 500).
    pub per_page: Option<u64>,
}

/// A page of snapshots.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SnapshotPage {
    /// Rows matching in total.
    pub total: u64,
    /// This page (from 1).
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// The rows.
    pub items: Vec<SnapshotView>,
}

/// Versions of one URL of an account, or the latest version of each of its URLs.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/snapshots", tag = "crawls",
    params(("id" = i64, Path), SnapshotQuery),
    responses((status = 200, body = SnapshotPage), (status = 403), (status = 404)))]
pub async fn snapshots(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<SnapshotQuery>,
) -> Result<Json<SnapshotPage>, ApiError> {
    query::get(&state.db, &a.actor, id).await?;
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let mut find = snapshot::Entity::find().filter(snapshot::Column::AccountId.eq(id));
    match q.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            // The same key the crawler writes: SHA-256 of the URL (long URLs do not fit
            // every index).
            let key = hex::encode(Sha256::digest(url.as_bytes()));
            find = find
                .filter(snapshot::Column::UrlKey.eq(key))
                .order_by_desc(snapshot::Column::Id);
        }
        None => {
            let latest = SqlQuery::select()
                .expr(Func::max(Expr::col(snapshot::Column::Id)))
                .from(snapshot::Entity)
                .and_where(snapshot::Column::AccountId.eq(id))
                .group_by_col(snapshot::Column::UrlKey)
                .to_owned();
            find = find
                .filter(snapshot::Column::Id.in_subquery(latest))
                .order_by_asc(snapshot::Column::Url)
                .order_by_asc(snapshot::Column::Id);
        }
    }
    let pages = find.paginate(&state.db, per_page);
    let total = pages.num_items().await?;
    let items = pages.fetch_page(page - 1).await?;
    Ok(Json(SnapshotPage {
        total,
        page,
        per_page,
        items: items.into_iter().map(SnapshotView::from).collect(),
    }))
}

/// The diff of two versions' visible text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SnapshotDiff {
    /// The older side.
    pub from: SnapshotView,
    /// The newer side.
    pub to: SnapshotView,
    /// Unified diff of the visible text (`--- before` / `+++ after`), empty when equal.
    pub unified: String,
    /// Lines only in `to`.
    pub added_lines: usize,
    /// Lines only in `from`.
    pub removed_lines: usize,
    /// Number of changed regions.
    pub hunks: usize,
    /// The texts were cut to the diff limits: the diff covers only their beginning.
    pub truncated: bool,
}

fn not_comparable(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_comparable", message)
}

async fn visible_snapshot(
    state: &AppState,
    a: &Authed,
    id: i64,
) -> Result<snapshot::Model, ApiError> {
    let s = snapshot::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("没有编号为 {id} 的快照"),
            )
        })?;
    query::get(&state.db, &a.actor, s.account_id).await?;
    Ok(s)
}

/// The visible text of a stored page: decoded with its declared or detected encoding, block
/// elements one per line, scripts and styles dropped.
async fn page_text(
    db: &sea_orm::DatabaseConnection,
    store: &SnapshotStore,
    s: &snapshot::Model,
) -> Result<String, ApiError> {
    if s.kind != "page" {
        return Err(not_comparable(format!(
            "快照 {} 不是网页（{}），只能比较网页正文",
            s.id, s.kind
        )));
    }
    let Some(hex) = s.content_hash.as_deref() else {
        return Ok(String::new());
    };
    if s.size > MAX_DIFF_BODY as i64 {
        return Err(not_comparable(format!(
            "快照 {} 有 {} 字节，超过比较上限 {} 字节",
            s.id, s.size, MAX_DIFF_BODY
        )));
    }
    let hash: ContentHash = hex
        .parse()
        .map_err(|e| ApiError::internal(format!("snapshot {}: bad content hash: {e}", s.id)))?;
    let body = match crate::storage::index::load(db, store, &hash).await {
        Ok(b) => b,
        Err(StorageError::NotFound(_)) => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "snapshot_missing",
                format!("快照 {} 的正文已不在快照库中", s.id),
            ));
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    let content_type = s.content_type.clone();
    let url = s.url.clone();
    tokio::task::spawn_blocking(move || {
        let decoded =
            govwatch_crawlers::decode::decode_html(&body, content_type.as_deref(), Some("cn"));
        match url::Url::parse(&url) {
            Ok(u) => {
                govwatch_crawlers::html::HtmlDocument::parse(&decoded.text, &u)
                    .extract()
                    .text
            }
            Err(_) => govwatch_crawlers::html::visible_text(&decoded.text),
        }
    })
    .await
    .map_err(ApiError::internal)
}

/// The diff of two stored versions' visible text (JSON only: page bodies are never served).
/// Both snapshots must belong to accounts the caller may see.
#[utoipa::path(get, path = "/api/v1/snapshots/{id}/diff/{other}", tag = "crawls",
    params(("id" = i64, Path, description = "the older version"), ("other" = i64, Path, description = "the newer version")),
    responses((status = 200, body = SnapshotDiff), (status = 403), (status = 404), (status = 422)))]
pub async fn diff(
    State(state): State<AppState>,
    a: Authed,
    Path((id, other)): Path<(i64, i64)>,
) -> Result<Json<SnapshotDiff>, ApiError> {
    let from = visible_snapshot(&state, &a, id).await?;
    let to = visible_snapshot(&state, &a, other).await?;
    let store = SnapshotStore::open_local(&state.settings.data_dir);
    let old = page_text(&state.db, &store, &from).await?;
    let new = page_text(&state.db, &store, &to).await?;
    let d: Diff = tokio::task::spawn_blocking(move || text_diff(&old, &new))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(SnapshotDiff {
        from: from.into(),
        to: to.into(),
        unified: d.unified,
        added_lines: d.added_lines,
        removed_lines: d.removed_lines,
        hunks: d.hunks.len(),
        truncated: d.truncated,
    }))
}

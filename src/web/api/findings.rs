//! Findings and scores: the problems the rules found and the national verdicts, always within
//! the caller's scope (an owner sees only their department subtree).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::db::entities::{account, finding};
use crate::findings::{self, FindingFilter, scores};
use crate::registry::query;
use crate::web::AppState;
use crate::web::authn::Authed;
use crate::web::error::ApiError;

/// A finding as the API shows it. Personal information is only ever masked here: the store
/// never held the raw value.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// Id.
    pub id: i64,
    /// Stable identity (rule, account, place, keyed hash of the value).
    pub fingerprint: String,
    /// Rule id, e.g. `pii.resident_id`.
    pub rule_id: String,
    /// Category code.
    pub category: String,
    /// `veto`, `deduct` or `warn`.
    pub severity: String,
    /// Points deducted.
    pub points: f64,
    /// Account id.
    pub account_id: i64,
    /// Account name (empty if the account is gone).
    pub account_name: String,
    /// Page, attachment or feed URL.
    pub url: String,
    /// Where inside it (`第3页`, `名单!C7`, …).
    pub location: String,
    /// Short title.
    pub title: String,
    /// Message.
    pub message: String,
    /// Masked excerpt.
    pub excerpt: String,
    /// Masked value (personal information).
    pub masked_value: Option<String>,
    /// Suggested correction.
    pub suggestion: Option<String>,
    /// A person must confirm before it counts as a veto.
    pub needs_confirmation: bool,
    /// `open`, …
    pub status: String,
    /// First seen (UTC).
    pub first_seen_at: DateTime<Utc>,
    /// Last seen (UTC).
    pub last_seen_at: DateTime<Utc>,
    /// The crawl that last saw it.
    pub last_crawl_id: Option<i64>,
}

impl FindingView {
    /// The view of a stored finding.
    pub fn new(f: finding::Model, account_name: String) -> Self {
        Self {
            id: f.id,
            fingerprint: f.fingerprint,
            rule_id: f.rule_id,
            category: f.category,
            severity: f.severity,
            points: f.points,
            account_id: f.account_id,
            account_name,
            url: f.url,
            location: f.location,
            title: f.title,
            message: f.message,
            excerpt: f.excerpt,
            masked_value: f.masked_value,
            suggestion: f.suggestion,
            needs_confirmation: f.needs_confirmation,
            status: f.status,
            first_seen_at: f.first_seen_at,
            last_seen_at: f.last_seen_at,
            last_crawl_id: f.last_crawl_id,
        }
    }
}

/// Views of findings with their accounts' names (one query for the names).
pub async fn views<C: sea_orm::ConnectionTrait>(
    db: &C,
    rows: Vec<finding::Model>,
) -> Result<Vec<FindingView>, sea_orm::DbErr> {
    let mut ids: Vec<i64> = rows.iter().map(|f| f.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|f| {
            let name = names.get(&f.account_id).cloned().unwrap_or_default();
            FindingView::new(f, name)
        })
        .collect())
}

/// Findings the caller may see, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/findings", tag = "findings", params(FindingFilter),
    responses((status = 200, body = [FindingView])))]
pub async fn list(
    State(state): State<AppState>,
    a: Authed,
    Query(filter): Query<FindingFilter>,
) -> Result<Json<Vec<FindingView>>, ApiError> {
    let filter = FindingFilter {
        limit: Some(filter.limit.unwrap_or(500).clamp(1, 5000)),
        ..filter
    };
    let rows = findings::list(&state.db, &a.actor, &filter).await?;
    Ok(Json(views(&state.db, rows).await?))
}

/// One finding, if the caller may see its account.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "findings", params(("id" = i64, Path)),
    responses((status = 200, body = FindingView), (status = 403), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<FindingView>, ApiError> {
    let f = finding::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("没有编号为 {id} 的问题"),
            )
        })?;
    let acc = query::get(&state.db, &a.actor, f.account_id).await?;
    Ok(Json(FindingView::new(f, acc.name)))
}

/// The national verdicts: a card per website (100-point score, 合格/不合格 with veto
/// reasons) and per new-media account (pass/fail), a roll-up per department over itself and
/// its sub-departments, and counts of open findings by category.
#[utoipa::path(get, path = "/api/v1/scores", tag = "findings",
    responses((status = 200, body = scores::Scores)))]
pub async fn scores(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<scores::Scores>, ApiError> {
    let engine = state.rules_engine().await.map_err(ApiError::internal)?;
    let rules = engine
        .rules(&state.db, crate::time::today())
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(scores::compute(&state.db, &a.actor, &rules).await?))
}

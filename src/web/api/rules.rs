//! The rules in force and the office's overrides. Reading is for the office and auditors;
//! changing is for the office, checked by compiling before anything is stored, and recorded
//! as one `rules.override` ledger entry per change.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::findings::overrides::{self, NewWord, OverridesError, RuleInfo, StoredOverrides};
use crate::web::AppState;
use crate::web::authn::Authed;
use crate::web::error::ApiError;

impl From<OverridesError> for ApiError {
    fn from(e: OverridesError) -> Self {
        let details = e.details();
        let mut err = match &e {
            OverridesError::Forbidden => ApiError::forbidden(e.to_string()),
            OverridesError::Invalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rules",
                e.to_string(),
            ),
            OverridesError::Malformed(_) | OverridesError::Input { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                e.to_string(),
            ),
            OverridesError::Stored(_)
            | OverridesError::Task(_)
            | OverridesError::Ledger(_)
            | OverridesError::Db(_) => return ApiError::internal(e),
        };
        err.details = details;
        err
    }
}

/// Office and auditors read the rules; owners see the findings the rules produce.
pub fn may_read(a: &Authed) -> Result<(), ApiError> {
    match a.actor.role {
        Role::Office | Role::Auditor => Ok(()),
        Role::Owner => Err(ApiError::forbidden("只有办公厅和审计用户可以查看规则配置")),
    }
}

/// The rules in force and the stored overrides.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulesView {
    /// The day the rules were compiled for (dictionary entries have effective dates).
    pub as_of: NaiveDate,
    /// Enabled rules in pack order, with parameters in force.
    pub rules: Vec<RuleInfo>,
    /// Dictionary entries in force (all dictionary rules).
    pub dictionary_entries: usize,
    /// The office's overrides as stored.
    pub overrides: StoredOverrides,
}

/// Builds the rules view (shared with the rules page).
pub async fn rules_view(state: &AppState) -> Result<RulesView, ApiError> {
    let engine = state.rules_engine().await.map_err(ApiError::internal)?;
    let today = crate::time::today();
    let set = engine
        .rules(&state.db, today)
        .await
        .map_err(ApiError::internal)?;
    let stored = overrides::current(&state.db).await?;
    Ok(RulesView {
        as_of: set.as_of(),
        rules: overrides::catalog(&set, &stored.overrides),
        dictionary_entries: set.dictionary_len(),
        overrides: stored,
    })
}

/// The compiled rules (id, category, severity, title, parameters) and the current overrides.
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules",
    responses((status = 200, body = RulesView), (status = 403)))]
pub async fn list(State(state): State<AppState>, a: Authed) -> Result<Json<RulesView>, ApiError> {
    may_read(&a)?;
    Ok(Json(rules_view(&state).await?))
}

/// Why a change is made (recorded in the ledger).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReasonQuery {
    /// Reason recorded with the ledger entry (default: 更新规则覆盖配置).
    pub reason: Option<String>,
}

/// Replaces the overrides document (office). It must compile with the built-in packs: an
/// unknown rule or parameter, a wrong type or a bad entry answers 422 naming it, and nothing
/// is stored. Answers the stored overrides with the new version.
#[utoipa::path(put, path = "/api/v1/rules/overrides", tag = "rules", params(ReasonQuery),
    request_body(content = serde_json::Value, description = "the overrides document: {\"disabled_rules\": [...], \"rules\": {\"rule.id\": {\"params\": {...}, \"add_entries\": [...], ...}}}"),
    responses((status = 200, body = StoredOverrides), (status = 403), (status = 422)))]
pub async fn replace(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ReasonQuery>,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<StoredOverrides>, ApiError> {
    if !a.actor.is_office() {
        return Err(OverridesError::Forbidden.into());
    }
    let new = overrides::parse(body)?;
    Ok(Json(
        overrides::replace(
            &state.db,
            &a.actor,
            new,
            q.reason.as_deref().unwrap_or_default(),
            crate::time::today(),
        )
        .await?,
    ))
}

/// Adds one word to a dictionary (office): `{rule: "error.misused_word" |
/// "error.serious_expression", wrong, right, exceptions?, effective_from?, effective_to?}`.
/// Same checks and ledger entry as replacing the overrides.
#[utoipa::path(post, path = "/api/v1/rules/words", tag = "rules", params(ReasonQuery), request_body = NewWord,
    responses((status = 201, body = StoredOverrides), (status = 403), (status = 422)))]
pub async fn add_word(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ReasonQuery>,
    Json(word): Json<NewWord>,
) -> Result<(StatusCode, Json<StoredOverrides>), ApiError> {
    let stored = overrides::add_word(
        &state.db,
        &a.actor,
        &word,
        q.reason.as_deref().unwrap_or_default(),
        crate::time::today(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

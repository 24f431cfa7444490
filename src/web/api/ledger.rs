//! Ledger endpoints: verification, checkpoints, inclusion proofs.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};

use crate::auth::Role;
use crate::db::entities::ledger_checkpoint;
use crate::ledger::{self, Checkpoint, InclusionProof, VerifyReport, keys};
use crate::web::AppState;
use crate::web::authn::Authed;
use crate::web::error::ApiError;

fn office_or_auditor(a: &Authed) -> Result<(), ApiError> {
    match a.actor.role {
        Role::Office | Role::Auditor => Ok(()),
        Role::Owner => Err(ApiError::forbidden("只有办公厅和审计用户可以查看整个账本")),
    }
}

/// Recomputes the whole ledger (office and auditors).
#[utoipa::path(get, path = "/api/v1/ledger/verify", tag = "ledger", responses((status = 200, description = "verification report"), (status = 403)))]
pub async fn verify(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<VerifyReport>, ApiError> {
    office_or_auditor(&a)?;
    let opts = state.verify_options()?;
    Ok(Json(ledger::verify(&state.db, &opts, |_, _| {}).await?))
}

/// Signed checkpoints, oldest first.
#[utoipa::path(get, path = "/api/v1/ledger/checkpoints", tag = "ledger", responses((status = 200, description = "checkpoints")))]
pub async fn list_checkpoints(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<Vec<Checkpoint>>, ApiError> {
    office_or_auditor(&a)?;
    let rows = ledger_checkpoint::Entity::find()
        .order_by_asc(ledger_checkpoint::Column::Id)
        .all(&state.db)
        .await?;
    Ok(Json(rows.into_iter().map(Checkpoint::from).collect()))
}

/// Verifies the ledger and signs a new checkpoint (office).
#[utoipa::path(post, path = "/api/v1/ledger/checkpoints", tag = "ledger", responses((status = 201, description = "the checkpoint"), (status = 403), (status = 409)))]
pub async fn create_checkpoint(
    State(state): State<AppState>,
    a: Authed,
) -> Result<(StatusCode, Json<Checkpoint>), ApiError> {
    if a.actor.role != Role::Office {
        return Err(ApiError::forbidden("只有办公厅可以签署检查点"));
    }
    let key = keys::load_or_create(&state.settings.signing_key_path())?;
    let log = state
        .settings
        .data_dir
        .join("ledger")
        .join("checkpoints.jsonl");
    match ledger::checkpoint(&state.db, &key, Some(&log)).await? {
        Ok(cp) => Ok((StatusCode::CREATED, Json(cp))),
        Err(report) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "ledger_invalid",
            format!(
                "账本校验未通过，拒绝签署检查点：{}",
                report.problem.map(|p| p.message).unwrap_or_default()
            ),
        )),
    }
}

/// Inclusion proof of entry `seq` against the latest checkpoint covering it.
#[utoipa::path(get, path = "/api/v1/ledger/proof/{seq}", tag = "ledger", params(("seq" = i64, Path)),
    responses((status = 200, description = "inclusion proof"), (status = 404), (status = 409)))]
pub async fn proof(
    State(state): State<AppState>,
    a: Authed,
    Path(seq): Path<i64>,
) -> Result<Json<InclusionProof>, ApiError> {
    office_or_auditor(&a)?;
    Ok(Json(ledger::prove(&state.db, seq, None).await?))
}

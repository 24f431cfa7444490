//! The ledger page: verification result and signed checkpoints (office and auditors).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;

use super::{UserBar, error_page, render};
use crate::auth::Role;
use crate::db::entities::ledger_checkpoint;
use crate::ledger::{self, VerifyReport, keys};
use crate::web::AppState;
use crate::web::authn::PageUser;

/// A checkpoint row.
pub struct CheckpointRow {
    tree_size: i64,
    root_hash: String,
    signed_local: String,
    public_key: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    can_sign: bool,
    report: VerifyReport,
    checkpoints: Vec<CheckpointRow>,
}

/// `GET /ledger`.
pub async fn show(State(state): State<AppState>, PageUser(a): PageUser) -> Response {
    if a.actor.role == Role::Owner {
        return error_page(
            StatusCode::FORBIDDEN,
            Some(UserBar::of(&a)),
            "只有办公厅和审计用户可以查看整个账本",
        );
    }
    let result = async {
        let opts = state.verify_options()?;
        let report = ledger::verify(&state.db, &opts, |_, _| {}).await?;
        let cps = ledger_checkpoint::Entity::find()
            .order_by_desc(ledger_checkpoint::Column::Id)
            .all(&state.db)
            .await
            .map_err(ledger::LedgerError::from)?;
        Ok::<_, ledger::LedgerError>((report, cps))
    }
    .await;
    match result {
        Ok((report, cps)) => render(
            StatusCode::OK,
            &LedgerPage {
                user: Some(UserBar::of(&a)),
                notice: None,
                error: None,
                csrf: a.csrf().to_string(),
                can_sign: a.actor.role == Role::Office,
                report,
                checkpoints: cps
                    .into_iter()
                    .map(|c| CheckpointRow {
                        tree_size: c.tree_size,
                        root_hash: c.root_hash,
                        signed_local: crate::time::local_str(&c.signed_at),
                        public_key: c.public_key,
                    })
                    .collect(),
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "ledger page");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(UserBar::of(&a)),
                "账本校验时出错，请联系管理员",
            )
        }
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /ledger/checkpoint`.
pub async fn checkpoint(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Err(e) = a.check_form_csrf(&f.csrf) {
        return error_page(StatusCode::FORBIDDEN, Some(UserBar::of(&a)), e.message);
    }
    if a.actor.role != Role::Office {
        return error_page(
            StatusCode::FORBIDDEN,
            Some(UserBar::of(&a)),
            "只有办公厅可以签署检查点",
        );
    }
    let key = match keys::load_or_create(&state.settings.signing_key_path()) {
        Ok(k) => k,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(UserBar::of(&a)),
                e.to_string(),
            );
        }
    };
    let log = state
        .settings
        .data_dir
        .join("ledger")
        .join("checkpoints.jsonl");
    match ledger::checkpoint(&state.db, &key, Some(&log)).await {
        Ok(Ok(_)) => Redirect::to("/ledger").into_response(),
        Ok(Err(report)) => error_page(
            StatusCode::CONFLICT,
            Some(UserBar::of(&a)),
            format!(
                "账本校验未通过，拒绝签署检查点：{}",
                report.problem.map(|p| p.message).unwrap_or_default()
            ),
        ),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(UserBar::of(&a)),
            e.to_string(),
        ),
    }
}

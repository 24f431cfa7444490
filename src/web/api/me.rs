//! The caller and their API tokens.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::auth::{Role, tokens};
use crate::web::AppState;
use crate::web::authn::{Authed, Via};
use crate::web::error::ApiError;

/// The caller.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// User name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Department id for owners.
    pub department_id: Option<i64>,
    /// The CSRF token for browser API calls (empty with an API token).
    pub csrf_token: String,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401)))]
pub async fn me(a: Authed) -> Json<Me> {
    Json(Me {
        name: a.user.name.clone(),
        role: a.actor.role,
        department_id: a.user.department_id,
        csrf_token: a.csrf().to_string(),
    })
}

/// A token request.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// A label to recognise the token by.
    pub label: String,
}

/// A new token (shown once).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// `gwt_…`; send as `Authorization: Bearer …`.
    pub token: String,
}

/// Creates an API token for the caller (from a browser session only).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 403)))]
pub async fn create_token(
    State(state): State<AppState>,
    a: Authed,
    Json(req): Json<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    if matches!(a.via, Via::Token) {
        return Err(ApiError::forbidden("请在登录后的浏览器会话中创建令牌"));
    }
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "令牌名称须为 1–100 个字符",
        ));
    }
    let token = tokens::create(&state.db, a.user.id, label).await?;
    Ok(Json(TokenResponse { token }))
}

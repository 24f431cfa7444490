//! Errors as HTTP responses: JSON `{"error": {"code", "message"}}` for the API. Internal
//! errors are logged once here and answered with a generic message, so that nothing from the
//! database (or crawled content) leaks into responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::users::UserError;
use crate::ledger::LedgerError;
use crate::registry::RegistryError;
use crate::registry::import::ImportError;

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable message (Chinese).
    pub message: String,
    /// Extra structured details (e.g. bad rows of an import).
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
/// The error body.
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
/// An error's code and message.
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid_transition`.
    pub code: String,
    /// Message for people.
    pub message: String,
    /// Details, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    /// 401.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录或提供 API 令牌",
        )
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 500, logging the cause.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请联系管理员",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Db(_) | RegistryError::Ledger(_) => ApiError::internal(e),
            other => ApiError::new(
                StatusCode::from_u16(other.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                other.code(),
                other.to_string(),
            ),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::NoSuchEntry(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            LedgerError::NotCheckpointed(_) => {
                ApiError::new(StatusCode::CONFLICT, "not_checkpointed", e.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::internal(e)
    }
}

impl From<UserError> for ApiError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Forbidden => ApiError::forbidden(e.to_string()),
            UserError::Invalid(_) | UserError::Password(_) | UserError::UnknownDepartment(_) => {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    e.to_string(),
                )
            }
            UserError::Duplicate(_) => {
                ApiError::new(StatusCode::CONFLICT, "duplicate_user", e.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Registry(r) => r.into(),
            ImportError::Rows(rows) => {
                let mut err = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_rows",
                    format!("{} 行有误，未导入任何数据", rows.len()),
                );
                err.details = serde_json::to_value(rows).ok();
                err
            }
            ImportError::File(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_file", m)
            }
        }
    }
}

//! Registry errors, each with a stable code for the API and a Chinese message for people.

use sea_orm::DbErr;

use super::model::{Action, Status};
use crate::ledger::LedgerError;

/// Why a registry operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No such account or department.
    #[error("{0}")]
    NotFound(String),
    /// The actor may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The lifecycle does not allow this action in the current status.
    #[error("{message}")]
    InvalidTransition {
        /// Current status.
        from: Status,
        /// Refused action.
        action: Action,
        /// Chinese explanation.
        message: String,
    },
    /// Another live account has the same platform and handle.
    #[error(
        "同一平台上已有运行中的账号「{existing_name}」（编号 {existing_id}）使用该账号标识 {key}"
    )]
    DuplicateLive {
        /// The identity key.
        key: String,
        /// The existing account.
        existing_id: i64,
        /// Its name.
        existing_name: String,
    },
    /// Input that cannot be accepted.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// A database error.
    #[error("数据库错误: {0}")]
    Db(#[from] DbErr),
    /// A ledger error.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl RegistryError {
    /// The stable error code used by the API.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::NotFound(_) => "not_found",
            RegistryError::Forbidden(_) => "forbidden",
            RegistryError::InvalidTransition { .. } => "invalid_transition",
            RegistryError::DuplicateLive { .. } => "duplicate_account",
            RegistryError::Invalid { .. } => "invalid_input",
            RegistryError::Db(_) | RegistryError::Ledger(_) => "internal",
        }
    }

    /// The HTTP status that fits.
    pub fn http_status(&self) -> u16 {
        match self {
            RegistryError::NotFound(_) => 404,
            RegistryError::Forbidden(_) => 403,
            RegistryError::InvalidTransition { .. } | RegistryError::DuplicateLive { .. } => 409,
            RegistryError::Invalid { .. } => 422,
            RegistryError::Db(_) | RegistryError::Ledger(_) => 500,
        }
    }

    /// Shorthand for an invalid field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        RegistryError::Invalid {
            field,
            message: message.into(),
        }
    }
}

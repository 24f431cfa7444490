//! Users, roles, passwords, sessions and API tokens.
//!
//! Three roles: `office` (the general office: everything), `auditor` (read everything and
//! verify the ledger, change nothing) and `owner` (only the accounts of their department and
//! its sub-departments). Every permission decision goes through [`Actor`], which the CLI,
//! the API and the pages all build, so the three cannot disagree.

pub mod passwords;
pub mod sessions;
pub mod tokens;
pub mod users;

use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The general office (市政府办公厅): everything.
    Office,
    /// Read everything, verify the ledger, change nothing.
    Auditor,
    /// An account owner (责任单位), scoped to a department subtree.
    Owner,
}

impl Role {
    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Auditor => "auditor",
            Role::Owner => "owner",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Role::Office => "办公厅",
            Role::Auditor => "审计",
            Role::Owner => "责任单位",
        }
    }

    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "office" => Some(Role::Office),
            "auditor" => Some(Role::Auditor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// What part of the registry an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything.
    All,
    /// Departments whose materialised path starts with this prefix (`/1/5/`).
    Subtree(String),
}

impl Scope {
    /// True when a department with materialised `path` is inside the scope.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtree(prefix) => path.starts_with(prefix.as_str()),
        }
    }
}

/// Who is acting, with what rights. Built from a logged-in user, an API token, or the CLI.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Recorded in the ledger.
    pub name: String,
    /// The user's id, when the actor is a user.
    pub user_id: Option<i64>,
    /// The role.
    pub role: Role,
    /// The visible part of the registry.
    pub scope: Scope,
}

impl Actor {
    /// The actor for operator commands run on the server (`govwatch accounts …`): whoever can
    /// run the binary against the database already has the office's rights.
    pub fn cli() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "operator".to_string());
        Self {
            name: format!("cli:{user}"),
            user_id: None,
            role: Role::Office,
            scope: Scope::All,
        }
    }

    /// A system component (scheduler, crawler).
    pub fn system(component: &str) -> Self {
        Self {
            name: format!("system:{component}"),
            user_id: None,
            role: Role::Office,
            scope: Scope::All,
        }
    }

    /// True when the actor may change things at all.
    pub fn can_write(&self) -> bool {
        matches!(self.role, Role::Office | Role::Owner)
    }

    /// True for the office.
    pub fn is_office(&self) -> bool {
        self.role == Role::Office
    }
}

//! Users: creation (with a ledger entry), the first `admin`, authentication, and the
//! [`Actor`] a user acts as.

use chrono::Utc;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

use super::{Actor, Role, Scope, passwords};
use crate::db::entities::{department, user};
use crate::ledger::{self, LedgerError, NewEntry};

/// Errors of user management.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The input is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The name is taken.
    #[error("用户名 {0} 已存在")]
    Duplicate(String),
    /// No such department.
    #[error("没有编码为 {0} 的单位")]
    UnknownDepartment(String),
    /// Only the office manages users.
    #[error("只有办公厅用户可以管理用户")]
    Forbidden,
    /// Password problems.
    #[error(transparent)]
    Password(#[from] passwords::PasswordError),
    /// Database.
    #[error("数据库错误: {0}")]
    Db(#[from] DbErr),
    /// Ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Adds a user. Owners must belong to a department.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    role: Role,
    department_code: Option<&str>,
    password: &str,
) -> Result<user::Model, UserError> {
    if !actor.is_office() {
        return Err(UserError::Forbidden);
    }
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(UserError::Invalid(
            "用户名须为 1–64 个字符，且不含空白".into(),
        ));
    }
    if role == Role::Owner && department_code.is_none() {
        return Err(UserError::Invalid(
            "责任单位用户（owner）必须指定 --department".into(),
        ));
    }
    let password_hash = passwords::hash(password).await?;
    let txn = db.begin().await?;
    let mut head = ledger::lock_head(&txn).await?;
    let department = match department_code {
        Some(code) => Some(
            department::Entity::find()
                .filter(department::Column::Code.eq(code.trim()))
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::UnknownDepartment(code.to_string()))?,
        ),
        None => None,
    };
    if user::Entity::find()
        .filter(user::Column::Name.eq(name))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(UserError::Duplicate(name.to_string()));
    }
    let model = user::Entity::insert(user::ActiveModel {
        id: NotSet,
        name: Set(name.to_string()),
        role: Set(role.as_str().to_string()),
        department_id: Set(department.as_ref().map(|d| d.id)),
        password_hash: Set(password_hash),
        disabled: Set(false),
        created_at: Set(Utc::now()),
    })
    .exec_with_returning(&txn)
    .await?;
    ledger::append(
        &txn,
        &mut head,
        NewEntry {
            actor: &actor.name,
            action: "user.create",
            subject_type: "user",
            subject_id: model.id.to_string(),
            reason: "新增用户",
            payload: serde_json::json!({
                "name": model.name,
                "role": model.role,
                "department": department.as_ref().map(|d| &d.code),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// On an empty database, creates the office user `admin` with a random password and returns
/// the password (to be printed once). Returns `None` when any user exists.
pub async fn ensure_admin(db: &DatabaseConnection) -> Result<Option<String>, UserError> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let password = passwords::random_password();
    match add(
        db,
        &Actor::system("bootstrap"),
        "admin",
        Role::Office,
        None,
        &password,
    )
    .await
    {
        Ok(_) => Ok(Some(password)),
        // Another process bootstrapped at the same moment.
        Err(UserError::Duplicate(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Checks a name and password; `None` when either is wrong or the user is disabled.
/// A missing user still costs one hash check, so timing does not reveal which names exist.
pub async fn authenticate(
    db: &DatabaseConnection,
    name: &str,
    password: &str,
) -> Result<Option<user::Model>, UserError> {
    let found = user::Entity::find()
        .filter(user::Column::Name.eq(name.trim()))
        .one(db)
        .await?;
    match found {
        Some(u) if !u.disabled => {
            if passwords::verify(password, &u.password_hash).await {
                Ok(Some(u))
            } else {
                Ok(None)
            }
        }
        _ => {
            let _ = passwords::verify(password, dummy_hash().await).await;
            Ok(None)
        }
    }
}

/// A real Argon2id hash of a random password, computed once, so that checking an unknown
/// name costs the same as checking a known one.
async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let p = passwords::random_password();
            tokio::task::spawn_blocking(move || password_auth::generate_hash(p))
                .await
                .unwrap_or_default()
        })
        .await
}

/// The actor a user acts as.
pub async fn actor_for<C: ConnectionTrait>(db: &C, u: &user::Model) -> Result<Actor, UserError> {
    let role = Role::parse(&u.role).unwrap_or(Role::Auditor);
    let scope = match (role, u.department_id) {
        (Role::Owner, Some(dept)) => {
            let d = department::Entity::find_by_id(dept).one(db).await?;
            // An owner whose department vanished sees nothing rather than everything.
            Scope::Subtree(d.map_or_else(|| "/nothing/".to_string(), |d| d.path))
        }
        (Role::Owner, None) => Scope::Subtree("/nothing/".to_string()),
        _ => Scope::All,
    };
    Ok(Actor {
        name: u.name.clone(),
        user_id: Some(u.id),
        role,
        scope,
    })
}

/// Finds a user by name.
pub async fn find_by_name(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Name.eq(name.trim()))
        .one(db)
        .await
}

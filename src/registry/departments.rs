//! Departments (单位): a tree with codes. Each department stores its materialised path of
//! ids so that "a department and everything below it" is a prefix match.

use chrono::Utc;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Deserialize;

use super::error::RegistryError;
use super::validate;
use crate::auth::{Actor, Scope};
use crate::db::entities::department;
use crate::ledger::{self, Head, NewEntry};

/// A new department.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DepartmentInput {
    /// Unique code, e.g. `370200-jyj`.
    pub code: String,
    /// Name, e.g. 市教育局.
    pub name: String,
    /// Parent department's code; none for a top-level department.
    pub parent_code: Option<String>,
}

/// All departments ordered by path (so that parents come before children).
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<department::Model>, RegistryError> {
    Ok(department::Entity::find()
        .order_by_asc(department::Column::Path)
        .all(db)
        .await?)
}

/// The departments inside a scope.
pub async fn in_scope<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<Vec<department::Model>, RegistryError> {
    let mut q = department::Entity::find();
    if let Scope::Subtree(prefix) = scope {
        q = q.filter(department::Column::Path.starts_with(prefix.as_str()));
    }
    Ok(q.order_by_asc(department::Column::Path).all(db).await?)
}

/// Finds a department by code.
pub async fn by_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
) -> Result<Option<department::Model>, RegistryError> {
    Ok(department::Entity::find()
        .filter(department::Column::Code.eq(code.trim()))
        .one(db)
        .await?)
}

/// Creates a department (office only) with its ledger entry.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DepartmentInput,
) -> Result<department::Model, RegistryError> {
    if !actor.is_office() {
        return Err(RegistryError::Forbidden("只有办公厅可以新增单位".into()));
    }
    let txn = db.begin().await?;
    let mut head = ledger::lock_head(&txn).await?;
    let parent = match input
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(
            by_code(&txn, code)
                .await?
                .ok_or_else(|| RegistryError::NotFound(format!("没有编码为 {code} 的上级单位")))?,
        ),
        None => None,
    };
    let d = insert(
        &txn,
        &mut head,
        actor,
        &input.code,
        &input.name,
        parent.as_ref(),
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

/// Inserts a department inside an open ledger transaction.
pub(crate) async fn insert<C: ConnectionTrait>(
    txn: &C,
    head: &mut Head,
    actor: &Actor,
    code: &str,
    name: &str,
    parent: Option<&department::Model>,
) -> Result<department::Model, RegistryError> {
    let code = validate::required_text("code", "单位编码", code, 64)?;
    let name = validate::required_text("name", "单位名称", name, 200)?;
    if by_code(txn, &code).await?.is_some() {
        return Err(RegistryError::invalid(
            "code",
            format!("单位编码 {code} 已存在"),
        ));
    }
    let inserted = department::Entity::insert(department::ActiveModel {
        id: NotSet,
        code: Set(code.clone()),
        name: Set(name.clone()),
        parent_id: Set(parent.map(|p| p.id)),
        path: Set(String::new()),
        created_at: Set(Utc::now()),
    })
    .exec_with_returning(txn)
    .await?;
    let path = format!(
        "{}{}/",
        parent.map_or("/", |p| p.path.as_str()),
        inserted.id
    );
    department::Entity::update_many()
        .col_expr(department::Column::Path, path.clone().into())
        .filter(department::Column::Id.eq(inserted.id))
        .exec(txn)
        .await?;
    ledger::append(
        txn,
        head,
        NewEntry {
            actor: &actor.name,
            action: "department.create",
            subject_type: "department",
            subject_id: inserted.id.to_string(),
            reason: "新增单位",
            payload: serde_json::json!({
                "code": code, "name": name, "parent": parent.map(|p| &p.code),
            }),
        },
    )
    .await?;
    Ok(department::Model { path, ..inserted })
}

/// Finds a department by code or by name, or a `/`-separated path of names
/// (`市政府/市教育局`), creating what is missing. Used by the importer.
pub(crate) async fn resolve_or_create<C: ConnectionTrait>(
    txn: &C,
    head: &mut Head,
    actor: &Actor,
    spec: &str,
) -> Result<department::Model, RegistryError> {
    let spec = spec.trim();
    if let Some(d) = by_code(txn, spec).await? {
        return Ok(d);
    }
    let mut parent: Option<department::Model> = None;
    for part in spec.split('/').map(str::trim).filter(|p| !p.is_empty()) {
        let mut q = department::Entity::find().filter(department::Column::Name.eq(part));
        q = match &parent {
            Some(p) => q.filter(department::Column::ParentId.eq(p.id)),
            None => q,
        };
        let found = match q.order_by_asc(department::Column::Id).one(txn).await? {
            Some(d) => d,
            None => {
                let code = generated_code(txn, part).await?;
                insert(txn, head, actor, &code, part, parent.as_ref()).await?
            }
        };
        parent = Some(found);
    }
    parent.ok_or_else(|| RegistryError::invalid("department", "单位不能为空"))
}

/// A code for a department created by name: the name itself when it is a plain ASCII code,
/// else `auto-N`.
async fn generated_code<C: ConnectionTrait>(txn: &C, name: &str) -> Result<String, RegistryError> {
    if name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Ok(name.to_string());
    }
    let n = department::Entity::find().all(txn).await?.len() + 1;
    let mut i = n;
    loop {
        let code = format!("auto-{i}");
        if by_code(txn, &code).await?.is_none() {
            return Ok(code);
        }
        i += 1;
    }
}

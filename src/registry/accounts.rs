//! Account lifecycle operations: register, update, transfer, suspend, resume, close, merge,
//! deregister. Each runs in one transaction that locks the ledger head first, checks the
//! actor's rights and the state machine, changes the row, and appends one ledger entry with
//! the account before and after.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::RegistryError;
use super::model::{Action, Platform, Status, next_status, refusal_message};
use super::validate;
use crate::auth::{Actor, Role};
use crate::db::entities::{account, department};
use crate::db::is_unique_violation;
use crate::ledger::{self, Head, NewEntry};

/// A contact person of an account (up to three).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Fields of a new account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AccountInput {
    /// Platform.
    pub platform: Platform,
    /// Name (账号名称).
    pub name: String,
    /// Platform handle or ID.
    #[serde(default)]
    pub handle: Option<String>,
    /// A website's base URL, or a social account's feed URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Owning department (主办单位), by id.
    pub department_id: i64,
    /// Operating unit (运维单位).
    #[serde(default)]
    pub operator: Option<String>,
    /// Responsible person.
    #[serde(default)]
    pub responsible: Option<String>,
    /// Up to three contacts.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Opening date.
    #[serde(default)]
    pub opened_on: Option<NaiveDate>,
    /// Crawl schedule override (5-field cron).
    #[serde(default)]
    pub crawl_cron: Option<String>,
}

/// Changes to an account's fields; absent fields stay as they are, an empty string clears an
/// optional field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AccountPatch {
    /// New name.
    pub name: Option<String>,
    /// New handle.
    pub handle: Option<String>,
    /// New URL.
    pub url: Option<String>,
    /// New operating unit.
    pub operator: Option<String>,
    /// New responsible person.
    pub responsible: Option<String>,
    /// New contacts (replaces all).
    pub contacts: Option<Vec<Contact>>,
    /// New opening date.
    pub opened_on: Option<NaiveDate>,
    /// New crawl schedule ("" to clear).
    pub crawl_cron: Option<String>,
}

impl AccountPatch {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.handle.is_none()
            && self.url.is_none()
            && self.operator.is_none()
            && self.responsible.is_none()
            && self.contacts.is_none()
            && self.opened_on.is_none()
            && self.crawl_cron.is_none()
    }
}

fn contacts_json(contacts: &[Contact]) -> Result<String, RegistryError> {
    if contacts.len() > 3 {
        return Err(RegistryError::invalid("contacts", "联系人最多 3 位"));
    }
    let mut clean = Vec::with_capacity(contacts.len());
    for c in contacts {
        clean.push(Contact {
            name: validate::required_text("contacts", "联系人姓名", &c.name, 64)?,
            phone: validate::optional_text("contacts", "联系电话", c.phone.as_deref(), 32)?,
            email: validate::optional_text("contacts", "电子邮箱", c.email.as_deref(), 128)?,
        });
    }
    serde_json::to_string(&clean).map_err(|e| RegistryError::invalid("contacts", e.to_string()))
}

/// Decodes the stored contacts.
pub fn contacts_of(a: &account::Model) -> Vec<Contact> {
    serde_json::from_str(&a.contacts).unwrap_or_default()
}

fn snapshot(a: &account::Model) -> serde_json::Value {
    serde_json::to_value(a).unwrap_or(serde_json::Value::Null)
}

async fn department_in_scope<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    department_id: i64,
) -> Result<department::Model, RegistryError> {
    let d = department::Entity::find_by_id(department_id)
        .one(txn)
        .await?
        .ok_or_else(|| RegistryError::NotFound(format!("没有编号为 {department_id} 的单位")))?;
    if !actor.scope.contains(&d.path) {
        return Err(RegistryError::Forbidden(format!(
            "无权操作单位「{}」的账号",
            d.name
        )));
    }
    Ok(d)
}

/// Refuses a live-identity clash with a clear message (the unique index is the backstop).
async fn ensure_identity_free<C: ConnectionTrait>(
    txn: &C,
    platform: &str,
    key: &str,
    except: Option<i64>,
) -> Result<(), RegistryError> {
    let mut q = account::Entity::find()
        .filter(account::Column::Platform.eq(platform))
        .filter(account::Column::IdentityKey.eq(key))
        .filter(
            account::Column::Status.is_in([Status::Active.as_str(), Status::Suspended.as_str()]),
        );
    if let Some(id) = except {
        q = q.filter(account::Column::Id.ne(id));
    }
    if let Some(existing) = q.one(txn).await? {
        return Err(RegistryError::DuplicateLive {
            key: key.to_string(),
            existing_id: existing.id,
            existing_name: existing.name,
        });
    }
    Ok(())
}

fn map_unique(e: sea_orm::DbErr, platform: &str, key: &str) -> RegistryError {
    if is_unique_violation(&e) {
        RegistryError::DuplicateLive {
            key: key.to_string(),
            existing_id: 0,
            existing_name: format!("{platform} 平台上的同名账号"),
        }
    } else {
        RegistryError::Db(e)
    }
}

/// Registers (开设) a new account; it starts `active`.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AccountInput,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    if !actor.can_write() {
        return Err(RegistryError::Forbidden(
            "审计用户只能查看，不能修改".into(),
        ));
    }
    let reason = validate::reason(reason)?;
    let txn = db.begin().await?;
    let mut head = ledger::lock_head(&txn).await?;
    let model = register_in(&txn, &mut head, actor, input, &reason).await?;
    txn.commit().await?;
    Ok(model)
}

/// Registers inside an open ledger transaction (used by the importer too).
pub(crate) async fn register_in<C: ConnectionTrait>(
    txn: &C,
    head: &mut Head,
    actor: &Actor,
    input: AccountInput,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    department_in_scope(txn, actor, input.department_id).await?;
    let name = validate::required_text("name", "账号名称", &input.name, 200)?;
    let handle = validate::optional_text("handle", "账号标识", input.handle.as_deref(), 128)?;
    let url = match input
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(u) => Some(validate::http_url("url", u)?),
        None => None,
    };
    let key = validate::identity_key(input.platform, handle.as_deref(), url.as_deref())?;
    let platform = input.platform.as_str();
    ensure_identity_free(txn, platform, &key, None).await?;
    let now = Utc::now();
    let am = account::ActiveModel {
        id: NotSet,
        platform: Set(platform.to_string()),
        name: Set(name),
        handle: Set(handle),
        url: Set(url),
        identity_key: Set(key.clone()),
        department_id: Set(input.department_id),
        operator: Set(validate::optional_text(
            "operator",
            "运维单位",
            input.operator.as_deref(),
            200,
        )?),
        responsible: Set(validate::optional_text(
            "responsible",
            "责任人",
            input.responsible.as_deref(),
            64,
        )?),
        contacts: Set(contacts_json(&input.contacts)?),
        opened_on: Set(input.opened_on),
        status: Set(Status::Active.as_str().to_string()),
        notice_url: Set(None),
        closed_on: Set(None),
        merged_into: Set(None),
        deregister_reference: Set(None),
        crawl_cron: Set(validate::cron(input.crawl_cron.as_deref())?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let model = account::Entity::insert(am)
        .exec_with_returning(txn)
        .await
        .map_err(|e| map_unique(e, platform, &key))?;
    ledger::append(
        txn,
        head,
        NewEntry {
            actor: &actor.name,
            action: "account.register",
            subject_type: "account",
            subject_id: model.id.to_string(),
            reason,
            payload: json!({ "before": null, "after": snapshot(&model) }),
        },
    )
    .await?;
    Ok(model)
}

/// An open lifecycle change: the transaction, the ledger head, the account as it was.
struct Change {
    txn: DatabaseTransaction,
    head: Head,
    before: account::Model,
    next: Status,
    reason: String,
}

async fn begin(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    action: Action,
    reason: &str,
) -> Result<Change, RegistryError> {
    if !actor.can_write() {
        return Err(RegistryError::Forbidden(
            "审计用户只能查看，不能修改".into(),
        ));
    }
    if action == Action::Deregister && actor.role != Role::Office {
        return Err(RegistryError::Forbidden("注销须由办公厅办理".into()));
    }
    let reason = validate::reason(reason)?;
    let txn = db.begin().await?;
    let head = ledger::lock_head(&txn).await?;
    let before = account::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| RegistryError::NotFound(format!("没有编号为 {id} 的账号")))?;
    if actor.scope != crate::auth::Scope::All {
        department_in_scope(&txn, actor, before.department_id).await?;
    }
    let from = Status::parse(&before.status).unwrap_or(Status::Deregistered);
    let next = next_status(from, action).ok_or_else(|| RegistryError::InvalidTransition {
        from,
        action,
        message: refusal_message(from, action),
    })?;
    Ok(Change {
        txn,
        head,
        before,
        next,
        reason,
    })
}

async fn finish(
    mut c: Change,
    actor: &Actor,
    action: Action,
    mut after: account::Model,
    extra: serde_json::Value,
) -> Result<account::Model, RegistryError> {
    after.status = c.next.as_str().to_string();
    after.version = c.before.version + 1;
    after.updated_at = Utc::now();
    let (platform, key) = (after.platform.clone(), after.identity_key.clone());
    let mut am = after.clone().into_active_model().reset_all();
    am.id = sea_orm::ActiveValue::NotSet;
    // A plain UPDATE: the new row is already in hand, nothing to read back.
    account::Entity::update_many()
        .set(am)
        .filter(account::Column::Id.eq(after.id))
        .exec(&c.txn)
        .await
        .map_err(|e| map_unique(e, &platform, &key))?;
    ledger::append(
        &c.txn,
        &mut c.head,
        NewEntry {
            actor: &actor.name,
            action: &format!("account.{}", action.as_str()),
            subject_type: "account",
            subject_id: after.id.to_string(),
            reason: &c.reason,
            payload: json!({ "before": snapshot(&c.before), "after": snapshot(&after), "details": extra }),
        },
    )
    .await?;
    c.txn.commit().await?;
    metrics::counter!("govwatch_registry_changes_total", "action" => action.as_str()).increment(1);
    Ok(after)
}

/// Changes fields (变更).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    patch: AccountPatch,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    if patch.is_empty() {
        return Err(RegistryError::invalid("patch", "没有要变更的字段"));
    }
    let c = begin(db, actor, id, Action::Update, reason).await?;
    let mut a = c.before.clone();
    let platform = Platform::parse(&a.platform).unwrap_or(Platform::Other);
    if let Some(n) = &patch.name {
        a.name = validate::required_text("name", "账号名称", n, 200)?;
    }
    if let Some(h) = &patch.handle {
        a.handle = validate::optional_text("handle", "账号标识", Some(h), 128)?;
    }
    if let Some(u) = &patch.url {
        a.url = match u.trim() {
            "" => None,
            u => Some(validate::http_url("url", u)?),
        };
    }
    if let Some(o) = &patch.operator {
        a.operator = validate::optional_text("operator", "运维单位", Some(o), 200)?;
    }
    if let Some(r) = &patch.responsible {
        a.responsible = validate::optional_text("responsible", "责任人", Some(r), 64)?;
    }
    if let Some(cs) = &patch.contacts {
        a.contacts = contacts_json(cs)?;
    }
    if let Some(d) = patch.opened_on {
        a.opened_on = Some(d);
    }
    if let Some(cron) = &patch.crawl_cron {
        a.crawl_cron = validate::cron(Some(cron))?;
    }
    a.identity_key = validate::identity_key(platform, a.handle.as_deref(), a.url.as_deref())?;
    if c.next.is_live() && a.identity_key != c.before.identity_key {
        ensure_identity_free(&c.txn, &a.platform, &a.identity_key, Some(id)).await?;
    }
    finish(c, actor, Action::Update, a, json!({})).await
}

/// Moves an account to another department (划转).
pub async fn transfer(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    department_id: i64,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    let c = begin(db, actor, id, Action::Transfer, reason).await?;
    if c.before.department_id == department_id {
        return Err(RegistryError::invalid("department_id", "账号已属于该单位"));
    }
    let to = department_in_scope(&c.txn, actor, department_id).await?;
    let mut a = c.before.clone();
    a.department_id = to.id;
    let from = c.before.department_id;
    finish(
        c,
        actor,
        Action::Transfer,
        a,
        json!({ "from_department": from, "to_department": to.id }),
    )
    .await
}

/// Suspends (暂停) an active account.
pub async fn suspend(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    let c = begin(db, actor, id, Action::Suspend, reason).await?;
    let a = c.before.clone();
    finish(c, actor, Action::Suspend, a, json!({})).await
}

/// Resumes (恢复) a suspended account.
pub async fn resume(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    let c = begin(db, actor, id, Action::Resume, reason).await?;
    let a = c.before.clone();
    finish(c, actor, Action::Resume, a, json!({})).await
}

/// Announces closure (停更公告 → 关停), with the notice's URL and date.
pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    notice_url: Option<&str>,
    closed_on: Option<NaiveDate>,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    let c = begin(db, actor, id, Action::Close, reason).await?;
    let mut a = c.before.clone();
    a.notice_url = match notice_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => Some(validate::http_url("notice_url", u)?),
        None => None,
    };
    a.closed_on = Some(closed_on.unwrap_or_else(crate::time::today));
    finish(c, actor, Action::Close, a, json!({})).await
}

/// Merges (整合) an account into a live main account.
pub async fn merge(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    into: i64,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    let c = begin(db, actor, id, Action::Merge, reason).await?;
    if into == id {
        return Err(RegistryError::invalid("into", "不能整合到自身"));
    }
    let main = account::Entity::find_by_id(into)
        .one(&c.txn)
        .await?
        .ok_or_else(|| RegistryError::NotFound(format!("没有编号为 {into} 的主账号")))?;
    department_in_scope(&c.txn, actor, main.department_id).await?;
    if !Status::parse(&main.status).is_some_and(Status::is_live) {
        return Err(RegistryError::invalid(
            "into",
            format!("主账号「{}」不在运行中，不能作为整合目标", main.name),
        ));
    }
    let mut a = c.before.clone();
    a.merged_into = Some(main.id);
    finish(
        c,
        actor,
        Action::Merge,
        a,
        json!({ "main_account": main.id, "main_account_name": main.name }),
    )
    .await
}

/// Deregisters (注销) a closed or merged account; terminal.
pub async fn deregister(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    reference: Option<&str>,
    reason: &str,
) -> Result<account::Model, RegistryError> {
    let c = begin(db, actor, id, Action::Deregister, reason).await?;
    let mut a = c.before.clone();
    a.deregister_reference = validate::optional_text("reference", "注销凭证", reference, 500)?;
    finish(c, actor, Action::Deregister, a, json!({})).await
}

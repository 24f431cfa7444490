//! Reading the registry: filtered lists and single accounts, always within the actor's scope.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use super::accounts::{Contact, contacts_of};
use super::departments;
use super::error::RegistryError;
use super::model::{Platform, Status};
use crate::auth::{Actor, Scope};
use crate::db::entities::{account, department};

/// Filters for the registry list (all optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AccountFilter {
    /// Platform code.
    pub platform: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Department id (includes its sub-departments).
    pub department: Option<i64>,
    /// Text contained in the name, handle or URL.
    pub q: Option<String>,
}

/// An account as shown by the API and pages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// Id.
    pub id: i64,
    /// Platform code.
    pub platform: String,
    /// Platform in Chinese.
    pub platform_label: String,
    /// Name.
    pub name: String,
    /// Handle.
    pub handle: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Owning department id.
    pub department_id: i64,
    /// Its code.
    pub department_code: String,
    /// Its name.
    pub department_name: String,
    /// Operating unit.
    pub operator: Option<String>,
    /// Responsible person.
    pub responsible: Option<String>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Opening date.
    pub opened_on: Option<chrono::NaiveDate>,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: String,
    /// Closure notice URL.
    pub notice_url: Option<String>,
    /// Closure date.
    pub closed_on: Option<chrono::NaiveDate>,
    /// Main account, when merged.
    pub merged_into: Option<i64>,
    /// Deregistration proof/reference.
    pub deregister_reference: Option<String>,
    /// Crawl schedule override.
    pub crawl_cron: Option<String>,
    /// Row version (incremented on every change).
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl AccountView {
    /// Builds the view with its department.
    pub fn new(a: account::Model, d: Option<&department::Model>) -> Self {
        let platform = Platform::parse(&a.platform);
        let status = Status::parse(&a.status);
        Self {
            contacts: contacts_of(&a),
            id: a.id,
            platform_label: platform.map_or_else(|| a.platform.clone(), |p| p.label().to_string()),
            platform: a.platform,
            name: a.name,
            handle: a.handle,
            url: a.url,
            department_id: a.department_id,
            department_code: d.map(|d| d.code.clone()).unwrap_or_default(),
            department_name: d.map(|d| d.name.clone()).unwrap_or_default(),
            operator: a.operator,
            responsible: a.responsible,
            opened_on: a.opened_on,
            status_label: status.map_or_else(|| a.status.clone(), |s| s.label().to_string()),
            status: a.status,
            notice_url: a.notice_url,
            closed_on: a.closed_on,
            merged_into: a.merged_into,
            deregister_reference: a.deregister_reference,
            crawl_cron: a.crawl_cron,
            version: a.version,
            updated_at: a.updated_at,
        }
    }
}

impl AccountView {
    /// The last change in Beijing time, for pages.
    pub fn updated_local(&self) -> String {
        crate::time::local(self.updated_at)
    }
}

/// Lists the accounts the actor may see that match the filter, ordered by id.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &AccountFilter,
) -> Result<Vec<AccountView>, RegistryError> {
    let visible = departments::in_scope(db, &actor.scope).await?;
    let mut ids: Vec<i64> = visible.iter().map(|d| d.id).collect();
    if let Some(dep) = filter.department {
        let Some(root) = visible.iter().find(|d| d.id == dep) else {
            return Ok(Vec::new());
        };
        ids = visible
            .iter()
            .filter(|d| d.path.starts_with(&root.path))
            .map(|d| d.id)
            .collect();
    }
    let mut q = account::Entity::find();
    if actor.scope != Scope::All || filter.department.is_some() {
        q = q.filter(account::Column::DepartmentId.is_in(ids));
    }
    if let Some(p) = filter.platform.as_deref().filter(|p| !p.is_empty()) {
        q = q.filter(account::Column::Platform.eq(p));
    }
    if let Some(s) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(account::Column::Status.eq(s));
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(account::Column::Name.contains(text))
                .add(account::Column::Handle.contains(text))
                .add(account::Column::Url.contains(text)),
        );
    }
    let rows = q.order_by_asc(account::Column::Id).all(db).await?;
    let by_id: HashMap<i64, &department::Model> = visible.iter().map(|d| (d.id, d)).collect();
    Ok(rows
        .into_iter()
        .map(|a| {
            let d = by_id.get(&a.department_id).copied();
            AccountView::new(a, d)
        })
        .collect())
}

/// One account, if the actor may see it.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> Result<AccountView, RegistryError> {
    let a = account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| RegistryError::NotFound(format!("没有编号为 {id} 的账号")))?;
    let d = department::Entity::find_by_id(a.department_id)
        .one(db)
        .await?;
    if !d.as_ref().is_some_and(|d| actor.scope.contains(&d.path)) {
        return Err(RegistryError::Forbidden("无权查看该账号".into()));
    }
    Ok(AccountView::new(a, d.as_ref()))
}

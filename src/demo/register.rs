//! Putting the demo estate into the registry: departments by their name paths, accounts
//! registered once (a re-run finds them by platform and URL).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

use super::DemoEstate;
use crate::auth::Actor;
use crate::db::entities::account;
use crate::ledger;
use crate::registry::{
    AccountInput, Platform, RegistryError, Status, accounts, departments, validate,
};

/// Registers every demo account that is not in the registry yet; returns all their ids
/// (in the order of [`DemoEstate::accounts`]).
pub async fn register_estate(
    db: &DatabaseConnection,
    estate: &DemoEstate,
) -> Result<Vec<i64>, RegistryError> {
    let actor = Actor::system("demo");
    let mut ids = Vec::new();
    for a in estate.accounts() {
        let platform = Platform::parse(a.platform).unwrap_or(Platform::Other);
        let url = a
            .url
            .as_deref()
            .map(|u| validate::http_url("url", u))
            .transpose()?;
        let key = validate::identity_key(platform, a.handle.as_deref(), url.as_deref())?;
        let existing = account::Entity::find()
            .filter(account::Column::Platform.eq(platform.as_str()))
            .filter(account::Column::IdentityKey.eq(key.as_str()))
            .filter(account::Column::Status.eq(Status::Active.as_str()))
            .one(db)
            .await?;
        if let Some(e) = existing {
            ids.push(e.id);
            continue;
        }
        let txn = db.begin().await?;
        let mut head = ledger::lock_head(&txn).await?;
        let dept = departments::resolve_or_create(&txn, &mut head, &actor, &a.department).await?;
        let input = AccountInput {
            platform,
            name: a.name.clone(),
            handle: a.handle.clone(),
            url,
            department_id: dept.id,
            operator: Some("演示运维单位".into()),
            responsible: None,
            contacts: vec![],
            opened_on: None,
            crawl_cron: None,
        };
        let m =
            accounts::register_in(&txn, &mut head, &actor, input, "演示环境：登记演示账号").await?;
        txn.commit().await?;
        ids.push(m.id);
    }
    Ok(ids)
}

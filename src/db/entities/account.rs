//! An account (账号): a website or a new-media account in the registry.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform: String,
    pub name: String,
    pub handle: Option<String>,
    pub url: Option<String>,
    pub identity_key: String,
    pub department_id: i64,
    pub operator: Option<String>,
    pub responsible: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub contacts: String,
    pub opened_on: Option<Date>,
    pub status: String,
    pub notice_url: Option<String>,
    pub closed_on: Option<Date>,
    pub merged_into: Option<i64>,
    pub deregister_reference: Option<String>,
    pub crawl_cron: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

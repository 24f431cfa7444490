//! A navigation column (栏目) of a website as one crawl saw it.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "site_columns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub crawl_id: i64,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub item_count: i64,
    pub newest_item_date: Option<Date>,
    pub fetched_ok: bool,
}

impl ActiveModelBehavior for ActiveModel {}

//! The result of checking one link target during one crawl.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "link_checks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub crawl_id: i64,
    #[sea_orm(column_type = "Text")]
    pub target: String,
    pub kind: String,
    pub external: bool,
    pub broken: bool,
    pub skipped: bool,
    pub status: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub on_home: bool,
    #[sea_orm(column_type = "Text")]
    pub linked_from: String,
    pub linked_from_count: i64,
}

impl ActiveModelBehavior for ActiveModel {}

//! One crawl run of one account.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "crawls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    #[sea_orm(unique)]
    pub job_key: Option<String>,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub status: String,
    pub pages: i64,
    pub attachments: i64,
    pub links_checked: i64,
    pub broken_links: i64,
    pub failures: i64,
    pub bytes: i64,
    pub not_modified: i64,
    pub elapsed_ms: i64,
    pub source_ok: Option<bool>,
    pub post_count: Option<i64>,
    pub newest_post_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

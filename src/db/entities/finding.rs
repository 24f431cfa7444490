//! A finding (问题): one problem a rule found at one place. Personal information appears
//! only masked (`excerpt`, `masked_value`) and as a keyed hash (`value_hash`).
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "findings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub fingerprint: String,
    pub rule_id: String,
    pub category: String,
    pub severity: String,
    pub points: f64,
    pub account_id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text")]
    pub location: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub excerpt: String,
    pub masked_value: Option<String>,
    pub suggestion: Option<String>,
    pub value_hash: String,
    pub needs_confirmation: bool,
    pub status: String,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub last_crawl_id: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}

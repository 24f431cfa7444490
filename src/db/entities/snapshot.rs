//! Metadata of a stored snapshot (the body is in the content-addressed store). A row stands
//! for one version of one URL: seeing the same bytes again only moves `last_seen_at`.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub url_key: String,
    pub kind: String,
    pub content_hash: Option<String>,
    pub size: i64,
    pub status: i32,
    pub content_type: Option<String>,
    pub encoding: Option<String>,
    pub encoding_mismatch: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub title: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub headers: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub first_crawl_id: i64,
    pub last_crawl_id: i64,
}

impl ActiveModelBehavior for ActiveModel {}

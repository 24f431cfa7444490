//! The office's rule overrides (one row, JSON body, versioned; each change is a ledger entry).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rule_overrides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub version: i64,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

impl ActiveModelBehavior for ActiveModel {}

//! The single-row chain head. Appenders update it first in their transaction, which makes
//! it the point where concurrent appends queue up (a row lock on PostgreSQL, the write lock
//! on SQLite). It is a cache: `verify` never trusts it.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub last_seq: i64,
    pub last_hash: String,
}

impl ActiveModelBehavior for ActiveModel {}

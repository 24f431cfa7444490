//! The payload (before/after) of a ledger entry, kept outside the hashed record so that it
//! can be redacted without breaking the chain.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_payloads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    pub redacted_at: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub redaction_reason: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

//! One hash-chained ledger entry. The hashed record is every column up to `entry_hash`; the
//! payload and its redaction marker sit outside it (only `payload_hash` is chained), so a
//! payload can be erased lawfully without breaking the chain.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub recorded_at: String,
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub payload_hash: String,
    pub prev_hash: String,
    pub entry_hash: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    pub redacted_at: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub redaction_reason: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

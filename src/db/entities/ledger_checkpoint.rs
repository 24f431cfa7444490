//! A signed checkpoint: the Merkle tree size and root at a moment, signed with Ed25519.
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ledger_checkpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tree_size: i64,
    pub root_hash: String,
    pub signed_at: String,
    pub public_key: String,
    pub signature: String,
}

impl ActiveModelBehavior for ActiveModel {}

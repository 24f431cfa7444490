//! Inclusion proofs: everything an auditor needs to check, without the database, that an
//! entry is part of the ledger a signed checkpoint describes.

use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpoint;
use super::{LedgerError, hash, verify};
use crate::db::entities::{ledger_checkpoint, ledger_entry};

/// An inclusion proof of one entry against one checkpoint.
///
/// To check it: recompute `entry_hash` from the entry's fields (see `ledger::hash`), take
/// the RFC 9162 leaf hash `SHA-256(0x00 ‖ entry_hash)`, fold `audit_path` as RFC 9162
/// §2.1.3.2 describes with `leaf_index = seq − 1`, compare with `checkpoint.root_hash`, and
/// check the checkpoint's Ed25519 signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The entry (all hashed fields).
    pub entry: super::Record,
    /// Zero-based leaf index (`seq − 1`).
    pub leaf_index: u64,
    /// Hex sibling hashes, bottom-up.
    pub audit_path: Vec<String>,
    /// The checkpoint the proof is against.
    pub checkpoint: Checkpoint,
}

/// Builds the inclusion proof of entry `seq` against the latest checkpoint that covers it
/// (or the checkpoint with exactly `tree_size` entries).
pub async fn prove(
    db: &DatabaseConnection,
    seq: i64,
    tree_size: Option<u64>,
) -> Result<InclusionProof, LedgerError> {
    let entry = ledger_entry::Entity::find_by_id(seq)
        .one(db)
        .await?
        .ok_or(LedgerError::NoSuchEntry(seq))?;
    let checkpoints = ledger_checkpoint::Entity::find()
        .order_by_desc(ledger_checkpoint::Column::TreeSize)
        .all(db)
        .await?;
    let cp: Checkpoint = checkpoints
        .into_iter()
        .map(Checkpoint::from)
        .find(|c| match tree_size {
            Some(n) => c.tree_size == n,
            None => c.tree_size >= seq as u64,
        })
        .ok_or(LedgerError::NotCheckpointed(seq))?;
    let (_, tree) =
        verify::verify_with_tree(db, &verify::VerifyOptions::default(), |_, _| {}).await?;
    let index = (seq - 1) as u64;
    let path = tree
        .inclusion_proof(index, cp.tree_size)
        .ok_or(LedgerError::NotCheckpointed(seq))?;
    Ok(InclusionProof {
        entry: entry.into(),
        leaf_index: index,
        audit_path: path.iter().map(hash::to_hex).collect(),
        checkpoint: cp,
    })
}

//! Signed checkpoints: the tree size and RFC 9162 root of the ledger, signed with Ed25519.
//!
//! A checkpoint is only signed over a ledger that verifies; it is stored in the database and
//! appended to `checkpoints.jsonl` in the data directory, and printed, so that copies kept
//! outside the database (by an auditor, say) can be checked with `ledger verify --checkpoint`.

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};

use super::{LedgerError, hash, keys, verify};
use crate::db::entities::ledger_checkpoint;

/// A signed statement "the ledger had `tree_size` entries with Merkle root `root_hash`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Number of entries covered.
    pub tree_size: u64,
    /// Hex RFC 9162 Merkle tree hash of entries 1..=tree_size.
    pub root_hash: String,
    /// When it was signed (canonical UTC).
    pub signed_at: String,
    /// Hex Ed25519 public key.
    pub public_key: String,
    /// Hex Ed25519 signature over [`Checkpoint::message`].
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes that are signed.
    pub fn message(tree_size: u64, root_hash: &str, signed_at: &str) -> String {
        format!("govwatch-ledger-checkpoint-v1\n{tree_size}\n{root_hash}\n{signed_at}\n")
    }

    /// True when the signature is valid for the embedded public key.
    pub fn signature_valid(&self) -> bool {
        let Some(key) = keys::parse_public(&self.public_key) else {
            return false;
        };
        let mut sig = [0u8; 64];
        if hex::decode_to_slice(&self.signature, &mut sig).is_err() {
            return false;
        }
        key.verify(
            Self::message(self.tree_size, &self.root_hash, &self.signed_at).as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .is_ok()
    }

    /// Signs a checkpoint.
    pub fn sign(key: &SigningKey, tree_size: u64, root: &hash::Hash) -> Self {
        let root_hash = hash::to_hex(root);
        let signed_at = hash::canonical_time(Utc::now());
        let sig = key.sign(Self::message(tree_size, &root_hash, &signed_at).as_bytes());
        Self {
            tree_size,
            root_hash,
            signed_at,
            public_key: keys::public_hex(&key.verifying_key()),
            signature: hex::encode(sig.to_bytes()),
        }
    }
}

impl From<ledger_checkpoint::Model> for Checkpoint {
    fn from(m: ledger_checkpoint::Model) -> Self {
        Self {
            tree_size: u64::try_from(m.tree_size).unwrap_or(0),
            root_hash: m.root_hash,
            signed_at: m.signed_at,
            public_key: m.public_key,
            signature: m.signature,
        }
    }
}

/// Verifies the ledger and, when it is intact, signs and stores a checkpoint of it.
/// Returns the report instead when verification fails.
pub async fn checkpoint(
    db: &DatabaseConnection,
    key: &SigningKey,
    log_file: Option<&Path>,
) -> Result<Result<Checkpoint, verify::VerifyReport>, LedgerError> {
    let opts = verify::VerifyOptions {
        pinned_key: Some(key.verifying_key()),
        ..Default::default()
    };
    let (report, tree) = verify::verify_with_tree(db, &opts, |_, _| {}).await?;
    if !report.ok() {
        return Ok(Err(report));
    }
    let size = tree.len();
    // Invariant: root(len) is always in range.
    let root = tree.root(size).unwrap_or_else(super::merkle::empty_root);
    let cp = Checkpoint::sign(key, size, &root);
    ledger_checkpoint::Entity::insert(ledger_checkpoint::ActiveModel {
        id: NotSet,
        tree_size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        root_hash: Set(cp.root_hash.clone()),
        signed_at: Set(cp.signed_at.clone()),
        public_key: Set(cp.public_key.clone()),
        signature: Set(cp.signature.clone()),
    })
    .exec_without_returning(db)
    .await?;
    if let Some(path) = log_file {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let line = serde_json::to_string(&cp).map_err(std::io::Error::other)?;
        writeln!(f, "{line}")?;
        f.sync_all()?;
    }
    Ok(Ok(cp))
}

/// Reads checkpoints from a JSON Lines file (one [`Checkpoint`] per line; blank lines ok).
pub fn read_file(path: &Path) -> Result<Vec<Checkpoint>, LedgerError> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| LedgerError::CheckpointFile {
                path: path.display().to_string(),
                message: format!("第 {} 行: {e}", i + 1),
            })
        })
        .collect()
}

//! The lifecycle ledger (全过程留痕): an append-only, hash-chained record of every state
//! change, with signed Merkle checkpoints.
//!
//! # Architecture
//! - [`append`] writes one entry inside the caller's transaction, so the entry and the
//!   change it records commit or roll back together. [`lock_head`] is the first statement of
//!   such a transaction: it takes the write lock (SQLite) or the head row lock (PostgreSQL),
//!   so appenders queue up instead of colliding.
//! - Each entry stores the hash of its payload, the previous entry's hash, and its own hash
//!   over a canonical encoding ([`hash`]). The payload itself lives in another table and can
//!   be redacted ([`redact_payload`]) without breaking the chain.
//! - [`checkpoint`] signs the RFC 9162 Merkle root of the whole ledger with Ed25519;
//!   [`prove`] gives inclusion proofs against a checkpoint; [`verify`] recomputes
//!   everything, including consistency proofs between successive checkpoints.

pub mod checkpoint;
pub mod export;
pub mod hash;
pub mod keys;
pub mod merkle;
pub mod prove;
pub mod verify;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::Value;

use crate::db::entities::ledger_entry;

pub use checkpoint::{Checkpoint, checkpoint};
pub use prove::{InclusionProof, prove};
pub use verify::{Problem, VerifyOptions, VerifyReport, verify};

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A database error.
    #[error("数据库错误: {0}")]
    Db(#[from] DbErr),
    /// The chain head row is missing (the migration did not run).
    #[error("账本头记录缺失，请先运行 govwatch migrate")]
    NoHead,
    /// The signing key could not be read or created.
    #[error("签名密钥 {path}: {message}")]
    Key {
        /// Key file path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An entry asked for does not exist.
    #[error("账本中没有第 {0} 条")]
    NoSuchEntry(i64),
    /// No checkpoint covers the entry yet.
    #[error("第 {0} 条尚未被任何检查点覆盖，请先运行 govwatch ledger checkpoint")]
    NotCheckpointed(i64),
    /// Writing an export failed.
    #[error("写出失败: {0}")]
    Io(#[from] std::io::Error),
    /// A checkpoint file could not be parsed.
    #[error("检查点文件 {path} 无法解析: {message}")]
    CheckpointFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

/// An entry to be appended.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Who acted: a user name, or `system:<component>`.
    pub actor: &'a str,
    /// What was done, e.g. `account.register`.
    pub action: &'a str,
    /// The kind of subject, e.g. `account`.
    pub subject_type: &'a str,
    /// The subject's id.
    pub subject_id: String,
    /// Why (required for every registry action).
    pub reason: &'a str,
    /// Details: typically `{"before": …, "after": …}`.
    pub payload: Value,
}

/// The chain head as read at the start of a write transaction.
#[derive(Debug, Clone)]
pub struct Head {
    /// Sequence number of the last entry (0 when empty).
    pub last_seq: i64,
    /// Hex hash of the last entry (zeros when empty).
    pub last_hash: String,
}

/// Takes the ledger's write lock inside `txn` and reads the head. Call it first in a write
/// transaction: on SQLite the no-op update takes the database write lock before anything
/// is read (so no stale snapshot can be upgraded), on PostgreSQL it locks the head row.
pub async fn lock_head<C: ConnectionTrait>(txn: &C) -> Result<Head, LedgerError> {
    // One statement takes the lock and reads the head (RETURNING: SQLite ≥ 3.35, PostgreSQL).
    let stmt = sea_orm::Statement::from_string(
        txn.get_database_backend(),
        "UPDATE ledger_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash",
    );
    let row = txn.query_one_raw(stmt).await?.ok_or(LedgerError::NoHead)?;
    Ok(Head {
        last_seq: row.try_get_by_index(0)?,
        last_hash: row.try_get_by_index(1)?,
    })
}

/// Appends one entry inside `txn` (after [`lock_head`]) and advances `head`.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    head: &mut Head,
    entry: NewEntry<'_>,
) -> Result<ledger_entry::Model, LedgerError> {
    let seq = head.last_seq + 1;
    let recorded_at = hash::canonical_time(Utc::now());
    // serde_json without `preserve_order` writes object keys sorted: the text is canonical.
    let payload = entry.payload.to_string();
    let payload_hash = hash::to_hex(&hash::payload_hash(&payload));
    let subject_id = entry.subject_id;
    let entry_hash = hash::to_hex(
        &hash::EntryFields {
            seq,
            recorded_at: &recorded_at,
            actor: entry.actor,
            action: entry.action,
            subject_type: entry.subject_type,
            subject_id: &subject_id,
            reason: entry.reason,
            payload_hash: &payload_hash,
            prev_hash: &head.last_hash,
        }
        .hash(),
    );
    let model = ledger_entry::Model {
        seq,
        recorded_at,
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        subject_type: entry.subject_type.to_string(),
        subject_id,
        reason: entry.reason.to_string(),
        payload_hash,
        prev_hash: head.last_hash.clone(),
        entry_hash: entry_hash.clone(),
        payload: Some(payload),
        redacted_at: None,
        redaction_reason: None,
    };
    // One statement: the entry with its payload; the migration's trigger moves the head in
    // the same statement (a round trip fewer per change).
    ledger_entry::Entity::insert(ledger_entry::ActiveModel::from(model.clone()))
        .exec_without_returning(txn)
        .await?;
    head.last_seq = seq;
    head.last_hash = entry_hash;
    metrics::counter!("govwatch_ledger_appends_total").increment(1);
    Ok(model)
}

/// Appends one entry in a transaction of its own (for events with no other change).
pub async fn record(
    db: &DatabaseConnection,
    entry: NewEntry<'_>,
) -> Result<ledger_entry::Model, LedgerError> {
    let txn = db.begin().await?;
    let mut head = lock_head(&txn).await?;
    let model = append(&txn, &mut head, entry).await?;
    txn.commit().await?;
    Ok(model)
}

/// The hashed record of an entry: every field the entry hash covers, and the hash. This is
/// what auditors check; the payload stays out of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Sequence number, from 1.
    pub seq: i64,
    /// Canonical UTC time.
    pub recorded_at: String,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Kind of subject.
    pub subject_type: String,
    /// Subject id.
    pub subject_id: String,
    /// Why.
    pub reason: String,
    /// Hex SHA-256 of the payload text.
    pub payload_hash: String,
    /// Hex hash of the previous entry.
    pub prev_hash: String,
    /// Hex hash of this entry.
    pub entry_hash: String,
}

impl Record {
    /// The fields as hashed.
    pub fn fields(&self) -> hash::EntryFields<'_> {
        hash::EntryFields {
            seq: self.seq,
            recorded_at: &self.recorded_at,
            actor: &self.actor,
            action: &self.action,
            subject_type: &self.subject_type,
            subject_id: &self.subject_id,
            reason: &self.reason,
            payload_hash: &self.payload_hash,
            prev_hash: &self.prev_hash,
        }
    }
}

impl From<ledger_entry::Model> for Record {
    fn from(m: ledger_entry::Model) -> Self {
        Self {
            seq: m.seq,
            recorded_at: m.recorded_at,
            actor: m.actor,
            action: m.action,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            reason: m.reason,
            payload_hash: m.payload_hash,
            prev_hash: m.prev_hash,
            entry_hash: m.entry_hash,
        }
    }
}

/// An entry with its payload, as shown in histories and exports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EntryView {
    /// The hashed record.
    #[serde(flatten)]
    pub entry: Record,
    /// The payload, or `None` when redacted.
    pub payload: Option<Value>,
    /// When the payload was redacted.
    pub redacted_at: Option<String>,
}

impl From<ledger_entry::Model> for EntryView {
    fn from(mut m: ledger_entry::Model) -> Self {
        let payload = m.payload.take().and_then(|s| serde_json::from_str(&s).ok());
        let redacted_at = m.redacted_at.take();
        Self {
            entry: m.into(),
            payload,
            redacted_at,
        }
    }
}

/// The whole history of one subject, oldest first.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<EntryView>, LedgerError> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SubjectType.eq(subject_type))
        .filter(ledger_entry::Column::SubjectId.eq(subject_id))
        .order_by_asc(ledger_entry::Column::Seq)
        .all(db)
        .await?;
    Ok(entries.into_iter().map(EntryView::from).collect())
}

/// Redacts the payload of entry `seq` for a lawful erasure. The entry hash, which covers
/// only the payload's hash, stays valid; the redaction itself is recorded as a new entry.
pub async fn redact_payload(
    db: &DatabaseConnection,
    seq: i64,
    actor: &str,
    reason: &str,
) -> Result<(), LedgerError> {
    let txn = db.begin().await?;
    let mut head = lock_head(&txn).await?;
    let now = hash::canonical_time(Utc::now());
    let done = ledger_entry::Entity::update_many()
        .col_expr(ledger_entry::Column::Payload, Option::<String>::None.into())
        .col_expr(ledger_entry::Column::RedactedAt, Some(now).into())
        .col_expr(
            ledger_entry::Column::RedactionReason,
            Some(reason.to_string()).into(),
        )
        .filter(ledger_entry::Column::Seq.eq(seq))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(LedgerError::NoSuchEntry(seq));
    }
    append(
        &txn,
        &mut head,
        NewEntry {
            actor,
            action: "ledger.redact_payload",
            subject_type: "ledger_entry",
            subject_id: seq.to_string(),
            reason,
            payload: serde_json::json!({ "seq": seq }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

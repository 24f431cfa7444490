//! `ledger verify`: recompute every hash, the chain, payload hashes and the Merkle tree, and
//! check every checkpoint (signature, root, consistency with the previous one).

use ed25519_dalek::VerifyingKey;
use futures::StreamExt;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryOrder};
use serde::Serialize;

use super::checkpoint::Checkpoint;
use super::hash::{self, EntryFields, GENESIS};
use super::merkle::{self, MerkleTree};
use super::{LedgerError, keys};
use crate::db::entities::{ledger_checkpoint, ledger_entry, ledger_head};

/// One entry joined with its payload, as streamed from the database.
struct Row {
    seq: i64,
    recorded_at: String,
    actor: String,
    action: String,
    subject_type: String,
    subject_id: String,
    reason: String,
    payload_hash: String,
    prev_hash: String,
    entry_hash: String,
    payload: Option<String>,
    redacted: bool,
}

type RowTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

const ROWS_SQL: &str = "SELECT e.seq, e.recorded_at, e.actor, e.action, e.subject_type, e.subject_id, e.reason, \
     e.payload_hash, e.prev_hash, e.entry_hash, e.payload, e.redacted_at \
     FROM ledger_entries e ORDER BY e.seq";

fn to_row(t: RowTuple) -> Row {
    Row {
        seq: t.0,
        recorded_at: t.1,
        actor: t.2,
        action: t.3,
        subject_type: t.4,
        subject_id: t.5,
        reason: t.6,
        payload_hash: t.7,
        prev_hash: t.8,
        entry_hash: t.9,
        payload: t.10,
        redacted: t.11.is_some(),
    }
}

/// Entries per block when reading SQLite (see [`stream_rows`]).
const SQLITE_BLOCK: i64 = 2_000;

const SQLITE_BLOCK_SQL: &str = "SELECT json_group_array(json_array(e.seq, e.recorded_at, e.actor, e.action, \
     e.subject_type, e.subject_id, e.reason, e.payload_hash, e.prev_hash, e.entry_hash, e.payload, \
     e.redacted_at) ORDER BY e.seq) \
     FROM ledger_entries e WHERE e.seq >= ? AND e.seq < ?";

/// Streams every entry with its payload, in sequence order, straight through sqlx (a million
/// rows through the ORM's generic row mapping cost several times the hashing itself).
///
/// PostgreSQL streams rows of one query. SQLite's driver hands each row from its worker thread
/// to ours through a channel, a thread wake-up per row; so SQLite returns blocks of entries
/// as one JSON array per query (exact text, escaped by SQLite) and the wake-ups drop a
/// thousandfold.
fn stream_rows(db: &DatabaseConnection) -> futures::stream::BoxStream<'_, Result<Row, DbErr>> {
    use sea_orm::sqlx;
    let err = |e: sqlx::Error| DbErr::Custom(e.to_string());
    match db.get_database_backend() {
        DbBackend::Postgres => sqlx::query_as::<_, RowTuple>(ROWS_SQL)
            .fetch(db.get_postgres_connection_pool())
            .map(move |r| r.map(to_row).map_err(err))
            .boxed(),
        _ => {
            let pool = db.get_sqlite_connection_pool();
            let blocks = futures::stream::once(async move {
                sqlx::query_as::<_, (Option<i64>, Option<i64>)>(
                    "SELECT MIN(seq), MAX(seq) FROM ledger_entries",
                )
                .fetch_one(pool)
                .await
                .map_err(err)
            })
            .flat_map(move |bounds| {
                let blocks: Vec<Result<(i64, i64), DbErr>> = match bounds {
                    Ok((Some(lo), Some(hi))) => {
                        let mut v = Vec::new();
                        let mut start = lo;
                        while start <= hi {
                            let end = start.saturating_add(SQLITE_BLOCK);
                            v.push(Ok((start, end)));
                            start = end;
                        }
                        v
                    }
                    Ok(_) => Vec::new(),
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(blocks)
            });
            blocks
                .then(move |range| async move {
                    let (lo, hi) = range?;
                    let json: Option<String> = sqlx::query_scalar(SQLITE_BLOCK_SQL)
                        .bind(lo)
                        .bind(hi)
                        .fetch_one(pool)
                        .await
                        .map_err(err)?;
                    let rows: Vec<RowTuple> = match json {
                        Some(j) => serde_json::from_str(&j)
                            .map_err(|e| DbErr::Custom(format!("账本读取失败: {e}")))?,
                        None => Vec::new(),
                    };
                    Ok::<_, DbErr>(rows)
                })
                .flat_map(|block: Result<Vec<RowTuple>, DbErr>| {
                    let items: Vec<Result<Row, DbErr>> = match block {
                        Ok(rows) => rows.into_iter().map(|t| Ok(to_row(t))).collect(),
                        Err(e) => vec![Err(e)],
                    };
                    futures::stream::iter(items)
                })
                .boxed()
        }
    }
}

/// What to check besides the database's own contents.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Checkpoints must be signed by this key (the installation's own key, or one an
    /// auditor pins). Without it, signatures are checked against the key they name.
    pub pinned_key: Option<VerifyingKey>,
    /// Checkpoints kept outside the database (files, an auditor's copies).
    pub external_checkpoints: Vec<Checkpoint>,
}

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The first bad entry (sequence number), when the problem is in an entry.
    pub seq: Option<i64>,
    /// A stable code: `missing_entry`, `unexpected_entry`, `chain_broken`,
    /// `entry_hash_mismatch`, `payload_hash_mismatch`, `payload_missing`,
    /// `checkpoint_signature`, `checkpoint_key`, `checkpoint_truncated`,
    /// `checkpoint_root_mismatch`, `checkpoint_inconsistent`, `head_mismatch`.
    pub code: &'static str,
    /// A message in Chinese for the operator.
    pub message: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: u64,
    /// Entries whose payload has been redacted (their hash could not be rechecked).
    pub redacted_payloads: u64,
    /// Checkpoints checked (database and external).
    pub checkpoints: u64,
    /// Consistency proofs between successive checkpoints that were built and verified.
    pub consistency_proofs: u64,
    /// Hex Merkle root of the whole ledger.
    pub root_hash: String,
    /// The first problem, if any.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Verifies the ledger. `progress(done, total)` is called as entries are read.
pub async fn verify(
    db: &DatabaseConnection,
    opts: &VerifyOptions,
    progress: impl FnMut(u64, u64),
) -> Result<VerifyReport, LedgerError> {
    Ok(verify_with_tree(db, opts, progress).await?.0)
}

fn problem(seq: Option<i64>, code: &'static str, message: String) -> Option<Problem> {
    Some(Problem { seq, code, message })
}

/// Verifies the ledger and also returns the Merkle tree over its entries.
pub async fn verify_with_tree(
    db: &DatabaseConnection,
    opts: &VerifyOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<(VerifyReport, MerkleTree), LedgerError> {
    let total = ledger_entry::Entity::find().count(db).await?;
    let mut tree = MerkleTree::new();
    let mut report = VerifyReport {
        entries: 0,
        redacted_payloads: 0,
        checkpoints: 0,
        consistency_proofs: 0,
        root_hash: String::new(),
        problem: None,
    };
    let mut prev: hash::Hash = GENESIS;
    let mut expected: i64 = 1;
    {
        let mut rows = stream_rows(db);
        while let Some(row) = rows.next().await {
            let e = row?;
            if e.seq != expected {
                report.problem = if e.seq > expected {
                    problem(
                        Some(expected),
                        "missing_entry",
                        format!(
                            "第 {expected} 条缺失（下一条是第 {} 条）：有条目被删除或插入",
                            e.seq
                        ),
                    )
                } else {
                    problem(
                        Some(e.seq),
                        "unexpected_entry",
                        format!("第 {} 条重复或顺序错乱", e.seq),
                    )
                };
                break;
            }
            if hash::from_hex(&e.prev_hash) != Some(prev) {
                report.problem = problem(
                    Some(e.seq),
                    "chain_broken",
                    format!(
                        "第 {} 条的前序哈希与第 {} 条不符：条目被删除、插入或调换了顺序",
                        e.seq,
                        e.seq - 1
                    ),
                );
                break;
            }
            let computed = EntryFields {
                seq: e.seq,
                recorded_at: &e.recorded_at,
                actor: &e.actor,
                action: &e.action,
                subject_type: &e.subject_type,
                subject_id: &e.subject_id,
                reason: &e.reason,
                payload_hash: &e.payload_hash,
                prev_hash: &e.prev_hash,
            }
            .hash();
            if hash::from_hex(&e.entry_hash) != Some(computed) {
                report.problem = problem(
                    Some(e.seq),
                    "entry_hash_mismatch",
                    format!("第 {} 条的内容与其哈希不符：条目被改动", e.seq),
                );
                break;
            }
            match e.payload.as_deref() {
                Some(text) => {
                    if hash::from_hex(&e.payload_hash) != Some(hash::payload_hash(text)) {
                        report.problem = problem(
                            Some(e.seq),
                            "payload_hash_mismatch",
                            format!("第 {} 条的载荷被改动", e.seq),
                        );
                        break;
                    }
                }
                None if e.redacted => report.redacted_payloads += 1,
                None => {
                    report.problem = problem(
                        Some(e.seq),
                        "payload_missing",
                        format!("第 {} 条的载荷被清空，但没有删除记录", e.seq),
                    );
                    break;
                }
            }
            tree.push(&computed);
            prev = computed;
            expected += 1;
            report.entries += 1;
            if report.entries.is_multiple_of(20_000) {
                progress(report.entries, total);
            }
        }
    }
    progress(report.entries, total);
    report.root_hash = hash::to_hex(&tree.root(tree.len()).unwrap_or_else(merkle::empty_root));
    if report.problem.is_some() {
        return Ok((report, tree));
    }

    let head = ledger_head::Entity::find_by_id(1).one(db).await?;
    if let Some(head) = head
        && (head.last_seq != report.entries as i64
            || (head.last_seq > 0 && hash::from_hex(&head.last_hash) != Some(prev)))
    {
        report.problem = problem(
            None,
            "head_mismatch",
            format!(
                "账本头记录为第 {} 条，但账本实有 {} 条：末尾条目被删除或改写",
                head.last_seq, report.entries
            ),
        );
        return Ok((report, tree));
    }

    let mut checkpoints: Vec<(String, Checkpoint)> = ledger_checkpoint::Entity::find()
        .order_by_asc(ledger_checkpoint::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (format!("检查点 #{}", m.id), Checkpoint::from(m)))
        .collect();
    checkpoints.extend(
        opts.external_checkpoints
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("外部检查点 {}", i + 1), c.clone())),
    );
    report.problem = check_checkpoints(&tree, &checkpoints, opts, &mut report);
    Ok((report, tree))
}

fn check_checkpoints(
    tree: &MerkleTree,
    checkpoints: &[(String, Checkpoint)],
    opts: &VerifyOptions,
    report: &mut VerifyReport,
) -> Option<Problem> {
    let pinned = opts.pinned_key.as_ref().map(keys::public_hex);
    let mut verified: Vec<&Checkpoint> = Vec::new();
    for (name, cp) in checkpoints {
        report.checkpoints += 1;
        if !cp.signature_valid() {
            return problem(None, "checkpoint_signature", format!("{name} 的签名无效"));
        }
        if let Some(pinned) = &pinned
            && &cp.public_key != pinned
        {
            return problem(
                None,
                "checkpoint_key",
                format!("{name} 不是由本系统的签名密钥签署的"),
            );
        }
        if cp.tree_size > tree.len() {
            return problem(
                None,
                "checkpoint_truncated",
                format!(
                    "{name} 覆盖 {} 条，但账本只剩 {} 条：历史被截断",
                    cp.tree_size,
                    tree.len()
                ),
            );
        }
        let root = tree.root(cp.tree_size).unwrap_or_else(merkle::empty_root);
        if Some(root) != hash::from_hex(&cp.root_hash) {
            return problem(
                Some(i64::try_from(cp.tree_size).unwrap_or(i64::MAX)),
                "checkpoint_root_mismatch",
                format!(
                    "{name}（{} 条）的根哈希与账本不符：历史被改写或分叉",
                    cp.tree_size
                ),
            );
        }
        verified.push(cp);
    }
    // Consistency proofs between successive checkpoints (by size): each later checkpoint
    // must extend the earlier one, append-only.
    verified.sort_by_key(|c| c.tree_size);
    for pair in verified.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.tree_size == 0 {
            continue;
        }
        let (Some(ra), Some(rb)) = (hash::from_hex(&a.root_hash), hash::from_hex(&b.root_hash))
        else {
            return problem(
                None,
                "checkpoint_inconsistent",
                "检查点根哈希格式错误".to_string(),
            );
        };
        let proof = tree
            .consistency_proof(a.tree_size, b.tree_size)
            .unwrap_or_default();
        if !merkle::verify_consistency(a.tree_size, b.tree_size, &ra, &rb, &proof) {
            return problem(
                None,
                "checkpoint_inconsistent",
                format!("{} 条与 {} 条的检查点之间不一致", a.tree_size, b.tree_size),
            );
        }
        report.consistency_proofs += 1;
    }
    None
}

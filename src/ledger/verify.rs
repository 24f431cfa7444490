//! `ledger verify`: recompute every hash, the chain, payload hashes and the Merkle tree, and
//! check every checkpoint (signature, root, consistency with the previous one).

use ed25519_dalek::VerifyingKey;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::checkpoint::Checkpoint;
use super::hash::{self, EntryFields, GENESIS};
use super::merkle::{self, MerkleTree};
use super::{LedgerError, keys};
use crate::db::entities::{ledger_checkpoint, ledger_entry, ledger_head, ledger_payload};

/// Rows read per query while streaming the ledger.
const PAGE: u64 = 20_000;

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
    let mut after: i64 = i64::MIN;
    'pages: loop {
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Seq.gt(after))
            .order_by_asc(ledger_entry::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = entries.last() else { break };
        let (first_seq, last_seq) = (entries[0].seq, last.seq);
        let payloads = ledger_payload::Entity::find()
            .filter(ledger_payload::Column::Seq.between(first_seq, last_seq))
            .order_by_asc(ledger_payload::Column::Seq)
            .all(db)
            .await?;
        let mut payloads = payloads.into_iter().peekable();
        for e in &entries {
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
                break 'pages;
            }
            let stored_prev = hash::from_hex(&e.prev_hash);
            if stored_prev != Some(prev) {
                report.problem = problem(
                    Some(e.seq),
                    "chain_broken",
                    format!(
                        "第 {} 条的前序哈希与第 {} 条不符：条目被删除、插入或调换了顺序",
                        e.seq,
                        e.seq - 1
                    ),
                );
                break 'pages;
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
                break 'pages;
            }
            while payloads.peek().is_some_and(|p| p.seq < e.seq) {
                payloads.next();
            }
            match payloads.next_if(|p| p.seq == e.seq) {
                Some(p) => match p.payload {
                    Some(text) => {
                        if hash::to_hex(&hash::payload_hash(&text)) != e.payload_hash {
                            report.problem = problem(
                                Some(e.seq),
                                "payload_hash_mismatch",
                                format!("第 {} 条的载荷被改动", e.seq),
                            );
                            break 'pages;
                        }
                    }
                    None if p.redacted_at.is_some() => report.redacted_payloads += 1,
                    None => {
                        report.problem = problem(
                            Some(e.seq),
                            "payload_missing",
                            format!("第 {} 条的载荷被清空，但没有删除记录", e.seq),
                        );
                        break 'pages;
                    }
                },
                None => {
                    report.problem = problem(
                        Some(e.seq),
                        "payload_missing",
                        format!("第 {} 条的载荷缺失", e.seq),
                    );
                    break 'pages;
                }
            }
            tree.push(&computed);
            prev = computed;
            expected += 1;
            report.entries += 1;
        }
        after = last_seq;
        progress(report.entries, total);
    }
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

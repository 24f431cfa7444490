//! Tampering with the ledger directly in the database is caught by `verify`, which names the
//! first bad entry: an edited, deleted, inserted or reordered row, an edited payload, and —
//! once a checkpoint exists — even a history that was re-hashed, truncated or forked.

use govwatch::auth::Actor;
use govwatch::db::entities::ledger_entry;
use govwatch::ledger::hash::{EntryFields, to_hex};
use govwatch::ledger::{self, VerifyOptions, VerifyReport, keys};
use govwatch::registry::{self, AccountInput, Platform};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};

use crate::support::db::{TestDb, test_db};

/// A ledger with `n` account registrations (plus one department entry).
async fn ledger_with(n: usize) -> TestDb {
    let t = test_db().await;
    let actor = Actor::cli();
    let d = registry::departments::create(
        &t.db,
        &actor,
        registry::departments::DepartmentInput {
            code: "city".into(),
            name: "市政府".into(),
            parent_code: None,
        },
    )
    .await
    .unwrap();
    for i in 0..n {
        let input = AccountInput {
            platform: Platform::Wechat,
            name: format!("公众号{i}"),
            handle: Some(format!("gzh{i}")),
            url: None,
            department_id: d.id,
            operator: None,
            responsible: None,
            contacts: vec![],
            opened_on: None,
            crawl_cron: None,
        };
        registry::accounts::register(&t.db, &actor, input, "开设")
            .await
            .unwrap();
    }
    t
}

async fn verify(db: &DatabaseConnection) -> VerifyReport {
    ledger::verify(db, &VerifyOptions::default(), |_, _| {})
        .await
        .unwrap()
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn first_bad(r: &VerifyReport) -> (Option<i64>, &'static str) {
    let p = r.problem.as_ref().expect("tampering must be detected");
    (p.seq, p.code)
}

#[tokio::test]
async fn intact_ledger_verifies() {
    let t = ledger_with(10).await;
    let r = verify(&t.db).await;
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.entries, 11);
}

#[tokio::test]
async fn edited_row_is_caught() {
    let t = ledger_with(10).await;
    exec(
        &t.db,
        "UPDATE ledger_entries SET reason = '已整改' WHERE seq = 5",
    )
    .await;
    assert_eq!(
        first_bad(&verify(&t.db).await),
        (Some(5), "entry_hash_mismatch")
    );
}

#[tokio::test]
async fn edited_actor_with_recomputed_own_hash_breaks_the_chain() {
    let t = ledger_with(10).await;
    // The forger recomputes entry 5's own hash, but entry 6 still points at the old one.
    let e = ledger_entry::Entity::find_by_id(5)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let forged = to_hex(
        &EntryFields {
            seq: e.seq,
            recorded_at: &e.recorded_at,
            actor: "someone-else",
            action: &e.action,
            subject_type: &e.subject_type,
            subject_id: &e.subject_id,
            reason: &e.reason,
            payload_hash: &e.payload_hash,
            prev_hash: &e.prev_hash,
        }
        .hash(),
    );
    exec(&t.db, &format!("UPDATE ledger_entries SET actor = 'someone-else', entry_hash = '{forged}' WHERE seq = 5")).await;
    assert_eq!(first_bad(&verify(&t.db).await), (Some(6), "chain_broken"));
}

#[tokio::test]
async fn deleted_row_is_caught() {
    let t = ledger_with(10).await;
    exec(&t.db, "DELETE FROM ledger_entries WHERE seq = 4").await;
    assert_eq!(first_bad(&verify(&t.db).await), (Some(4), "missing_entry"));
}

#[tokio::test]
async fn inserted_row_is_caught() {
    let t = ledger_with(10).await;
    // Make room at seq 5 by shifting the rest up, then insert a well-formed forged entry
    // that chains correctly onto entry 4.
    exec(
        &t.db,
        "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 5",
    )
    .await;
    exec(
        &t.db,
        "UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= 1005",
    )
    .await;
    let prev = ledger_entry::Entity::find_by_id(4)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let payload = "{}";
    let ph = to_hex(&govwatch::ledger::hash::payload_hash(payload));
    let fields = EntryFields {
        seq: 5,
        recorded_at: &prev.recorded_at,
        actor: "intruder",
        action: "account.register",
        subject_type: "account",
        subject_id: "999",
        reason: "伪造",
        payload_hash: &ph,
        prev_hash: &prev.entry_hash,
    };
    let h = to_hex(&fields.hash());
    exec(
        &t.db,
        &format!(
            "INSERT INTO ledger_entries (seq, recorded_at, actor, action, subject_type, subject_id, reason, payload_hash, prev_hash, entry_hash, payload) \
             VALUES (5, '{}', 'intruder', 'account.register', 'account', '999', '伪造', '{ph}', '{}', '{h}', '{{}}')",
            prev.recorded_at, prev.entry_hash
        ),
    )
    .await;
    // Entry 5 itself is well formed; the old entry 5, now at 6, no longer matches its hash
    // (the sequence number is hashed) and no longer chains.
    let (seq, _) = first_bad(&verify(&t.db).await);
    assert_eq!(seq, Some(6));
}

#[tokio::test]
async fn appended_row_with_wrong_prev_is_caught() {
    let t = ledger_with(5).await;
    let last = ledger_entry::Entity::find_by_id(6)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    exec(
        &t.db,
        &format!(
            "INSERT INTO ledger_entries (seq, recorded_at, actor, action, subject_type, subject_id, reason, payload_hash, prev_hash, entry_hash) \
             VALUES (7, '{}', 'x', 'account.register', 'account', '1', 'x', '{}', '{}', '{}')",
            last.recorded_at, last.payload_hash, "ab".repeat(32), "cd".repeat(32)
        ),
    )
    .await;
    assert_eq!(first_bad(&verify(&t.db).await), (Some(7), "chain_broken"));
}

#[tokio::test]
async fn reordered_rows_are_caught() {
    let t = ledger_with(10).await;
    exec(&t.db, "UPDATE ledger_entries SET seq = -1 WHERE seq = 3").await;
    exec(&t.db, "UPDATE ledger_entries SET seq = 3 WHERE seq = 4").await;
    exec(&t.db, "UPDATE ledger_entries SET seq = 4 WHERE seq = -1").await;
    assert_eq!(first_bad(&verify(&t.db).await), (Some(3), "chain_broken"));
}

#[tokio::test]
async fn edited_payload_is_caught_but_redaction_is_not_tampering() {
    let t = ledger_with(6).await;
    ledger::redact_payload(&t.db, 2, "cli:test", "依法删除个人信息")
        .await
        .unwrap();
    let r = verify(&t.db).await;
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.redacted_payloads, 1);
    exec(
        &t.db,
        "UPDATE ledger_entries SET payload = '{\"after\":null}' WHERE seq = 4",
    )
    .await;
    assert_eq!(
        first_bad(&verify(&t.db).await),
        (Some(4), "payload_hash_mismatch")
    );
    exec(
        &t.db,
        "UPDATE ledger_entries SET payload = NULL WHERE seq = 4",
    )
    .await;
    assert_eq!(
        first_bad(&verify(&t.db).await),
        (Some(4), "payload_missing")
    );
}

#[tokio::test]
async fn truncated_tail_is_caught_by_the_head() {
    let t = ledger_with(6).await;
    exec(&t.db, "DELETE FROM ledger_entries WHERE seq = 7").await;
    assert_eq!(first_bad(&verify(&t.db).await).1, "head_mismatch");
}

/// The forger's tool: recompute every hash from `from` on, and the head, so the chain is
/// perfect again.
async fn rehash(db: &DatabaseConnection) {
    let entries = ledger_entry::Entity::find()
        .order_by_asc(ledger_entry::Column::Seq)
        .all(db)
        .await
        .unwrap();
    let mut prev = "0".repeat(64);
    for e in entries {
        let h = to_hex(
            &EntryFields {
                seq: e.seq,
                recorded_at: &e.recorded_at,
                actor: &e.actor,
                action: &e.action,
                subject_type: &e.subject_type,
                subject_id: &e.subject_id,
                reason: &e.reason,
                payload_hash: &e.payload_hash,
                prev_hash: &prev,
            }
            .hash(),
        );
        exec(
            db,
            &format!(
                "UPDATE ledger_entries SET prev_hash = '{prev}', entry_hash = '{h}' WHERE seq = {}",
                e.seq
            ),
        )
        .await;
        prev = h;
    }
    let n = ledger_entry::Entity::find().all(db).await.unwrap().len();
    exec(
        db,
        &format!("UPDATE ledger_head SET last_seq = {n}, last_hash = '{prev}' WHERE id = 1"),
    )
    .await;
}

#[tokio::test]
async fn rehashed_history_is_caught_by_a_checkpoint() {
    let t = ledger_with(8).await;
    let key = keys::load_or_create(&t.dir.path().join("k.key")).unwrap();
    ledger::checkpoint(&t.db, &key, None)
        .await
        .unwrap()
        .unwrap();
    exec(
        &t.db,
        "UPDATE ledger_entries SET reason = '改写的事由' WHERE seq = 3",
    )
    .await;
    rehash(&t.db).await;
    let (seq, code) = first_bad(&verify(&t.db).await);
    assert_eq!(code, "checkpoint_root_mismatch");
    assert_eq!(seq, Some(9));
}

#[tokio::test]
async fn truncated_and_rehashed_history_is_caught_by_a_checkpoint() {
    let t = ledger_with(8).await;
    let key = keys::load_or_create(&t.dir.path().join("k.key")).unwrap();
    ledger::checkpoint(&t.db, &key, None)
        .await
        .unwrap()
        .unwrap();
    exec(&t.db, "DELETE FROM ledger_entries WHERE seq >= 8").await;
    rehash(&t.db).await;
    assert_eq!(first_bad(&verify(&t.db).await).1, "checkpoint_truncated");
}

#[tokio::test]
async fn forked_history_is_caught_by_an_external_checkpoint_even_if_db_checkpoints_are_deleted() {
    let t = ledger_with(5).await;
    let key = keys::load_or_create(&t.dir.path().join("k.key")).unwrap();
    let cp = ledger::checkpoint(&t.db, &key, None)
        .await
        .unwrap()
        .unwrap();
    // Fork: rewrite entry 2 and re-hash, and remove the checkpoints from the database.
    exec(
        &t.db,
        "UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 2",
    )
    .await;
    rehash(&t.db).await;
    exec(&t.db, "DELETE FROM ledger_checkpoints").await;
    assert!(
        verify(&t.db).await.ok(),
        "without any checkpoint a full re-hash cannot be seen"
    );
    let opts = VerifyOptions {
        pinned_key: Some(key.verifying_key()),
        external_checkpoints: vec![cp],
    };
    let r = ledger::verify(&t.db, &opts, |_, _| {}).await.unwrap();
    assert_eq!(first_bad(&r).1, "checkpoint_root_mismatch");
}

#[tokio::test]
async fn checkpoint_signed_by_another_key_or_forged_is_refused() {
    let t = ledger_with(3).await;
    let ours = keys::load_or_create(&t.dir.path().join("ours.key")).unwrap();
    let theirs = keys::load_or_create(&t.dir.path().join("theirs.key")).unwrap();
    ledger::checkpoint(&t.db, &theirs, None)
        .await
        .unwrap()
        .unwrap();
    let opts = VerifyOptions {
        pinned_key: Some(ours.verifying_key()),
        external_checkpoints: vec![],
    };
    let r = ledger::verify(&t.db, &opts, |_, _| {}).await.unwrap();
    assert_eq!(first_bad(&r).1, "checkpoint_key");
    exec(&t.db, "UPDATE ledger_checkpoints SET tree_size = 2").await;
    assert_eq!(first_bad(&verify(&t.db).await).1, "checkpoint_signature");
}

#[tokio::test]
async fn checkpoint_refuses_to_sign_a_broken_ledger() {
    let t = ledger_with(3).await;
    exec(
        &t.db,
        "UPDATE ledger_entries SET reason = 'x' WHERE seq = 2",
    )
    .await;
    let key = keys::load_or_create(&t.dir.path().join("k.key")).unwrap();
    let refused = ledger::checkpoint(&t.db, &key, None).await.unwrap();
    assert!(refused.is_err());
}

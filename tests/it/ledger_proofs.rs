//! Inclusion and consistency proofs, checked by the independent verifier in
//! `support::ct` — as an auditor would, without the database.

use ed25519_dalek::{Signature, Verifier};
use govwatch::db::entities::ledger_entry;
use govwatch::ledger::hash::EntryFields;
use govwatch::ledger::merkle::MerkleTree;
use govwatch::ledger::{self, Checkpoint, keys};
use sea_orm::{EntityTrait, QueryOrder};

use crate::support::ct::{self, hex32};
use crate::support::db::test_db;

async fn add_entries(db: &sea_orm::DatabaseConnection, n: usize, offset: usize) {
    for i in 0..n {
        ledger::record(
            db,
            ledger::NewEntry {
                actor: "cli:test",
                action: "test.event",
                subject_type: "test",
                subject_id: (offset + i).to_string(),
                reason: "测试",
                payload: serde_json::json!({ "i": offset + i }),
            },
        )
        .await
        .unwrap();
    }
}

fn signature_ok(cp: &Checkpoint) -> bool {
    let key = keys::parse_public(&cp.public_key).unwrap();
    let sig = Signature::from_bytes(&hex::decode(&cp.signature).unwrap().try_into().unwrap());
    let msg = format!(
        "govwatch-ledger-checkpoint-v1\n{}\n{}\n{}\n",
        cp.tree_size, cp.root_hash, cp.signed_at
    );
    key.verify(msg.as_bytes(), &sig).is_ok()
}

#[tokio::test]
async fn every_entry_has_an_inclusion_proof_an_auditor_can_check() {
    let t = test_db().await;
    add_entries(&t.db, 13, 0).await;
    let key = keys::load_or_create(&t.dir.path().join("k.key")).unwrap();
    let cp = ledger::checkpoint(&t.db, &key, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.tree_size, 13);
    assert!(signature_ok(&cp));
    for seq in 1..=13 {
        let proof = ledger::prove(&t.db, seq, None).await.unwrap();
        // Round-trip through JSON: the auditor only has what `ledger prove` prints.
        let json = serde_json::to_string(&proof).unwrap();
        let p: ledger::InclusionProof = serde_json::from_str(&json).unwrap();
        let e = &p.entry;
        let entry_hash = EntryFields {
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
        assert_eq!(hex::encode(entry_hash), e.entry_hash);
        let path: Vec<ct::H> = p.audit_path.iter().map(|h| hex32(h)).collect();
        let root = hex32(&p.checkpoint.root_hash);
        assert!(
            ct::verify_inclusion(
                p.leaf_index,
                p.checkpoint.tree_size,
                ct::leaf(&entry_hash),
                &path,
                &root
            ),
            "seq {seq}"
        );
        // A different entry does not verify with this path.
        assert!(!ct::verify_inclusion(
            p.leaf_index,
            p.checkpoint.tree_size,
            ct::leaf(b"forged"),
            &path,
            &root
        ));
    }
    // Entries after the last checkpoint are not covered yet.
    add_entries(&t.db, 1, 100).await;
    assert!(matches!(
        ledger::prove(&t.db, 14, None).await,
        Err(ledger::LedgerError::NotCheckpointed(14))
    ));
}

#[tokio::test]
async fn successive_checkpoints_are_consistent_and_verify_checks_it() {
    let t = test_db().await;
    let key = keys::load_or_create(&t.dir.path().join("k.key")).unwrap();
    let mut cps = Vec::new();
    let mut offset = 0;
    for batch in [1usize, 4, 3, 9, 16, 5] {
        add_entries(&t.db, batch, offset).await;
        offset += batch;
        cps.push(
            ledger::checkpoint(&t.db, &key, None)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let leaves: Vec<[u8; 32]> = ledger_entry::Entity::find()
        .order_by_asc(ledger_entry::Column::Seq)
        .all(&t.db)
        .await
        .unwrap()
        .iter()
        .map(|e| hex32(&e.entry_hash))
        .collect();
    let mut tree = MerkleTree::new();
    for l in &leaves {
        tree.push(l);
    }
    for pair in cps.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let proof = tree.consistency_proof(a.tree_size, b.tree_size).unwrap();
        let (ra, rb) = (hex32(&a.root_hash), hex32(&b.root_hash));
        assert!(
            ct::verify_consistency(a.tree_size, b.tree_size, &ra, &rb, &proof),
            "{} -> {}",
            a.tree_size,
            b.tree_size
        );
        assert!(!ct::verify_consistency(
            a.tree_size,
            b.tree_size,
            &rb,
            &rb,
            &proof
        ));
    }
    let r = ledger::verify(
        &t.db,
        &ledger::VerifyOptions {
            pinned_key: Some(key.verifying_key()),
            external_checkpoints: vec![],
        },
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.checkpoints, 6);
    assert_eq!(r.consistency_proofs, 5);
}

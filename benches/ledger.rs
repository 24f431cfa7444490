//! Ledger benchmark: append rate (one registry change per transaction, through the real
//! registry code) and full verification time, on SQLite and — when
//! `GOVWATCH_BENCH_DATABASE_URL` (or `GOVWATCH_TEST_DATABASE_URL`) points at PostgreSQL — on
//! PostgreSQL too.
//!
//! `cargo bench --bench ledger -- [--entries N] [--changes N] [--db FILE] [--verify-only]`
//! (defaults 1,000,000 and 5,000). `--db` keeps the SQLite file for repeated runs;
//! `--verify-only` skips the append measurement (e.g. to profile verification).
//! Goals on the 2-core reference machine: ≥ 2,000 changes/s and a full verify of 1,000,000
//! entries in under 5 s on SQLite.

use std::time::Instant;

use govwatch::auth::Actor;
use govwatch::db::entities::ledger_entry;
use govwatch::ledger::hash::{self, EntryFields};
use govwatch::ledger::{self, VerifyOptions, keys};
use govwatch::registry::{self, AccountInput, AccountPatch, Platform};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    TransactionTrait,
};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

async fn fresh_pg(admin: &str) -> (DatabaseConnection, String) {
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let a = govwatch::db::connect(admin).await.expect("postgres");
    a.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create db");
    let mut u = url::Url::parse(admin).expect("url");
    u.set_path(&format!("/{name}"));
    (
        govwatch::db::connect_and_migrate(u.as_str())
            .await
            .expect("migrate"),
        name,
    )
}

/// One registry change per transaction, through `registry::accounts::update`.
async fn append_rate(db: &DatabaseConnection, changes: u64) -> f64 {
    let actor = Actor::cli();
    let d = registry::departments::create(
        db,
        &actor,
        registry::departments::DepartmentInput {
            code: "bench".into(),
            name: "基准".into(),
            parent_code: None,
        },
    )
    .await
    .expect("dept");
    let input = AccountInput {
        platform: Platform::Website,
        name: "基准网站".into(),
        handle: None,
        url: Some("https://bench.gov.cn/".into()),
        department_id: d.id,
        operator: None,
        responsible: None,
        contacts: vec![],
        opened_on: None,
        crawl_cron: None,
    };
    let id = registry::accounts::register(db, &actor, input, "开设")
        .await
        .expect("register")
        .id;
    let start = Instant::now();
    for i in 0..changes {
        let patch = AccountPatch {
            operator: Some(format!("运维单位{i}")),
            ..Default::default()
        };
        registry::accounts::update(db, &actor, id, patch, "变更运维单位")
            .await
            .expect("update");
    }
    changes as f64 / start.elapsed().as_secs_f64()
}

/// Appends `n` well-formed entries in large batches (setup for the verify measurement).
async fn bulk_fill(db: &DatabaseConnection, n: u64) {
    let head = ledger::lock_head(db).await.expect("head");
    let mut prev = head.last_hash.clone();
    let mut seq = head.last_seq;
    let batch = 1000;
    let recorded_at = hash::canonical_time(chrono::Utc::now());
    let mut left = n;
    while left > 0 {
        let k = left.min(batch);
        let txn = db.begin().await.expect("begin");
        let mut entries = Vec::with_capacity(k as usize);
        for _ in 0..k {
            seq += 1;
            let payload =
                format!("{{\"after\":{{\"operator\":\"运维单位{seq}\"}},\"before\":null}}");
            let ph = hash::to_hex(&hash::payload_hash(&payload));
            let subject_id = (seq % 5000).to_string();
            let h = hash::to_hex(
                &EntryFields {
                    seq,
                    recorded_at: &recorded_at,
                    actor: "bench",
                    action: "account.update",
                    subject_type: "account",
                    subject_id: &subject_id,
                    reason: "变更运维单位",
                    payload_hash: &ph,
                    prev_hash: &prev,
                }
                .hash(),
            );
            entries.push(ledger_entry::ActiveModel {
                seq: Set(seq),
                recorded_at: Set(recorded_at.clone()),
                actor: Set("bench".into()),
                action: Set("account.update".into()),
                subject_type: Set("account".into()),
                subject_id: Set(subject_id),
                reason: Set("变更运维单位".into()),
                payload_hash: Set(ph),
                prev_hash: Set(prev.clone()),
                entry_hash: Set(h.clone()),
                payload: Set(Some(payload)),
                redacted_at: Set(None),
                redaction_reason: Set(None),
            });
            prev = h;
        }
        ledger_entry::Entity::insert_many(entries)
            .exec_without_returning(&txn)
            .await
            .expect("insert");
        txn.commit().await.expect("commit");
        left -= k;
    }
    db.execute_unprepared(&format!(
        "UPDATE ledger_head SET last_seq = {seq}, last_hash = '{prev}' WHERE id = 1"
    ))
    .await
    .expect("head");
}

async fn run(
    label: &str,
    db: &DatabaseConnection,
    entries: u64,
    changes: u64,
    key_dir: &std::path::Path,
) {
    if changes > 0 {
        let rate = append_rate(db, changes).await;
        println!(
            "{label:<10} append: {changes} registry changes, one per transaction: {rate:>8.0} changes/s"
        );
    }
    let fill_start = Instant::now();
    let have = ledger_entry::Entity::find().count(db).await.expect("count");
    bulk_fill(db, entries.saturating_sub(have)).await;
    println!(
        "{label:<10} setup:  bulk-filled to {entries} entries in {:.1} s",
        fill_start.elapsed().as_secs_f64()
    );
    let key = keys::load_or_create(&key_dir.join(format!("{label}.key"))).expect("key");
    let start = Instant::now();
    let cp = ledger::checkpoint(db, &key, None)
        .await
        .expect("checkpoint")
        .expect("intact");
    println!(
        "{label:<10} checkpoint of {} entries (verify + sign): {:.2} s",
        cp.tree_size,
        start.elapsed().as_secs_f64()
    );
    let opts = VerifyOptions {
        pinned_key: Some(key.verifying_key()),
        external_checkpoints: vec![],
    };
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let r = ledger::verify(db, &opts, |_, _| {}).await.expect("verify");
        assert!(r.ok(), "{:?}", r.problem);
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{label:<10} verify: {} entries + 1 checkpoint: best of 3 {best:.2} s ({:.0} entries/s)",
        cp.tree_size,
        cp.tree_size as f64 / best
    );
}

#[tokio::main]
async fn main() {
    govwatch::install_crypto_provider();
    let entries = arg("--entries", 1_000_000);
    let changes = arg("--changes", 5_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let db = govwatch::db::connect_and_migrate(&url)
        .await
        .expect("sqlite");
    run("sqlite", &db, entries, changes, dir.path()).await;
    db.close().await.ok();
    let pg = std::env::var("GOVWATCH_BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("GOVWATCH_TEST_DATABASE_URL"))
        .ok();
    if let Some(admin) = pg.filter(|u| u.starts_with("postgres")) {
        let (db, name) = fresh_pg(&admin).await;
        run("postgres", &db, entries, changes, dir.path()).await;
        db.close().await.ok();
        if let Ok(a) = govwatch::db::connect(&admin).await {
            let _ = a
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    } else {
        println!(
            "postgres   skipped: set GOVWATCH_BENCH_DATABASE_URL=postgres://… to measure PostgreSQL too"
        );
    }
}

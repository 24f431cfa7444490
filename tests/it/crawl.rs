//! Crawls through the platform: observations become snapshots, rows and findings; a second
//! identical crawl adds nothing and only moves `last_seen`; a redelivered job stores nothing
//! twice; the WARC export is readable by warcio.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use govwatch::auth::Actor;
use govwatch::crawl::CrawlEngine;
use govwatch::db::entities::{crawl, finding, ledger_entry, snapshot, snapshot_object};
use govwatch::registry::{self, AccountInput, Platform};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::db::{TestDb, test_db};

fn id_with_check(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// A small site: a home page, one article with a leaked ID and a misused word, one broken link.
async fn fixture_site() -> SocketAddr {
    let id = id_with_check("37020219900101123");
    let today = govwatch::time::today();
    let home = format!(
        "<html><head><meta charset='utf-8'><title>测试区政府</title></head><body>\
         <div class='nav'><ul><li><a href='/news/'>政务动态</a></li></ul></div>\
         <ul><li><a href='/a1.html'>关于低保名单的公示</a> <span>{today}</span></li></ul>\
         <a href='/missing.html'>失效链接</a></body></html>"
    );
    let article = format!(
        "<html><head><meta charset='utf-8'><title>低保名单公示</title></head><body>\
         <p>我们要再接再励，做好民生工作。</p><p>张三 身份证号：{id}</p></body></html>"
    );
    let news = format!(
        "<html><body><ul><li><a href='/a1.html'>公示</a> [{}]</li></ul></body></html>",
        today.format("%m-%d")
    );
    let app =
        Router::new()
            .route(
                "/",
                get(move || {
                    let h = home.clone();
                    async move {
                        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], h).into_response()
                    }
                }),
            )
            .route(
                "/a1.html",
                get(move || {
                    let a = article.clone();
                    async move {
                        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], a).into_response()
                    }
                }),
            )
            .route(
                "/news/",
                get(move || {
                    let n = news.clone();
                    async move {
                        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], n).into_response()
                    }
                }),
            )
            .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn distinct_content_hashes(
    db: &sea_orm::DatabaseConnection,
) -> std::collections::BTreeSet<String> {
    snapshot::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.content_hash)
        .collect()
}

/// The stored version of the fixture's article (the page with the leaked ID).
async fn article_snapshot(db: &sea_orm::DatabaseConnection) -> snapshot::Model {
    snapshot::Entity::find()
        .filter(snapshot::Column::Url.contains("/a1.html"))
        .one(db)
        .await
        .unwrap()
        .expect("the article was stored")
}

/// The pack files under the data directory, with their sizes.
fn pack_files(data_dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut out: Vec<_> = std::fs::read_dir(data_dir.join("snapshots/packs"))
        .map(|d| {
            d.map(|e| {
                let p = e.unwrap().path();
                let len = std::fs::metadata(&p).unwrap().len();
                (p, len)
            })
            .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Runs the `govwatch` binary on the test's data directory and database.
fn govwatch(t: &TestDb, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .args([
            "--data-dir",
            t.dir.path().to_str().unwrap(),
            "--database-url",
            &t.url,
        ])
        .args(args)
        .output()
        .unwrap()
}

async fn setup() -> (TestDb, CrawlEngine, i64) {
    let t = test_db().await;
    let addr = fixture_site().await;
    let actor = Actor::cli();
    let d = registry::departments::create(
        &t.db,
        &actor,
        registry::departments::DepartmentInput {
            code: "qu".into(),
            name: "测试区".into(),
            parent_code: None,
        },
    )
    .await
    .unwrap();
    let acc = registry::accounts::register(
        &t.db,
        &actor,
        AccountInput {
            platform: Platform::Website,
            name: "测试区政府网站".into(),
            handle: None,
            url: Some(format!("http://{addr}/")),
            department_id: d.id,
            operator: None,
            responsible: None,
            contacts: vec![],
            opened_on: None,
            crawl_cron: None,
        },
        "开设",
    )
    .await
    .unwrap();
    let mut settings = crate::support::app::settings_for(&t);
    settings.crawler.allow_private_addresses = true;
    settings.crawler.per_host_delay = Duration::ZERO;
    settings.crawler.retry_base_delay = Duration::from_millis(10);
    let engine = govwatch::worker::crawl_engine(&settings, t.db.clone()).unwrap();
    (t, engine, acc.id)
}

#[tokio::test]
async fn a_crawl_stores_snapshots_and_findings_and_a_second_identical_crawl_adds_nothing() {
    let (t, engine, id) = setup().await;
    let first = engine.crawl_account(id, None).await.unwrap();
    assert_eq!(first.status, "ok", "{first:?}");
    assert!(first.pages >= 3, "{first:?}");
    assert!(first.broken_links >= 1, "{first:?}");
    let findings = finding::Entity::find()
        .filter(finding::Column::AccountId.eq(id))
        .all(&t.db)
        .await
        .unwrap();
    let rules: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    for expected in ["pii.resident_id", "error.misused_word", "link.broken"] {
        assert!(
            rules.contains(&expected),
            "{expected} missing from {rules:?}"
        );
    }
    let id_finding = findings
        .iter()
        .find(|f| f.rule_id == "pii.resident_id")
        .unwrap();
    assert!(id_finding.url.ends_with("/a1.html"));
    assert!(
        id_finding.excerpt.contains("370202********"),
        "{}",
        id_finding.excerpt
    );
    assert!(
        !id_finding.excerpt.contains("19900101"),
        "no raw ID in the database"
    );
    let snaps_before = snapshot::Entity::find().count(&t.db).await.unwrap();
    let ledger_before = ledger_entry::Entity::find().count(&t.db).await.unwrap();
    assert!(snaps_before >= 3);
    // Every body went into a pack, indexed, and reads back as what the site served.
    let hashes = distinct_content_hashes(&t.db).await;
    let indexed: std::collections::BTreeSet<String> = snapshot_object::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.hash)
        .collect();
    assert_eq!(indexed, hashes, "one index row per distinct body");
    let store = govwatch::storage::SnapshotStore::open_local(t.dir.path());
    for hex in &hashes {
        let hash: govwatch::storage::ContentHash = hex.parse().unwrap();
        let body = govwatch::storage::index::load(&t.db, &store, &hash)
            .await
            .unwrap();
        assert_eq!(govwatch::storage::ContentHash::of(&body), hash);
    }
    let article = article_snapshot(&t.db).await;
    let body = govwatch::storage::index::load(
        &t.db,
        &store,
        &article.content_hash.unwrap().parse().unwrap(),
    )
    .await
    .unwrap();
    assert!(String::from_utf8_lossy(&body).contains("再接再励"));
    let packs_before = pack_files(t.dir.path());
    assert_eq!(
        packs_before.len(),
        1,
        "one small crawl, one pack: {packs_before:?}"
    );
    assert!(
        !t.dir.path().join("snapshots/objects").exists(),
        "small bodies are never loose files"
    );

    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = engine.crawl_account(id, None).await.unwrap();
    assert_eq!(
        second.findings_opened, 0,
        "an identical crawl opens nothing: {second:?}"
    );
    assert!(second.findings_seen >= findings.len() as u64);
    assert_eq!(second.snapshots_new, 0);
    assert_eq!(
        snapshot::Entity::find().count(&t.db).await.unwrap(),
        snaps_before,
        "same bytes, no new snapshot rows"
    );
    assert_eq!(
        ledger_entry::Entity::find().count(&t.db).await.unwrap(),
        ledger_before,
        "nothing new to record"
    );
    assert_eq!(
        pack_files(t.dir.path()),
        packs_before,
        "unchanged bodies are not stored again"
    );
    assert_eq!(
        snapshot_object::Entity::find().count(&t.db).await.unwrap(),
        hashes.len() as u64
    );
    let after = finding::Entity::find()
        .filter(finding::Column::AccountId.eq(id))
        .all(&t.db)
        .await
        .unwrap();
    assert_eq!(after.len(), findings.len());
    for f in &after {
        let before = findings.iter().find(|b| b.id == f.id).unwrap();
        assert!(
            f.last_seen_at > before.last_seen_at,
            "{} last_seen moved",
            f.rule_id
        );
        assert_eq!(f.first_seen_at, before.first_seen_at);
    }
    let ok = govwatch::ledger::verify(&t.db, &Default::default(), |_, _| {})
        .await
        .unwrap();
    assert!(ok.ok(), "{:?}", ok.problem);
}

#[tokio::test]
async fn a_job_run_twice_stores_nothing_twice() {
    let (t, engine, id) = setup().await;
    let a = engine.crawl_account(id, Some("crawl:job-1")).await.unwrap();
    let snaps = snapshot::Entity::find().count(&t.db).await.unwrap();
    let found = finding::Entity::find().count(&t.db).await.unwrap();
    let b = engine.crawl_account(id, Some("crawl:job-1")).await.unwrap();
    assert!(b.reused && b.crawl_id == a.crawl_id, "{b:?}");
    assert_eq!(crawl::Entity::find().count(&t.db).await.unwrap(), 1);
    assert_eq!(snapshot::Entity::find().count(&t.db).await.unwrap(), snaps);
    assert_eq!(finding::Entity::find().count(&t.db).await.unwrap(), found);
}

#[tokio::test]
async fn warc_export_of_a_crawl_is_valid_for_warcio() {
    let (t, engine, id) = setup().await;
    let o = engine.crawl_account(id, None).await.unwrap();
    let warc = t.dir.path().join("crawl.warc.gz");
    let out = govwatch(
        &t,
        &[
            "snapshots",
            "export",
            "--warc",
            warc.to_str().unwrap(),
            "--crawl",
            &o.crawl_id.to_string(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("个响应记录"));
    let Some(warcio) = crate::support::warcio::warcio_command("warc_export_of_a_crawl") else {
        return;
    };
    let check = crate::support::warcio::run(&warcio, &["check", "-v"], &warc);
    assert!(
        check.status.success(),
        "warcio check failed: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let index = crate::support::warcio::run(&warcio, &["index"], &warc);
    assert!(String::from_utf8_lossy(&index.stdout).contains("/a1.html"));
}

/// A worker that dies after committing a crawl but before acknowledging the job: the job is
/// reclaimed by another worker on Redis Streams and completed there, with exactly one set of
/// results (the crawl is idempotent by its job key).
#[tokio::test]
async fn redis_worker_dying_before_ack_leaves_exactly_one_set_of_results() {
    use govwatch::queue::{Job, JobQueue, Queue, QueueConfig, RedisQueueConfig};
    let Some(r) = crate::support::redis::test_redis("redis_worker_dying_before_ack") else {
        return;
    };
    let (t, engine, id) = setup().await;
    let cfg = QueueConfig {
        visibility_timeout: Duration::from_millis(400),
        retry_delay: Duration::from_millis(50),
        ..Default::default()
    };
    let queue = Queue::redis(
        RedisQueueConfig::new(r.url.clone()).with_prefix(r.prefix.clone()),
        cfg,
    )
    .await
    .unwrap();
    let job = Job::new("crawl", serde_json::json!({ "account_id": id }))
        .with_dedup_key(format!("crawl:{id}@slot-1"));
    assert!(queue.enqueue(job).await.unwrap());

    // Worker A: runs the crawl to the end, then dies without acking.
    let a = queue
        .dequeue("worker-a", Duration::from_secs(2))
        .await
        .unwrap()
        .expect("job for A");
    govwatch::worker::handle_job(&engine, a.job.clone())
        .await
        .unwrap();
    let snaps = snapshot::Entity::find().count(&t.db).await.unwrap();
    let found = finding::Entity::find().count(&t.db).await.unwrap();
    drop(a);

    // Worker B: gets the same job after the visibility timeout and completes it.
    let b = queue
        .dequeue("worker-b", Duration::from_secs(5))
        .await
        .unwrap()
        .expect("job reclaimed by B");
    assert_eq!(b.attempt, 2);
    govwatch::worker::handle_job(&engine, b.job.clone())
        .await
        .unwrap();
    queue.ack(&b).await.unwrap();

    assert_eq!(
        crawl::Entity::find().count(&t.db).await.unwrap(),
        1,
        "one crawl for one job"
    );
    assert_eq!(snapshot::Entity::find().count(&t.db).await.unwrap(), snaps);
    assert_eq!(finding::Entity::find().count(&t.db).await.unwrap(), found);
    assert!(
        queue
            .dequeue("worker-c", Duration::from_millis(600))
            .await
            .unwrap()
            .is_none(),
        "acked jobs are gone"
    );
    let stats = queue.stats().await.unwrap();
    assert_eq!(
        (stats.pending, stats.in_flight, stats.dead_lettered),
        (0, 0, 0)
    );
}

/// `snapshots verify` reads every stored body back: exit 0 when all are intact; a damaged pack
/// record is named with a URL that used it, and the exit code is 1.
#[tokio::test]
async fn snapshots_verify_names_a_damaged_body() {
    let (t, engine, id) = setup().await;
    engine.crawl_account(id, None).await.unwrap();
    let verify = || {
        let out = govwatch(&t, &["snapshots", "verify"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let objects = distinct_content_hashes(&t.db).await.len();
    let (code, out, err) = verify();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("已检查 {objects} 个快照对象")) && out.contains("有问题 0"),
        "{out}"
    );

    let article = article_snapshot(&t.db).await;
    let hash = article.content_hash.unwrap();
    let at = govwatch::storage::index::locate(&t.db, &hash.parse().unwrap())
        .await
        .unwrap()
        .expect("the article is packed");
    let file = t
        .dir
        .path()
        .join("snapshots/packs")
        .join(format!("{}.pack", at.pack));
    let mut bytes = std::fs::read(&file).unwrap();
    let flip = usize::try_from(at.offset + 45 + at.stored_length / 2).unwrap();
    bytes[flip] ^= 0x04;
    std::fs::write(&file, bytes).unwrap();

    let (code, out, err) = verify();
    assert_eq!(code, Some(1), "{out}{err}");
    let line = out
        .lines()
        .find(|l| l.contains(&hash))
        .unwrap_or_else(|| panic!("the damaged object is named: {out}"));
    assert!(
        line.starts_with("损坏") && line.contains("/a1.html"),
        "{line}"
    );
    assert!(out.contains("有问题 1"), "{out}");
}

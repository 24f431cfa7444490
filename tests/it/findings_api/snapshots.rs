//! Crawl runs, snapshot versions and the text diff between two versions, within scope.

use chrono::Utc;
use govwatch::db::entities::{crawl, snapshot};
use govwatch::storage::SnapshotStore;
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{estate, get_json};

fn url_key(url: &str) -> String {
    hex::encode(Sha256::digest(url.as_bytes()))
}

async fn snapshot_row(
    db: &DatabaseConnection,
    account_id: i64,
    crawl_id: i64,
    url: &str,
    hash: Option<String>,
    size: usize,
    content_type: &str,
) -> i64 {
    let now = Utc::now();
    snapshot::Entity::insert(snapshot::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        url: Set(url.into()),
        url_key: Set(url_key(url)),
        kind: Set("page".into()),
        content_hash: Set(hash),
        size: Set(size as i64),
        status: Set(200),
        content_type: Set(Some(content_type.into())),
        encoding: Set(None),
        encoding_mismatch: Set(false),
        title: Set(None),
        headers: Set("[]".into()),
        etag: Set(None),
        last_modified: Set(None),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        first_crawl_id: Set(crawl_id),
        last_crawl_id: Set(crawl_id),
    })
    .exec_with_returning(db)
    .await
    .unwrap()
    .id
}

async fn crawl_row(db: &DatabaseConnection, account_id: i64) -> i64 {
    crawl::Entity::insert(crawl::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        job_key: Set(None),
        started_at: Set(Utc::now()),
        finished_at: Set(Some(Utc::now())),
        status: Set("ok".into()),
        pages: Set(2),
        attachments: Set(0),
        links_checked: Set(0),
        broken_links: Set(0),
        failures: Set(0),
        bytes: Set(0),
        not_modified: Set(0),
        elapsed_ms: Set(10),
        source_ok: Set(None),
        post_count: Set(None),
        newest_post_at: Set(None),
        error: Set(None),
    })
    .exec_with_returning(db)
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn snapshot_versions_and_text_diff_within_scope() {
    let e = estate().await;
    let db = &e.app.db;
    let store = SnapshotStore::open_local(e.app.data_dir());
    let page = "https://青岛教育网.example.gov.cn/tzgg/1.html";
    let v1 = "<html><head><title>通知</title><script>var secret = 1;</script></head><body>\
        <h1>关于开展春季防汛检查的通知</h1><p>各区市教育局：</p><p>请于3月31日前报送。</p><p>联系人：王老师</p></body></html>";
    // The new version is GBK-encoded, as many government sites still are.
    let v2_text = "<html><head><title>通知</title></head><body>\
        <h1>关于开展春季防汛检查的通知</h1><p>各区市教育局：</p><p>请于4月15日前报送。</p><p>附件：检查表</p><p>联系人：王老师</p></body></html>";
    let (v2, _, _) = encoding_rs::GBK.encode(v2_text);
    let c1 = crawl_row(db, e.jyj_site).await;
    let h1 = store.put(v1.as_bytes().to_vec()).await.unwrap();
    let s1 = snapshot_row(
        db,
        e.jyj_site,
        c1,
        page,
        Some(h1.hash.to_hex()),
        v1.len(),
        "text/html; charset=utf-8",
    )
    .await;
    let c2 = crawl_row(db, e.jyj_site).await;
    let h2 = store.put(v2.to_vec()).await.unwrap();
    let s2 = snapshot_row(
        db,
        e.jyj_site,
        c2,
        page,
        Some(h2.hash.to_hex()),
        v2.len(),
        "text/html; charset=gbk",
    )
    .await;
    let home = snapshot_row(
        db,
        e.jyj_site,
        c2,
        "https://青岛教育网.example.gov.cn/",
        Some(h1.hash.to_hex()),
        v1.len(),
        "text/html",
    )
    .await;
    let c3 = crawl_row(db, e.wsj_site).await;
    let other = snapshot_row(
        db,
        e.wsj_site,
        c3,
        "https://青岛卫健网.example.gov.cn/",
        Some(h1.hash.to_hex()),
        v1.len(),
        "text/html",
    )
    .await;

    let c = reqwest::Client::new();
    let owner = e.app.token("owner_jyj").await;
    // Versions of one URL, newest first.
    let q = url::form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>();
    let (status, versions) = get_json(
        &c,
        e.app.url(&format!(
            "/api/v1/accounts/{}/snapshots?url={q}",
            e.jyj_site
        )),
        &owner,
    )
    .await;
    assert_eq!(status, 200, "{versions}");
    let ids: Vec<i64> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!((ids, versions["total"].as_u64()), (vec![s2, s1], Some(2)));
    // Without a URL: the latest version of each URL, paginated.
    let (_, latest) = get_json(
        &c,
        e.app
            .url(&format!("/api/v1/accounts/{}/snapshots", e.jyj_site)),
        &owner,
    )
    .await;
    let mut ids: Vec<i64> = latest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![s2, home]);
    let (_, paged) = get_json(
        &c,
        e.app.url(&format!(
            "/api/v1/accounts/{}/snapshots?per_page=1&page=2",
            e.jyj_site
        )),
        &owner,
    )
    .await;
    assert_eq!(
        (
            paged["total"].as_u64(),
            paged["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    let (status, _) = get_json(
        &c,
        e.app
            .url(&format!("/api/v1/accounts/{}/snapshots", e.wsj_site)),
        &owner,
    )
    .await;
    assert_eq!(status, 403);

    // The diff of the visible text: one line changed, one added; scripts are not text.
    let r = c
        .get(e.app.url(&format!("/api/v1/snapshots/{s1}/diff/{s2}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let d: Value = r.json().await.unwrap();
    assert_eq!(
        (d["added_lines"].as_u64(), d["removed_lines"].as_u64()),
        (Some(2), Some(1)),
        "{d}"
    );
    let unified = d["unified"].as_str().unwrap();
    assert!(
        unified.contains("-请于3月31日前报送。")
            && unified.contains("+请于4月15日前报送。")
            && unified.contains("+附件：检查表"),
        "{unified}"
    );
    assert!(
        !unified.contains("secret"),
        "script content is not page text: {unified}"
    );
    assert_eq!(d["from"]["id"], s1);
    // Same content: no change.
    let (_, same) = get_json(
        &c,
        e.app.url(&format!("/api/v1/snapshots/{s1}/diff/{home}")),
        &owner,
    )
    .await;
    assert_eq!(
        (same["added_lines"].as_u64(), same["hunks"].as_u64()),
        (Some(0), Some(0))
    );

    // Across an account the caller may not see: refused, in either position.
    for path in [
        format!("/api/v1/snapshots/{s1}/diff/{other}"),
        format!("/api/v1/snapshots/{other}/diff/{s2}"),
    ] {
        let (status, body) = get_json(&c, e.app.url(&path), &owner).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let (status, _) = get_json(
        &c,
        e.app.url(&format!("/api/v1/snapshots/{s1}/diff/{other}")),
        &e.app.token("auditor").await,
    )
    .await;
    assert_eq!(status, 200, "auditors see every account");
    let (status, _) = get_json(
        &c,
        e.app.url(&format!("/api/v1/snapshots/{s1}/diff/999999")),
        &owner,
    )
    .await;
    assert_eq!(status, 404);
}

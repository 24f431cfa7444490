//! The overview, findings and account pages: verdicts, findings, crawls, escaping.

use crate::support::app::get_text;
use chrono::{Duration, Utc};
use govwatch::db::entities::crawl;
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, EntityTrait};

use super::{draft, estate, get_json, put, usual_findings};

#[tokio::test]
async fn dashboard_and_account_page_show_verdicts_findings_and_crawls() {
    let e = estate().await;
    usual_findings(&e).await;
    let started = Utc::now() - Duration::minutes(5);
    crawl::Entity::insert(crawl::ActiveModel {
        id: NotSet,
        account_id: Set(e.jyj_site),
        job_key: Set(None),
        started_at: Set(started),
        finished_at: Set(Some(started + Duration::seconds(42))),
        status: Set("failed".into()),
        pages: Set(137),
        attachments: Set(9),
        links_checked: Set(800),
        broken_links: Set(2),
        failures: Set(1),
        bytes: Set(1 << 20),
        not_modified: Set(0),
        elapsed_ms: Set(42_000),
        source_ok: Set(None),
        post_count: Set(None),
        newest_post_at: Set(None),
        error: Set(Some("首页连接超时 <b>".into())),
    })
    .exec(&e.app.db)
    .await
    .unwrap();

    let s = e.app.login("office").await;
    let r = s.client.get(e.app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/dashboard");
    let page = get_text(&s.client, e.app.url("/dashboard")).await;
    for want in [
        "98.9",
        "合格",
        "不合格",
        "首页长时间未更新",
        "青岛卫健网",
        "青岛教育发布",
        "<meter",
        "67%",
        "链接可用性",
        "href=\"/rules\"",
    ] {
        assert!(page.contains(want), "dashboard lacks {want}: {page}");
    }

    let owner = e.app.login("owner_jyj").await;
    let r = owner.client.get(e.app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/accounts");
    let page = get_text(&owner.client, e.app.url("/dashboard")).await;
    assert!(
        page.contains("青岛教育网") && !page.contains("青岛卫健网"),
        "{page}"
    );
    assert!(
        !page.contains("href=\"/rules\"") && !page.contains("href=\"/ledger\""),
        "owners have no rules or ledger menu"
    );

    let page = owner
        .client
        .get(e.app.url(&format!("/accounts/{}", e.jyj_site)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for want in [
        "98.9",
        "合格",
        "link.broken",
        "a.pdf",
        "137",
        "失败",
        "首页连接超时 &#60;b&#62;",
    ] {
        assert!(page.contains(want), "account page lacks {want}: {page}");
    }
    let (status, crawls) = get_json(
        &reqwest::Client::new(),
        e.app
            .url(&format!("/api/v1/accounts/{}/crawls", e.jyj_site)),
        &e.app.token("owner_jyj").await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(crawls[0]["pages"], 137);
    assert_eq!(crawls[0]["status"], "failed");
    let (status, _) = get_json(
        &reqwest::Client::new(),
        e.app
            .url(&format!("/api/v1/accounts/{}/crawls", e.jyj_site)),
        &e.app.token("owner_wsj").await,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn crawled_text_is_escaped_on_the_findings_page() {
    let e = estate().await;
    let mut d = draft(
        "error.misused_word",
        "deduct",
        1.0,
        "javascript:alert(1)",
        "<script>alert('x')</script>再接再励",
    );
    d.suggestion = Some("<img src=x onerror=alert(2)>再接再厉".into());
    d.location = "<i>第3段</i>".into();
    put(&e.app.db, e.jyj_site, &[d]).await;
    let s = e.app.login("office").await;
    for path in ["/findings".to_string(), format!("/accounts/{}", e.jyj_site)] {
        let page = get_text(&s.client, e.app.url(&path)).await;
        assert!(
            page.contains("&#60;script&#62;alert(") && page.contains("再接再励"),
            "{path}: {page}"
        );
        assert!(
            !page.contains("<script>alert"),
            "{path}: excerpt not escaped"
        );
        assert!(
            !page.contains("<img src=x"),
            "{path}: suggestion not escaped"
        );
        assert!(!page.contains("<i>第3段"), "{path}: location not escaped");
        assert!(
            !page.contains("href=\"javascript:"),
            "{path}: a crawled javascript: URL became a link"
        );
    }
}

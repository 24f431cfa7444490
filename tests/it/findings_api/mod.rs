//! Findings, scores, the overview and findings pages, crawls and snapshot diffs: what each
//! role sees, the national verdicts, escaping of crawled text.

mod pages;
mod snapshots;

use crate::support::app::get_text;
use chrono::Utc;
use govwatch::auth::{Actor, Role};
use govwatch::db::entities::finding;
use govwatch::findings::{self, FindingDraft};
use govwatch::ledger;
use govwatch::registry::{self, AccountInput, Platform};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::app::{TestApp, spawn_app};

/// Two bureaus under the city, a user per role, and three accounts.
struct Estate {
    app: TestApp,
    /// 市教育局's website.
    jyj_site: i64,
    /// 市教育局's WeChat account.
    jyj_wechat: i64,
    /// 市卫健委's website.
    wsj_site: i64,
}

async fn account(db: &DatabaseConnection, platform: Platform, name: &str, dept: i64) -> i64 {
    let (handle, url) = match platform {
        Platform::Website => (None, Some(format!("https://{name}.example.gov.cn/"))),
        _ => (Some(format!("{name}-handle")), None),
    };
    registry::accounts::register(
        db,
        &Actor::cli(),
        AccountInput {
            platform,
            name: name.into(),
            handle,
            url,
            department_id: dept,
            operator: None,
            responsible: None,
            contacts: vec![],
            opened_on: None,
            crawl_cron: None,
        },
        "开设",
    )
    .await
    .unwrap()
    .id
}

async fn estate() -> Estate {
    let app = spawn_app().await;
    app.department("city", "青岛市", None).await;
    let jyj = app.department("jyj", "市教育局", Some("city")).await;
    let wsj = app.department("wsj", "市卫健委", Some("city")).await;
    app.user("office", Role::Office, None).await;
    app.user("auditor", Role::Auditor, None).await;
    app.user("owner_jyj", Role::Owner, Some("jyj")).await;
    app.user("owner_wsj", Role::Owner, Some("wsj")).await;
    let jyj_site = account(&app.db, Platform::Website, "青岛教育网", jyj).await;
    let jyj_wechat = account(&app.db, Platform::Wechat, "青岛教育发布", jyj).await;
    let wsj_site = account(&app.db, Platform::Website, "青岛卫健网", wsj).await;
    Estate {
        app,
        jyj_site,
        jyj_wechat,
        wsj_site,
    }
}

fn draft(rule: &str, severity: &str, points: f64, url: &str, excerpt: &str) -> FindingDraft {
    FindingDraft {
        rule_id: rule.into(),
        category: rule.split('.').next().unwrap().into(),
        severity: severity.into(),
        points,
        url: url.into(),
        location: "正文".into(),
        title: format!("{rule} 标题"),
        message: format!("{rule} 说明"),
        excerpt: excerpt.into(),
        masked_value: None,
        suggestion: None,
        value_hash: hex::encode(Sha256::digest(format!("{rule}{url}{excerpt}").as_bytes())),
        needs_confirmation: false,
    }
}

/// Stores findings the way a crawl does: in a ledger transaction.
async fn put(db: &DatabaseConnection, account_id: i64, drafts: &[FindingDraft]) {
    let txn = db.begin().await.unwrap();
    let mut head = ledger::lock_head(&txn).await.unwrap();
    findings::store(
        &txn,
        &mut head,
        &Actor::system("test"),
        account_id,
        None,
        drafts,
        Utc::now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

async fn finding_id(db: &DatabaseConnection, account_id: i64, rule: &str) -> i64 {
    finding::Entity::find()
        .filter(finding::Column::AccountId.eq(account_id))
        .filter(finding::Column::RuleId.eq(rule))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The usual problems: two broken links on 教育网 (1 + 0.1 points), a stale home page (a veto
/// that needs no confirmation) on 卫健网, a phone number (a veto candidate) on 教育发布.
async fn usual_findings(e: &Estate) {
    put(
        &e.app.db,
        e.jyj_site,
        &[
            draft(
                "link.broken",
                "deduct",
                1.0,
                "https://青岛教育网.example.gov.cn/a.pdf",
                "",
            ),
            draft(
                "link.broken",
                "deduct",
                0.1,
                "https://青岛教育网.example.gov.cn/x/b.html",
                "",
            ),
        ],
    )
    .await;
    put(
        &e.app.db,
        e.wsj_site,
        &[draft(
            "site.homepage_stale",
            "veto",
            0.0,
            "https://青岛卫健网.example.gov.cn/",
            "",
        )],
    )
    .await;
    let mut phone = draft(
        "pii.mobile",
        "veto",
        0.0,
        "https://mp.weixin.qq.com/s/abc",
        "联系电话 139****5678",
    );
    phone.needs_confirmation = true;
    phone.masked_value = Some("139****5678".into());
    put(&e.app.db, e.jyj_wechat, &[phone]).await;
}

async fn get_json(c: &reqwest::Client, url: String, token: &str) -> (u16, Value) {
    let r = c.get(url).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn owners_see_only_their_own_findings_through_api_and_pages() {
    let e = estate().await;
    usual_findings(&e).await;
    let c = reqwest::Client::new();
    let owner = e.app.token("owner_jyj").await;
    let office = e.app.token("office").await;

    let (status, all) = get_json(&c, e.app.url("/api/v1/findings"), &office).await;
    assert_eq!(status, 200);
    assert_eq!(all.as_array().unwrap().len(), 4, "{all}");

    let (status, mine) = get_json(&c, e.app.url("/api/v1/findings"), &owner).await;
    assert_eq!(status, 200);
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 3, "{mine:?}");
    assert!(
        mine.iter()
            .all(|f| f["account_id"] == e.jyj_site || f["account_id"] == e.jyj_wechat)
    );
    assert!(mine.iter().any(|f| f["account_name"] == "青岛教育网"));

    // Filters: rule prefix, account, limit.
    let (_, links) = get_json(&c, e.app.url("/api/v1/findings?rule=link"), &owner).await;
    assert_eq!(links.as_array().unwrap().len(), 2);
    let (_, one) = get_json(
        &c,
        e.app
            .url(&format!("/api/v1/findings?account={}&limit=1", e.jyj_site)),
        &office,
    )
    .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    let (_, none) = get_json(
        &c,
        e.app
            .url(&format!("/api/v1/findings?account={}", e.wsj_site)),
        &owner,
    )
    .await;
    assert_eq!(
        none.as_array().unwrap().len(),
        0,
        "an owner filtering on another department's account gets nothing"
    );

    // By id: their own, yes; another department's, 403; a missing one, 404.
    let theirs = finding_id(&e.app.db, e.wsj_site, "site.homepage_stale").await;
    let own = finding_id(&e.app.db, e.jyj_wechat, "pii.mobile").await;
    let (status, f) = get_json(&c, e.app.url(&format!("/api/v1/findings/{own}")), &owner).await;
    assert_eq!(status, 200);
    assert_eq!(f["masked_value"], "139****5678");
    let (status, _) = get_json(&c, e.app.url(&format!("/api/v1/findings/{theirs}")), &owner).await;
    assert_eq!(status, 403);
    let (status, _) = get_json(
        &c,
        e.app.url(&format!("/api/v1/findings/{theirs}")),
        &e.app.token("auditor").await,
    )
    .await;
    assert_eq!(status, 200, "auditors read everything");
    let (status, _) = get_json(&c, e.app.url("/api/v1/findings/999999"), &office).await;
    assert_eq!(status, 404);

    // The findings page: the owner's table has their findings and not the other bureau's.
    let s = e.app.login("owner_jyj").await;
    let page = get_text(&s.client, e.app.url("/findings")).await;
    assert!(
        page.contains("青岛教育网") && page.contains("139****5678"),
        "{page}"
    );
    assert!(
        !page.contains("青岛卫健网"),
        "another department's finding leaked into the page"
    );
    let page = get_text(&s.client, e.app.url("/findings?category=pii")).await;
    assert!(
        page.contains("pii.mobile") && !page.contains("link.broken"),
        "{page}"
    );
    // An owner opening another department's account page is refused.
    let r = s
        .client
        .get(e.app.url(&format!("/accounts/{}", e.wsj_site)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let s = e.app.login("office").await;
    let page = get_text(&s.client, e.app.url("/findings")).await;
    assert!(page.contains("青岛卫健网") && page.contains("青岛教育网"));
}

#[tokio::test]
async fn scores_give_national_verdicts_and_department_roll_ups() {
    let e = estate().await;
    usual_findings(&e).await;
    let c = reqwest::Client::new();
    let (status, s) = get_json(
        &c,
        e.app.url("/api/v1/scores"),
        &e.app.token("auditor").await,
    )
    .await;
    assert_eq!(status, 200, "{s}");
    let card = |id: i64| -> Value {
        s["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_id"] == id)
            .cloned()
            .unwrap()
    };
    let edu = card(e.jyj_site);
    assert_eq!(edu["website"], true);
    assert!(
        (edu["card"]["score"].as_f64().unwrap() - 98.9).abs() < 1e-9,
        "{edu}"
    );
    assert_eq!(edu["card"]["verdict"], "pass");
    assert_eq!(edu["open_findings"], 2);
    let health = card(e.wsj_site);
    assert_eq!(health["card"]["verdict"], "fail");
    assert_eq!(
        health["card"]["vetoes"],
        serde_json::json!(["site.homepage_stale"])
    );
    assert_eq!(
        health["veto_reasons"],
        serde_json::json!(["首页长时间未更新"])
    );
    // A phone number waiting for a person's decision does not fail the account yet.
    let wechat = card(e.jyj_wechat);
    assert_eq!(wechat["website"], false);
    assert_eq!(wechat["card"]["verdict"], "pass");
    assert_eq!(wechat["card"]["provisional"], true);
    assert_eq!(
        wechat["card"]["pending_confirmation"],
        serde_json::json!(["pii.mobile"])
    );

    let dep = |code: &str| -> Value {
        s["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .cloned()
            .unwrap()
    };
    let city = dep("city");
    assert_eq!(
        (
            city["rollup"]["accounts"].as_u64(),
            city["rollup"]["passed"].as_u64(),
            city["rollup"]["failed"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(
        city["rollup"]["failed_accounts"],
        serde_json::json!(["青岛卫健网"])
    );
    assert_eq!(dep("jyj")["rollup"]["pass_rate"], 1.0);
    assert_eq!(dep("jyj")["rollup"]["provisional"], 1);
    assert_eq!(dep("wsj")["rollup"]["pass_rate"], 0.0);
    assert_eq!(
        s["open_by_category"],
        serde_json::json!({"link": 2, "pii": 1, "site": 1})
    );

    // Owners get their subtree only.
    let (_, mine) = get_json(
        &c,
        e.app.url("/api/v1/scores"),
        &e.app.token("owner_wsj").await,
    )
    .await;
    let ids: Vec<i64> = mine["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![e.wsj_site]);
    let codes: Vec<&str> = mine["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["wsj"]);
    assert_eq!(mine["open_by_category"], serde_json::json!({"site": 1}));

    // A closed account is no longer judged.
    registry::accounts::close(
        &e.app.db,
        &Actor::cli(),
        e.wsj_site,
        Some("https://www.qingdao.gov.cn/notice"),
        None,
        "整合",
    )
    .await
    .unwrap();
    let (_, after) = get_json(
        &c,
        e.app.url("/api/v1/scores"),
        &e.app.token("office").await,
    )
    .await;
    assert_eq!(after["accounts"].as_array().unwrap().len(), 2);
    let city = after["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "city")
        .unwrap();
    assert_eq!(city["rollup"]["failed"], 0);
}

#[tokio::test]
async fn findings_scores_snapshots_and_rules_are_in_the_openapi_document() {
    let app = spawn_app().await;
    let spec: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/findings",
        "/api/v1/findings/{id}",
        "/api/v1/scores",
        "/api/v1/accounts/{id}/crawls",
        "/api/v1/accounts/{id}/snapshots",
        "/api/v1/snapshots/{id}/diff/{other}",
        "/api/v1/rules",
        "/api/v1/rules/words",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(
        spec["paths"]["/api/v1/rules/overrides"]
            .get("put")
            .is_some()
    );
    for schema in [
        "FindingView",
        "Scores",
        "SnapshotDiff",
        "RulesView",
        "NewWord",
    ] {
        assert!(
            spec["components"]["schemas"].get(schema).is_some(),
            "{schema} missing"
        );
    }
}

//! Every lifecycle transition and every refused one, on the registry functions and over the
//! API, with exactly one ledger entry per change and none for a refusal.

use govwatch::auth::Actor;
use govwatch::db::entities::{account, ledger_entry};
use govwatch::registry::{
    self, AccountInput, AccountPatch, Action, Platform, RegistryError, Status, next_status,
};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::support::app::spawn_app;
use crate::support::db::test_db;

async fn ledger_len(db: &DatabaseConnection) -> u64 {
    ledger_entry::Entity::find().count(db).await.unwrap()
}

async fn dept(db: &DatabaseConnection, code: &str) -> i64 {
    registry::departments::create(
        db,
        &Actor::cli(),
        registry::departments::DepartmentInput {
            code: code.into(),
            name: format!("单位{code}"),
            parent_code: None,
        },
    )
    .await
    .unwrap()
    .id
}

fn input(dept: i64, handle: &str) -> AccountInput {
    AccountInput {
        platform: Platform::Weibo,
        name: format!("青岛发布{handle}"),
        handle: Some(handle.into()),
        url: None,
        department_id: dept,
        operator: None,
        responsible: None,
        contacts: vec![],
        opened_on: None,
        crawl_cron: None,
    }
}

/// Drives a fresh account into `status` through real transitions.
async fn account_in(db: &DatabaseConnection, d: i64, other: i64, status: Status, n: usize) -> i64 {
    let actor = Actor::cli();
    let id = registry::accounts::register(db, &actor, input(d, &format!("h{n}")), "开设")
        .await
        .unwrap()
        .id;
    use registry::accounts as acc;
    match status {
        Status::Active => {}
        Status::Suspended => {
            acc::suspend(db, &actor, id, "暂停").await.unwrap();
        }
        Status::Closed => {
            acc::close(
                db,
                &actor,
                id,
                Some("https://www.qingdao.gov.cn/notice/1.html"),
                None,
                "停更",
            )
            .await
            .unwrap();
        }
        Status::Merged => {
            acc::merge(db, &actor, id, other, "整合").await.unwrap();
        }
        Status::Deregistered => {
            acc::close(db, &actor, id, None, None, "停更")
                .await
                .unwrap();
            acc::deregister(db, &actor, id, Some("平台注销回执 2025-001"), "注销")
                .await
                .unwrap();
        }
    }
    id
}

async fn apply(
    db: &DatabaseConnection,
    id: i64,
    action: Action,
    d2: i64,
    main: i64,
) -> Result<account::Model, RegistryError> {
    let actor = Actor::cli();
    use registry::accounts as acc;
    match action {
        Action::Register => unreachable!(),
        Action::Update => {
            acc::update(
                db,
                &actor,
                id,
                AccountPatch {
                    operator: Some("市大数据中心".into()),
                    ..Default::default()
                },
                "变更运维单位",
            )
            .await
        }
        Action::Transfer => acc::transfer(db, &actor, id, d2, "机构改革划转").await,
        Action::Suspend => acc::suspend(db, &actor, id, "整改期间暂停").await,
        Action::Resume => acc::resume(db, &actor, id, "整改完成").await,
        Action::Close => {
            acc::close(
                db,
                &actor,
                id,
                Some("https://www.qingdao.gov.cn/notice/2.html"),
                None,
                "停更公告",
            )
            .await
        }
        Action::Merge => acc::merge(db, &actor, id, main, "整合至主账号").await,
        Action::Deregister => acc::deregister(db, &actor, id, Some("注销凭证"), "平台已注销").await,
    }
}

#[tokio::test]
async fn every_transition_and_every_refusal() {
    let t = test_db().await;
    let db = &t.db;
    let d1 = dept(db, "d1").await;
    let d2 = dept(db, "d2").await;
    let main = registry::accounts::register(db, &Actor::cli(), input(d1, "main"), "主账号")
        .await
        .unwrap()
        .id;
    let mut n = 0;
    let mut allowed = 0;
    let mut refused = 0;
    for from in Status::ALL {
        for action in Action::ALL.into_iter().filter(|a| *a != Action::Register) {
            n += 1;
            let id = account_in(db, d1, main, from, n).await;
            let before = ledger_len(db).await;
            let result = apply(db, id, action, d2, main).await;
            let stored = account::Entity::find_by_id(id)
                .one(db)
                .await
                .unwrap()
                .unwrap();
            match next_status(from, action) {
                Some(to) => {
                    let a = result
                        .unwrap_or_else(|e| panic!("{from:?} --{action:?}--> should work: {e}"));
                    assert_eq!(a.status, to.as_str());
                    assert_eq!(stored.status, to.as_str(), "{from:?} {action:?}");
                    assert_eq!(
                        ledger_len(db).await,
                        before + 1,
                        "exactly one ledger entry for {action:?}"
                    );
                    allowed += 1;
                }
                None => {
                    match result {
                        Err(RegistryError::InvalidTransition {
                            from: f,
                            action: a,
                            message,
                        }) => {
                            assert_eq!((f, a), (from, action));
                            assert!(message.contains(from.label()), "{message}");
                        }
                        other => panic!("{from:?} --{action:?}--> must be refused, got {other:?}"),
                    }
                    assert_eq!(stored.status, from.as_str(), "a refusal changes nothing");
                    assert_eq!(
                        ledger_len(db).await,
                        before,
                        "a refusal writes no ledger entry"
                    );
                    refused += 1;
                }
            }
        }
    }
    // The state machine in numbers: what the office can do from each status.
    assert_eq!(allowed, 15);
    assert_eq!(refused, 20);
    let v = govwatch::ledger::verify(db, &Default::default(), |_, _| {})
        .await
        .unwrap();
    assert!(v.ok(), "{:?}", v.problem);
}

#[tokio::test]
async fn details_are_kept_and_reasons_required() {
    let t = test_db().await;
    let db = &t.db;
    let actor = Actor::cli();
    let d1 = dept(db, "d1").await;
    let d2 = dept(db, "d2").await;
    let id = registry::accounts::register(db, &actor, input(d1, "qdfb"), "开设")
        .await
        .unwrap()
        .id;
    let err = registry::accounts::suspend(db, &actor, id, "  ")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let moved = registry::accounts::transfer(db, &actor, id, d2, "划转")
        .await
        .unwrap();
    assert_eq!(moved.department_id, d2);
    let closed = registry::accounts::close(
        db,
        &actor,
        id,
        Some("https://x.gov.cn/n.html"),
        chrono::NaiveDate::from_ymd_opt(2025, 5, 16),
        "停更",
    )
    .await
    .unwrap();
    assert_eq!(
        closed.notice_url.as_deref(),
        Some("https://x.gov.cn/n.html")
    );
    assert_eq!(
        closed.closed_on,
        chrono::NaiveDate::from_ymd_opt(2025, 5, 16)
    );
    let gone = registry::accounts::deregister(db, &actor, id, Some("回执123"), "注销")
        .await
        .unwrap();
    assert_eq!(gone.deregister_reference.as_deref(), Some("回执123"));
    let hist = govwatch::ledger::history(db, "account", &id.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = hist.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "account.register",
            "account.transfer",
            "account.close",
            "account.deregister"
        ]
    );
    assert_eq!(
        hist[1].payload.as_ref().unwrap()["before"]["department_id"],
        d1
    );
    assert_eq!(
        hist[1].payload.as_ref().unwrap()["after"]["department_id"],
        d2
    );
}

#[tokio::test]
async fn two_live_accounts_cannot_share_platform_and_handle() {
    let t = test_db().await;
    let db = &t.db;
    let actor = Actor::cli();
    let d = dept(db, "d").await;
    let first = registry::accounts::register(db, &actor, input(d, "QingdaoFabu"), "开设")
        .await
        .unwrap();
    // Same handle, different case and a leading @: still the same account.
    let err = registry::accounts::register(db, &actor, input(d, "@qingdaofabu"), "重复开设")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::DuplicateLive { existing_id, .. } if existing_id == first.id),
        "{err:?}"
    );
    // Same handle on another platform is fine.
    let mut other = input(d, "qingdaofabu");
    other.platform = Platform::Douyin;
    registry::accounts::register(db, &actor, other, "抖音号")
        .await
        .unwrap();
    // Renaming another account's handle onto it is refused too.
    let second = registry::accounts::register(db, &actor, input(d, "other"), "开设")
        .await
        .unwrap();
    let err = registry::accounts::update(
        db,
        &actor,
        second.id,
        AccountPatch {
            handle: Some("qingdaofabu".into()),
            ..Default::default()
        },
        "改名",
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "duplicate_account");
    // Once the first is closed, the handle may be registered again.
    registry::accounts::close(db, &actor, first.id, None, None, "停更")
        .await
        .unwrap();
    registry::accounts::register(db, &actor, input(d, "qingdaofabu"), "重新开设")
        .await
        .unwrap();
}

#[tokio::test]
async fn api_refuses_impossible_transition_with_409_and_code() {
    let app = spawn_app().await;
    app.department("city", "市政府", None).await;
    let d = app.department("jyj", "市教育局", Some("city")).await;
    app.user("office1", govwatch::auth::Role::Office, None)
        .await;
    let token = app.token("office1").await;
    let c = reqwest::Client::new();
    let created: serde_json::Value = c
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"platform": "wechat", "name": "青岛教育发布", "handle": "qdjy", "department_id": d, "reason": "开设"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let resp = c
        .post(app.url(&format!("/api/v1/accounts/{id}/resume")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "恢复"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("只有已暂停的账号可以恢复")
    );
    // Every action over the API goes through; the history endpoint shows them all.
    for (action, body) in [
        ("suspend", serde_json::json!({"reason": "暂停"})),
        ("resume", serde_json::json!({"reason": "恢复"})),
        (
            "update",
            serde_json::json!({"reason": "变更", "operator": "某运维公司"}),
        ),
        (
            "close",
            serde_json::json!({"reason": "停更", "notice_url": "https://edu.qingdao.gov.cn/n/1.html", "closed_on": "2025-06-01"}),
        ),
        (
            "deregister",
            serde_json::json!({"reason": "注销", "reference": "回执"}),
        ),
    ] {
        let r = c
            .post(app.url(&format!("/api/v1/accounts/{id}/{action}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{action}: {}", r.text().await.unwrap());
    }
    let r = c
        .post(app.url(&format!("/api/v1/accounts/{id}/update")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "x", "name": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let hist: Vec<serde_json::Value> = c
        .get(app.url(&format!("/api/v1/accounts/{id}/history")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hist.len(), 6);
    assert_eq!(hist[5]["action"], "account.deregister");
}

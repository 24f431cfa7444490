//! The office's rule overrides: checked by compiling before they are stored, versioned, one
//! ledger entry per change, office only; words added by the API and the rules page are found
//! by the rules afterwards.

use crate::support::app::get_text;
use govwatch::auth::Role;
use govwatch::db::entities::ledger_entry;
use govwatch::findings::RulesEngine;
use govwatch::ledger::{self, VerifyOptions};
use govwatch::rules::TextContext;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::{Value, json};

use crate::support::app::{TestApp, hidden_value, spawn_app};

async fn app_with_users() -> TestApp {
    let app = spawn_app().await;
    app.department("city", "青岛市", None).await;
    app.user("office", Role::Office, None).await;
    app.user("auditor", Role::Auditor, None).await;
    app.user("owner", Role::Owner, Some("city")).await;
    app
}

async fn ledger_len(db: &DatabaseConnection) -> u64 {
    ledger_entry::Entity::find().count(db).await.unwrap()
}

async fn last_entry(db: &DatabaseConnection) -> ledger_entry::Model {
    ledger_entry::Entity::find()
        .order_by_desc(ledger_entry::Column::Seq)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn put(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .put(app.url("/api/v1/rules/overrides?reason=延长首页更新期限"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn rules(app: &TestApp, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/rules"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn overrides_are_checked_stored_versioned_and_recorded_once() {
    let app = app_with_users().await;
    let office = app.token("office").await;
    let (status, before) = rules(&app, &office).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["overrides"]["version"], 0);
    let home = |v: &Value| -> Value {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "site.homepage_stale")
            .cloned()
            .unwrap()
    };
    assert_eq!(home(&before)["params"]["veto_days"], 14);
    assert_eq!(home(&before)["severity"], "veto");
    let n0 = ledger_len(&app.db).await;

    // An unknown parameter: 422 naming rule and parameter, nothing stored or recorded.
    let (status, err) = put(
        &app,
        &office,
        json!({"rules": {"site.homepage_stale": {"params": {"veto_dayz": 21}}}}),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("veto_dayz"),
        "{err}"
    );
    assert_eq!(
        err["error"]["details"],
        json!({"rule": "site.homepage_stale", "param": "veto_dayz"})
    );
    // An unknown rule, a wrong type and an unknown field are refused the same way.
    let (status, err) = put(&app, &office, json!({"disabled_rules": ["pii.passport"]})).await;
    assert_eq!(
        (status, err["error"]["details"]["rule"].as_str()),
        (422, Some("pii.passport"))
    );
    let (status, err) = put(
        &app,
        &office,
        json!({"rules": {"site.homepage_stale": {"params": {"veto_days": "两周"}}}}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["details"]["param"].as_str()),
        (422, Some("veto_days")),
        "{err}"
    );
    let (status, err) = put(&app, &office, json!({"disabled": []})).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(
        ledger_len(&app.db).await,
        n0,
        "a refused change records nothing"
    );

    // Only the office changes rules.
    for who in ["auditor", "owner"] {
        let (status, _) = put(
            &app,
            &app.token(who).await,
            json!({"disabled_rules": ["pii.address"]}),
        )
        .await;
        assert_eq!(status, 403, "{who}");
    }
    let (status, _) = rules(&app, &app.token("owner").await).await;
    assert_eq!(status, 403, "owners do not read the rule configuration");
    let (status, _) = rules(&app, &app.token("auditor").await).await;
    assert_eq!(status, 200, "auditors read it");
    assert_eq!(ledger_len(&app.db).await, n0);

    // A good change: stored, version 1, exactly one ledger entry with before and after.
    let good = json!({"rules": {"site.homepage_stale": {"params": {"veto_days": 21}}}, "disabled_rules": ["pii.address"]});
    let (status, stored) = put(&app, &office, good.clone()).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["updated_by"], "office");
    assert_eq!(ledger_len(&app.db).await, n0 + 1);
    let entry = last_entry(&app.db).await;
    assert_eq!(
        (
            entry.action.as_str(),
            entry.subject_type.as_str(),
            entry.reason.as_str()
        ),
        ("rules.override", "rule_overrides", "延长首页更新期限")
    );
    let history = ledger::history(&app.db, "rule_overrides", "1")
        .await
        .unwrap();
    let payload = history.last().unwrap().payload.clone().unwrap();
    assert_eq!(
        payload["before"],
        json!({"disabled_rules": [], "rules": {}})
    );
    assert_eq!(
        payload["after"]["rules"]["site.homepage_stale"]["params"]["veto_days"],
        21
    );
    assert_eq!(payload["version"], 1);

    let (_, after) = rules(&app, &office).await;
    assert_eq!(after["overrides"]["version"], 1);
    assert_eq!(home(&after)["params"]["veto_days"], 21);
    assert_eq!(
        home(&after)["params"]["warn_days"],
        10,
        "untouched parameters keep the pack's value"
    );
    assert_eq!(home(&after)["overridden"], true);
    assert!(
        after["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != "pii.address"),
        "a disabled rule is not in force"
    );

    // The same document again changes nothing and records nothing.
    let (status, same) = put(&app, &office, good).await;
    assert_eq!((status, same["version"].as_i64()), (200, Some(1)));
    assert_eq!(ledger_len(&app.db).await, n0 + 1);
    // A second change moves to version 2 with the first as its "before".
    let (_, v2) = put(&app, &office, json!({})).await;
    assert_eq!(v2["version"], 2);
    assert_eq!(ledger_len(&app.db).await, n0 + 2);

    let report = ledger::verify(&app.db, &VerifyOptions::default(), |_, _| {})
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
}

#[tokio::test]
async fn words_added_through_the_api_are_found_by_the_rules() {
    let app = app_with_users().await;
    let office = app.token("office").await;
    let c = reqwest::Client::new();
    let n0 = ledger_len(&app.db).await;
    let word = json!({"rule": "error.misused_word", "wrong": "青岛市政付", "right": "青岛市政府"});
    let r = c
        .post(app.url("/api/v1/rules/words"))
        .bearer_auth(&office)
        .json(&word)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["version"], 1);
    assert_eq!(
        stored["overrides"]["rules"]["error.misused_word"]["add_entries"][0]["right"],
        "青岛市政府"
    );
    assert_eq!(ledger_len(&app.db).await, n0 + 1);
    assert_eq!(
        last_entry(&app.db).await.reason,
        "新增词条：“青岛市政付”应为“青岛市政府”"
    );

    // What `govwatch scan` and the crawler use: the rule set for today with the overrides.
    let keydir = tempfile::tempdir().unwrap();
    let engine = RulesEngine::open(&keydir.path().join("hash.key")).unwrap();
    let set = engine
        .rules(&app.db, govwatch::time::today())
        .await
        .unwrap();
    let hits = set.scan_text(
        "青岛市政付办公厅发布通知。",
        &TextContext::default(),
        engine.hasher(),
    );
    let hit = hits
        .iter()
        .find(|h| h.rule_id == "error.misused_word")
        .expect("the office's word is found");
    assert_eq!(hit.suggestion.as_deref(), Some("青岛市政府"));

    // The same word twice, a rule that is not a dictionary, a bad date range: 422, nothing recorded.
    let r = c
        .post(app.url("/api/v1/rules/words"))
        .bearer_auth(&office)
        .json(&word)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("词条重复"));
    let r = c
        .post(app.url("/api/v1/rules/words"))
        .bearer_auth(&office)
        .json(&json!({"rule": "pii.mobile", "wrong": "甲乙", "right": "丙丁"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c.post(app.url("/api/v1/rules/words")).bearer_auth(&office)
        .json(&json!({"rule": "error.serious_expression", "wrong": "甲乙丙", "right": "丙丁", "effective_from": "2026-02-01", "effective_to": "2026-01-01"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .post(app.url("/api/v1/rules/words"))
        .bearer_auth(&app.token("auditor").await)
        .json(&json!({"rule": "error.misused_word", "wrong": "甲乙", "right": "丙丁"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(ledger_len(&app.db).await, n0 + 1);
}

#[tokio::test]
async fn the_rules_page_lists_rules_and_lets_the_office_add_a_word() {
    let app = app_with_users().await;
    let s = app.login("office").await;
    let page = get_text(&s.client, app.url("/rules")).await;
    for want in [
        "error.misused_word",
        "site.homepage_stale",
        "veto_days",
        "单项否决",
        "action=\"/rules/words\"",
    ] {
        assert!(page.contains(want), "rules page lacks {want}");
    }
    let csrf = hidden_value(&page, "csrf");
    let n0 = ledger_len(&app.db).await;

    // A stale form is refused.
    let r = s
        .client
        .post(app.url("/rules/words"))
        .form(&[
            ("csrf", "wrong"),
            ("rule", "error.misused_word"),
            ("wrong", "按装修饰"),
            ("right", "安装修饰"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let r = s
        .client
        .post(app.url("/rules/words"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("rule", "error.serious_expression"),
            ("wrong", "青岛市人民政付"),
            ("right", "青岛市人民政府"),
            ("exceptions", ""),
            ("effective_from", "2026-01-01"),
            ("effective_to", ""),
            ("note", "<b>机构名称</b>"),
            ("reason", "办公厅通知"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(r.headers()["location"], "/rules?done=word");
    assert_eq!(ledger_len(&app.db).await, n0 + 1);
    assert_eq!(last_entry(&app.db).await.reason, "办公厅通知");
    let page = get_text(&s.client, app.url("/rules?done=word")).await;
    assert!(
        page.contains("词条已添加")
            && page.contains("青岛市人民政付")
            && page.contains("2026-01-01 至 —"),
        "{page}"
    );
    assert!(
        page.contains("&#60;b&#62;机构名称") && !page.contains("<b>机构名称"),
        "the note is escaped"
    );

    // A mistake keeps what was typed and says what is wrong.
    let r = s
        .client
        .post(app.url("/rules/words"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("rule", "error.misused_word"),
            ("wrong", "再接再励"),
            ("right", "再接再厉2"),
            ("effective_from", "2026-05-01"),
            ("effective_to", "2026-04-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("生效日期晚于失效日期") || page.contains("词条重复"),
        "{page}"
    );
    assert!(
        page.contains("value=\"再接再厉2\""),
        "the form keeps its values"
    );
    assert_eq!(ledger_len(&app.db).await, n0 + 1);

    // Auditors read the page without the form and cannot post it.
    let a = app.login("auditor").await;
    let page = get_text(&a.client, app.url("/rules")).await;
    assert!(page.contains("青岛市人民政付") && !page.contains("action=\"/rules/words\""));
    let r = a
        .client
        .post(app.url("/rules/words"))
        .form(&[
            ("csrf", a.csrf.as_str()),
            ("rule", "error.misused_word"),
            ("wrong", "甲乙"),
            ("right", "丙丁"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let o = app.login("owner").await;
    let r = o.client.get(app.url("/rules")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(ledger_len(&app.db).await, n0 + 1);
}

//! Every denial: anonymous, wrong password, rate limit, auditor writes, owner scoping (API
//! and pages), CSRF (cross-site header, missing form token, missing API header), bad token.

use crate::support::app::{get_json, get_text};
use govwatch::auth::Role;
use serde_json::json;

use crate::support::app::{TestApp, client, hidden_value, spawn_app};

/// Two owners in sibling districts, an auditor, the office; one account per district.
async fn estate() -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    app.department("city", "青岛市", None).await;
    let a = app.department("shinan", "市南区", Some("city")).await;
    let b = app.department("shibei", "市北区", Some("city")).await;
    app.department("shinan-edu", "市南区教体局", Some("shinan"))
        .await;
    app.user("office", Role::Office, None).await;
    app.user("auditor", Role::Auditor, None).await;
    app.user("owner_a", Role::Owner, Some("shinan")).await;
    app.user("owner_b", Role::Owner, Some("shibei")).await;
    let token = app.token("office").await;
    let c = reqwest::Client::new();
    let mut ids = Vec::new();
    for (dept, handle) in [(a, "shinan_fabu"), (b, "shibei_fabu")] {
        let v: serde_json::Value = c
            .post(app.url("/api/v1/accounts"))
            .bearer_auth(&token)
            .json(&json!({"platform": "weibo", "name": handle, "handle": handle, "department_id": dept, "reason": "开设"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_i64().unwrap());
    }
    (app, ids[0], ids[1])
}

#[tokio::test]
async fn owner_a_cannot_read_or_change_owner_bs_accounts() {
    let (app, acc_a, acc_b) = estate().await;
    let a = app.login("owner_a").await;
    // API: list shows only A's account; B's account is refused for read and change.
    let list: Vec<serde_json::Value> = get_json(&a.client, app.url("/api/v1/accounts")).await;
    assert_eq!(
        list.iter()
            .map(|x| x["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [acc_a]
    );
    assert_eq!(
        a.client
            .get(app.url(&format!("/api/v1/accounts/{acc_b}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        a.client
            .get(app.url(&format!("/api/v1/accounts/{acc_b}/history")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = a
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_b}/suspend")))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({"reason": "越权"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Their own account they can change.
    let r = a
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/suspend")))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({"reason": "整改"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Transferring their account out of their subtree is refused; inside it is fine.
    let d_b: Vec<serde_json::Value> = app_departments(&app).await;
    let shibei = d_b.iter().find(|d| d["code"] == "shibei").unwrap()["id"]
        .as_i64()
        .unwrap();
    let shinan_edu = d_b.iter().find(|d| d["code"] == "shinan-edu").unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = a
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/transfer")))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({"reason": "划转", "department_id": shibei}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = a
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/transfer")))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({"reason": "划转", "department_id": shinan_edu}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Deregistration is the office's.
    a.client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/close")))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({"reason": "停更"}))
        .send()
        .await
        .unwrap();
    let r = a
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/deregister")))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({"reason": "注销"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Pages: the list shows only A's account, B's page and B's action form are refused.
    let page = get_text(&a.client, app.url("/accounts")).await;
    assert!(page.contains("shinan_fabu") && !page.contains("shibei_fabu"));
    let r = a
        .client
        .get(app.url(&format!("/accounts/{acc_b}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("无权"));
    let r = a
        .client
        .post(app.url(&format!("/accounts/{acc_b}/action")))
        .form(&[
            ("csrf", a.csrf.as_str()),
            ("action", "suspend"),
            ("reason", "越权"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let stored = govwatch::registry::query::get(&app.db, &govwatch::auth::Actor::cli(), acc_b)
        .await
        .unwrap();
    assert_eq!(stored.status, "active", "B's account is untouched");
    // The ledger page is not for owners.
    assert_eq!(
        a.client
            .get(app.url("/ledger"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        a.client
            .get(app.url("/api/v1/ledger/verify"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn app_departments(app: &TestApp) -> Vec<serde_json::Value> {
    let token = app.token("office").await;
    reqwest::Client::new()
        .get(app.url("/api/v1/departments"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn auditor_reads_everything_and_changes_nothing() {
    let (app, acc_a, _) = estate().await;
    let s = app.login("auditor").await;
    let list: Vec<serde_json::Value> = get_json(&s.client, app.url("/api/v1/accounts")).await;
    assert_eq!(list.len(), 2);
    let r = s
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/suspend")))
        .header("x-csrf-token", &s.csrf)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s.client.post(app.url("/api/v1/accounts")).header("x-csrf-token", &s.csrf)
        .json(&json!({"platform": "weibo", "name": "x", "handle": "x", "department_id": 1, "reason": "x"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .client
        .post(app.url("/api/v1/ledger/checkpoints"))
        .header("x-csrf-token", &s.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: serde_json::Value = get_json(&s.client, app.url("/api/v1/ledger/verify")).await;
    assert!(v["problem"].is_null(), "{v}");
    let page = s
        .client
        .get(app.url(&format!("/accounts/{acc_a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("id=\"actions\""),
        "auditors get no action forms"
    );
    let page = get_text(&s.client, app.url("/ledger")).await;
    assert!(page.contains("账本完整"));
    assert!(!page.contains("签署新检查点"));
}

#[tokio::test]
async fn anonymous_callers_are_refused_or_sent_to_login() {
    let (app, acc_a, _) = estate().await;
    let c = client();
    assert_eq!(
        c.get(app.url("/api/v1/accounts"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let r = c
        .get(app.url(&format!("/accounts/{acc_a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/login?next=%2Faccounts%2F{acc_a}")
    );
    let r = c
        .get(app.url("/api/v1/accounts"))
        .bearer_auth("gwt_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_token");
}

#[tokio::test]
async fn wrong_password_and_login_rate_limit() {
    let (app, _, _) = estate().await;
    let c = client();
    let page = get_text(&c, app.url("/login")).await;
    let csrf = hidden_value(&page, "csrf");
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = c
            .post(app.url("/login"))
            .form(&[
                ("name", "office"),
                ("password", "wrong password!"),
                ("csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // Even the right password is refused while limited.
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("name", "office"),
            ("password", crate::support::app::PASSWORD),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("过于频繁"));
    // Another user is not affected.
    app.login("auditor").await;
}

#[tokio::test]
async fn login_form_without_its_cookie_token_is_refused() {
    let (app, _, _) = estate().await;
    let r = client()
        .post(app.url("/login"))
        .form(&[
            ("name", "office"),
            ("password", crate::support::app::PASSWORD),
            ("csrf", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn csrf_is_enforced_on_forms_and_session_api_calls() {
    let (app, acc_a, _) = estate().await;
    let s = app.login("office").await;
    // A cross-site form post is refused by the origin check before any handler runs.
    let r = s
        .client
        .post(app.url(&format!("/accounts/{acc_a}/action")))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("csrf", s.csrf.as_str()),
            ("action", "suspend"),
            ("reason", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .client
        .post(app.url(&format!("/accounts/{acc_a}/action")))
        .header("origin", "http://evil.example")
        .form(&[
            ("csrf", s.csrf.as_str()),
            ("action", "suspend"),
            ("reason", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A form without the session's token is refused.
    let r = s
        .client
        .post(app.url(&format!("/accounts/{acc_a}/action")))
        .form(&[("csrf", "wrong"), ("action", "suspend"), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A session API call without X-CSRF-Token is refused.
    let r = s
        .client
        .post(app.url(&format!("/api/v1/accounts/{acc_a}/suspend")))
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let acc = govwatch::registry::query::get(&app.db, &govwatch::auth::Actor::cli(), acc_a)
        .await
        .unwrap();
    assert_eq!(acc.status, "active", "nothing changed");
    // The same form with the right token works and redirects to the account page.
    let r = s
        .client
        .post(app.url(&format!("/accounts/{acc_a}/action")))
        .form(&[
            ("csrf", s.csrf.as_str()),
            ("action", "suspend"),
            ("reason", "整改"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Logout needs the token too, and ends the session.
    let r = s
        .client
        .post(app.url("/logout"))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .client
        .post(app.url("/logout"))
        .form(&[("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        s.client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

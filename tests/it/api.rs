//! Server basics: health, metrics, the OpenAPI document, the pages, escaping.

use crate::support::app::{get_json, get_text};
use govwatch::auth::Role;
use serde_json::json;

use crate::support::app::spawn_app;

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
    let spec: serde_json::Value = get_json(&c, app.url("/api/v1/openapi.json")).await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/accounts",
        "/api/v1/accounts/{id}/{action}",
        "/api/v1/accounts/{id}/history",
        "/api/v1/ledger/verify",
        "/api/v1/ledger/proof/{seq}",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(spec["components"]["schemas"].get("AccountView").is_some());
    // Metrics are for the office and auditors only (Prometheus sends an API token).
    let r = c.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    app.department("city", "青岛市", None).await;
    app.user("owner", Role::Owner, Some("city")).await;
    let owner = app.token("owner").await;
    let r = c
        .get(app.url("/metrics"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.user("ops", Role::Auditor, None).await;
    let ops = app.token("ops").await;
    let r = c
        .get(app.url("/metrics"))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let metrics = r.text().await.unwrap();
    assert!(
        metrics.contains("govwatch_http_requests_total"),
        "{metrics}"
    );
}

#[tokio::test]
async fn pages_show_registry_and_history_and_escape_hostile_text() {
    let app = spawn_app().await;
    let d = app.department("city", "青岛市", None).await;
    app.user("office", Role::Office, None).await;
    let s = app.login("office").await;
    let hostile = "<script>alert('x')</script>青岛";
    let r = s
        .client
        .post(app.url("/api/v1/accounts"))
        .header("x-csrf-token", &s.csrf)
        .json(&json!({"platform": "website", "name": hostile, "url": "https://www.qingdao.gov.cn/", "department_id": d, "reason": "<b>开设</b>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let list = get_text(&s.client, app.url("/accounts?platform=website")).await;
    assert!(
        !list.contains("<script>alert"),
        "crawled or typed text must be escaped"
    );
    assert!(
        list.contains("&lt;script&gt;") || list.contains("&#60;script&#62;"),
        "escaped form shown"
    );
    let page = s
        .client
        .get(app.url(&format!("/accounts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("全过程留痕") && page.contains("开设") && !page.contains("<b>开设"));
    assert!(page.contains("id=\"action-suspend\"") && !page.contains("id=\"action-resume\""));
    // Filters: nothing matches a platform with no accounts.
    let none = get_text(&s.client, app.url("/accounts?platform=douyin")).await;
    assert!(none.contains("没有符合条件的账号"));
    // An impossible action from the page: 409 and the Chinese reason on the account page.
    let r = s
        .client
        .post(app.url(&format!("/accounts/{id}/action")))
        .form(&[
            ("csrf", s.csrf.as_str()),
            ("action", "deregister"),
            ("reason", "注销"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("须先发布停更公告"));
    // Registration form round trip with an error keeps what was typed.
    let r = s
        .client
        .post(app.url("/accounts/new"))
        .form(&[
            ("csrf", s.csrf.as_str()),
            ("platform", "website"),
            ("name", "某网站"),
            ("department_id", &d.to_string()),
            ("url", "not-a-url"),
            ("reason", "开设"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("某网站") && body.contains("http://"));
}

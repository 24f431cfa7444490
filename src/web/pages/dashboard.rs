//! The overview (总览): websites with their 100-point score and verdict, new-media accounts
//! with pass/fail, department roll-ups with their pass rate, and open findings by category.
//! Owners see their own department subtree. No chart library (offline, strict CSP): the pass
//! rate is a `<meter>` element.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{UserBar, error_page, render};
use crate::findings::scores::{self, AccountScore, DepartmentScore, category_label};
use crate::web::AppState;
use crate::web::authn::{Authed, PageUser};

/// Open findings of one category.
pub struct CategoryCount {
    code: String,
    label: &'static str,
    count: u64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    as_of: String,
    websites: Vec<AccountScore>,
    media: Vec<AccountScore>,
    departments: Vec<DepartmentScore>,
    categories: Vec<CategoryCount>,
    websites_failed: usize,
    media_failed: usize,
    open_total: u64,
}

fn internal(a: &Authed, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "dashboard");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(UserBar::of(a)),
        "服务器内部错误，请联系管理员",
    )
}

/// `GET /dashboard`.
pub async fn show(State(state): State<AppState>, PageUser(a): PageUser) -> Response {
    let engine = match state.rules_engine().await {
        Ok(e) => e,
        Err(e) => return internal(&a, e),
    };
    let rules = match engine.rules(&state.db, crate::time::today()).await {
        Ok(r) => r,
        Err(e) => return internal(&a, e),
    };
    let s = match scores::compute(&state.db, &a.actor, &rules).await {
        Ok(s) => s,
        Err(e) => return internal(&a, e),
    };
    let (websites, media): (Vec<AccountScore>, Vec<AccountScore>) =
        s.accounts.into_iter().partition(|c| c.website);
    let categories: Vec<CategoryCount> = s
        .open_by_category
        .iter()
        .map(|(code, n)| CategoryCount {
            label: category_label(code),
            code: code.clone(),
            count: *n,
        })
        .collect();
    render(
        StatusCode::OK,
        &DashboardPage {
            user: Some(UserBar::of(&a)),
            notice: None,
            error: None,
            as_of: s.as_of.to_string(),
            websites_failed: websites.iter().filter(|c| c.failed()).count(),
            media_failed: media.iter().filter(|c| c.failed()).count(),
            open_total: categories.iter().map(|c| c.count).sum(),
            websites,
            media,
            departments: s.departments,
            categories,
        },
    )
}

//! Server-rendered pages in Chinese (templates in `dashboards/templates`). Every form
//! carries the session's CSRF token; crawled or user-supplied text is escaped by askama.

mod accounts;
mod dashboard;
mod findings;
mod ledger;
mod login;
mod rules;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::AppState;
use super::authn::Authed;
use crate::auth::Role;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/dashboard", get(dashboard::show))
        .route("/findings", get(findings::list))
        .route("/rules", get(rules::show))
        .route("/rules/words", post(rules::add_word))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/accounts", get(accounts::list))
        .route(
            "/accounts/new",
            get(accounts::new_form).post(accounts::create),
        )
        .route("/accounts/{id}", get(accounts::show))
        .route("/accounts/{id}/action", post(accounts::act))
        .route("/ledger", get(ledger::show))
        .route("/ledger/checkpoint", post(ledger::checkpoint))
}

/// `/`: the overview for the office and auditors, the registry for owners.
async fn home(super::authn::PageUser(a): super::authn::PageUser) -> Redirect {
    match a.actor.role {
        Role::Office | Role::Auditor => Redirect::to("/dashboard"),
        Role::Owner => Redirect::to("/accounts"),
    }
}

/// The logged-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct UserBar {
    /// Name.
    pub name: String,
    /// Role in Chinese.
    pub role_label: &'static str,
    /// CSRF token for the logout form.
    pub csrf: String,
    /// Whether the ledger page is in the menu.
    pub can_see_ledger: bool,
    /// Whether the rules page is in the menu (office and auditors).
    pub can_see_rules: bool,
}

impl UserBar {
    /// From an authenticated caller.
    pub fn of(a: &Authed) -> Self {
        Self {
            name: a.user.name.clone(),
            role_label: a.actor.role.label(),
            csrf: a.csrf().to_string(),
            can_see_ledger: matches!(a.actor.role, Role::Office | Role::Auditor),
            can_see_rules: matches!(a.actor.role, Role::Office | Role::Auditor),
        }
    }
}

/// Renders a template with a status.
pub fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    heading: String,
}

/// An error page.
pub fn error_page(
    status: StatusCode,
    user: Option<UserBar>,
    message: impl Into<String>,
) -> Response {
    let heading = match status {
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::TOO_MANY_REQUESTS => "操作过于频繁",
        _ => "操作未完成",
    };
    render(
        status,
        &ErrorPage {
            user,
            notice: None,
            error: Some(message.into()),
            heading: heading.to_string(),
        },
    )
}

/// Turns an empty form field into `None`.
pub fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

//! Login and logout. Attempts are rate-limited per user name and per client address; the
//! login form is protected by a double-submit cookie because there is no session yet.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::{UserBar, error_page, render};
use crate::auth::{sessions, users};
use crate::web::AppState;
use crate::web::authn::{ClientIp, PageUser};

const LOGIN_CSRF: &str = "gw_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    next: String,
    name: String,
}

/// `?next=` after login.
#[derive(Deserialize, Default)]
pub struct Next {
    next: Option<String>,
}

/// Only local paths are accepted as a redirect target (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/accounts".to_string(),
    }
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .build()
}

fn login_page(
    jar: CookieJar,
    state: &AppState,
    next: String,
    name: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    // Keep the visitor's token across retries so a re-rendered form stays valid.
    let token = jar
        .get(LOGIN_CSRF)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(sessions::random_token);
    let jar = jar.add(cookie(
        LOGIN_CSRF,
        token.clone(),
        state.settings.auth.cookie_secure,
    ));
    let page = LoginPage {
        user: None,
        notice: None,
        error,
        csrf: token,
        next,
        name,
    };
    (jar, render(status, &page)).into_response()
}

/// `GET /login`.
pub async fn form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<Next>,
) -> Response {
    login_page(
        jar,
        &state,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        StatusCode::OK,
    )
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    let expected = jar
        .get(LOGIN_CSRF)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || expected != f.csrf {
        return login_page(
            jar,
            &state,
            next,
            f.name,
            Some("登录表单已失效，请重新输入".into()),
            StatusCode::FORBIDDEN,
        );
    }
    if !state.login_limiter.allow(&f.name, ip) {
        tracing::warn!(%ip, "login rate limit hit");
        return login_page(
            jar,
            &state,
            next,
            f.name,
            Some("登录尝试过于频繁，请一分钟后再试".into()),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match users::authenticate(&state.db, &f.name, &f.password).await {
        Ok(u) => u,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                format!("登录失败：{e}"),
            );
        }
    };
    let Some(user) = user else {
        tracing::info!(%ip, "failed login");
        return login_page(
            jar,
            &state,
            next,
            f.name,
            Some("用户名或密码错误".into()),
            StatusCode::UNAUTHORIZED,
        );
    };
    match sessions::create(&state.db, user.id, state.settings.auth.session_hours).await {
        Ok((value, _csrf)) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF).path("/").build())
                .add(cookie(
                    sessions::COOKIE,
                    value,
                    state.settings.auth.cookie_secure,
                ));
            tracing::info!(user = %user.name, "login");
            (jar, Redirect::to(&next)).into_response()
        }
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            format!("无法创建会话：{e}"),
        ),
    }
}

/// The logout form.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    jar: CookieJar,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = a.check_form_csrf(&f.csrf) {
        return error_page(StatusCode::FORBIDDEN, Some(UserBar::of(&a)), e.message);
    }
    if let Some(c) = jar.get(sessions::COOKIE)
        && let Err(e) = sessions::delete(&state.db, c.value()).await
    {
        tracing::error!(error = %e, "could not delete session");
    }
    let jar = jar.remove(Cookie::build(sessions::COOKIE).path("/").build());
    (jar, Redirect::to("/login")).into_response()
}

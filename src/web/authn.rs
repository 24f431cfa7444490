//! Who is calling: a session cookie (pages and the browser), or an API token (scripts).
//!
//! CSRF defence has two layers: `tower_http::csrf::CsrfLayer` refuses cross-origin unsafe
//! requests by `Sec-Fetch-Site`/`Origin`, and every session carries a token that forms must
//! echo in a hidden `csrf` field (and API calls made with a session cookie in the
//! `X-CSRF-Token` header). Token-authenticated API calls carry no cookie and need neither.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::ApiError;
use crate::auth::{Actor, sessions, tokens, users};
use crate::db::entities::user;

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session, with its CSRF token.
    Session {
        /// The token forms must echo.
        csrf: String,
    },
    /// An API token.
    Token,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Authed {
    /// Rights.
    pub actor: Actor,
    /// The user row.
    pub user: user::Model,
    /// How.
    pub via: Via,
}

impl Authed {
    /// The session's CSRF token ("" for token callers, who have no forms).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf } => csrf,
            Via::Token => "",
        }
    }

    /// Checks a form's echoed CSRF token.
    pub fn check_form_csrf(&self, echoed: &str) -> Result<(), ApiError> {
        match &self.via {
            Via::Session { csrf } if constant_time_eq(csrf.as_bytes(), echoed.as_bytes()) => Ok(()),
            Via::Token => Ok(()),
            _ => Err(ApiError::forbidden(
                "表单已失效（CSRF 校验失败），请刷新页面后重试",
            )),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Authed>, ApiError> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let Some(token) = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
            return Err(ApiError::unauthorized());
        };
        let Some(u) = tokens::lookup(&state.db, token.trim()).await? else {
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_token",
                "API 令牌无效或已停用",
            ));
        };
        let actor = users::actor_for(&state.db, &u).await?;
        return Ok(Some(Authed {
            actor,
            user: u,
            via: Via::Token,
        }));
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(sessions::COOKIE) else {
        return Ok(None);
    };
    let Some((s, u)) = sessions::lookup(&state.db, cookie.value()).await? else {
        return Ok(None);
    };
    let actor = users::actor_for(&state.db, &u).await?;
    Ok(Some(Authed {
        actor,
        user: u,
        via: Via::Session { csrf: s.csrf_token },
    }))
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let authed = authenticate(parts, state)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        // API calls made with a session cookie must carry the session's CSRF token.
        if let Via::Session { csrf } = &authed.via {
            let unsafe_method =
                !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let echoed = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if unsafe_method && !constant_time_eq(csrf.as_bytes(), echoed.as_bytes()) {
                return Err(ApiError::forbidden("缺少或错误的 X-CSRF-Token 请求头"));
            }
        }
        Ok(authed)
    }
}

/// An authenticated page visitor; anonymous visitors are sent to the login page.
#[derive(Debug, Clone)]
pub struct PageUser(pub Authed);

/// Where an anonymous page visitor goes.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |u| u.0.path().to_string());
        match authenticate(parts, state).await {
            Ok(Some(a)) => Ok(PageUser(a)),
            Ok(None) => Err(ToLogin(path).into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The client's address (falls back to unspecified when the server was not started with
/// connection info, as in some tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip()),
        ))
    }
}

/// Limits login attempts per user name and per client address.
pub struct LoginLimiter {
    by_name: DefaultKeyedRateLimiter<String>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimiter {
    /// `per_minute` attempts per name; four times that per address.
    pub fn new(per_minute: u32) -> Arc<Self> {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let ip = NonZeroU32::new(per_minute.max(1).saturating_mul(4)).unwrap_or(NonZeroU32::MIN);
        Arc::new(Self {
            by_name: RateLimiter::keyed(Quota::per_minute(n)),
            by_ip: RateLimiter::keyed(Quota::per_minute(ip)),
        })
    }

    /// Takes one attempt; `false` when the caller must wait.
    pub fn allow(&self, name: &str, ip: IpAddr) -> bool {
        let name_ok = self.by_name.check_key(&name.trim().to_lowercase()).is_ok();
        let ip_ok = self.by_ip.check_key(&ip).is_ok();
        name_ok && ip_ok
    }
}

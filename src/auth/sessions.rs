//! Cookie sessions stored in our own table (see DESIGN.md: the sqlx-based session stores
//! pull in a second sqlx). The cookie holds 32 random bytes; the table holds their SHA-256,
//! so a copy of the database cannot be used to log in. Each session carries the CSRF token
//! that its forms must echo.

use base64::Engine;
use chrono::{Duration, Utc};
use rand::RngCore;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::db::entities::{session, user};

/// The session cookie's name.
pub const COOKIE: &str = "gw_session";

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates a session; returns the cookie value and the CSRF token.
pub async fn create(
    db: &DatabaseConnection,
    user_id: i64,
    hours: i64,
) -> Result<(String, String), DbErr> {
    let cookie = random_token();
    let csrf = random_token();
    let now = Utc::now();
    session::Entity::insert(session::ActiveModel {
        id: Set(digest(&cookie)),
        user_id: Set(user_id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(hours)),
    })
    .exec_without_returning(db)
    .await?;
    Ok((cookie, csrf))
}

/// The live session and its user for a cookie value.
pub async fn lookup(
    db: &DatabaseConnection,
    cookie: &str,
) -> Result<Option<(session::Model, user::Model)>, DbErr> {
    let Some(s) = session::Entity::find_by_id(digest(cookie)).one(db).await? else {
        return Ok(None);
    };
    if s.expires_at <= Utc::now() {
        session::Entity::delete_by_id(s.id).exec(db).await?;
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(db).await? else {
        return Ok(None);
    };
    if u.disabled {
        return Ok(None);
    }
    Ok(Some((s, u)))
}

/// Ends a session.
pub async fn delete(db: &DatabaseConnection, cookie: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(digest(cookie))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes expired sessions.
pub async fn purge_expired(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(Utc::now()))
        .exec(db)
        .await?
        .rows_affected)
}

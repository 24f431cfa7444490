//! API tokens for scripts: `gwt_` followed by 32 random bytes. Shown once; only the SHA-256
//! is stored. Sent as `Authorization: Bearer gwt_…`.

use chrono::Utc;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};

use super::sessions::{digest, random_token};
use crate::db::entities::{api_token, user};

/// Creates a token for a user and returns it (the only time it is visible).
pub async fn create(db: &DatabaseConnection, user_id: i64, label: &str) -> Result<String, DbErr> {
    let token = format!("gwt_{}", random_token());
    api_token::Entity::insert(api_token::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        label: Set(label.to_string()),
        token_hash: Set(digest(&token)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// The user a token belongs to, if it is valid and the user is enabled.
pub async fn lookup(db: &DatabaseConnection, token: &str) -> Result<Option<user::Model>, DbErr> {
    if !token.starts_with("gwt_") {
        return Ok(None);
    }
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Utc::now().into())
        .filter(api_token::Column::Id.eq(t.id))
        .exec(db)
        .await?;
    Ok(user::Entity::find_by_id(t.user_id)
        .one(db)
        .await?
        .filter(|u| !u.disabled))
}

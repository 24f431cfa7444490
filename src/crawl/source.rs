//! From a registry account to the crawler's [`Source`].

use std::collections::HashMap;

use govwatch_crawlers::{CrawlConfig, Source, Validators};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::db::entities::{account, crawl, snapshot};

/// Builds the source for an account: its platform, URL and handle, how many posts the last
/// feed read had (an empty feed after that is a failure, not "no posts"), and validators
/// for conditional GET of its feed. Pages and attachments get none: a 304 page is not
/// parsed (its links would not be followed) and a 304 attachment is not re-read, so the
/// findings in it could not be confirmed as still there.
pub async fn build<C: ConnectionTrait>(
    db: &C,
    a: &account::Model,
    _config: &CrawlConfig,
) -> Result<Source, DbErr> {
    let platform = a.platform.parse().unwrap_or_default();
    let url = a.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    let previous = crawl::Entity::find()
        .filter(crawl::Column::AccountId.eq(a.id))
        .filter(crawl::Column::FinishedAt.is_not_null())
        .order_by_desc(crawl::Column::Id)
        .one(db)
        .await?;
    let previous_post_count = previous
        .and_then(|c| c.post_count)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0);
    let mut validators = HashMap::new();
    let rows = snapshot::Entity::find()
        .filter(snapshot::Column::AccountId.eq(a.id))
        .filter(snapshot::Column::Kind.eq("feed"))
        .order_by_asc(snapshot::Column::Id)
        .all(db)
        .await?;
    for s in rows {
        if s.etag.is_some() || s.last_modified.is_some() {
            // Later rows win: the newest version's validators.
            validators.insert(
                s.url,
                Validators {
                    etag: s.etag,
                    last_modified: s.last_modified,
                },
            );
        }
    }
    Ok(Source {
        platform,
        url,
        handle: a.handle.clone(),
        previous_post_count,
        validators,
    })
}

//! What crawls saw: crawl runs, snapshot metadata (bodies live in the content-addressed
//! store), link checks, columns, feed posts and availability probes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(*c);
    }
    manager.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("crawls")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    // Idempotency key of the job that ran it: a redelivered job finds its
                    // crawl and stores nothing twice.
                    .col(string_null("job_key").unique_key())
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .col(string_len("status", 16))
                    .col(big_integer("pages"))
                    .col(big_integer("attachments"))
                    .col(big_integer("links_checked"))
                    .col(big_integer("broken_links"))
                    .col(big_integer("failures"))
                    .col(big_integer("bytes"))
                    .col(big_integer("not_modified"))
                    .col(big_integer("elapsed_ms"))
                    .col(boolean_null("source_ok"))
                    .col(big_integer_null("post_count"))
                    .col(timestamp_with_time_zone_null("newest_post_at"))
                    .col(text_null("error"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("crawls", "account_id")
                            .to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_crawls_account",
            "crawls",
            &["account_id", "id"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("snapshots")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(text("url"))
                    // SHA-256 of the URL: long URLs do not fit every index.
                    .col(string_len("url_key", 64))
                    .col(string_len("kind", 16))
                    .col(string_len_null("content_hash", 64))
                    .col(big_integer("size"))
                    .col(integer("status"))
                    .col(string_null("content_type"))
                    .col(string_null("encoding"))
                    .col(boolean("encoding_mismatch"))
                    .col(text_null("title"))
                    .col(text("headers"))
                    .col(string_null("etag"))
                    .col(string_null("last_modified"))
                    .col(timestamp_with_time_zone("first_seen_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(big_integer("first_crawl_id"))
                    .col(big_integer("last_crawl_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("snapshots", "account_id")
                            .to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_snapshots_url",
            "snapshots",
            &["account_id", "url_key", "id"],
        )
        .await?;
        index(
            manager,
            "idx_snapshots_crawl",
            "snapshots",
            &["last_crawl_id"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("link_checks")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(big_integer("crawl_id"))
                    .col(text("target"))
                    .col(string_len("kind", 16))
                    .col(boolean("external"))
                    .col(boolean("broken"))
                    .col(boolean("skipped"))
                    .col(integer_null("status"))
                    .col(text_null("reason"))
                    .col(boolean("on_home"))
                    .col(text("linked_from"))
                    .col(big_integer("linked_from_count"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("link_checks", "crawl_id")
                            .to("crawls", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_link_checks_crawl",
            "link_checks",
            &["crawl_id"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("site_columns")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(big_integer("crawl_id"))
                    .col(string("name"))
                    .col(text("url"))
                    .col(big_integer("item_count"))
                    .col(date_null("newest_item_date"))
                    .col(boolean("fetched_ok"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("site_columns", "crawl_id")
                            .to("crawls", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_site_columns_crawl",
            "site_columns",
            &["crawl_id"],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("posts")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(string_len("post_key", 64))
                    .col(text_null("title"))
                    .col(text_null("link"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(timestamp_with_time_zone("first_seen_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("posts", "account_id")
                            .to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_posts_account_key")
                    .table("posts")
                    .col("account_id")
                    .col("post_key")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("probes")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(timestamp_with_time_zone("probed_at"))
                    .col(boolean("ok"))
                    .col(integer_null("status"))
                    .col(big_integer("elapsed_ms"))
                    .col(text_null("error"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("probes", "account_id")
                            .to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_probes_account_time",
            "probes",
            &["account_id", "probed_at"],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "probes",
            "posts",
            "site_columns",
            "link_checks",
            "snapshots",
            "crawls",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

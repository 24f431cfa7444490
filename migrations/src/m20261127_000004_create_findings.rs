//! Findings (问题) and the office's rule overrides.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("findings")
                    .col(big_pk_auto("id"))
                    // SHA-256 of (rule, account, location, keyed hash of the matched value):
                    // the same problem at the same place is one row however often it is seen.
                    .col(string_len_uniq("fingerprint", 64))
                    .col(string("rule_id"))
                    .col(string_len("category", 16))
                    .col(string_len("severity", 16))
                    .col(double("points"))
                    .col(big_integer("account_id"))
                    .col(text("url"))
                    .col(text("location"))
                    .col(string("title"))
                    .col(text("message"))
                    // Masked: never the raw personal information.
                    .col(text("excerpt"))
                    .col(string_null("masked_value"))
                    .col(string_null("suggestion"))
                    .col(string_len("value_hash", 64))
                    .col(boolean("needs_confirmation"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("first_seen_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(big_integer_null("last_crawl_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("findings", "account_id")
                            .to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_findings_account_status", vec!["account_id", "status"]),
            ("idx_findings_rule", vec!["rule_id"]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("findings");
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("rule_overrides")
                    .col(integer("id").primary_key())
                    .col(text("body"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string("updated_by"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["rule_overrides", "findings"] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

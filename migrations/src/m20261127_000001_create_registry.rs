//! Registry (台账): departments, accounts, users, sessions and API tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("departments")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("code"))
                    .col(string("name"))
                    .col(big_integer_null("parent_id"))
                    // Materialised path of ids ("/1/5/12/") so that "this department and
                    // everything below it" is one indexed prefix match on both backends.
                    .col(string("path"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("departments", "parent_id")
                            .to("departments", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_departments_path")
                    .table("departments")
                    .col("path")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_departments_name")
                    .table("departments")
                    .col("name")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("accounts")
                    .col(big_pk_auto("id"))
                    .col(string_len("platform", 16))
                    .col(string("name"))
                    .col(string_null("handle"))
                    .col(string_null("url"))
                    // Lower-cased handle (or normalised URL when there is no handle): the
                    // key under which two live accounts may not coexist on one platform.
                    .col(string("identity_key"))
                    .col(big_integer("department_id"))
                    .col(string_null("operator"))
                    .col(string_null("responsible"))
                    .col(text("contacts"))
                    .col(date_null("opened_on"))
                    .col(string_len("status", 16))
                    .col(string_null("notice_url"))
                    .col(date_null("closed_on"))
                    .col(big_integer_null("merged_into"))
                    .col(string_null("deregister_reference"))
                    .col(string_null("crawl_cron"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("accounts", "department_id")
                            .to("departments", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("accounts", "merged_into")
                            .to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_accounts_department", "department_id"),
            ("idx_accounts_status", "status"),
            ("idx_accounts_platform", "platform"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("accounts")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        // Two live (active or suspended) accounts with the same platform and handle cannot
        // coexist. A partial unique index has the same syntax on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_accounts_live_identity ON accounts (platform, identity_key) \
                 WHERE status IN ('active', 'suspended')",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("name"))
                    .col(string_len("role", 16))
                    .col(big_integer_null("department_id"))
                    .col(string("password_hash"))
                    .col(boolean("disabled"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("users", "department_id")
                            .to("departments", "id"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    // SHA-256 of the cookie value: a leaked database does not leak sessions.
                    .col(string("id").primary_key())
                    .col(big_integer("user_id"))
                    .col(string("csrf_token"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("sessions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string("label"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_tokens", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["api_tokens", "sessions", "users", "accounts", "departments"] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

//! The lifecycle ledger: hash-chained entries, the chain head used to serialise appenders,
//! and signed checkpoints.
//!
//! An entry's payload (before/after) sits in the entry's row but outside the hashed record:
//! only its hash is chained, so it can be redacted for a lawful erasure without breaking the
//! chain. A trigger keeps the head in step with every insert, inside the inserting statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("ledger_entries")
                    // The sequence number is the primary key: two appenders can never both
                    // write entry N, on either backend.
                    .col(big_integer("seq").primary_key())
                    // Canonical text (RFC 3339, microseconds, `Z`) exactly as hashed.
                    .col(string("recorded_at"))
                    .col(string("actor"))
                    .col(string("action"))
                    .col(string("subject_type"))
                    .col(string("subject_id"))
                    .col(text("reason"))
                    .col(string_len("payload_hash", 64))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("entry_hash", 64))
                    .col(text_null("payload"))
                    .col(string_null("redacted_at"))
                    .col(text_null("redaction_reason"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_subject")
                    .table("ledger_entries")
                    .col("subject_type")
                    .col("subject_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ledger_head")
                    .col(integer("id").primary_key())
                    .col(big_integer("last_seq"))
                    .col(string_len("last_hash", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO ledger_head (id, last_seq, last_hash) VALUES \
                 (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",
            )
            .await?;
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE FUNCTION ledger_advance_head() RETURNS trigger AS $$ BEGIN \
                     UPDATE ledger_head SET last_seq = NEW.seq, last_hash = NEW.entry_hash WHERE id = 1; \
                     RETURN NEW; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER ledger_entries_advance_head AFTER INSERT ON ledger_entries \
                     FOR EACH ROW EXECUTE FUNCTION ledger_advance_head()",
                )
                .await?;
            }
            _ => {
                conn.execute_unprepared(
                    "CREATE TRIGGER ledger_entries_advance_head AFTER INSERT ON ledger_entries BEGIN \
                     UPDATE ledger_head SET last_seq = NEW.seq, last_hash = NEW.entry_hash WHERE id = 1; END",
                )
                .await?;
            }
        }
        manager
            .create_table(
                Table::create()
                    .table("ledger_checkpoints")
                    .col(big_pk_auto("id"))
                    .col(big_integer("tree_size"))
                    .col(string_len("root_hash", 64))
                    .col(string("signed_at"))
                    .col(string("public_key"))
                    .col(string("signature"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            conn.execute_unprepared(
                "DROP TRIGGER IF EXISTS ledger_entries_advance_head ON ledger_entries",
            )
            .await?;
            conn.execute_unprepared("DROP FUNCTION IF EXISTS ledger_advance_head()")
                .await?;
        } else {
            conn.execute_unprepared("DROP TRIGGER IF EXISTS ledger_entries_advance_head")
                .await?;
        }
        for table in ["ledger_checkpoints", "ledger_head", "ledger_entries"] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

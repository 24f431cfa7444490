//! Where packed snapshot objects live: one row per distinct content hash, naming the pack
//! file and the byte range of its record. Objects stored as loose files (large bodies, and
//! every object written before packs existed) have no row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("snapshot_objects")
                    // BLAKE3 of the raw bytes, lowercase hex, as in `snapshots.content_hash`.
                    .col(string_len("hash", 64).primary_key())
                    // Pack file name without folder or suffix (a UUID).
                    .col(string_len("pack", 64))
                    // Start of the object's record in the pack file.
                    .col(big_integer("record_offset"))
                    // Length of the stored (possibly compressed) bytes after the record header.
                    .col(big_integer("stored_length"))
                    // Size of the raw bytes.
                    .col(big_integer("size"))
                    .col(boolean("compressed"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_snapshot_objects_pack")
                    .table("snapshot_objects")
                    .col("pack")
                    .to_owned(),
            )
            .await?;
        // Which snapshots use an object: `snapshots verify` walks the distinct hashes in
        // order, and a future clean-up of unreferenced packs needs the same lookup.
        manager
            .create_index(
                Index::create()
                    .name("idx_snapshots_content_hash")
                    .table("snapshots")
                    .col("content_hash")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_snapshots_content_hash")
                    .table("snapshots")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("snapshot_objects").to_owned())
            .await
    }
}

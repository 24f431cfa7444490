//! Where one packed snapshot object lives (see `storage::pack`). Loose objects have no row.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "snapshot_objects")]
pub struct Model {
    /// BLAKE3 of the raw bytes, lowercase hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// Pack file name (a UUID), without folder or suffix.
    pub pack: String,
    /// Start of the object's record in the pack.
    pub record_offset: i64,
    /// Stored bytes after the record header.
    pub stored_length: i64,
    /// Raw size.
    pub size: i64,
    /// Whether the stored bytes are a zstd frame.
    pub compressed: bool,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

//! Where packed objects are: the `snapshot_objects` table.
//!
//! The index lives in the database rather than in files next to the packs because it is
//! written in the same transaction as the snapshot rows that name the objects (a committed row
//! never names an object the index does not know), it is shared by every worker that uses the
//! database, and looking one hash up costs a primary-key read however many millions of objects
//! a multi-year archive holds (an in-memory index of every pack would grow with the archive).

use std::collections::HashSet;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::{ContentHash, ObjectBackend, PackedObject, SnapshotStore, StorageError};
use crate::db::entities::snapshot_object;

/// Rows per insert: 7 columns a row, far below SQLite's bind-parameter limit.
const INSERT_CHUNK: usize = 500;
/// Hashes per lookup.
const LOOKUP_CHUNK: usize = 500;

/// Which of `hashes` no pack holds yet (loose objects do not count: a body stored loose by an
/// earlier version is packed once when it is seen again).
pub async fn missing<C: ConnectionTrait>(
    db: &C,
    hashes: &[ContentHash],
) -> Result<HashSet<ContentHash>, sea_orm::DbErr> {
    let mut missing: HashSet<ContentHash> = hashes.iter().copied().collect();
    let hex: Vec<String> = hashes.iter().map(ContentHash::to_hex).collect();
    for chunk in hex.chunks(LOOKUP_CHUNK) {
        let known: Vec<String> = snapshot_object::Entity::find()
            .filter(snapshot_object::Column::Hash.is_in(chunk.iter().map(String::as_str)))
            .select_only()
            .column(snapshot_object::Column::Hash)
            .into_tuple()
            .all(db)
            .await?;
        for h in known {
            if let Ok(h) = h.parse::<ContentHash>() {
                missing.remove(&h);
            }
        }
    }
    Ok(missing)
}

/// Records where `objects` are. A hash already recorded (another worker packed the same bytes
/// at the same moment) keeps its first location; the second copy is unreferenced.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    objects: &[PackedObject],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for chunk in objects.chunks(INSERT_CHUNK) {
        let rows = chunk.iter().map(|o| snapshot_object::ActiveModel {
            hash: Set(o.hash.to_hex()),
            pack: Set(o.pack.clone()),
            record_offset: Set(to_i64(o.offset)),
            stored_length: Set(to_i64(o.stored_length)),
            size: Set(to_i64(o.size)),
            compressed: Set(o.compressed),
            created_at: Set(now),
        });
        snapshot_object::Entity::insert_many(rows)
            .on_conflict_do_nothing()
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Where the object with `hash` is packed, if it is.
pub async fn locate<C: ConnectionTrait>(
    db: &C,
    hash: &ContentHash,
) -> Result<Option<PackedObject>, StorageError> {
    let Some(row) = snapshot_object::Entity::find_by_id(hash.to_hex())
        .one(db)
        .await
        .map_err(|e| StorageError::Index(e.to_string()))?
    else {
        return Ok(None);
    };
    let field = |n: i64, what: &str| {
        u64::try_from(n).map_err(|_| StorageError::Corrupt {
            hash: *hash,
            reason: format!("index row has a negative {what}"),
        })
    };
    Ok(Some(PackedObject {
        hash: *hash,
        pack: row.pack,
        offset: field(row.record_offset, "offset")?,
        stored_length: field(row.stored_length, "length")?,
        size: field(row.size, "size")?,
        compressed: row.compressed,
    }))
}

/// The bytes with `hash`, packed or loose, verified against the hash.
pub async fn load<C: ConnectionTrait, B: ObjectBackend>(
    db: &C,
    store: &SnapshotStore<B>,
    hash: &ContentHash,
) -> Result<Bytes, StorageError> {
    match locate(db, hash).await? {
        Some(at) => store.get_packed(&at).await,
        None => store.get(hash).await,
    }
}

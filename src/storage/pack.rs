//! Pack files: many snapshot objects in one file.
//!
//! A crawl of 5,000 small pages used to create 5,000 files; on ext4 creating them (inode
//! allocation, directory entries, renames) cost more machine time than fetching and parsing
//! the pages. A batch of objects now goes into one pack file `packs/<uuid>.pack`, written once
//! and never changed, and the database's `snapshot_objects` table says where each object is.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! file    = "GWPACK\0\x01" record*
//! record  = "GWO1" hash[32] flags[1] length[8] bytes[length]
//! ```
//!
//! `hash` is the BLAKE3 of the raw bytes, `flags` bit 0 says whether `bytes` is a zstd frame.
//! Each record names its own object, so a pack is self-describing: the index could be rebuilt
//! from the packs alone, and a wrong offset in the index is caught (the record's hash must be
//! the one asked for) instead of returning another page's text.

use bytes::{BufMut as _, Bytes, BytesMut};

use super::{ContentHash, StorageError};

/// First bytes of every pack file (version 1).
pub(crate) const FILE_MAGIC: &[u8; 8] = b"GWPACK\x00\x01";
/// First bytes of every record.
const RECORD_MAGIC: &[u8; 4] = b"GWO1";
/// Bytes of a record before the stored bytes.
pub(crate) const RECORD_HEADER: u64 = 4 + 32 + 1 + 8;
const FLAG_COMPRESSED: u8 = 1;

/// Where one packed object is: what an index row holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedObject {
    /// BLAKE3 of the raw bytes.
    pub hash: ContentHash,
    /// Pack name (a UUID; the file is `packs/<pack>.pack`).
    pub pack: String,
    /// Start of the object's record in the pack.
    pub offset: u64,
    /// Length of the stored bytes after the record header.
    pub stored_length: u64,
    /// Size of the raw bytes.
    pub size: u64,
    /// Whether the stored bytes are a zstd frame.
    pub compressed: bool,
}

/// The backend key of pack `name`, refusing names that are not ours: the name comes from a
/// database row, and a tampered row must not make the store read `../../etc/passwd`.
pub(crate) fn pack_key(hash: &ContentHash, name: &str) -> Result<String, StorageError> {
    let ours = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if ours {
        Ok(format!("packs/{name}.pack"))
    } else {
        Err(StorageError::Corrupt {
            hash: *hash,
            reason: format!("index names an invalid pack {name:?}"),
        })
    }
}

/// The header of one record.
pub(crate) fn record_header(hash: &ContentHash, compressed: bool, length: u64) -> Bytes {
    let mut h = BytesMut::with_capacity(RECORD_HEADER as usize);
    h.put_slice(RECORD_MAGIC);
    h.put_slice(hash.as_bytes());
    h.put_u8(if compressed { FLAG_COMPRESSED } else { 0 });
    h.put_u64_le(length);
    h.freeze()
}

/// Checks that `record` (header and stored bytes, as read at the indexed offset) is the
/// object `at` says it is, and returns the stored bytes.
pub(crate) fn open_record(at: &PackedObject, record: Bytes) -> Result<Bytes, StorageError> {
    let corrupt = |reason: String| StorageError::Corrupt {
        hash: at.hash,
        reason: format!("pack {} offset {}: {reason}", at.pack, at.offset),
    };
    let header = RECORD_HEADER as usize;
    if record.len() < header {
        return Err(corrupt("record shorter than its header".into()));
    }
    if &record[..4] != RECORD_MAGIC {
        return Err(corrupt("no record starts here".into()));
    }
    if &record[4..36] != at.hash.as_bytes() {
        return Err(corrupt("the record holds another object".into()));
    }
    let compressed = record[36] & FLAG_COMPRESSED != 0;
    let mut len = [0u8; 8];
    len.copy_from_slice(&record[37..45]);
    let length = u64::from_le_bytes(len);
    if compressed != at.compressed || length != at.stored_length {
        return Err(corrupt(format!(
            "record says {length} bytes (compressed: {compressed}), index says {} (compressed: {})",
            at.stored_length, at.compressed
        )));
    }
    if (record.len() - header) as u64 != length {
        return Err(corrupt("record cut short".into()));
    }
    Ok(record.slice(header..))
}

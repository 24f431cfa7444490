//! The content-addressed snapshot store.

use std::io::Read as _;
use std::path::Path;

use bytes::Bytes;

use super::pack::{self, PackedObject};
use super::{ContentHash, LocalBackend, ObjectBackend, StorageError};

/// Bodies smaller than this are stored as they are: zstd's frame overhead makes tiny bodies
/// grow (measured: 144 → 153 bytes).
const COMPRESS_MIN: usize = 512;
/// zstd level: fast, and most of the gain on HTML.
const ZSTD_LEVEL: i32 = 3;

/// Size limits of the store.
#[derive(Debug, Clone, Copy)]
pub struct StoreLimits {
    /// Largest body accepted by `put` and returned by `get`.
    pub max_object_bytes: u64,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_object_bytes: 256 * 1024 * 1024,
        }
    }
}

/// What [`SnapshotStore::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PutResult {
    /// BLAKE3 of the raw bytes: the address.
    pub hash: ContentHash,
    /// Size of the raw bytes.
    pub size: u64,
    /// Size of the stored object (compressed or not).
    pub stored_bytes: u64,
    /// Whether the object is stored zstd-compressed.
    pub compressed: bool,
    /// `true` if the store already held these bytes (nothing was written).
    pub existed: bool,
}

/// A body hashed and compressed, not yet written.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// BLAKE3 of the raw bytes.
    pub hash: ContentHash,
    /// Size of the raw bytes.
    pub size: u64,
    /// What will be stored: the zstd frame, or the raw bytes.
    pub data: Bytes,
    /// Whether `data` is compressed.
    pub compressed: bool,
}

impl Prepared {
    fn raw(hash: ContentHash, body: Bytes) -> Self {
        Self {
            hash,
            size: body.len() as u64,
            data: body,
            compressed: false,
        }
    }
}

/// Fetched bodies, stored once per distinct content: small ones many to a pack file
/// (`packs/<uuid>.pack`, see [`super::pack`]; where each one is, is a database row), large ones
/// and everything written before packs existed as loose files
/// `objects/ab/<blake3 hex>[.zst]` (the `.zst` suffix records compression).
///
/// Reading verifies the hash, so a flipped bit on disk is reported as [`StorageError::Corrupt`]
/// instead of being shown as what the government site published.
#[derive(Debug, Clone)]
pub struct SnapshotStore<B: ObjectBackend = LocalBackend> {
    backend: B,
    limits: StoreLimits,
}

impl SnapshotStore<LocalBackend> {
    /// A store under `<data_dir>/snapshots` whose objects become durable at
    /// [`SnapshotStore::sync`] (one file-system flush per batch instead of two fsyncs per
    /// object). Call `sync` before committing rows that name the objects.
    pub fn open_local_batched(data_dir: impl AsRef<Path>) -> Self {
        Self::new(LocalBackend::batched(data_dir.as_ref().join("snapshots")))
    }

    /// The store under `<data_dir>/snapshots`.
    pub fn open_local(data_dir: impl AsRef<Path>) -> Self {
        Self::new(LocalBackend::new(data_dir.as_ref().join("snapshots")))
    }
}

/// Where the object with `hash` lives: one level of 256 folders, as git does. A crawl writes
/// thousands of objects; a second level (65,536 folders) would create a folder for nearly
/// every object, doubling the inodes the file system must allocate (measured: on ext4 inode
/// allocation was the largest cost of a crawl). 256 folders hold millions of objects well
/// (ext4 and XFS index large folders).
fn key(hash: &ContentHash, compressed: bool) -> String {
    let hex = hash.to_hex();
    let suffix = if compressed { ".zst" } else { "" };
    format!("objects/{}/{hex}{suffix}", &hex[..2])
}

/// Where stores written before the one-level layout put the object; still read.
fn legacy_key(hash: &ContentHash, compressed: bool) -> String {
    let hex = hash.to_hex();
    let suffix = if compressed { ".zst" } else { "" };
    format!("objects/{}/{}/{hex}{suffix}", &hex[..2], &hex[2..4])
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
}

impl<B: ObjectBackend> SnapshotStore<B> {
    /// A store on `backend` with default limits.
    pub fn new(backend: B) -> Self {
        Self::with_limits(backend, StoreLimits::default())
    }

    /// A store on `backend` with `limits`.
    pub fn with_limits(backend: B, limits: StoreLimits) -> Self {
        Self { backend, limits }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Hashes `body` and compresses it (when that pays), on a blocking thread: the first half
    /// of storing it. [`SnapshotStore::put`] then writes it as a loose object;
    /// [`SnapshotStore::write_pack`] writes many prepared objects as one pack.
    pub async fn prepare(&self, body: impl Into<Bytes>) -> Result<Prepared, StorageError> {
        let body: Bytes = body.into();
        let size = body.len() as u64;
        if size > self.limits.max_object_bytes {
            return Err(StorageError::TooLarge {
                size,
                limit: self.limits.max_object_bytes,
            });
        }
        // Hashing and compressing a multi-megabyte body is CPU work: off the async threads.
        blocking(move || {
            let hash = ContentHash::of(&body);
            if body.len() < COMPRESS_MIN {
                return Ok(Prepared::raw(hash, body));
            }
            let packed = compress(&body).map_err(|source| StorageError::Io {
                op: "compress",
                path: hash.to_hex(),
                source,
            })?;
            // Already-compressed formats (JPEG, ZIP, most PDFs) do not shrink: keep them raw.
            if packed.len() >= body.len() {
                Ok(Prepared::raw(hash, body))
            } else {
                Ok(Prepared {
                    hash,
                    size,
                    data: Bytes::from(packed),
                    compressed: true,
                })
            }
        })
        .await
    }

    /// Stores `body` as a loose object (one file) unless the same bytes are already stored
    /// loose.
    pub async fn put(&self, body: impl Into<Bytes>) -> Result<PutResult, StorageError> {
        let p = self.prepare(body).await?;
        let stored_bytes = p.data.len() as u64;
        let created = self
            .backend
            .put_if_absent(&key(&p.hash, p.compressed), p.data)
            .await?;
        Ok(PutResult {
            hash: p.hash,
            size: p.size,
            stored_bytes,
            compressed: p.compressed,
            existed: !created,
        })
    }

    /// Writes `objects` as one new pack file, durable when this returns, and says where each
    /// one is. The caller records the locations (the `snapshot_objects` table, committed with
    /// the rows that name the objects) and removes duplicates first: a pack holds what it is
    /// given. No objects, no pack.
    pub async fn write_pack(
        &self,
        objects: Vec<Prepared>,
    ) -> Result<Vec<PackedObject>, StorageError> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let name = uuid::Uuid::new_v4().to_string();
        let mut parts = Vec::with_capacity(objects.len() * 2 + 1);
        parts.push(Bytes::from_static(pack::FILE_MAGIC));
        let mut offset = pack::FILE_MAGIC.len() as u64;
        let mut placed = Vec::with_capacity(objects.len());
        for o in objects {
            let stored_length = o.data.len() as u64;
            parts.push(pack::record_header(&o.hash, o.compressed, stored_length));
            parts.push(o.data);
            placed.push(PackedObject {
                hash: o.hash,
                pack: name.clone(),
                offset,
                stored_length,
                size: o.size,
                compressed: o.compressed,
            });
            offset += pack::RECORD_HEADER + stored_length;
        }
        let key = pack::pack_key(&placed[0].hash, &name)?;
        self.backend.create_durable(&key, parts).await?;
        Ok(placed)
    }

    /// The packed object at `at`, verified against its hash.
    pub async fn get_packed(&self, at: &PackedObject) -> Result<Bytes, StorageError> {
        let limit = self.limits.max_object_bytes;
        if at.stored_length > limit {
            return Err(StorageError::TooLarge {
                size: at.stored_length,
                limit,
            });
        }
        let key = pack::pack_key(&at.hash, &at.pack)?;
        let record = self
            .backend
            .get_range(&key, at.offset, pack::RECORD_HEADER + at.stored_length)
            .await?
            .ok_or_else(|| StorageError::Corrupt {
                hash: at.hash,
                reason: format!("pack {} is missing", at.pack),
            })?;
        let stored = pack::open_record(at, record)?;
        let (hash, compressed) = (at.hash, at.compressed);
        blocking(move || {
            let body = if compressed {
                decompress_bounded(&stored, limit)
                    .map_err(|reason| StorageError::Corrupt { hash, reason })?
            } else {
                stored
            };
            verify(&hash, body)
        })
        .await
    }

    /// Makes every object put so far durable (see [`ObjectBackend::sync`]).
    pub async fn sync(&self) -> Result<(), StorageError> {
        self.backend.sync().await
    }

    /// Whether the bytes with `hash` are stored as a loose object (packed objects are known
    /// to the `snapshot_objects` table, see [`super::index`]).
    pub async fn contains(&self, hash: &ContentHash) -> Result<bool, StorageError> {
        for compressed in [true, false] {
            if self.backend.exists(&key(hash, compressed)).await?
                || self.backend.exists(&legacy_key(hash, compressed)).await?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The loose object with `hash`, verified against it. Packed objects are read with
    /// [`SnapshotStore::get_packed`]; [`super::index::load`] finds either.
    pub async fn get(&self, hash: &ContentHash) -> Result<Bytes, StorageError> {
        let limit = self.limits.max_object_bytes;
        for layout in [key, legacy_key] {
            if let Some(packed) = self.backend.get(&layout(hash, true), limit).await? {
                let hash = *hash;
                return blocking(move || {
                    let body = decompress_bounded(&packed, limit)
                        .map_err(|reason| StorageError::Corrupt { hash, reason })?;
                    verify(&hash, body)
                })
                .await;
            }
            if let Some(body) = self.backend.get(&layout(hash, false), limit).await? {
                let hash = *hash;
                return blocking(move || verify(&hash, body)).await;
            }
        }
        Err(StorageError::NotFound(*hash))
    }
}

thread_local! {
    /// One compression context per blocking thread: creating one per body (and zeroing its
    /// tables) showed up in the crawl profile for thousands of small pages.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// zstd at [`ZSTD_LEVEL`] with this thread's reused context.
fn compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
        };
        compressor.compress(body)
    })
}

/// Decompresses at most `limit` bytes: a corrupt or forged frame must not be a zstd bomb.
fn decompress_bounded(packed: &[u8], limit: u64) -> Result<Bytes, String> {
    let decoder = zstd::stream::read::Decoder::new(packed).map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| format!("zstd: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!("decompresses beyond the {limit}-byte limit"));
    }
    Ok(Bytes::from(body))
}

fn verify(hash: &ContentHash, body: Bytes) -> Result<Bytes, StorageError> {
    let actual = ContentHash::of(&body);
    if actual == *hash {
        Ok(body)
    } else {
        Err(StorageError::Corrupt {
            hash: *hash,
            reason: format!("content hashes to {actual}"),
        })
    }
}

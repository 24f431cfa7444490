//! Storage of what the crawlers fetched.
//!
//! - [`SnapshotStore`]: content-addressed, compressed copies of fetched resources, on an
//!   [`ObjectBackend`] (a local folder now; an S3-compatible store later): many small ones to a
//!   [`pack`] file, large ones as loose files.
//! - [`index`]: where packed objects are (a database table), and [`index::load`], which reads
//!   an object wherever it is.
//! - [`diff`]: line diffs between two versions of a page, for the "page changed" view.
//! - [`warc`]: WARC 1.1 export (and a small reader) so snapshots can leave the platform in the
//!   archivists' standard format.

mod backend;
pub mod diff;
mod hash;
pub mod index;
pub mod pack;
mod snapshot;
pub mod warc;

pub use backend::{LocalBackend, ObjectBackend};
pub use diff::{Diff, DiffLimits, Hunk, text_diff, text_diff_with};
pub use hash::{ContentHash, InvalidHash};
pub use pack::PackedObject;
pub use snapshot::{Prepared, PutResult, SnapshotStore, StoreLimits};

/// Errors of the snapshot store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// Reading or writing the backend failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What we were doing.
        op: &'static str,
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// No object with this hash.
    #[error("snapshot {0} not found")]
    NotFound(ContentHash),
    /// The stored object does not decode to bytes with its hash: disk corruption or tampering.
    #[error("snapshot {hash} is corrupt: {reason}")]
    Corrupt {
        /// The object.
        hash: ContentHash,
        /// What was wrong.
        reason: String,
    },
    /// The body exceeds the store's size limit.
    #[error("snapshot of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size of the body.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The database index of packed objects could not be read.
    #[error("snapshot index: {0}")]
    Index(String),
    /// A blocking task of the store panicked or was cancelled.
    #[error("storage task failed: {0}")]
    Task(String),
}

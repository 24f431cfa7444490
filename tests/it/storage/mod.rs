//! Snapshot store, diffs and WARC export.

mod diff;
mod packs;
mod snapshots;
mod warc;

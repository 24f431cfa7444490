//! Snapshot store, diffs and WARC export.

mod diff;
mod snapshots;
mod warc;

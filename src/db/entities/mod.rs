//! Entities, one file per table. Migrations are the source of truth for the schema; these
//! mirror them (the parity test in `tests/it/db.rs` reads and writes each one on both
//! backends).

pub mod account;
pub mod api_token;
pub mod crawl;
pub mod department;
pub mod finding;
pub mod ledger_checkpoint;
pub mod ledger_entry;
pub mod ledger_head;
pub mod link_check;
pub mod post;
pub mod probe;
pub mod rule_override;
pub mod session;
pub mod site_column;
pub mod snapshot;
pub mod snapshot_object;
pub mod user;

//! Findings (问题): one row per problem per place, identified by a fingerprint of
//! (rule, account, place, keyed hash of the matched value).
//!
//! Storing is idempotent: a finding seen again only moves `last_seen_at` (and its crawl), so
//! re-running a crawl or a rule over the same observations changes nothing else. A new
//! finding is opened with a ledger entry in the same transaction (全过程留痕). Personal
//! information reaches this module only masked and hashed (see `rules::Hit`).

pub mod engine;
pub mod overrides;
pub mod scores;
pub mod segments;
pub mod store;

pub use engine::{EngineError, RulesEngine};
pub use store::{FindingDraft, FindingFilter, StoreOutcome, list, store};

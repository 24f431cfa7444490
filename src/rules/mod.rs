//! The rules engine: pure functions from observed text and measurements to hits
//! and judgements. No database, no HTTP; the platform maps crawl data in and
//! stores what comes out as findings.
//!
//! # Brief overview
//!
//! - **Rules are data.** [`PackSource::defaults`] holds the national rule packs
//!   (`packs/*.toml`) and dictionaries (`packs/*.tsv`), compiled in. The office's
//!   run-time changes are a JSON-serialisable [`RuleOverrides`]. Both are compiled
//!   for a day into a [`RuleSet`] with [`RuleSet::compile`]; a bad override fails
//!   with a [`RulesError`] naming the rule and parameter.
//! - **Text rules** ([`RuleSet::scan_text`]): personal information (`pii.*`:
//!   resident IDs with GB 11643 checks, mobiles scored by context, bank cards by Luhn
//!   plus bank words or issuer prefix, addresses next to names) and dictionaries
//!   (`error.misused_word`, `error.serious_expression`). Each [`Hit`] carries a
//!   masked excerpt and, for personal information, a masked value and an HMAC of
//!   the value ([`ValueHasher`]); the raw value never leaves the scan.
//! - **Judges** (`judge_*` methods on [`RuleSet`]): broken links, availability,
//!   stale home page and columns, blank columns, account activity; each returns an
//!   [`Assessment`]. [`RuleSet::score_website`], [`RuleSet::score_account`] and
//!   [`roll_up`] give the national verdicts.
//! - [`synth`] generates labelled synthetic text (valid IDs, mobiles, cards and
//!   look-alikes) for tests and benchmarks.

mod dict;
mod error;
mod hash;
mod hit;
pub mod judge;
mod model;
mod overrides;
mod pack;
mod params;
mod pii;
mod ruleset;
pub mod synth;
mod text;
mod textscan;

pub use dict::DictEngine;
pub use error::RulesError;
pub use hash::ValueHasher;
pub use hit::{Hit, RuleFilter, Span, TextContext};
pub use judge::{
    AccountResult, Assessment, ColumnInput, ColumnKind, DepartmentRollup, FeedStatus, Judgement,
    LinkCheck, LinkKind, LinkSource, Probe, ScoreCard, ScoreItem, Status, Verdict, roll_up,
};
pub use model::{Category, DictEntry, RuleKind, RuleMeta, Severity};
pub use overrides::{RuleOverride, RuleOverrides};
pub use pack::PackSource;
pub use ruleset::{CompileOptions, RuleSet};

#[cfg(test)]
mod tests;

//! Rule-set tests: personal information, dictionaries, overrides, the labelled corpus.

mod corpus;
mod dictionaries;
mod overrides;
mod pii;

use chrono::NaiveDate;

use super::{Hit, PackSource, RuleFilter, RuleOverrides, RuleSet, TextContext, ValueHasher};

pub(super) fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(super) fn rules() -> RuleSet {
    RuleSet::compile(
        &PackSource::defaults(),
        &RuleOverrides::default(),
        day("2025-06-01"),
    )
    .unwrap()
}

pub(super) fn hasher() -> ValueHasher {
    ValueHasher::new(b"test-key-test-key-test-key-32byt").unwrap()
}

pub(super) fn scan(r: &RuleSet, text: &str) -> Vec<Hit> {
    r.scan_text(text, &TextContext::default(), &hasher())
}

pub(super) fn scan_rules(r: &RuleSet, text: &str, filter: &str) -> Vec<Hit> {
    r.scan_text_filtered(
        text,
        &TextContext::default(),
        &hasher(),
        &RuleFilter::parse(filter),
    )
}

/// Rule ids of the hits, in order.
pub(super) fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.rule_id.as_str()).collect()
}

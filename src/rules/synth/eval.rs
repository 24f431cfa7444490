//! Precision and recall of a rule set on labelled documents.

use std::collections::BTreeMap;

use super::super::{RuleFilter, RuleSet, TextContext, ValueHasher};
use super::Doc;

/// Counts for one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCounts {
    /// Items planted for the rule.
    pub planted: usize,
    /// Hits of the rule.
    pub hits: usize,
    /// Hits overlapping a planted item of the same rule.
    pub true_positives: usize,
    /// Hits overlapping nothing planted for the rule.
    pub false_positives: usize,
    /// Planted items no hit of the rule overlaps.
    pub missed: usize,
}

impl RuleCounts {
    /// `tp / (tp + fp)`, 1.0 without hits.
    pub fn precision(&self) -> f64 {
        let d = self.true_positives + self.false_positives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }

    /// `found / planted`, 1.0 without planted items.
    pub fn recall(&self) -> f64 {
        if self.planted == 0 {
            1.0
        } else {
            (self.planted - self.missed) as f64 / self.planted as f64
        }
    }
}

/// Per-rule counts plus descriptions of the mistakes.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Counts by rule id.
    pub rules: BTreeMap<String, RuleCounts>,
    /// `doc #n rule: masked excerpt` for each false positive.
    pub false_positives: Vec<String>,
    /// `doc #n rule: planted text` for each miss (synthetic values only).
    pub missed: Vec<String>,
    /// Bytes scanned.
    pub bytes: usize,
}

/// Longest span a planted item or hit can have (for the overlap search).
const MAX_SPAN: usize = 512;

/// Whether any `(rule, start)`-sorted item of `rule` overlaps `[start, end)`.
fn overlaps(sorted: &[(usize, usize, &str)], rule: &str, start: usize, end: usize) -> bool {
    let upto = sorted.partition_point(|x| x.0 < end);
    sorted[..upto]
        .iter()
        .rev()
        .take_while(|x| x.0 + MAX_SPAN > start)
        .any(|x| x.2 == rule && x.1 > start)
}

/// Scans every document and compares hits with what was planted.
pub fn evaluate(
    rules: &RuleSet,
    docs: &[Doc],
    hasher: &ValueHasher,
    filter: &RuleFilter,
) -> EvalReport {
    let mut report = EvalReport::default();
    for (n, doc) in docs.iter().enumerate() {
        report.bytes += doc.text.len();
        let ctx = TextContext {
            numeric_precision_loss: doc.numeric_precision_loss,
            ..Default::default()
        };
        let hits = rules.scan_text_filtered(&doc.text, &ctx, hasher, filter);
        let mut hit_spans: Vec<(usize, usize, &str)> = hits
            .iter()
            .map(|h| (h.span.start, h.span.end, h.rule_id.as_str()))
            .collect();
        hit_spans.sort_unstable();
        let mut planted: Vec<(usize, usize, &str)> = doc
            .planted
            .iter()
            .filter(|p| filter.allows(&p.rule_id))
            .map(|p| (p.start, p.end, p.rule_id.as_str()))
            .collect();
        planted.sort_unstable();
        for &(start, end, rule) in &planted {
            let c = report.rules.entry(rule.to_string()).or_default();
            c.planted += 1;
            if !overlaps(&hit_spans, rule, start, end) {
                c.missed += 1;
                report
                    .missed
                    .push(format!("doc #{n} {rule}: {}", &doc.text[start..end]));
            }
        }
        for h in &hits {
            let c = report.rules.entry(h.rule_id.clone()).or_default();
            c.hits += 1;
            if overlaps(&planted, &h.rule_id, h.span.start, h.span.end) {
                c.true_positives += 1;
            } else {
                c.false_positives += 1;
                report
                    .false_positives
                    .push(format!("doc #{n} {}: {}", h.rule_id, h.excerpt));
            }
        }
    }
    report
}

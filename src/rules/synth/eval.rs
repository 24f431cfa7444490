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
        if d == 0 { 1.0 } else { self.true_positives as f64 / d as f64 }
    }

    /// `found / planted`, 1.0 without planted items.
    pub fn recall(&self) -> f64 {
        if self.planted == 0 { 1.0 } else { (self.planted - self.missed) as f64 / self.planted as f64 }
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

/// Scans every document and compares hits with what was planted.
pub fn evaluate(rules: &RuleSet, docs: &[Doc], hasher: &ValueHasher, filter: &RuleFilter) -> EvalReport {
    let mut report = EvalReport::default();
    for (n, doc) in docs.iter().enumerate() {
        report.bytes += doc.text.len();
        let ctx = TextContext { numeric_precision_loss: doc.numeric_precision_loss };
        let hits = rules.scan_text_filtered(&doc.text, &ctx, hasher, filter);
        for p in doc.planted.iter().filter(|p| filter.allows(&p.rule_id)) {
            let c = report.rules.entry(p.rule_id.clone()).or_default();
            c.planted += 1;
            let found = hits
                .iter()
                .any(|h| h.rule_id == p.rule_id && h.span.start < p.end && p.start < h.span.end);
            if !found {
                c.missed += 1;
                report.missed.push(format!("doc #{n} {}: {}", p.rule_id, &doc.text[p.start..p.end]));
            }
        }
        for h in &hits {
            let c = report.rules.entry(h.rule_id.clone()).or_default();
            c.hits += 1;
            let planted = doc
                .planted
                .iter()
                .any(|p| p.rule_id == h.rule_id && h.span.start < p.end && p.start < h.span.end);
            if planted {
                c.true_positives += 1;
            } else {
                c.false_positives += 1;
                report.false_positives.push(format!("doc #{n} {}: {}", h.rule_id, h.excerpt));
            }
        }
    }
    report
}

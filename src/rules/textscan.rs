//! Scanning text: [`RuleSet::scan_text`] and the masked excerpts of its hits.

use super::hash::ValueHasher;
use super::hit::{Hit, RuleFilter, Span, TextContext};
use super::model::{RuleMeta, fill_template};
use super::pii::classify::NumberDetectors;
use super::pii::{self, Finding, PiiKind, PiiPass};
use super::ruleset::{CompiledEntry, RuleSet};
use super::text::{back_chars, fwd_chars};

/// Characters of context on each side of a hit in its excerpt.
const EXCERPT_CHARS: usize = 20;
/// Upper bound of a finding's length in bytes (addresses are capped at ~60
/// characters, numbers at 40 digits), used to search findings near a window.
const MAX_FINDING_BYTES: usize = 1024;

impl RuleSet {
    /// Runs every enabled text rule (personal information and dictionaries) over `text`.
    ///
    /// Hits come back ordered by position. `hasher` keys the `value_hash` of
    /// personal-information hits; the raw values never leave this call.
    pub fn scan_text(&self, text: &str, ctx: &TextContext, hasher: &ValueHasher) -> Vec<Hit> {
        self.scan_text_filtered(text, ctx, hasher, &RuleFilter::all())
    }

    /// [`RuleSet::scan_text`] restricted to the rules `filter` allows (`--rules pii`).
    pub fn scan_text_filtered(
        &self,
        text: &str,
        ctx: &TextContext,
        hasher: &ValueHasher,
        filter: &RuleFilter,
    ) -> Vec<Hit> {
        let allowed = |rule: usize| filter.allows(&self.rules[rule].id);
        let pass = PiiPass {
            numbers: NumberDetectors {
                resident: self
                    .resident
                    .as_ref()
                    .filter(|c| allowed(c.rule))
                    .map(|c| &c.p),
                mobile: self
                    .mobile
                    .as_ref()
                    .filter(|c| allowed(c.rule))
                    .map(|c| &c.p),
                card: self.card.as_ref().filter(|c| allowed(c.rule)).map(|c| &c.p),
                as_of: self.as_of,
                numeric_precision_loss: ctx.numeric_precision_loss,
            },
            address: self
                .address
                .as_ref()
                .filter(|c| allowed(c.rule))
                .map(|c| &c.p),
        };
        let findings = pii::detect(text, &pass);
        let mut hits = Vec::with_capacity(findings.len());
        for f in &findings {
            if let Some(rule) = self.pii_rule(f.kind) {
                hits.push(self.pii_hit(text, f, rule, &findings, hasher));
            }
        }
        if let Some(d) = &self.dict
            && d.by_pattern.iter().flatten().any(|e| allowed(e.rule))
        {
            d.matcher.for_each_match(text, |p, s, e| {
                for entry in &d.by_pattern[p] {
                    if allowed(entry.rule) && in_effect(entry, ctx) && !excepted(text, s, entry) {
                        hits.push(self.dict_hit(text, s, e, entry, &findings));
                    }
                }
            });
        }
        hits.sort_by_key(|h| (h.span.start, h.span.end));
        hits
    }

    fn pii_rule(&self, kind: PiiKind) -> Option<&RuleMeta> {
        let idx = match kind {
            PiiKind::ResidentId => self.resident.as_ref()?.rule,
            PiiKind::Mobile => self.mobile.as_ref()?.rule,
            PiiKind::BankCard => self.card.as_ref()?.rule,
            PiiKind::Address => self.address.as_ref()?.rule,
        };
        self.rules.get(idx)
    }

    fn pii_hit(
        &self,
        text: &str,
        f: &Finding,
        rule: &RuleMeta,
        all: &[Finding],
        hasher: &ValueHasher,
    ) -> Hit {
        let masked = f.masked();
        let note = if f.truncated {
            self.resident.as_ref().map(|c| c.p.truncated_note.clone())
        } else {
            None
        };
        let message = fill_template(
            &rule.message,
            &[
                ("masked", masked.as_str()),
                ("note", note.as_deref().unwrap_or("")),
            ],
        );
        Hit {
            rule_id: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            points: rule.points,
            needs_confirmation: rule.needs_confirmation,
            title: rule.title.clone(),
            message,
            excerpt: self.excerpt(text, f.start, f.end, all),
            masked_value: Some(masked),
            suggestion: None,
            span: Span {
                start: f.start,
                end: f.end,
            },
            value_hash: hasher.hash(f.kind.hash_domain(), &f.value.0),
            confidence: f.confidence,
            note,
        }
    }

    fn dict_hit(
        &self,
        text: &str,
        s: usize,
        e: usize,
        entry: &CompiledEntry,
        findings: &[Finding],
    ) -> Hit {
        let rule = &self.rules[entry.rule];
        let message = fill_template(
            &rule.message,
            &[
                ("wrong", entry.wrong.as_str()),
                ("right", entry.right.as_str()),
                (
                    "note",
                    entry
                        .note
                        .as_deref()
                        .map_or(String::new(), |n| format!("{n}。"))
                        .as_str(),
                ),
            ],
        );
        Hit {
            rule_id: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            points: rule.points,
            needs_confirmation: rule.needs_confirmation,
            title: rule.title.clone(),
            message,
            excerpt: self.excerpt(text, s, e, findings),
            masked_value: None,
            suggestion: Some(entry.right.clone()),
            span: Span { start: s, end: e },
            value_hash: entry.wrong.clone(),
            confidence: 100,
            note: entry.note.clone(),
        }
    }

    /// About `EXCERPT_CHARS` characters each side of `[s, e)`, with every personal
    /// value in the window masked: the findings of this scan (whatever the filter)
    /// plus any number that could be an ID, mobile or card.
    fn excerpt(&self, text: &str, s: usize, e: usize, findings: &[Finding]) -> String {
        let mut ws = back_chars(text, s, EXCERPT_CHARS);
        let mut we = fwd_chars(text, e, EXCERPT_CHARS);
        // Findings are sorted by start and short: look only near the window.
        let upto = findings.partition_point(|f| f.start < we);
        let mut masks: Vec<(usize, usize, String)> = findings[..upto]
            .iter()
            .rev()
            .take_while(|f| f.start + MAX_FINDING_BYTES > ws)
            .filter(|f| f.end > ws)
            .map(|f| (f.start, f.end, f.masked()))
            .collect();
        masks.extend(pii::mask_spans(text, ws, we, self.as_of));
        masks.sort_by_key(|m| (m.0, std::cmp::Reverse(m.1)));
        // A masked span cut by the window edge is shown whole (masked), never half raw.
        for m in &masks {
            ws = ws.min(m.0);
            we = we.max(m.1);
        }
        let mut out = String::with_capacity(we - ws + 16);
        let mut pos = ws;
        for (ms, me, mask) in masks {
            if ms < pos {
                continue; // overlaps a span already masked
            }
            push_clean(&mut out, &text[pos..ms]);
            out.push_str(&mask);
            pos = me;
        }
        push_clean(&mut out, &text[pos..we]);
        out
    }
}

/// Appends text with line breaks and tabs as single spaces.
fn push_clean(out: &mut String, s: &str) {
    for c in s.chars() {
        out.push(if matches!(c, '\n' | '\r' | '\t') {
            ' '
        } else {
            c
        });
    }
}

/// Whether the entry applied on the text's publication date (always, if unknown).
fn in_effect(entry: &CompiledEntry, ctx: &TextContext) -> bool {
    ctx.published_on.is_none_or(|d| {
        entry.effective_from.is_none_or(|f| d >= f) && entry.effective_to.is_none_or(|t| d <= t)
    })
}

/// Whether the match at `s` sits inside one of the entry's exception contexts.
fn excepted(text: &str, s: usize, entry: &CompiledEntry) -> bool {
    let b = text.as_bytes();
    entry.exceptions.iter().any(|(off, x)| {
        s >= *off
            && b.get(s - off..s - off + x.len())
                .is_some_and(|w| w == x.as_bytes())
    })
}

//! What a text scan returns, and how the caller describes the text.

use serde::{Deserialize, Serialize};

use super::model::{Category, Severity};

/// A byte range of the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One problem found in a text.
///
/// Safe to log, store and return from the API: personal values appear only masked
/// (`masked_value`, `excerpt`) or as a keyed hash (`value_hash`); `Debug` and
/// `Serialize` show nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Rule id, e.g. `pii.resident_id`.
    pub rule_id: String,
    /// The rule's category.
    pub category: Category,
    /// How the hit weighs in the verdict.
    pub severity: Severity,
    /// Points deducted (0 unless `severity` is `deduct`).
    pub points: f64,
    /// A person must confirm before the hit counts as a veto (是否单否).
    pub needs_confirmation: bool,
    /// Short Chinese title of the rule.
    pub title: String,
    /// Chinese message for this hit.
    pub message: String,
    /// About 20 characters each side of the hit, with this value and any other
    /// personal information in the window masked; newlines and tabs as spaces.
    pub excerpt: String,
    /// The masked value (personal information only), e.g. `370202********123X`.
    pub masked_value: Option<String>,
    /// The correct form (dictionary rules).
    pub suggestion: Option<String>,
    /// Where the hit is in the scanned text.
    pub span: Span,
    /// Fingerprint part: HMAC-SHA256 hex of the normalised value (personal
    /// information) or the matched wrong word (dictionary rules).
    pub value_hash: String,
    /// 0–100: how sure the detector is (valid-checksum IDs are 100).
    pub confidence: u8,
    /// Extra explanation, e.g. “数值型单元格，末位已丢失”.
    pub note: Option<String>,
}

/// What the caller knows about the text being scanned.
///
/// Input convention: spreadsheet sheets are passed as one text per sheet with rows
/// separated by `\n` and cells by `\t` (row judgements such as `pii.address` work
/// per line); PDF pages and HTML as their extracted text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextContext {
    /// The text comes from numeric spreadsheet cells (calamine returns them as
    /// `f64`; format them as integers, never in exponent form). 17–18 digit runs
    /// ending in zero with a valid region and birth date are then reported as
    /// truncated ID numbers: Excel kept only 15 significant digits, but region,
    /// birth date and sequence are still exposed.
    pub numeric_precision_loss: bool,
    /// When the text was published, if known. Dictionary entries with effective
    /// dates (renamed organs, changed formulations) then only apply if they were
    /// in effect on that day too: a 2017 notice naming 国家卫生计生委 was correct.
    pub published_on: Option<chrono::NaiveDate>,
}

/// Which rules a scan runs, by id prefix (`pii`, `pii.mobile`, `error`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleFilter {
    prefixes: Vec<String>,
}

impl RuleFilter {
    /// Every rule.
    pub fn all() -> Self {
        RuleFilter::default()
    }

    /// Rules whose id equals a prefix or continues it after a dot.
    pub fn prefixes<I, S>(prefixes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RuleFilter {
            prefixes: prefixes
                .into_iter()
                .map(Into::into)
                .map(|p| p.trim().trim_end_matches('.').to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }

    /// Parses a CLI value such as `pii,error.misused_word`.
    pub fn parse(spec: &str) -> Self {
        RuleFilter::prefixes(spec.split(','))
    }

    /// Whether the rule with this id runs.
    pub fn allows(&self, rule_id: &str) -> bool {
        self.prefixes.is_empty()
            || self.prefixes.iter().any(|p| {
                rule_id == p
                    || (rule_id.starts_with(p.as_str())
                        && rule_id.as_bytes().get(p.len()) == Some(&b'.'))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_whole_id_segments() {
        let f = RuleFilter::parse("pii, error.misused_word");
        assert!(f.allows("pii.mobile"));
        assert!(f.allows("error.misused_word"));
        assert!(!f.allows("error.serious_expression"));
        assert!(!f.allows("piix.mobile"));
        assert!(RuleFilter::all().allows("anything"));
        assert!(RuleFilter::parse("pii.").allows("pii.bank_card"));
    }
}

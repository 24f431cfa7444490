//! Personal-information detectors: resident IDs, mobiles, bank cards, addresses.
//!
//! A [`Finding`] holds the normalised value only inside this module tree, wrapped in
//! [`Secret`] whose `Debug` prints nothing; the rule set turns findings into hits
//! carrying a masked value and a keyed hash, and drops the secret.

pub(crate) mod address;
pub(crate) mod checks;
pub(crate) mod classify;
pub(crate) mod scan;

use chrono::NaiveDate;

use self::address::AddressDetector;
use self::classify::{NumberDetectors, classify, mask_kind};
use self::scan::for_each_token;
use super::text::char_at;

/// Which detector found a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PiiKind {
    ResidentId,
    Mobile,
    BankCard,
    Address,
}

impl PiiKind {
    /// Domain-separation label for the keyed hash.
    pub fn hash_domain(self) -> &'static str {
        match self {
            PiiKind::ResidentId => "resident_id",
            PiiKind::Mobile => "mobile",
            PiiKind::BankCard => "bank_card",
            PiiKind::Address => "address",
        }
    }
}

/// A normalised personal value (ASCII digits and `X`, or an address).
/// It never leaves the rules module: `Debug` hides it and it is not `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// One detected value with its byte span in the scanned text.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
    pub value: Secret,
    /// 0–100; IDs with a valid check digit are 100.
    pub confidence: u8,
    /// An ID read from a numeric spreadsheet cell that lost its last digits.
    pub truncated: bool,
    /// Precomputed mask (addresses); numbers are masked from `value`.
    pub masked: Option<String>,
}

impl Finding {
    /// The masked value: ID first 6 + stars + last 4, mobile 3 + `****` + 4,
    /// card first 6 + stars + last 4, address with house numbers starred.
    pub fn masked(&self) -> String {
        if let Some(m) = &self.masked {
            return m.clone();
        }
        mask_value(self.kind, &self.value.0)
    }
}

/// Masks a normalised number of the given kind.
pub(crate) fn mask_value(kind: PiiKind, v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    let n = s.len();
    let (head, tail) = match kind {
        PiiKind::Mobile => (3, 4),
        _ => (6, 4),
    };
    if n <= head + tail {
        return "*".repeat(n);
    }
    let stars = match kind {
        PiiKind::Mobile => 4,
        _ => n - head - tail,
    };
    let mut out = String::with_capacity(head + stars + tail);
    out.push_str(&s[..head]);
    out.extend(std::iter::repeat_n('*', stars));
    out.push_str(&s[n - tail..]);
    out
}

/// Everything the PII pass needs for one text.
pub(crate) struct PiiPass<'a> {
    pub numbers: NumberDetectors<'a>,
    pub address: Option<&'a AddressDetector>,
}

/// Runs the enabled detectors over `text`, findings ordered by start.
pub(crate) fn detect(text: &str, pass: &PiiPass<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let want_numbers = pass.numbers.resident.is_some()
        || pass.numbers.mobile.is_some()
        || pass.numbers.card.is_some();
    let mut digit_anchors = Vec::new();
    if want_numbers || pass.address.is_some() {
        for_each_token(text.as_bytes(), 0, |t| {
            // Checked here, while the bytes are in cache: a unit after the number (12号).
            if let Some(addr) = pass.address
                && char_at(text, t.end).is_some_and(address::is_unit)
                && addr.follows_marker(text, t.end)
            {
                digit_anchors.push(t.end);
            }
            if want_numbers {
                classify(text, t, &pass.numbers, &mut out);
            }
            true
        });
    }
    if let Some(addr) = pass.address {
        let anchors = addr.anchors(text, digit_anchors);
        addr.find(text, &anchors, &mut out);
    }
    out.sort_by_key(|f| (f.start, f.end));
    out
}

/// Spans in `text[from..to]` that an excerpt must mask, with their masks:
/// every number that could be an ID, mobile or card, whatever its context.
pub(crate) fn mask_spans(
    text: &str,
    from: usize,
    to: usize,
    as_of: NaiveDate,
) -> Vec<(usize, usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // Start a little earlier so a number cut by the window edge is still read whole.
    let scan_from = super::text::back_chars(text, from, 24);
    for_each_token(b, scan_from, |t| {
        if t.start >= to {
            return false;
        }
        for (s, e, kind, v) in mask_kind(t, as_of) {
            if e > from && s < to {
                out.push((s, e, mask_value(kind, &v.0)));
            }
        }
        true
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_agreed_parts() {
        assert_eq!(
            mask_value(PiiKind::ResidentId, b"37020219800101123X"),
            "370202********123X"
        );
        assert_eq!(
            mask_value(PiiKind::ResidentId, b"110105491231002"),
            "110105*****1002"
        );
        assert_eq!(mask_value(PiiKind::Mobile, b"13800138000"), "138****8000");
        assert_eq!(
            mask_value(PiiKind::BankCard, b"6222021234567890128"),
            "622202*********0128"
        );
        assert_eq!(mask_value(PiiKind::BankCard, b"123"), "***");
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret(b"13800138000".to_vec());
        assert_eq!(format!("{s:?}"), "Secret(..)");
        let f = Finding {
            kind: PiiKind::Mobile,
            start: 0,
            end: 11,
            value: s,
            confidence: 70,
            truncated: false,
            masked: None,
        };
        assert!(!format!("{f:?}").contains("13800138000"));
    }
}

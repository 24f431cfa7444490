//! Turns digit tokens into ID, mobile and bank-card findings.
//!
//! Order of the checks, and why:
//! 1. Boundaries first: a number glued to letters, `_`, `/`, `=`, `@` or inside a
//!    URL is part of a code, a file name or an address on the web, not a value.
//! 2. Layouts (`138 0013 8000`, `6222 0212 3456 7890 123`, `110105 19491231 002X`)
//!    join groups; other groups are read alone, and hyphen-joined ones are codes.
//! 3. 18 characters: a valid GB 11643 ID wins over every other reading, so a valid
//!    ID is never reported as a bank card; an ID-shaped number with a bad check
//!    digit is only a card with bank words around it.
//! 4. Mobiles are scored by context, bank cards need Luhn plus bank words or a
//!    known issuer prefix.

use chrono::NaiveDate;

use super::super::params::{BankCardParams, MobileParams, ResidentIdParams};
use super::super::text::{back_chars, char_at, char_before, fwd_chars, is_code_char};
use super::checks::{id15_structure_ok, id18_structure_ok, id18_valid, luhn_ok, uscc_valid};
use super::scan::Token;
use super::{Finding, PiiKind, Secret};

/// Settings for one pass of the number detectors.
pub(crate) struct NumberDetectors<'a> {
    pub resident: Option<&'a ResidentIdParams>,
    pub mobile: Option<&'a MobileParams>,
    pub card: Option<&'a BankCardParams>,
    pub as_of: NaiveDate,
    pub numeric_precision_loss: bool,
}

/// One candidate number read from a token: its digits, check `X`, byte span.
struct Candidate<'t> {
    digits: &'t [u8],
    /// Concatenated digits of a multi-group layout.
    joined: Option<Vec<u8>>,
    x: bool,
    start: usize,
    end: usize,
}

impl Candidate<'_> {
    fn d(&self) -> &[u8] {
        self.joined.as_deref().unwrap_or(self.digits)
    }
}

/// The separator or neighbour of a group: what decides whether it stands alone.
fn left_ok(text: &str, start: usize) -> bool {
    let Some(lc) = char_before(text, start) else {
        return true;
    };
    if lc.is_ascii_alphabetic() {
        // "Tel13800138000", "TEL:" is handled by ':' below.
        let b = text.as_bytes();
        let mut word_start = start;
        while word_start > 0 && b[word_start - 1].is_ascii_alphabetic() {
            word_start -= 1;
        }
        let word = text[word_start..start].to_ascii_lowercase();
        return matches!(word.as_str(), "tel" | "phone" | "mobile" | "mob");
    }
    if is_code_char(lc)
        || matches!(
            lc,
            '/' | '=' | '@' | '&' | '?' | '#' | '%' | '\\' | '~' | '*'
        )
    {
        return false;
    }
    if matches!(lc, '.' | '-') && char_before(text, start - 1).is_some_and(is_code_char) {
        return false;
    }
    if lc.is_ascii_graphic() && inside_url(text, start) {
        return false;
    }
    true
}

fn right_ok(text: &str, end: usize) -> bool {
    let Some(rc) = char_at(text, end) else {
        return true;
    };
    if is_code_char(rc) || matches!(rc, '@' | '%' | '*' | '/') {
        return false;
    }
    if matches!(rc, '.' | '-') && char_at(text, end + 1).is_some_and(is_code_char) {
        return false;
    }
    true
}

/// Whether the ASCII word ending at `start` is (part of) a URL or e-mail address.
fn inside_url(text: &str, start: usize) -> bool {
    let b = text.as_bytes();
    let mut i = start;
    let limit = start.saturating_sub(256);
    while i > limit && b[i - 1].is_ascii_graphic() {
        i -= 1;
    }
    let word = &text[i..start];
    word.contains("://") || word.contains("www.") || word.contains('@')
}

fn window_before(text: &str, start: usize, chars: usize) -> &str {
    &text[back_chars(text, start, chars)..start]
}

fn window_after(text: &str, end: usize, chars: usize) -> &str {
    &text[end..fwd_chars(text, end, chars)]
}

/// Splits a token into candidates: known multi-group layouts, else single groups.
fn candidates<'t>(t: &'t Token, mut f: impl FnMut(Candidate<'t>)) {
    let n = t.n_groups;
    let mut lens = [0usize; super::scan::MAX_GROUPS];
    for (l, g) in lens.iter_mut().zip(t.layout()) {
        *l = g;
    }
    let lens = &lens[..n];
    let mut i = 0;
    while i < n {
        let sep_before = if i == 0 { 0 } else { t.seps[i] };
        if let Some(k) = layout_at(t, lens, i) {
            let last = i + k - 1;
            let x = last == n - 1 && t.check_x;
            let end = if x { t.end } else { t.groups[last].end };
            let sep_after = if last + 1 < n { t.seps[last + 1] } else { 0 };
            if sep_before != b'-' && sep_after != b'-' {
                let mut joined = Vec::with_capacity(20);
                for g in i..=last {
                    if let Some(d) = t.group_digits(g) {
                        joined.extend_from_slice(d);
                    }
                }
                f(Candidate {
                    digits: &[],
                    joined: Some(joined),
                    x,
                    start: t.groups[i].start,
                    end,
                });
            }
            i += k;
            continue;
        }
        let sep_after = if i + 1 < n { t.seps[i + 1] } else { 0 };
        let x = i == n - 1 && t.check_x;
        if sep_before != b'-'
            && sep_after != b'-'
            && let Some(d) = t.group_digits(i)
        {
            f(Candidate {
                digits: d,
                joined: None,
                x,
                start: t.groups[i].start,
                end: if x { t.end } else { t.groups[i].end },
            });
        }
        i += 1;
    }
}

/// Length (in groups) of a phone, card or ID layout starting at group `i`.
fn layout_at(t: &Token, lens: &[usize], i: usize) -> Option<usize> {
    let rest = &lens[i..];
    let same_sep = |k: usize| (i + 1..i + k).all(|g| t.seps[g] == t.seps[i + 1]);
    let starts = |g: usize, s: &[u8]| t.group_digits(g).is_some_and(|d| d == s);
    let mobile_head = |g: usize| {
        t.group_digits(g)
            .is_some_and(|d| d.len() >= 2 && d[0] == 1 && (3..=9).contains(&d[1]))
    };
    if rest.len() >= 4 && rest[..4] == [4, 4, 4, 4] && same_sep(4) {
        let k = if rest.len() >= 5 && (1..=3).contains(&rest[4]) && same_sep(5) {
            5
        } else {
            4
        };
        return Some(k);
    }
    if rest.len() >= 4
        && (rest[..4] == [2, 3, 4, 4] && starts(i, &[8, 6])
            || rest[..4] == [4, 3, 4, 4] && starts(i, &[0, 0, 8, 6]))
        && mobile_head(i + 1)
    {
        return Some(4);
    }
    if rest.len() >= 3 && rest[..3] == [3, 4, 4] && same_sep(3) && mobile_head(i) {
        return Some(3);
    }
    if rest.len() >= 3
        && same_sep(3)
        && (rest[..3] == [6, 8, 4] || (rest[..3] == [6, 8, 3] && i + 3 == t.n_groups && t.check_x))
    {
        return Some(3);
    }
    if rest.len() >= 2
        && (rest[..2] == [2, 11] && starts(i, &[8, 6])
            || rest[..2] == [4, 11] && starts(i, &[0, 0, 8, 6]))
        && mobile_head(i + 1)
    {
        return Some(2);
    }
    if rest.len() >= 2
        && rest[0] == 6
        && (10..=13).contains(&rest[1])
        && t.group_digits(i).is_some_and(|d| d[0] == 6)
    {
        return Some(2);
    }
    None
}

fn secret(d: &[u8], x: bool) -> Secret {
    let mut v: Vec<u8> = d.iter().map(|x| b'0' + x).collect();
    if x {
        v.push(b'X');
    }
    Secret(v)
}

/// Runs the enabled number detectors over one token.
pub(crate) fn classify(text: &str, t: &Token, det: &NumberDetectors<'_>, out: &mut Vec<Finding>) {
    // Most tokens are short numbers (dates, amounts): nothing under 11 digits is a candidate.
    if t.overflow || (t.n_groups == 1 && t.groups[0].len < 11) {
        return;
    }
    if !left_ok(text, t.start) || !right_ok(text, t.end) {
        return;
    }
    candidates(t, |c| classify_candidate(text, &c, det, out));
}

fn classify_candidate(
    text: &str,
    c: &Candidate<'_>,
    det: &NumberDetectors<'_>,
    out: &mut Vec<Finding>,
) {
    let d = c.d();
    let n = d.len();
    let finding = |kind, value: Secret, confidence, truncated| Finding {
        kind,
        start: c.start,
        end: c.end,
        value,
        confidence,
        truncated,
        masked: None,
    };
    // Resident IDs: 17 digits + X, or 18 digits. A valid ID is never read as
    // anything else, even when the ID rule is switched off.
    if (n == 17 && c.x) || (n == 18 && !c.x) {
        let check = if c.x { 10 } else { d[17] };
        if id18_valid(&d[..17], check, det.as_of) {
            if let Some(p) = det.resident
                && !is_credit_code(text, c, d, p)
            {
                out.push(finding(PiiKind::ResidentId, secret(d, c.x), 100, false));
            }
            return;
        }
    }
    if let Some(p) = det.resident {
        if det.numeric_precision_loss
            && !c.x
            && (n == 17 || n == 18)
            && d[n - 1] == 0
            && id18_structure_ok(d, det.as_of)
        {
            out.push(finding(PiiKind::ResidentId, secret(d, false), 80, true));
            return;
        }
        if n == 15
            && !c.x
            && id15_structure_ok(d, det.as_of)
            && p.legacy_set
                .found_in(window_before(text, c.start, p.context_window_chars))
        {
            out.push(finding(PiiKind::ResidentId, secret(d, false), 85, false));
            return;
        }
    }
    if c.x {
        return;
    }
    // Mobiles, bare or with 86 / 0086.
    if let Some(p) = det.mobile {
        let national = match n {
            11 => Some(d),
            13 if d[..2] == [8, 6] => Some(&d[2..]),
            15 if d[..4] == [0, 0, 8, 6] => Some(&d[4..]),
            _ => None,
        };
        if let Some(m) = national
            && m[0] == 1
            && (3..=9).contains(&m[1])
        {
            let conf = mobile_confidence(text, c, p);
            if conf >= p.min_confidence {
                out.push(finding(PiiKind::Mobile, secret(m, false), conf, false));
            }
            return;
        }
    }
    // Bank cards: Luhn plus bank words, or a known issuer prefix.
    if let Some(p) = det.card
        && (16..=19).contains(&n)
        && luhn_ok(d)
    {
        let before = window_before(text, c.start, p.context_window_chars);
        let after = window_after(text, c.end, 10);
        let bank_words = p.context_set.found_in(before) || p.context_set.found_in(after);
        let id_shaped = n == 18 && id18_structure_ok(d, det.as_of);
        let by_prefix = !id_shaped
            && p.bins.iter().any(|b| b.matches(d))
            && !p.negative_set.found_in(window_before(text, c.start, 12));
        if bank_words || by_prefix {
            let conf = if bank_words { 95 } else { 75 };
            out.push(finding(PiiKind::BankCard, secret(d, false), conf, false));
        }
    }
}

/// An all-digit 18-character number that is also a valid credit code, with credit-code words before it.
fn is_credit_code(text: &str, c: &Candidate<'_>, d: &[u8], p: &ResidentIdParams) -> bool {
    let ascii: Vec<u8> = d
        .iter()
        .map(|x| b'0' + x)
        .chain(c.x.then_some(b'X'))
        .collect();
    uscc_valid(&ascii)
        && p.credit_set
            .found_in(window_before(text, c.start, p.context_window_chars))
}

fn mobile_confidence(text: &str, c: &Candidate<'_>, p: &MobileParams) -> u8 {
    let mut conf = i32::from(p.base_confidence);
    let before = window_before(text, c.start, p.context_window_chars);
    let after = window_after(text, c.end, 8);
    if p.positive_set.found_in(before) || p.positive_set.found_in(after) {
        conf += i32::from(p.context_bonus);
    }
    if p.negative_set
        .found_in(window_before(text, c.start, p.negative_window_chars))
    {
        conf -= i32::from(p.negative_penalty);
    }
    if char_at(text, c.end).is_some_and(|ch| p.amount_suffixes.contains(ch)) {
        conf -= i32::from(p.negative_penalty);
    }
    conf.clamp(0, 100) as u8
}

/// Mask-mode reading for excerpts: any token that could be personal information,
/// whatever its context or boundaries. Returns the kind to mask it as.
pub(crate) fn mask_kind(t: &Token, as_of: NaiveDate) -> Vec<(usize, usize, PiiKind, Secret)> {
    let mut out = Vec::new();
    if t.overflow {
        return out;
    }
    candidates(t, |c| {
        let d = c.d();
        let n = d.len();
        let kind = if (n == 17 && c.x)
            || ((n == 17 || n == 18) && id18_structure_ok(d, as_of))
            || (n == 15 && id15_structure_ok(d, as_of))
        {
            Some(PiiKind::ResidentId)
        } else if !c.x && n == 11 && d[0] == 1 && (3..=9).contains(&d[1]) {
            Some(PiiKind::Mobile)
        } else if !c.x && (16..=19).contains(&n) && luhn_ok(d) {
            Some(PiiKind::BankCard)
        } else {
            None
        };
        if let Some(k) = kind {
            out.push((c.start, c.end, k, secret(d, c.x)));
        }
    });
    out
}

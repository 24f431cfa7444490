//! Home addresses next to a person's name (`pii.address`).
//!
//! An address alone is not personal information (offices publish theirs); an
//! address down to the house number, group or room in the same row as a person's
//! name is — that is the 公示-list leak. Rows come as lines: the lead passes
//! spreadsheet rows as `\n`-separated lines with `\t` between cells, PDF and page
//! text as it is. The detector is anchored on a number (Arabic or Chinese) followed
//! by a unit character (号 室 组 栋 …), so it costs nothing on text without them.

use std::collections::HashSet;

use memchr::memmem;

use super::super::params::AddressParams;
use super::super::text::{
    back_chars, char_at, char_before, contains_any, digit_at, is_han, line_bounds,
};
use super::{Finding, PiiKind, Secret};

/// Characters that end an address part after a number.
const UNIT_CHARS: &str = "号室组栋幢单楼弄排层户座";
/// Chinese numerals that may stand for a house, building or group number.
const CN_NUMERALS: &str = "一二三四五六七八九十百零〇两";
/// Characters that continue an address tail after the first unit.
const TAIL_CHARS: &str = "号室组栋幢单元楼弄排层户座区之附-－";
/// Last characters that make a 2–4 character word a place or thing rather than a name.
const NON_NAME_ENDINGS: &str = "路街村区县市镇乡号室组局委办所站院校部会司厂店队处科馆费金款额类户省州湾园苑城庄屯寨河山湖桥楼元岁月日年男女";
/// Clause delimiters in running text.
const CLAUSE_DELIMS: &[char] = &['，', '。', '；', ';', '！', '？', '\t', '\n', ',', '|'];

/// The compiled address detector.
#[derive(Debug, Clone)]
pub(crate) struct AddressDetector {
    p: AddressParams,
    surnames: HashSet<char>,
    compound: Vec<String>,
    stopwords: HashSet<String>,
}

impl AddressDetector {
    /// Builds the detector from its params and the shared surname lists.
    pub fn new(
        p: AddressParams,
        surnames: &str,
        compound: Vec<String>,
        stopwords: Vec<String>,
    ) -> Self {
        let mut s: HashSet<char> = surnames.chars().filter(|c| is_han(*c)).collect();
        s.extend(p.extra_surnames.chars().filter(|c| is_han(*c)));
        let mut stop: HashSet<String> = stopwords.into_iter().collect();
        stop.extend(p.extra_name_stopwords.iter().cloned());
        AddressDetector {
            p,
            surnames: s,
            compound,
            stopwords: stop,
        }
    }

    /// Byte offsets of address anchors: a unit character right after a number.
    /// `digit_ends` are the ends of digit tokens found by the number scan.
    pub fn anchors(text: &str, digit_ends: &[usize]) -> Vec<usize> {
        let mut out: Vec<usize> = digit_ends
            .iter()
            .copied()
            .filter(|&e| char_at(text, e).is_some_and(|c| UNIT_CHARS.contains(c)))
            .collect();
        // Chinese numerals: “李家村三组”, “五号楼”.
        for needle in ["组", "号"] {
            for pos in memmem::find_iter(text.as_bytes(), needle.as_bytes()) {
                if char_before(text, pos).is_some_and(|c| CN_NUMERALS.contains(c)) {
                    out.push(pos);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Finds addresses at `anchors` that share a row with a person's name.
    pub fn find(&self, text: &str, anchors: &[usize], out: &mut Vec<Finding>) {
        let mut covered_to = 0;
        for &a in anchors {
            if a < covered_to {
                continue;
            }
            if let Some(f) = self.at_anchor(text, a) {
                covered_to = f.end;
                out.push(f);
            }
        }
    }

    fn at_anchor(&self, text: &str, anchor: usize) -> Option<Finding> {
        let (ls, le) = line_bounds(text, anchor);
        // Walk back over the number, then over the address words.
        let mut num_start = anchor;
        while let Some(c) = char_before(text, num_start) {
            if num_start <= ls
                || !(c.is_ascii_digit() || ('０'..='９').contains(&c) || CN_NUMERALS.contains(c))
            {
                break;
            }
            num_start -= c.len_utf8();
        }
        if num_start == anchor {
            return None;
        }
        let limit = back_chars(text, num_start, self.p.max_address_chars).max(ls);
        let mut start = num_start;
        while start > limit {
            let Some(c) = char_before(text, start) else {
                break;
            };
            let part_of_address = is_han(c)
                || c.is_ascii_alphanumeric()
                || digit_at(text.as_bytes(), start - c.len_utf8()).is_some()
                || matches!(c, '-' | '－' | '#');
            if !part_of_address {
                break;
            }
            start -= c.len_utf8();
        }
        // The street/village marker must come before the number, after at least one character.
        let head = &text[start..num_start];
        let marker_at = self
            .p
            .street_markers
            .iter()
            .filter_map(|m| head.rfind(m.as_str()).map(|p| p + m.len()))
            .max()?;
        if marker_at <= head.chars().next().map_or(0, char::len_utf8) {
            return None;
        }
        // Drop a leading label such as “住址” “家庭住址” “住”, and keep at most
        // `PRE_MARKER_CHARS` characters before the street name's end (city,
        // district and street), so a name glued to the address stays outside it.
        let mut addr_start = start;
        let mut residence_label = false;
        for label in RESIDENCE_LABELS {
            if let Some(p) = head.rfind(label)
                && p + label.len() < marker_at
                && !head[p + label.len()..].starts_with(['宅', '房', '户'])
            {
                addr_start = start + p + label.len();
                residence_label = true;
                break;
            }
        }
        addr_start = addr_start.max(back_chars(text, start + marker_at, PRE_MARKER_CHARS));
        // Extend forward over the tail: 12号3单元401室, 5-2-301.
        let mut end = anchor;
        let tail_limit = super::super::text::fwd_chars(text, anchor, 16).min(le);
        while end < tail_limit {
            let Some(c) = char_at(text, end) else { break };
            let ok = TAIL_CHARS.contains(c)
                || CN_NUMERALS.contains(c)
                || digit_at(text.as_bytes(), end).is_some();
            if !ok {
                break;
            }
            end += c.len_utf8();
        }
        let addr = &text[addr_start..end];
        // The row, the cell and the clause around the address.
        let line = &text[ls..le];
        let tabbed = line.contains('\t');
        let cell = clause(text, ls, le, addr_start, end, tabbed);
        if contains_any(cell, &self.p.org_words)
            || contains_any(if tabbed { line } else { cell }, &self.p.office_labels)
        {
            return None;
        }
        if tabbed && (line.contains("公司") || line.contains("有限") || line.contains("合作社"))
        {
            return None;
        }
        // Running text needs a label (住址…, 姓名/户主…); rows need only a name cell.
        let row = tabbed || is_field_row(line);
        let labelled =
            residence_label || self.p.name_labels.iter().any(|l| line.contains(l.as_str()));
        if !row && !labelled {
            return None;
        }
        if !self.row_has_name(line, addr_start - ls, end - ls) {
            return None;
        }
        let marker_abs = start + marker_at;
        let masked: String = text[addr_start..end]
            .char_indices()
            .map(|(i, c)| {
                let numeric =
                    c.is_ascii_digit() || ('０'..='９').contains(&c) || CN_NUMERALS.contains(c);
                if addr_start + i >= marker_abs && numeric {
                    '*'
                } else {
                    c
                }
            })
            .collect();
        let normalized: String = addr
            .chars()
            .map(|c| {
                if ('０'..='９').contains(&c) {
                    char::from(b'0' + (c as u32 - '０' as u32) as u8)
                } else {
                    c
                }
            })
            .collect();
        Some(Finding {
            kind: PiiKind::Address,
            start: addr_start,
            end,
            value: Secret(normalized.into_bytes()),
            confidence: 70,
            truncated: false,
            masked: Some(masked),
        })
    }

    /// Whether the row holds a person's name outside the address itself.
    fn row_has_name(&self, line: &str, a_start: usize, a_end: usize) -> bool {
        // Labels: 姓名：张三 / 户主 李四 / 申请人王五.
        for label in &self.p.name_labels {
            for (p, _) in line.match_indices(label.as_str()) {
                let after =
                    line[p + label.len()..].trim_start_matches([':', '：', ' ', '\u{3000}']);
                let name: String = after
                    .chars()
                    .take_while(|c| is_han(*c) || *c == '*')
                    .take(4)
                    .collect();
                if name.chars().count() >= 2 && self.looks_like_name(&name) {
                    return true;
                }
            }
        }
        // Cells and space-separated fields.
        line.split(|c: char| {
            c == '\t'
                || c.is_whitespace()
                || matches!(
                    c,
                    '，' | '、' | '；' | '：' | ':' | ',' | '|' | '(' | ')' | '（' | '）'
                )
        })
        .filter(|t| !t.is_empty())
        .any(|t| {
            let off = t.as_ptr() as usize - line.as_ptr() as usize;
            let overlaps = off < a_end && off + t.len() > a_start;
            !overlaps && self.looks_like_name(t)
        })
    }

    /// A 2–4 character personal name (possibly masked like 张* or 张*明).
    fn looks_like_name(&self, t: &str) -> bool {
        let chars: Vec<char> = t.chars().collect();
        if !(2..=4).contains(&chars.len()) || !chars.iter().all(|c| is_han(*c) || *c == '*') {
            return false;
        }
        if !is_han(chars[0]) || self.stopwords.contains(t) {
            return false;
        }
        let last = chars[chars.len() - 1];
        if last != '*' && NON_NAME_ENDINGS.contains(last) {
            return false;
        }
        let compound = chars.len() >= 3 && self.compound.iter().any(|c| t.starts_with(c.as_str()));
        compound || self.surnames.contains(&chars[0])
    }
}

/// Labels that introduce a home address.
const RESIDENCE_LABELS: [&str; 9] = [
    "家庭住址",
    "居住地址",
    "现住址",
    "户籍地址",
    "住址",
    "地址",
    "现住",
    "居住",
    "住",
];
/// Characters kept before the end of the street/village name.
const PRE_MARKER_CHARS: usize = 12;

/// A short line of three or more whitespace-separated fields: a table row as
/// `pdftotext` lays it out, rather than running text.
fn is_field_row(line: &str) -> bool {
    line.len() < 400 && line.split_whitespace().count() >= 3
}

/// The tab cell (tabbed rows) or the clause (running text) around `[s, e)`.
fn clause(text: &str, ls: usize, le: usize, s: usize, e: usize, tabbed: bool) -> &str {
    let line = &text[ls..le];
    let (rs, re) = (s - ls, e - ls);
    let is_delim = |c: char| {
        if tabbed {
            c == '\t'
        } else {
            CLAUSE_DELIMS.contains(&c)
        }
    };
    let cs = line[..rs].rfind(is_delim).map_or(0, |p| {
        p + line[p..].chars().next().map_or(1, char::len_utf8)
    });
    let ce = line[re..].find(is_delim).map_or(line.len(), |p| re + p);
    &line[cs..ce]
}

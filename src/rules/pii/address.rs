//! Home addresses next to a person's name (`pii.address`).
//!
//! An address alone is not personal information (offices publish theirs); an
//! address down to the house number, group or room in the same row as a person's
//! name is — that is the 公示-list leak. Rows come as lines: the lead passes
//! spreadsheet rows as `\n`-separated lines with `\t` between cells, PDF and page
//! text as it is. The detector is anchored on a number (Arabic or Chinese) followed
//! by a unit character (号 室 组 栋 …), and rejects most anchors by line facts
//! computed once per line (a row? a name or residence label?) before looking closer.

use std::collections::{HashMap, HashSet};

use memchr::memmem;

use super::super::params::AddressParams;
use super::super::text::{
    WordSet, back_chars, char_at, char_before, digit_at, fwd_chars, is_han, line_bounds,
};
use super::{Finding, PiiKind, Secret};

/// Whether `c` ends an address part after a number (号 室 组 栋 …).
#[inline]
pub(crate) fn is_unit(c: char) -> bool {
    matches!(
        c,
        '号' | '室' | '组' | '栋' | '幢' | '单' | '楼' | '弄' | '排' | '层' | '户' | '座'
    )
}

/// Chinese numerals that may stand for a house, building or group number.
#[inline]
fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '零'
            | '〇'
            | '两'
    )
}

/// Digits of a house, building or group number (12, １２, 12-3, 三).
#[inline]
fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || is_cn_numeral(c) || c == '-'
}

/// Characters that continue an address tail after the first unit.
#[inline]
fn is_tail(c: char) -> bool {
    is_unit(c) || matches!(c, '元' | '区' | '之' | '附' | '-' | '－')
}

/// Last characters that make a 2–4 character word a place or thing rather than a name.
const NON_NAME_ENDINGS: &str = "路街村区县市镇乡号室组局委办所站院校部会司厂店队处科馆费金款额类户省州湾园苑城庄屯寨河山湖桥楼元岁月日年男女";
/// Clause delimiters in running text.
const CLAUSE_DELIMS: &[char] = &['，', '。', '；', ';', '！', '？', '\t', '\n', ',', '|'];
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
/// Lines longer than this are read in a window around each anchor.
const LONG_LINE_BYTES: usize = 4096;
/// Half-width of that window, in characters.
const ROW_WINDOW_CHARS: usize = 300;
/// How far before an anchor in running text a name or residence label is looked for.
const LABEL_WINDOW_CHARS: usize = 60;

/// The compiled address detector.
#[derive(Debug, Clone)]
pub(crate) struct AddressDetector {
    p: AddressParams,
    surnames: HashSet<char>,
    compound: Vec<String>,
    stopwords: HashSet<String>,
    /// Street/village markers by their last character.
    markers: HashMap<char, Vec<String>>,
    /// Name labels and residence labels: running text needs one of them.
    labels: WordSet,
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
        let mut markers: HashMap<char, Vec<String>> = HashMap::new();
        for m in &p.street_markers {
            if let Some(last) = m.chars().last() {
                markers.entry(last).or_default().push(m.clone());
            }
        }
        let mut labels: Vec<String> = p.name_labels.clone();
        labels.extend(RESIDENCE_LABELS.iter().map(|s| s.to_string()));
        AddressDetector {
            labels: WordSet::new(&labels),
            p,
            surnames: s,
            compound,
            stopwords: stop,
            markers,
        }
    }

    /// Byte offsets of address anchors: a unit character right after a number that
    /// follows a street/village marker. `from_digits` are those the number scan
    /// already found after Arabic digits (checked there while the bytes are cached).
    pub fn anchors(&self, text: &str, from_digits: Vec<usize>) -> Vec<usize> {
        let mut out = from_digits;
        // Chinese numerals: village groups (李家村三组). House numbers in lists are
        // Arabic; “五号楼” is still read as the tail of an earlier anchor.
        for pos in memmem::find_iter(text.as_bytes(), "组".as_bytes()) {
            if char_before(text, pos).is_some_and(is_cn_numeral) && self.follows_marker(text, pos) {
                out.push(pos);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Finds addresses at `anchors` that share a row with a person's name.
    pub fn find(&self, text: &str, anchors: &[usize], out: &mut Vec<Finding>) {
        let mut covered_to = 0;
        // (line start, line end, is a row), computed once per line.
        let mut line: Option<(usize, usize, bool)> = None;
        for &a in anchors {
            if a < covered_to {
                continue;
            }
            let (ls, le, row) = match line {
                Some(l) if a >= l.0 && a < l.1 => l,
                _ => {
                    let (ls, le) = line_bounds(text, a);
                    let t = &text[ls..le];
                    let l = (
                        ls,
                        le,
                        memchr::memchr(b'\t', t.as_bytes()).is_some() || is_field_row(t),
                    );
                    line = Some(l);
                    l
                }
            };
            // A very long line (page text without breaks) is read only around the
            // anchor, so many anchors on one line cannot cost quadratic time.
            let (ls, le) = if le - ls > LONG_LINE_BYTES {
                (
                    back_chars(text, a, ROW_WINDOW_CHARS).max(ls),
                    fwd_chars(text, a, ROW_WINDOW_CHARS).min(le),
                )
            } else {
                (ls, le)
            };
            if let Some(f) = self.at_anchor(text, a, ls, le, row) {
                covered_to = f.end;
                out.push(f);
            }
        }
    }

    /// Whether the number before `anchor` directly follows the end of a street or
    /// village marker (幸福路12号, 前进村三组, 花园5号楼). This rejects most anchors
    /// in running text (共3户, 第5号, 〔2025〕5号) before any further work.
    pub fn follows_marker(&self, text: &str, anchor: usize) -> bool {
        let mut p = anchor;
        for _ in 0..12 {
            match char_before(text, p) {
                Some(c) if is_number_char(c) => p -= c.len_utf8(),
                Some(c) => return p < anchor && self.markers.contains_key(&c),
                None => return false,
            }
        }
        false
    }

    /// End (byte offset in `head`) of the rightmost street/village marker.
    fn marker_end(&self, head: &str) -> Option<usize> {
        head.char_indices().rev().find_map(|(i, c)| {
            let end = i + c.len_utf8();
            self.markers
                .get(&c)
                .is_some_and(|ms| ms.iter().any(|m| head[..end].ends_with(m.as_str())))
                .then_some(end)
        })
    }

    fn at_anchor(
        &self,
        text: &str,
        anchor: usize,
        ls: usize,
        le: usize,
        row: bool,
    ) -> Option<Finding> {
        // Walk back over the number (12, 12-3, 三), which must follow the end of a
        // street/village marker directly (幸福路12号, 前进村三组, 花园5号楼):
        // this rejects 共3户, 第5号, 〔2025〕5号 before any further work.
        let mut num_start = anchor;
        while let Some(c) = char_before(text, num_start) {
            if num_start <= ls || !is_number_char(c) {
                break;
            }
            num_start -= c.len_utf8();
        }
        let before = char_before(text, num_start)?;
        if num_start == anchor || num_start <= ls || !self.markers.contains_key(&before) {
            return None;
        }
        // Running text needs a label (住址…, 姓名/户主…) near the anchor; rows need
        // only a name cell.
        if !row {
            let near = &text[back_chars(text, anchor, LABEL_WINDOW_CHARS).max(ls)
                ..fwd_chars(text, anchor, 8).min(le)];
            if !self.labels.found_in(near) {
                return None;
            }
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
        let marker_at = self.marker_end(head)?;
        if marker_at <= head.chars().next().map_or(0, char::len_utf8) {
            return None;
        }
        // Drop a leading label such as “住址” “家庭住址” “住”, and keep at most
        // `PRE_MARKER_CHARS` characters before the street name's end (city,
        // district and street), so a name glued to the address stays outside it.
        let mut addr_start = start;
        for label in RESIDENCE_LABELS {
            if let Some(p) = head.rfind(label)
                && p + label.len() < marker_at
                && !head[p + label.len()..].starts_with(['宅', '房', '户'])
            {
                addr_start = start + p + label.len();
                break;
            }
        }
        addr_start = addr_start.max(back_chars(text, start + marker_at, PRE_MARKER_CHARS));
        // Extend forward over the tail: 12号3单元401室, 5-2-301.
        let mut end = anchor;
        let tail_limit = fwd_chars(text, anchor, 16).min(le);
        while end < tail_limit {
            let Some(c) = char_at(text, end) else { break };
            if !(is_tail(c) || is_cn_numeral(c) || digit_at(text.as_bytes(), end).is_some()) {
                break;
            }
            end += c.len_utf8();
        }
        let addr = &text[addr_start..end];
        // The row, the cell and the clause around the address.
        let line = &text[ls..le];
        let tabbed = line.as_bytes().contains(&b'\t');
        let cell = clause(text, ls, le, addr_start, end, tabbed);
        if self.p.org_set.found_in(cell)
            || self.p.office_set.found_in(if tabbed { line } else { cell })
        {
            return None;
        }
        if tabbed && (line.contains("公司") || line.contains("有限") || line.contains("合作社"))
        {
            return None;
        }
        if !self.row_has_name(line, addr_start - ls, end - ls) {
            return None;
        }
        let marker_abs = start + marker_at;
        let masked: String = text[addr_start..end]
            .char_indices()
            .map(|(i, c)| {
                let numeric = c.is_ascii_digit() || ('０'..='９').contains(&c) || is_cn_numeral(c);
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

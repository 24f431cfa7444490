//! Small helpers over UTF-8 text that keep byte offsets into the original.
//!
//! Detectors read full-width digits (`１１０…`, EF BC 90–99) and full-width or
//! lowercase `x` directly instead of normalising the text first: that way every
//! span they report is a byte range of the caller's text, with no offset map.

/// The digit at byte `i` as a value 0–9 and its encoded length, ASCII or full-width.
#[inline]
pub(crate) fn digit_at(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let c = *b.get(i)?;
    if c.is_ascii_digit() {
        return Some((c - b'0', 1));
    }
    if c == 0xEF && b.get(i + 1) == Some(&0xBC) {
        let t = *b.get(i + 2)?;
        if (0x90..=0x99).contains(&t) {
            return Some((t - 0x90, 3));
        }
    }
    None
}

/// Length of an `X`, `x`, `Ｘ` or `ｘ` at byte `i` (the ID check character 10).
#[inline]
pub(crate) fn x_at(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'X' | b'x' => Some(1),
        0xEF => match (b.get(i + 1), b.get(i + 2)) {
            (Some(0xBC), Some(0xB8)) | (Some(0xBD), Some(0x98)) => Some(3),
            _ => None,
        },
        _ => None,
    }
}

/// The character ending just before byte `i` (which must be a char boundary).
#[inline]
pub(crate) fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

/// The character starting at byte `i` (which must be a char boundary).
#[inline]
pub(crate) fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Letters, digits and `_` in ASCII or full-width: characters that make a number
/// part of a longer code rather than a value of its own.
#[inline]
pub(crate) fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '_'
        || ('\u{FF10}'..='\u{FF19}').contains(&c)
        || ('\u{FF21}'..='\u{FF3A}').contains(&c)
        || ('\u{FF41}'..='\u{FF5A}').contains(&c)
}

/// CJK unified ideographs (the basic block and extension A).
#[inline]
pub(crate) fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Byte offset `n` characters before `i`, stopping at the start of the text.
pub(crate) fn back_chars(text: &str, i: usize, n: usize) -> usize {
    let mut pos = i.min(text.len());
    let b = text.as_bytes();
    for _ in 0..n {
        if pos == 0 {
            break;
        }
        pos -= 1;
        while pos > 0 && (b[pos] & 0xC0) == 0x80 {
            pos -= 1;
        }
    }
    pos
}

/// Byte offset `n` characters after `i`, stopping at the end of the text.
pub(crate) fn fwd_chars(text: &str, i: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let mut pos = i.min(b.len());
    for _ in 0..n {
        if pos >= b.len() {
            break;
        }
        pos += utf8_len(b[pos]);
    }
    pos.min(b.len())
}

/// Encoded length of the character whose first byte is `lead`
/// (1 for a stray continuation byte, so loops always advance).
#[inline]
pub(crate) fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    }
}

/// Start and end byte offsets of the line (`\n`-separated) containing byte `i`.
pub(crate) fn line_bounds(text: &str, i: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let i = i.min(b.len());
    let start = memchr::memrchr(b'\n', &b[..i]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
    (start, end)
}

/// A compiled word list for the context checks detectors run per candidate:
/// one Aho-Corasick pass over the window instead of one substring search per word.
#[derive(Debug, Clone, Default)]
pub(crate) struct WordSet(Option<aho_corasick::AhoCorasick>);

impl WordSet {
    /// Compiles `words` (empty words are ignored; an empty list never matches).
    pub fn new(words: &[String]) -> WordSet {
        let words: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return WordSet(None);
        }
        WordSet(aho_corasick::AhoCorasick::new(words).ok())
    }

    /// Whether any word occurs in `hay`.
    pub fn found_in(&self, hay: &str) -> bool {
        self.0.as_ref().is_some_and(|ac| ac.is_match(hay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_x_in_both_widths() {
        let s = "1１xＸｘX";
        let b = s.as_bytes();
        assert_eq!(digit_at(b, 0), Some((1, 1)));
        assert_eq!(digit_at(b, 1), Some((1, 3)));
        assert_eq!(x_at(b, 4), Some(1));
        assert_eq!(x_at(b, 5), Some(3));
        assert_eq!(x_at(b, 8), Some(3));
        assert_eq!(x_at(b, 11), Some(1));
        assert_eq!(digit_at("，".as_bytes(), 0), None);
        assert_eq!(digit_at("：".as_bytes(), 0), None);
    }

    #[test]
    fn char_windows_stop_at_text_edges() {
        let s = "ab中文cd";
        assert_eq!(back_chars(s, 5, 2), 1);
        assert_eq!(back_chars(s, 5, 10), 0);
        assert_eq!(fwd_chars(s, 2, 2), 8);
        assert_eq!(fwd_chars(s, 2, 10), s.len());
        assert_eq!(char_before(s, 5), Some('中'));
        assert_eq!(char_at(s, 5), Some('文'));
    }

    #[test]
    fn line_bounds_find_the_row() {
        let s = "甲\n乙丙\n丁";
        let (a, b) = line_bounds(s, 5);
        assert_eq!(&s[a..b], "乙丙");
        let (a, b) = line_bounds(s, 0);
        assert_eq!(&s[a..b], "甲");
    }
}

//! The digit-run scanner every number detector sits on.
//!
//! Most bytes of Chinese text are not digits, so the scanner's job is to skip them
//! fast: it tests 32 bytes at a time with a branch-free predicate the compiler turns
//! into SIMD compares (ASCII `0`–`9`, or a full-width digit EF BC 90–99), and only
//! looks closer at chunks that contain one. A regex engine would walk a state
//! machine over every byte instead.
//!
//! A *token* is a run of digit groups joined by single spaces or hyphens
//! (`138 0013 8000`, `6222-0212-3456-7890`), optionally ended by an ID check
//! character `X`. Candidates are read from the whole token when its grouping is a
//! known phone/card/ID layout, otherwise from each group on its own.

use super::super::text::{digit_at, x_at};

/// Most groups kept per token; longer chains are still consumed but not split further.
pub(crate) const MAX_GROUPS: usize = 8;
/// Most digit values kept per token; longer runs are marked as overflowing.
pub(crate) const MAX_DIGITS: usize = 40;

/// One group of consecutive digits inside a token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Group {
    /// Byte offset of the first digit.
    pub start: usize,
    /// Byte offset after the last digit.
    pub end: usize,
    /// Index of the first digit in `Token::digits`.
    pub first: usize,
    /// Number of digits in the group (may exceed what `digits` kept).
    pub len: usize,
}

/// A run of digit groups, with the digit values decoded from both widths.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Byte offset of the first digit.
    pub start: usize,
    /// Byte offset after the last character (digit or check `X`).
    pub end: usize,
    /// Digit values 0–9 in order, all groups concatenated (at most `MAX_DIGITS`).
    pub digits: [u8; MAX_DIGITS],
    /// How many digits are stored.
    pub n_digits: usize,
    /// The token had more than `MAX_DIGITS` digits.
    pub overflow: bool,
    /// Groups in order (at most `MAX_GROUPS`).
    pub groups: [Group; MAX_GROUPS],
    /// How many groups are stored.
    pub n_groups: usize,
    /// Separator byte before each group after the first (`b' '` or `b'-'`).
    pub seps: [u8; MAX_GROUPS],
    /// The last group is followed by an `X`/`x`/`Ｘ`/`ｘ` check character.
    pub check_x: bool,
}

impl Token {
    /// The digit values of group `g`, or `None` if they were not all kept.
    pub fn group_digits(&self, g: usize) -> Option<&[u8]> {
        let gr = &self.groups[g];
        let end = gr.first + gr.len;
        (end <= self.n_digits).then(|| &self.digits[gr.first..end])
    }

    /// Group lengths, for layout matching.
    pub fn layout(&self) -> impl Iterator<Item = usize> + '_ {
        self.groups[..self.n_groups].iter().map(|g| g.len)
    }
}

/// Width of the SIMD-friendly chunk test.
const CHUNK: usize = 32;

/// Whether byte `i` starts a digit in either width (the chunk predicate, written
/// without branches so the loop vectorises).
#[inline(always)]
fn starts_digit(b0: u8, b1: u8, b2: u8) -> bool {
    let ascii = b0.wrapping_sub(b'0') < 10;
    let full = (b0 == 0xEF) & (b1 == 0xBC) & (b2.wrapping_sub(0x90) < 10);
    ascii | full
}

/// Byte offset of the next digit (ASCII or full-width) at or after `from`.
#[inline]
pub(crate) fn find_digit(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    // Chunks need two bytes of look-ahead for the full-width test.
    while i + CHUNK + 2 <= b.len() {
        let w = &b[i..i + CHUNK + 2];
        let mut any = false;
        for j in 0..CHUNK {
            any |= starts_digit(w[j], w[j + 1], w[j + 2]);
        }
        if any {
            for j in 0..CHUNK {
                if starts_digit(w[j], w[j + 1], w[j + 2]) {
                    return Some(i + j);
                }
            }
        }
        i += CHUNK;
    }
    while i < b.len() {
        if digit_at(b, i).is_some() {
            return Some(i);
        }
        i += 1;
    }
    None
}

impl Token {
    /// An empty token, to be filled by [`read_token_into`].
    pub fn empty() -> Token {
        Token {
            start: 0,
            end: 0,
            digits: [0; MAX_DIGITS],
            n_digits: 0,
            overflow: false,
            groups: [Group::default(); MAX_GROUPS],
            n_groups: 0,
            seps: [0; MAX_GROUPS],
            check_x: false,
        }
    }
}

/// Reads the token starting at `start` (which must start a digit) into `t`,
/// reusing its storage (a token is a few hundred bytes; copying one per number
/// showed up in profiles).
pub(crate) fn read_token_into(b: &[u8], start: usize, t: &mut Token) {
    t.start = start;
    t.end = start;
    t.n_digits = 0;
    t.overflow = false;
    t.check_x = false;
    let mut p = start;
    let mut stored_groups = 0usize;
    loop {
        let g_start = p;
        let first = t.n_digits;
        let mut len = 0;
        while let Some((d, l)) = digit_at(b, p) {
            if t.n_digits < MAX_DIGITS {
                t.digits[t.n_digits] = d;
                t.n_digits += 1;
            } else {
                t.overflow = true;
            }
            len += 1;
            p += l;
        }
        if stored_groups < MAX_GROUPS {
            t.groups[stored_groups] = Group {
                start: g_start,
                end: p,
                first,
                len,
            };
            stored_groups += 1;
        } else {
            t.overflow = true;
        }
        t.end = p;
        if let Some(l) = x_at(b, p) {
            t.check_x = true;
            t.end = p + l;
            break;
        }
        // A single space or hyphen followed by another digit continues the token.
        match b.get(p) {
            Some(&sep @ (b' ' | b'-')) if digit_at(b, p + 1).is_some() => {
                if stored_groups < MAX_GROUPS {
                    t.seps[stored_groups] = sep;
                }
                p += 1;
            }
            _ => break,
        }
    }
    t.n_groups = stored_groups;
}

/// Reads the token starting at `start` (which must start a digit).
#[cfg(test)]
pub(crate) fn read_token(b: &[u8], start: usize) -> Token {
    let mut t = Token::empty();
    read_token_into(b, start, &mut t);
    t
}

/// Calls `f` for each token at or after `from`, left to right, until `f` returns false.
pub(crate) fn for_each_token(b: &[u8], from: usize, mut f: impl FnMut(&Token) -> bool) {
    let mut t = Token::empty();
    let mut pos = from;
    while let Some(start) = find_digit(b, pos) {
        read_token_into(b, start, &mut t);
        pos = t.end.max(start + 1);
        if !f(&t) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_digits_of_both_widths_past_chunk_edges() {
        let mut s = "中".repeat(40);
        s.push_str("，：（）");
        let pos = s.len();
        s.push('７');
        let b = s.as_bytes();
        assert_eq!(find_digit(b, 0), Some(pos));
        assert_eq!(find_digit("没有数字，。".as_bytes(), 0), None);
        let t = "abc5";
        assert_eq!(find_digit(t.as_bytes(), 0), Some(3));
    }

    #[test]
    fn tokens_split_groups_and_read_check_x() {
        let s = "电话 138 0013 8000，身份证１１０１０５１９４９１２３１００２ｘ。";
        let mut toks: Vec<Token> = Vec::new();
        for_each_token(s.as_bytes(), 0, |t| {
            toks.push(t.clone());
            true
        });
        assert_eq!(toks.len(), 2);
        assert_eq!(toks[0].layout().collect::<Vec<_>>(), vec![3, 4, 4]);
        assert_eq!(toks[0].seps[1], b' ');
        assert_eq!(&s[toks[0].start..toks[0].end], "138 0013 8000");
        assert!(toks[1].check_x);
        assert_eq!(toks[1].n_digits, 17);
        assert_eq!(
            &s[toks[1].start..toks[1].end],
            "１１０１０５１９４９１２３１００２ｘ"
        );
    }

    #[test]
    fn long_runs_overflow_without_panicking() {
        let s = "1".repeat(100);
        let t = read_token(s.as_bytes(), 0);
        assert!(t.overflow);
        assert_eq!(t.groups[0].len, 100);
        assert_eq!(t.group_digits(0), None);
        let s = "1-".repeat(20) + "1";
        let t = read_token(s.as_bytes(), 0);
        assert!(t.overflow);
        assert_eq!(t.n_groups, MAX_GROUPS);
    }
}

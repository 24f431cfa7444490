//! Multi-pattern matching for dictionary rules (leftmost-longest, non-overlapping).
//!
//! Two families are available because their speed differs a lot on Chinese text
//! with large dictionaries (see `benches/rules_vs_ripgrep.rs`):
//!
//! - the `aho-corasick` crate (BurntSushi's, the engine under ripgrep and regex)
//!   in its noncontiguous-NFA, contiguous-NFA or DFA form, prefilter on or off;
//! - [`CharHash`]: a character-level matcher written for CJK dictionaries. Every
//!   dictionary word is at least two characters, so at each character boundary it
//!   hashes the next two characters (six bytes for two CJK characters, one 64-bit
//!   load), tests a 32 KiB bitmap that fits in L1 cache, and only on a bitmap hit
//!   looks up the words starting with those two characters. Chinese text advances
//!   three bytes per step instead of one byte per DFA transition.
//!
//! Both report the same matches: at the leftmost position where any word
//! matches, the longest word; scanning resumes after it.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::error::RulesError;
use super::text::utf8_len;

/// Which matching engine a rule set uses for its dictionaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DictEngine {
    /// `aho-corasick` choosing its own automaton.
    AcAuto,
    /// `aho-corasick` noncontiguous NFA.
    AcNoncontiguousNfa,
    /// `aho-corasick` contiguous NFA.
    AcContiguousNfa,
    /// `aho-corasick` DFA.
    AcDfa,
    /// Character-level two-character hash matcher (the default: fastest on CJK, see the benchmark).
    #[default]
    CharHash,
}

/// A compiled set of patterns.
#[derive(Debug, Clone)]
pub(crate) struct DictMatcher {
    imp: Imp,
}

#[derive(Debug, Clone)]
enum Imp {
    Ac(AhoCorasick),
    Char(CharHash),
}

impl DictMatcher {
    /// Builds a matcher. `prefilter` only affects the Aho-Corasick engines.
    pub fn build(
        patterns: &[String],
        engine: DictEngine,
        prefilter: bool,
    ) -> Result<Self, RulesError> {
        let imp = match engine {
            DictEngine::CharHash => Imp::Char(CharHash::new(patterns)),
            _ => {
                let kind = match engine {
                    DictEngine::AcNoncontiguousNfa => Some(AhoCorasickKind::NoncontiguousNFA),
                    DictEngine::AcContiguousNfa => Some(AhoCorasickKind::ContiguousNFA),
                    DictEngine::AcDfa => Some(AhoCorasickKind::DFA),
                    _ => None,
                };
                let ac = AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(kind)
                    .prefilter(prefilter)
                    .build(patterns)
                    .map_err(|e| RulesError::Automaton {
                        reason: e.to_string(),
                    })?;
                Imp::Ac(ac)
            }
        };
        Ok(DictMatcher { imp })
    }

    /// Calls `f(pattern, start, end)` for each leftmost-longest match.
    pub fn for_each_match(&self, text: &str, mut f: impl FnMut(usize, usize, usize)) {
        match &self.imp {
            Imp::Ac(ac) => {
                for m in ac.find_iter(text) {
                    f(m.pattern().as_usize(), m.start(), m.end());
                }
            }
            Imp::Char(c) => c.for_each_match(text.as_bytes(), f),
        }
    }
}

/// Encoded length of a character by the high nibble of its first byte
/// (continuation bytes count as 1 so the scan always advances).
const UTF8_LEN_BY_NIBBLE: [usize; 16] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4];
/// Masks keeping the low `k` bytes of a little-endian word, `k` = 0..=8.
const KEY_MASK: [u64; 9] = [
    0,
    0xFF,
    0xFFFF,
    0xFF_FFFF,
    0xFFFF_FFFF,
    0xFF_FFFF_FFFF,
    0xFFFF_FFFF_FFFF,
    0xFF_FFFF_FFFF_FFFF,
    u64::MAX,
];

/// Bits in the two-character bitmap (2^18 bits = 32 KiB).
const BITMAP_BITS: u32 = 18;
const HASH_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn hash(key: u64, bits: u32) -> usize {
    (key.wrapping_mul(HASH_MUL) >> (64 - bits)) as usize
}

/// The first two characters of `b[i..]` packed little-endian into a `u64`, and
/// their byte length; `None` at the end of the text or if they exceed 8 bytes.
#[inline(always)]
fn key_at(b: &[u8], i: usize) -> Option<(u64, usize)> {
    let l1 = utf8_len(b[i]);
    let l2 = utf8_len(*b.get(i + l1)?);
    let k = l1 + l2;
    if k > 8 || i + k > b.len() {
        return None;
    }
    if i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let v = u64::from_le_bytes(w);
        let mask = if k == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * k)) - 1
        };
        Some((v & mask, k))
    } else {
        let mut w = [0u8; 8];
        w[..k].copy_from_slice(&b[i..i + k]);
        Some((u64::from_le_bytes(w), k))
    }
}

/// Character-level matcher: bitmap prefilter plus an open-addressing table from
/// two-character keys to the words that start with them (longest first).
#[derive(Debug, Clone)]
pub(crate) struct CharHash {
    bitmap: Vec<u64>,
    /// Slots: (key, first index into `ids`, count); count 0 = empty.
    slots: Vec<(u64, u32, u32)>,
    slot_bits: u32,
    ids: Vec<u32>,
    patterns: Vec<Vec<u8>>,
}

impl CharHash {
    fn new(patterns: &[String]) -> CharHash {
        use std::collections::HashMap;
        let mut groups: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, p) in patterns.iter().enumerate() {
            // Patterns shorter than two characters cannot be keyed; the rule set
            // rejects them before they get here.
            if let Some((k, _)) = key_at(p.as_bytes(), 0) {
                groups.entry(k).or_default().push(i as u32);
            }
        }
        let mut bitmap = vec![0u64; 1 << (BITMAP_BITS - 6)];
        let slot_bits = (groups.len().max(1) * 2)
            .next_power_of_two()
            .trailing_zeros()
            .max(4);
        let mut slots = vec![(0u64, 0u32, 0u32); 1 << slot_bits];
        let mut ids = Vec::with_capacity(patterns.len());
        for (k, mut g) in groups {
            g.sort_by_key(|&i| std::cmp::Reverse(patterns[i as usize].len()));
            let h = hash(k, BITMAP_BITS);
            bitmap[h >> 6] |= 1 << (h & 63);
            let mut s = hash(k, slot_bits);
            while slots[s].2 != 0 {
                s = (s + 1) & ((1 << slot_bits) - 1);
            }
            slots[s] = (k, ids.len() as u32, g.len() as u32);
            ids.extend(g);
        }
        CharHash {
            bitmap,
            slots,
            slot_bits,
            ids,
            patterns: patterns.iter().map(|p| p.as_bytes().to_vec()).collect(),
        }
    }

    /// The longest pattern with this two-character key matching at `i`.
    #[inline]
    fn match_at(&self, b: &[u8], i: usize, key: u64) -> Option<(usize, usize)> {
        self.lookup(key).iter().find_map(|&id| {
            let p = &self.patterns[id as usize];
            b[i..].starts_with(p).then_some((id as usize, p.len()))
        })
    }

    #[inline]
    fn lookup(&self, key: u64) -> &[u32] {
        let mask = (1usize << self.slot_bits) - 1;
        let mut s = hash(key, self.slot_bits);
        loop {
            let (k, first, n) = self.slots[s];
            if n == 0 {
                return &[];
            }
            if k == key {
                return &self.ids[first as usize..(first + n) as usize];
            }
            s = (s + 1) & mask;
        }
    }

    fn for_each_match(&self, b: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let mut i = 0;
        let n = b.len();
        // Fast loop, branch-free key computation: needs 8 readable bytes at i
        // (two characters are at most 8 bytes). A variant reading character starts
        // from a 64-bit mask per chunk (independent positions) measured slower.
        while i + 8 <= n {
            let l1 = UTF8_LEN_BY_NIBBLE[usize::from(b[i] >> 4)];
            let l2 = UTF8_LEN_BY_NIBBLE[usize::from(b[i + l1] >> 4)];
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            let key = u64::from_le_bytes(w) & KEY_MASK[l1 + l2];
            let h = hash(key, BITMAP_BITS);
            if self.bitmap[h >> 6] & (1 << (h & 63)) != 0
                && let Some((id, len)) = self.match_at(b, i, key)
            {
                f(id, i, i + len);
                i += len;
                continue;
            }
            i += l1;
        }
        // The last few bytes, with bounds-checked keys.
        while i + 1 < n {
            let Some((key, _)) = key_at(b, i) else {
                break;
            };
            let h = hash(key, BITMAP_BITS);
            if self.bitmap[h >> 6] & (1 << (h & 63)) != 0
                && let Some((id, len)) = self.match_at(b, i, key)
            {
                f(id, i, i + len);
                i += len;
                continue;
            }
            i += utf8_len(b[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(engine: DictEngine, pats: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let pats: Vec<String> = pats.iter().map(|s| s.to_string()).collect();
        let m = DictMatcher::build(&pats, engine, true).unwrap();
        let mut out = vec![];
        m.for_each_match(text, |p, s, e| out.push((p, s, e)));
        out
    }

    const ENGINES: [DictEngine; 5] = [
        DictEngine::AcAuto,
        DictEngine::AcNoncontiguousNfa,
        DictEngine::AcContiguousNfa,
        DictEngine::AcDfa,
        DictEngine::CharHash,
    ];

    #[test]
    fn every_engine_is_leftmost_longest() {
        let pats = ["身份证", "身份证号", "证号码", "ab", "abc"];
        let text = "填写身份证号码与abcd，再写身份证。";
        let expected = all(DictEngine::AcDfa, &pats, text);
        assert_eq!(
            expected,
            vec![(1, 6, 18), (4, 24, 27), (0, 37, 46)],
            "leftmost-longest: 身份证号 wins over 身份证 and 证号码"
        );
        for e in ENGINES {
            assert_eq!(all(e, &pats, text), expected, "{e:?}");
        }
    }

    #[test]
    fn engines_agree_on_long_texts_across_chunk_edges() {
        let pats = ["按装", "再接再励", "ab中", "身份证号", "证号码", "中文"];
        let mut text = String::new();
        for i in 0..400 {
            text.push_str(
                [
                    "按装",
                    "再接再励",
                    "x",
                    "ab中",
                    "身份证号码",
                    "中",
                    "文",
                    "ab",
                    "𠀀",
                ][i % 9],
            );
            if i % 7 == 0 {
                text.push('a');
            }
        }
        let expected = all(DictEngine::AcNoncontiguousNfa, &pats, &text);
        assert!(expected.len() > 100);
        for shift in 0..5 {
            let t = format!("{}{}", "z".repeat(shift), text);
            let e = all(DictEngine::AcNoncontiguousNfa, &pats, &t);
            assert_eq!(all(DictEngine::CharHash, &pats, &t), e, "shift {shift}");
        }
    }

    #[test]
    fn engines_agree_on_mixed_widths_and_text_edges() {
        let pats = ["再接再励", "按装", "x按", "中文𠀀字", "装修"];
        for text in [
            "按装",
            "x按装修",
            "中文𠀀字按",
            "按",
            "",
            "再接再励再接再励",
            "按装修",
        ] {
            let expected = all(DictEngine::AcNoncontiguousNfa, &pats, text);
            for e in ENGINES {
                assert_eq!(all(e, &pats, text), expected, "{e:?} on {text}");
            }
        }
    }
}

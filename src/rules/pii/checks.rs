//! Check-digit and structure checks: GB 11643 resident IDs, GB 32100 unified
//! social credit codes, Luhn for bank cards, issuer prefixes.

use chrono::{Datelike, NaiveDate};

/// GB 11643 weights for the first 17 digits.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character by `sum mod 11` (10 is written `X`).
const ID_CHECK: [u8; 11] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];

/// The GB 11643 check value (0–10, 10 = `X`) of 17 body digits.
pub(crate) fn id_check_value(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// Province-level codes in use (GB/T 2260 first two digits), plus 71 Taiwan and
/// 81/82/83 for residence permits of Hong Kong, Macao and Taiwan residents.
pub(crate) fn province_ok(d0: u8, d1: u8) -> bool {
    matches!(
        d0 * 10 + d1,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83
    )
}

/// A real calendar date from 1900 up to `as_of` (a birth date cannot be in the future).
pub(crate) fn birth_date_ok(year: u32, month: u32, day: u32, as_of: NaiveDate) -> bool {
    if year < 1900 || year > as_of.year() as u32 {
        return false;
    }
    match NaiveDate::from_ymd_opt(year as i32, month, day) {
        Some(d) => d <= as_of,
        None => false,
    }
}

/// Reads `n` digits as a number.
pub(crate) fn num(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, &x| acc * 10 + u32::from(x))
}

/// Region and birth date of an 18-digit body are plausible (the check digit aside).
pub(crate) fn id18_structure_ok(d: &[u8], as_of: NaiveDate) -> bool {
    d.len() >= 14
        && province_ok(d[0], d[1])
        && birth_date_ok(num(&d[6..10]), num(&d[10..12]), num(&d[12..14]), as_of)
}

/// A full 18-character resident ID: structure plus check character
/// (`check` is 0–9 or 10 for `X`).
pub(crate) fn id18_valid(body: &[u8], check: u8, as_of: NaiveDate) -> bool {
    body.len() == 17 && id18_structure_ok(body, as_of) && id_check_value(body) == check
}

/// A legacy 15-digit ID: region and a `YYMMDD` birth date in the 1900s.
pub(crate) fn id15_structure_ok(d: &[u8], as_of: NaiveDate) -> bool {
    d.len() == 15
        && province_ok(d[0], d[1])
        && birth_date_ok(1900 + num(&d[6..8]), num(&d[8..10]), num(&d[10..12]), as_of)
}

/// Luhn (mod 10) check over digit values.
pub(crate) fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Value of a GB 32100 code character (digits and capitals without I, O, S, V, Z).
fn uscc_value(c: u8) -> Option<u32> {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRTUWXY";
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        _ => LETTERS
            .iter()
            .position(|&l| l == c.to_ascii_uppercase())
            .map(|p| 10 + p as u32),
    }
}

/// GB 32100-2015 weights for the first 17 characters of a unified social credit code.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Whether an 18-character code carries a valid GB 32100 check character:
/// `31 − (Σ value×weight mod 31)`, 31 written as `0`.
pub(crate) fn uscc_valid(code: &[u8]) -> bool {
    if code.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (&c, w) in code[..17].iter().zip(USCC_WEIGHTS) {
        match uscc_value(c) {
            Some(v) => sum += v * w,
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    uscc_value(code[17]) == Some(check)
}

/// One issuer prefix rule: numbers starting in `[lo, hi]` (compared on the first
/// `width` digits) with a length in `[min_len, max_len]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BinRule {
    width: usize,
    lo: u64,
    hi: u64,
    min_len: usize,
    max_len: usize,
}

impl BinRule {
    /// Parses `"62:16-19"`, `"51-55:16"`, `"2221-2720:16"`.
    pub(crate) fn parse(s: &str) -> Result<BinRule, String> {
        let (prefix, lens) = s
            .split_once(':')
            .ok_or_else(|| format!("“{s}”应写成“前缀:长度”，如 62:16-19"))?;
        let range = |part: &str| -> Result<(String, String), String> {
            let part = part.trim();
            Ok(match part.split_once('-') {
                Some((a, b)) => (a.trim().to_string(), b.trim().to_string()),
                None => (part.to_string(), part.to_string()),
            })
        };
        let (lo, hi) = range(prefix)?;
        let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
        if !all_digits(&lo) || !all_digits(&hi) || lo.len() != hi.len() || lo.len() > 8 {
            return Err(format!("“{s}”的前缀须为等长数字（最多 8 位）"));
        }
        let (min_len, max_len) = range(lens)?;
        let parse_len = |x: &str| {
            x.parse::<usize>()
                .map_err(|_| format!("“{s}”的长度不是数字"))
        };
        let (min_len, max_len) = (parse_len(&min_len)?, parse_len(&max_len)?);
        let lo_v: u64 = lo.parse().map_err(|_| format!("“{s}”的前缀无效"))?;
        let hi_v: u64 = hi.parse().map_err(|_| format!("“{s}”的前缀无效"))?;
        if lo_v > hi_v || !(12..=19).contains(&min_len) || max_len < min_len || max_len > 19 {
            return Err(format!("“{s}”的前缀或长度范围无效"));
        }
        Ok(BinRule {
            width: lo.len(),
            lo: lo_v,
            hi: hi_v,
            min_len,
            max_len,
        })
    }

    /// Whether a card number (digit values) matches this rule.
    pub(crate) fn matches(&self, d: &[u8]) -> bool {
        if d.len() < self.min_len || d.len() > self.max_len || d.len() < self.width {
            return false;
        }
        let p = d[..self.width]
            .iter()
            .fold(0u64, |a, &x| a * 10 + u64::from(x));
        (self.lo..=self.hi).contains(&p)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Digit values of an ASCII string (test helper).
    pub(crate) fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|c| c - b'0').collect()
    }

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    #[test]
    fn gb11643_check_characters() {
        // 11010519491231002X is the standard's own example.
        assert_eq!(id_check_value(&digits("11010519491231002")), 10);
        assert!(id18_valid(&digits("11010519491231002"), 10, as_of()));
        assert!(!id18_valid(&digits("11010519491231002"), 1, as_of()));
        // Wrong province, impossible date, future date.
        let body = digits("99010519491231002");
        assert!(!id18_valid(&body, id_check_value(&body), as_of()));
        let body = digits("11010519490231002");
        assert!(!id18_valid(&body, id_check_value(&body), as_of()));
        let body = digits("11010520300101002");
        assert!(!id18_valid(&body, id_check_value(&body), as_of()));
    }

    #[test]
    fn province_codes_follow_gb2260() {
        for ok in [
            11, 15, 21, 23, 31, 37, 41, 46, 50, 54, 61, 65, 71, 81, 82, 83,
        ] {
            assert!(province_ok(ok / 10, ok % 10), "{ok}");
        }
        for bad in [
            10, 16, 20, 24, 30, 38, 40, 47, 55, 60, 66, 70, 72, 80, 84, 91, 99,
        ] {
            assert!(!province_ok(bad / 10, bad % 10), "{bad}");
        }
    }

    #[test]
    fn leap_days_and_legacy_ids() {
        assert!(birth_date_ok(2000, 2, 29, as_of()));
        assert!(!birth_date_ok(1900, 2, 29, as_of()));
        assert!(!birth_date_ok(1899, 12, 31, as_of()));
        assert!(id15_structure_ok(&digits("110105491231002"), as_of()));
        assert!(!id15_structure_ok(&digits("110105491331002"), as_of()));
    }

    #[test]
    fn luhn_on_known_test_numbers() {
        assert!(luhn_ok(&digits("4111111111111111")));
        assert!(luhn_ok(&digits("6222021234567890128")));
        assert!(!luhn_ok(&digits("4111111111111112")));
    }

    #[test]
    fn gb32100_credit_codes() {
        // Build valid codes by computing the check character, then mutate them.
        for body in [
            "91370200163562681",
            "12370200MB1234567",
            "5137000050000123A",
        ] {
            let sum: u32 = body
                .bytes()
                .zip(USCC_WEIGHTS)
                .map(|(c, w)| uscc_value(c).unwrap() * w)
                .sum();
            let check = (31 - sum % 31) % 31;
            let c = b"0123456789ABCDEFGHJKLMNPQRTUWXY"[check as usize] as char;
            let code = format!("{body}{c}");
            assert!(uscc_valid(code.as_bytes()), "{code}");
            let mut bad = code.clone().into_bytes();
            bad[5] = if bad[5] == b'1' { b'2' } else { b'1' };
            assert!(!uscc_valid(&bad));
        }
        assert!(!uscc_valid(b"91370200163562681I"));
        assert!(!uscc_valid(b"9137020016356268"));
    }

    #[test]
    fn bin_rules_parse_and_match() {
        let r = BinRule::parse("62:16-19").unwrap();
        assert!(r.matches(&digits("6222021234567890128")));
        assert!(!r.matches(&digits("622202123456789")));
        let m = BinRule::parse("2221-2720:16").unwrap();
        assert!(m.matches(&digits("2221001234567890")));
        assert!(!m.matches(&digits("2025051612345678")));
        let mc = BinRule::parse("51-55:16").unwrap();
        assert!(mc.matches(&digits("5500001234567890")));
        assert!(!mc.matches(&digits("513700005000012345")));
        assert!(BinRule::parse("62").is_err());
        assert!(BinRule::parse("6a:16").is_err());
        assert!(BinRule::parse("62:30").is_err());
    }
}

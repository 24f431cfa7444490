//! Check characters of the identifiers the demo estate plants: resident ID numbers
//! (GB 11643), unified social credit codes (GB 32100, with the GB 11714 organisation code
//! inside) and bank card numbers (Luhn).
//!
//! The planted values are computed, not typed in, so every leaked ID really validates (a rules
//! engine that checks check digits must flag it) and every legitimate credit code really is
//! one (a rules engine that mistakes it for an ID number is wrong, not the fixture).

use chrono::{Datelike, NaiveDate};

/// GB 11643 weights of the first 17 digits.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// GB 11643 check characters, indexed by the weighted sum modulo 11.
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// GB 32100 alphabet: digits and capitals without I, O, S, V, Z (value = index).
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100 weights of the first 17 characters (3^i mod 31).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 weights of the 8-character organisation code body.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The GB 11643 check character for the first 17 digits of an ID number.
pub(crate) fn resident_id_check(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| d * w).sum();
    Some(char::from(ID_CHECK[(sum % 11) as usize]))
}

/// A full 18-character resident ID number: 6-digit region, birth date, 3-digit sequence
/// (odd for men, even for women) and the computed check character.
pub(crate) fn resident_id(region: &str, birth: NaiveDate, sequence: u16) -> Option<String> {
    let first17 = format!(
        "{region}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        sequence % 1000
    );
    let check = resident_id_check(&first17)?;
    Some(format!("{first17}{check}"))
}

/// Value of a code character: digits 0–9, letters A–Z 10–35 (GB 11714).
fn org_value(c: char) -> Option<u32> {
    c.to_digit(36)
}

/// The GB 11714 check character of an 8-character organisation code body.
pub(crate) fn org_code_check(body8: &str) -> Option<char> {
    let values: Vec<u32> = body8.chars().map(org_value).collect::<Option<_>>()?;
    if values.len() != 8 {
        return None;
    }
    let sum: u32 = values.iter().zip(ORG_WEIGHTS).map(|(v, w)| v * w).sum();
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

/// The GB 32100 check character for the first 17 characters of a credit code.
pub(crate) fn credit_code_check(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17
        .bytes()
        .map(|b| USCC_CHARSET.iter().position(|&c| c == b).map(|i| i as u32))
        .collect::<Option<_>>()?;
    if values.len() != 17 {
        return None;
    }
    let sum: u32 = values.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    Some(char::from(USCC_CHARSET[((31 - sum % 31) % 31) as usize]))
}

/// A unified social credit code: registration authority and type (2 characters), region
/// (6 digits), organisation code body (8 characters) with its GB 11714 check character, and
/// the GB 32100 check character.
pub(crate) fn credit_code(authority_type: &str, region: &str, org_body8: &str) -> Option<String> {
    let org_check = org_code_check(org_body8)?;
    let first17 = format!("{authority_type}{region}{org_body8}{org_check}");
    let check = credit_code_check(&first17)?;
    Some(format!("{first17}{check}"))
}

/// The Luhn check digit to append to `body` (all digits).
pub(crate) fn luhn_check_digit(body: &str) -> Option<char> {
    let digits: Vec<u32> = body
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    // The check digit will be rightmost, so the rightmost body digit is doubled.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// A bank card number: `body` plus its Luhn check digit.
pub(crate) fn bank_card(body: &str) -> Option<String> {
    luhn_check_digit(body).map(|c| format!("{body}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_id_matches_the_standard_example() {
        // The worked example of GB 11643-1999.
        assert_eq!(resident_id_check("11010519491231002"), Some('X'));
        let birth = NaiveDate::from_ymd_opt(1949, 12, 31).expect("date");
        assert_eq!(
            resident_id("110105", birth, 2).as_deref(),
            Some("11010519491231002X")
        );
        assert_eq!(resident_id_check("1101051949123100"), None);
        assert_eq!(resident_id_check("1101051949123100A"), None);
    }

    #[test]
    fn credit_code_matches_a_published_example() {
        // "91350100M000100Y43" is the example printed in GB 32100-2015.
        assert_eq!(org_code_check("M000100Y"), Some('4'));
        assert_eq!(credit_code_check("91350100M000100Y4"), Some('3'));
        assert_eq!(
            credit_code("91", "350100", "M000100Y").as_deref(),
            Some("91350100M000100Y43")
        );
        // I, O, S, V, Z are not in the alphabet.
        assert_eq!(credit_code_check("91350100M000100I4"), None);
    }

    #[test]
    fn luhn_matches_the_textbook_example() {
        assert_eq!(luhn_check_digit("7992739871"), Some('3'));
        assert_eq!(bank_card("7992739871").as_deref(), Some("79927398713"));
        assert_eq!(luhn_check_digit("12a"), None);
    }
}

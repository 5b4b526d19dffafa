//! The Iranian national ID (کد ملی): ten digits, the last a check digit.

use crate::text::digit_value;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NationalIdError {
    #[error("no national ID was given")]
    Empty,
    #[error("a national ID has only digits; {0:?} is not one")]
    NotADigit(char),
    #[error("a national ID has 10 digits; this one has {0}")]
    WrongLength(usize),
    #[error("a national ID cannot be one digit repeated")]
    RepeatedDigit,
    #[error("the check digit is {found} but should be {expected}: a digit was mistyped")]
    CheckDigitMismatch { expected: u8, found: u8 },
}

impl NationalIdError {
    /// The same message in Persian, with Persian digits.
    pub fn message_fa(&self) -> String {
        let n = |v: usize| crate::text::to_persian_digits(&v.to_string());
        match self {
            NationalIdError::Empty => "کد ملی وارد نشده است".into(),
            NationalIdError::NotADigit(c) => format!("کد ملی فقط رقم دارد؛ «{c}» رقم نیست"),
            NationalIdError::WrongLength(length) => format!("کد ملی ۱۰ رقم دارد؛ این یکی {} رقم دارد", n(*length)),
            NationalIdError::RepeatedDigit => "کد ملی نمی‌تواند یک رقم تکراری باشد".into(),
            NationalIdError::CheckDigitMismatch { expected, found } => format!(
                "رقم کنترل {} است اما باید {} باشد: رقمی اشتباه نوشته شده است",
                n(usize::from(*found)),
                n(usize::from(*expected))
            ),
        }
    }
}

/// A national ID whose check digit is right. Always ten ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NationalId(String);

impl NationalId {
    /// Parses a national ID as typed: any digit set, spaces and dashes ignored. Eight or nine digits
    /// are taken as an ID whose leading zeros were lost (as spreadsheets do) and padded back.
    pub fn parse(text: &str) -> Result<NationalId, NationalIdError> {
        let mut digits: Vec<u8> = Vec::with_capacity(10);
        for c in text.trim().chars() {
            match digit_value(c) {
                Some(d) => digits.push(d),
                None if matches!(c, ' ' | '-' | '\u{200C}' | '\u{00A0}') => {}
                None => return Err(NationalIdError::NotADigit(c)),
            }
        }
        match digits.len() {
            0 => return Err(NationalIdError::Empty),
            8 | 9 => {
                let pad = 10 - digits.len();
                digits.splice(0..0, std::iter::repeat_n(0, pad));
            }
            10 => {}
            n => return Err(NationalIdError::WrongLength(n)),
        }
        if digits.iter().all(|d| *d == digits[0]) {
            return Err(NationalIdError::RepeatedDigit);
        }
        let expected = check_digit(&digits[..9]);
        if digits[9] != expected {
            return Err(NationalIdError::CheckDigitMismatch { expected, found: digits[9] });
        }
        Ok(NationalId(digits.iter().map(|d| char::from(b'0' + d)).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Weights 10..2 over the first nine digits, s mod 11; the check is s if s < 2, else 11 − s.
fn check_digit(first_nine: &[u8]) -> u8 {
    let sum: u32 = first_nine.iter().zip((2..=10).rev()).map(|(d, w)| u32::from(*d) * w).sum();
    let s = (sum % 11) as u8;
    if s < 2 { s } else { 11 - s }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        use NationalIdError::*;
        let cases: &[(&str, Result<&str, NationalIdError>)] = &[
            ("0499370899", Ok("0499370899")),
            ("۰۴۹۹۳۷۰۸۹۹", Ok("0499370899")),
            ("049-937089-9", Ok("0499370899")),
            ("499370899", Ok("0499370899")),
            ("0084575948", Ok("0084575948")),
            ("84575948", Ok("0084575948")),
            ("0499370898", Err(CheckDigitMismatch { expected: 9, found: 8 })),
            ("1111111111", Err(RepeatedDigit)),
            ("12345", Err(WrongLength(5))),
            ("04993708991", Err(WrongLength(11))),
            ("04993708a9", Err(NotADigit('a'))),
            ("", Err(Empty)),
        ];
        for (text, expected) in cases {
            let got = NationalId::parse(text);
            assert_eq!(got.as_ref().map(NationalId::as_str), expected.as_ref().map(|s| *s), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn every_nine_digits_have_exactly_one_valid_check(first in proptest::collection::vec(0u8..10, 9)) {
            let valid: Vec<u8> = (0..10).filter(|c| {
                let text: String = first.iter().chain(std::iter::once(c)).map(|d| char::from(b'0' + d)).collect();
                NationalId::parse(&text).is_ok()
            }).collect();
            let all_same = first.iter().all(|d| *d == first[0]);
            prop_assert!(valid.len() == 1 || (all_same && valid.is_empty()));
        }
    }
}

//! Money: whole rials in an `i64`, checked arithmetic, Persian or Latin display.

use crate::text::{Digits, digit_value, group_digits};
use std::fmt;

/// Errors of money arithmetic and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount overflows the range of a 64-bit rial count")]
    Overflow,
    #[error("no amount was given")]
    Empty,
    #[error("the amount contains {0:?}, which is not a digit or a thousands separator")]
    InvalidCharacter(char),
    #[error("amounts are whole rials; fractions are not accepted")]
    Fractional,
}

impl MoneyError {
    /// The same message in Persian.
    pub fn message_fa(&self) -> String {
        match self {
            MoneyError::Overflow => "این مبلغ از بیشینهٔ پذیرفتنی بزرگ‌تر است".into(),
            MoneyError::Empty => "مبلغی وارد نشده است".into(),
            MoneyError::InvalidCharacter(c) => format!("مبلغ نویسهٔ «{c}» دارد که رقم یا جداکنندهٔ هزارگان نیست"),
            MoneyError::Fractional => "مبلغ به ریال درست است؛ کسر پذیرفته نمی‌شود".into(),
        }
    }
}

/// A display unit: rials, or tomans (ten rials).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MoneyUnit {
    #[default]
    Rial,
    Toman,
}

/// A whole number of rials. Arithmetic is checked: an overflow is an error, never a wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rials(i64);

impl Rials {
    pub const ZERO: Rials = Rials(0);
    pub const MAX: Rials = Rials(i64::MAX);
    /// The most one posting may be (the books refuse more): 10^14 rials, far beyond
    /// any programme's single payment, and small enough that the roll-ups of a country stay far from
    /// the 64-bit limit (which they check all the same).
    pub const ONE_AMOUNT_MAX: Rials = Rials(100_000_000_000_000);

    pub const fn new(rials: i64) -> Rials {
        Rials(rials)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Rials) -> Result<Rials, MoneyError> {
        self.0.checked_add(other.0).map(Rials).ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Rials) -> Result<Rials, MoneyError> {
        self.0.checked_sub(other.0).map(Rials).ok_or(MoneyError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Rials, MoneyError> {
        self.0.checked_neg().map(Rials).ok_or(MoneyError::Overflow)
    }

    pub fn checked_mul(self, factor: i64) -> Result<Rials, MoneyError> {
        self.0.checked_mul(factor).map(Rials).ok_or(MoneyError::Overflow)
    }

    /// Sums amounts, failing on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Rials>>(amounts: I) -> Result<Rials, MoneyError> {
        amounts.into_iter().try_fold(Rials::ZERO, Rials::checked_add)
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parses an amount as people type it: Persian, Arabic-Indic or ASCII digits, with optional
    /// thousands separators (`,` `٬` `،` `'` `_`, spaces) and a leading minus. Fractions are refused.
    pub fn parse(text: &str) -> Result<Rials, MoneyError> {
        let text = text.trim().trim_start_matches(['\u{200E}', '\u{200F}']);
        let (negative, body) = match text.chars().next() {
            Some('-' | '\u{2212}') => (true, &text[text.chars().next().map_or(0, char::len_utf8)..]),
            _ => (false, text),
        };
        let mut value: i64 = 0;
        let mut seen_digit = false;
        for c in body.chars() {
            if let Some(d) = digit_value(c) {
                seen_digit = true;
                value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(d))).ok_or(MoneyError::Overflow)?;
            } else if matches!(
                c,
                ',' | '\u{066C}' | '\u{060C}' | '\'' | '_' | ' ' | '\u{00A0}' | '\u{200C}' | '\u{200E}' | '\u{200F}'
            ) {
                continue;
            } else if matches!(c, '.' | '\u{066B}' | '/') {
                return Err(MoneyError::Fractional);
            } else {
                return Err(MoneyError::InvalidCharacter(c));
            }
        }
        if !seen_digit {
            return Err(MoneyError::Empty);
        }
        Ok(Rials(if negative { -value } else { value }))
    }

    /// Parses an amount typed in tomans (ten rials), as [`Rials::parse`] does, with at most one
    /// decimal place (`۱۲٬۵۰۰٫۵` is 125,005 rials).
    pub fn parse_toman(text: &str) -> Result<Rials, MoneyError> {
        let trimmed = text.trim();
        let split = trimmed.char_indices().find(|(_, c)| matches!(c, '.' | '\u{066B}' | '/'));
        let (whole, tenth) = match split {
            Some((at, c)) => (&trimmed[..at], &trimmed[at + c.len_utf8()..]),
            None => (trimmed, ""),
        };
        let whole = Rials::parse(whole)?;
        let tenth = match tenth.chars().collect::<Vec<_>>().as_slice() {
            [] => 0,
            [c] => i64::from(digit_value(*c).ok_or(MoneyError::InvalidCharacter(*c))?),
            _ => return Err(MoneyError::Fractional),
        };
        let sign = if whole.is_negative() { -1 } else { 1 };
        whole.0.checked_mul(10).and_then(|r| r.checked_add(sign * tenth)).map(Rials).ok_or(MoneyError::Overflow)
    }

    /// Formats the amount, grouped, in rials or tomans, with Persian or Latin digits. A toman amount
    /// that is not whole shows its one decimal place. No unit name is appended.
    pub fn format(self, unit: MoneyUnit, digits: Digits) -> String {
        let magnitude = self.0.unsigned_abs();
        let body = match unit {
            MoneyUnit::Rial => group_digits(&magnitude.to_string(), digits),
            MoneyUnit::Toman => {
                let whole = group_digits(&(magnitude / 10).to_string(), digits);
                match magnitude % 10 {
                    0 => whole,
                    tenth => {
                        let sep = match digits {
                            Digits::Persian => '\u{066B}',
                            Digits::Latin => '.',
                        };
                        format!("{whole}{sep}{}", crate::text::show_digits(&tenth.to_string(), digits))
                    }
                }
            }
        };
        if self.0 < 0 {
            match digits {
                Digits::Persian => format!("\u{200E}\u{2212}{body}"),
                Digits::Latin => format!("-{body}"),
            }
        } else {
            body
        }
    }
}

impl fmt::Display for Rials {
    /// Plain ASCII rials, ungrouped: for logs, files and machines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tomans_are_typed_with_at_most_one_decimal() {
        assert_eq!(Rials::parse_toman("۱۲٬۵۰۰"), Ok(Rials::new(125_000)));
        assert_eq!(Rials::parse_toman("12,500.5"), Ok(Rials::new(125_005)));
        assert_eq!(Rials::parse_toman("۱۲۵۰۰٫۵"), Ok(Rials::new(125_005)));
        assert_eq!(Rials::parse_toman("12.55"), Err(MoneyError::Fractional));
        assert!(Rials::parse_toman("").is_err());
        for rials in [0, 5, 10, 125_005, 1_000_000] {
            let shown = Rials::new(rials).format(MoneyUnit::Toman, Digits::Persian);
            assert_eq!(Rials::parse_toman(&shown), Ok(Rials::new(rials)), "{shown}");
        }
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_people_type() {
        let cases: &[(&str, Result<i64, MoneyError>)] = &[
            ("1000", Ok(1000)),
            ("۱۲٬۳۴۵٬۶۷۸", Ok(12_345_678)),
            ("١٢,٣٤٥", Ok(12_345)),
            ("  5 000 000 ", Ok(5_000_000)),
            ("-250", Ok(-250)),
            ("\u{2212}۲۵۰", Ok(-250)),
            ("", Err(MoneyError::Empty)),
            ("-", Err(MoneyError::Empty)),
            ("12.5", Err(MoneyError::Fractional)),
            ("۱۲٫۵", Err(MoneyError::Fractional)),
            ("12a", Err(MoneyError::InvalidCharacter('a'))),
            ("99999999999999999999", Err(MoneyError::Overflow)),
        ];
        for (text, expected) in cases {
            assert_eq!(Rials::parse(text).map(Rials::get), *expected, "parsing {text:?}");
        }
    }

    #[test]
    fn formats_rials_and_tomans() {
        let r = Rials::new(12_345_678);
        assert_eq!(r.format(MoneyUnit::Rial, Digits::Latin), "12,345,678");
        assert_eq!(r.format(MoneyUnit::Rial, Digits::Persian), "۱۲٬۳۴۵٬۶۷۸");
        assert_eq!(r.format(MoneyUnit::Toman, Digits::Latin), "1,234,567.8");
        assert_eq!(Rials::new(50_000).format(MoneyUnit::Toman, Digits::Persian), "۵٬۰۰۰");
        assert_eq!(Rials::new(-1500).format(MoneyUnit::Rial, Digits::Latin), "-1,500");
        assert_eq!(Rials::new(-1500).format(MoneyUnit::Rial, Digits::Persian), "\u{200E}\u{2212}۱٬۵۰۰");
        assert_eq!(Rials::new(i64::MIN).format(MoneyUnit::Rial, Digits::Latin), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(Rials::MAX.checked_add(Rials::new(1)), Err(MoneyError::Overflow));
        assert_eq!(Rials::new(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(Rials::MAX.checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(Rials::checked_sum([Rials::MAX, Rials::new(1)]), Err(MoneyError::Overflow));
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(v in any::<i64>().prop_filter("min has no positive twin", |v| *v != i64::MIN)) {
            for digits in [Digits::Latin, Digits::Persian] {
                let shown = Rials::new(v).format(MoneyUnit::Rial, digits);
                prop_assert_eq!(Rials::parse(&shown), Ok(Rials::new(v)));
            }
        }
    }
}

//! Iranian phone numbers, stored in the national form `0XXXXXXXXXX`.

use crate::text::digit_value;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number was given")]
    Empty,
    #[error("a phone number has only digits; {0:?} is not one")]
    NotADigit(char),
    #[error("{0:?} is not an Iranian phone number: expected 11 digits such as 09121234567 or 02112345678")]
    Malformed(String),
}

impl PhoneError {
    /// The same message in Persian.
    pub fn message_fa(&self) -> String {
        match self {
            PhoneError::Empty => "شمارهٔ تلفن وارد نشده است".into(),
            PhoneError::NotADigit(c) => format!("شمارهٔ تلفن فقط رقم دارد؛ «{c}» رقم نیست"),
            PhoneError::Malformed(text) => {
                format!("«{text}» شمارهٔ تلفن ایران نیست: ۱۱ رقم، مانند ۰۹۱۲۱۲۳۴۵۶۷ یا ۰۲۱۱۲۳۴۵۶۷۸")
            }
        }
    }
}

/// A phone number in national form: eleven digits starting with 0 (mobile numbers start with 09).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `09121234567`, `+98 912 123 4567`, `0098-912-1234567`, `9121234567`, any digit set.
    pub fn parse(text: &str) -> Result<PhoneNumber, PhoneError> {
        let mut digits = String::with_capacity(14);
        let trimmed = text.trim();
        for (i, c) in trimmed.chars().enumerate() {
            match digit_value(c) {
                Some(d) => digits.push(char::from(b'0' + d)),
                None if c == '+' && i == 0 => {}
                None if matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{00A0}') => {}
                None => return Err(PhoneError::NotADigit(c)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let national = if let Some(rest) = digits.strip_prefix("0098") {
            format!("0{rest}")
        } else if let Some(rest) = digits.strip_prefix("98").filter(|r| r.len() == 10) {
            format!("0{rest}")
        } else if digits.len() == 10 && digits.starts_with('9') {
            format!("0{digits}")
        } else {
            digits
        };
        let valid = national.len() == 11 && national.starts_with('0') && !national[1..].starts_with('0');
        if !valid {
            return Err(PhoneError::Malformed(text.to_string()));
        }
        Ok(PhoneNumber(national))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_mobile(&self) -> bool {
        self.0.starts_with("09")
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ok = ["09121234567", "+98 912 123 4567", "0098-912-1234567", "9121234567", "۰۹۱۲۱۲۳۴۵۶۷", "989121234567"];
        for text in ok {
            assert_eq!(PhoneNumber::parse(text).map(|p| p.to_string()), Ok("09121234567".to_string()), "{text}");
        }
        assert_eq!(PhoneNumber::parse("02832345678").map(|p| p.is_mobile()), Ok(false));
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("0912x"), Err(PhoneError::NotADigit('x')));
        assert!(matches!(PhoneNumber::parse("0912123"), Err(PhoneError::Malformed(_))));
        assert!(matches!(PhoneNumber::parse("00121234567"), Err(PhoneError::Malformed(_))));
    }
}

//! Every error a person can cause by typing has its message in Persian too, with Persian digits.

use domain::{JalaliDate, NationalId, PhoneNumber, Rials};

fn persian_only_digits(message: &str) {
    assert!(!message.chars().any(|c| c.is_ascii_digit()), "Latin digits in {message:?}");
    assert!(message.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "not Persian: {message:?}");
}

#[test]
fn typed_mistakes_are_explained_in_persian() {
    let cases = [
        (JalaliDate::parse("1403/12/31").unwrap_err().message_fa(), "روز ۳۱ در ماه ۱۲ سال ۱۴۰۳ وجود ندارد"),
        (JalaliDate::parse("1403/13/01").unwrap_err().message_fa(), "ماه ۱۳ وجود ندارد"),
        (NationalId::parse("0499370898").unwrap_err().message_fa(), "رقم کنترل ۸ است اما باید ۹ باشد"),
        (NationalId::parse("12345").unwrap_err().message_fa(), "کد ملی ۱۰ رقم دارد؛ این یکی ۵ رقم دارد"),
        (Rials::parse("12.5").unwrap_err().message_fa(), "کسر پذیرفته نمی‌شود"),
        (Rials::parse("").unwrap_err().message_fa(), "مبلغی وارد نشده است"),
        (PhoneNumber::parse("0912x").unwrap_err().message_fa(), "«x» رقم نیست"),
    ];
    for (message, expected) in cases {
        assert!(message.contains(expected), "{message:?} should say {expected:?}");
        persian_only_digits(&message);
    }
    // The date hint's example keeps its shape in Persian digits.
    let malformed = JalaliDate::parse("hello").unwrap_err().message_fa();
    assert!(malformed.contains("۱۴۰۳/۰۵/۱۲"), "{malformed}");
}

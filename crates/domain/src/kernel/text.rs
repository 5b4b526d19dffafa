//! Persian text rules: digits, letters, and search keys.
//!
//! Normalisation is field-aware. Letters (ي→ی, ك→ک) are normalised in every text field; digits are
//! converted only where a number is expected ([`to_latin_digits`] is called by the number, date and ID
//! parsers, never on free text); ZWNJ is cleaned but never inserted into names. The [`search_key`] is a
//! separate, lossy form kept beside the original for matching only.

/// Which digits to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Digits {
    /// Extended Arabic-Indic digits as used in Persian: ۰۱۲۳۴۵۶۷۸۹.
    #[default]
    Persian,
    /// ASCII digits: 0123456789.
    Latin,
}

/// Zero-width non-joiner (نیم‌فاصله).
pub const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// The value of a decimal digit in any of the three digit sets people type here.
pub fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '\u{06F0}'..='\u{06F9}' => Some((c as u32 - 0x06F0) as u8),
        '\u{0660}'..='\u{0669}' => Some((c as u32 - 0x0660) as u8),
        _ => None,
    }
}

/// Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to ASCII; everything else unchanged.
pub fn to_latin_digits(text: &str) -> String {
    text.chars()
        .map(|c| match digit_value(c) {
            Some(v) => char::from(b'0' + v),
            None => c,
        })
        .collect()
}

/// ASCII digits to Persian digits; everything else unchanged.
pub fn to_persian_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x06F0 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Shows ASCII digits in the chosen digit set.
pub fn show_digits(text: &str, digits: Digits) -> String {
    match digits {
        Digits::Persian => to_persian_digits(text),
        Digits::Latin => text.to_string(),
    }
}

/// Arabic letter forms that have a Persian twin: ي→ی, ى→ی, ك→ک. Safe on every text field.
fn persian_letter(c: char) -> char {
    match c {
        '\u{064A}' | '\u{0649}' => '\u{06CC}', // ARABIC YEH, ALEF MAKSURA -> FARSI YEH
        '\u{0643}' => '\u{06A9}',              // ARABIC KAF -> KEHEH
        _ => c,
    }
}

fn is_space_like(c: char) -> bool {
    c.is_whitespace() || c == '\u{00A0}' || c == '\u{200F}' || c == '\u{200E}'
}

/// The bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): typed
/// into a name they turn the text around it (U+202E before "txt.exe" shows it as "exe.txt"). Never kept, never shown.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing and mean nothing in a name: control characters (NUL among them), the
/// byte-order mark, the zero-width space and the word joiner. (ZWNJ, which Persian spells with, stays.)
fn is_invisible(c: char) -> bool {
    c.is_control() || matches!(c, '\u{FEFF}' | '\u{200B}' | '\u{2060}')
}

/// The longest a person's name (or a fund's, a place's) may be, in characters.
pub const NAME_CHARS_MAX: usize = 100;

/// Normalises a name or other free text for storage: Persian letter forms, whitespace collapsed and
/// trimmed, ZWNJ cleaned (no doubles, none next to a space or at either end), bidirectional controls
/// dropped ([`is_bidi_control`]), and so are invisible characters (controls, BOM, zero-width space): a
/// name made only of them is empty. Digits are left alone.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if is_space_like(c) {
            pending_space = true;
            continue;
        }
        if is_bidi_control(c) || is_invisible(c) {
            continue;
        }
        let c = persian_letter(c);
        if c == ZWNJ {
            // Keep one ZWNJ between two non-space characters.
            if pending_space || out.is_empty() || out.ends_with(ZWNJ) {
                continue;
            }
            out.push(c);
            continue;
        }
        if pending_space {
            if out.ends_with(ZWNJ) {
                out.pop();
            }
            if !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    if out.ends_with(ZWNJ) {
        out.pop();
    }
    out
}

fn is_diacritic(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

/// The key a name is searched by: what a person would call the same text maps to the same key.
///
/// ي/ی, ك/ک, ة/ه and the hamza-carrying alefs are unified; diacritics, tatweel, ZWNJ, ZWJ and spaces
/// are dropped; digits become ASCII; Latin letters lower-case. Never shown, never stored in place of
/// the original.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_space_like(c) || c == ZWNJ || c == ZWJ || is_diacritic(c) {
            continue;
        }
        if let Some(v) = digit_value(c) {
            out.push(char::from(b'0' + v));
            continue;
        }
        let c = match persian_letter(c) {
            '\u{0629}' => '\u{0647}',                                        // TEH MARBUTA -> HEH
            '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => '\u{0627}', // hamza/madda alefs -> ALEF
            '\u{0624}' => '\u{0648}',                                        // WAW WITH HAMZA -> WAW
            '\u{0626}' => '\u{06CC}',                                        // YEH WITH HAMZA -> YEH
            '\u{06C0}' => '\u{0647}',                                        // HEH WITH YEH ABOVE -> HEH
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// Groups an unsigned run of ASCII digits in threes with the separator of the digit set.
pub fn group_digits(ascii_digits: &str, digits: Digits) -> String {
    let sep = match digits {
        Digits::Persian => '\u{066C}',
        Digits::Latin => ',',
    };
    let len = ascii_digits.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, c) in ascii_digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    show_digits(&out, digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_dropped_and_a_name_of_only_them_is_empty() {
        assert_eq!(normalize_text("\u{200B}\u{FEFF}\u{2060}\u{200C}"), "");
        assert_eq!(normalize_text("عل\u{0}ی\u{7}"), "علی");
        assert_eq!(normalize_text("می\u{200C}خواهم"), "می\u{200C}خواهم", "ZWNJ inside a word stays");
    }

    #[test]
    fn bidirectional_controls_are_dropped_from_names_and_marks_are_not() {
        assert_eq!(normalize_text("علی\u{202E}exe.txt\u{2066}"), "علیexe.txt");
        assert!((0x202A..=0x202E).chain(0x2066..=0x2069).all(|c| is_bidi_control(char::from_u32(c).unwrap())));
        assert!(!is_bidi_control('\u{200E}') && !is_bidi_control('\u{200C}'));
    }

    #[test]
    fn digits_convert_both_ways() {
        assert_eq!(to_latin_digits("۱۴۰۳/۰۵/۱۲"), "1403/05/12");
        assert_eq!(to_latin_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(to_persian_digits("1403"), "۱۴۰۳");
    }

    #[test]
    fn ali_is_found_however_it_was_typed() {
        assert_eq!(search_key("علي"), search_key("علی"));
        assert_eq!(search_key("كريمي"), search_key("کریمی"));
        assert_eq!(search_key("فاطمة"), search_key("فاطمه"));
        assert_eq!(search_key("محمد\u{200C}علی"), search_key("محمد علی"));
        assert_eq!(search_key("محمدعلی"), search_key("محمد علی"));
        assert_eq!(search_key("عَلِی"), search_key("علی"));
        assert_eq!(search_key("Ali"), search_key("ali"));
    }

    #[test]
    fn normalize_keeps_words_apart_and_cleans_zwnj() {
        assert_eq!(normalize_text("  ابراهیمی   کریمي "), "ابراهیمی کریمی");
        assert_eq!(normalize_text("می\u{200C}\u{200C}روم"), "می\u{200C}روم");
        assert_eq!(normalize_text("\u{200C}علی \u{200C}رضا\u{200C}"), "علی رضا");
        // digits in free text are not touched
        assert_eq!(normalize_text("کوچه ۱۲"), "کوچه ۱۲");
    }

    #[test]
    fn grouping() {
        assert_eq!(group_digits("12345678", Digits::Latin), "12,345,678");
        assert_eq!(group_digits("12345678", Digits::Persian), "۱۲٬۳۴۵٬۶۷۸");
        assert_eq!(group_digits("123", Digits::Latin), "123");
        assert_eq!(group_digits("1234", Digits::Latin), "1,234");
    }
}

//! Dates: ISO (Gregorian) dates for storage, Jalali (Solar Hijri) dates for people.
//!
//! Conversion uses ICU4X's `icu_calendar` (the Persian calendar as CLDR defines it); this module adds
//! what ICU does not do: parsing what people type, month arithmetic with end-of-month clamping, and
//! Jalali months and years as periods.

use crate::text::{Digits, digit_value, show_digits};
use icu_calendar::Date;
use icu_calendar::cal::{Iso, Persian};
use icu_calendar::types::RataDie;
use std::fmt;

/// The earliest and latest Jalali years the system accepts (a business range, not a calendar one).
pub const JALALI_YEAR_MIN: i32 = 1200;
pub const JALALI_YEAR_MAX: i32 = 1700;

/// Errors of date construction and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("no date was given")]
    Empty,
    #[error("{0:?} is not a date: expected year/month/day, such as 1403/05/12")]
    Malformed(String),
    #[error("month {0} does not exist: months run from 1 to 12")]
    MonthOutOfRange(u32),
    #[error("day {day} does not exist in month {month} of year {year}")]
    DayOutOfRange { year: i32, month: u32, day: u32 },
    #[error("year {0} is outside the range this system accepts")]
    YearOutOfRange(i32),
}

impl DateError {
    /// The same message in Persian, with Persian digits.
    pub fn message_fa(&self) -> String {
        let n = |v: i64| crate::text::to_persian_digits(&v.to_string());
        match self {
            DateError::Empty => "تاریخی وارد نشده است".into(),
            DateError::Malformed(text) => {
                format!("«{text}» تاریخ نیست: به شکل سال/ماه/روز بنویسید، مانند ۱۴۰۳/۰۵/۱۲")
            }
            DateError::MonthOutOfRange(month) => {
                format!("ماه {} وجود ندارد: ماه‌ها از ۱ تا ۱۲ هستند", n(i64::from(*month)))
            }
            DateError::DayOutOfRange { year, month, day } => format!(
                "روز {} در ماه {} سال {} وجود ندارد",
                n(i64::from(*day)),
                n(i64::from(*month)),
                n(i64::from(*year))
            ),
            DateError::YearOutOfRange(year) => {
                format!("سال {} بیرون از بازه‌ای است که پذیرفته می‌شود", n(i64::from(*year)))
            }
        }
    }
}

/// A calendar day, stored as the ISO (proleptic Gregorian) date. Ordered, copyable, cheap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate {
    /// Days since the Rata Die epoch (0001-01-01 ISO is day 1).
    rata_die: i64,
}

fn rata_die_to_iso_ymd(rata_die: i64) -> (i32, u8, u8) {
    let date = Date::from_rata_die(RataDie::new(rata_die), Iso);
    (date.year().extended_year(), date.month().ordinal, date.day_of_month().0)
}

impl IsoDate {
    /// Builds a date from ISO year, month and day, checking that the day exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<IsoDate, DateError> {
        if !(1800..=2400).contains(&year) {
            return Err(DateError::YearOutOfRange(year));
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::MonthOutOfRange(month));
        }
        let day_u8 = u8::try_from(day).map_err(|_| DateError::DayOutOfRange { year, month, day })?;
        let date =
            Date::try_new_iso(year, month as u8, day_u8).map_err(|_| DateError::DayOutOfRange { year, month, day })?;
        Ok(IsoDate { rata_die: date.to_rata_die().to_i64_date() })
    }

    /// Parses `YYYY-MM-DD` (ASCII or Persian digits).
    pub fn parse_iso(text: &str) -> Result<IsoDate, DateError> {
        let (year, month, day) = split_ymd(text)?;
        IsoDate::from_ymd(year, month, day)
    }

    pub fn year(self) -> i32 {
        rata_die_to_iso_ymd(self.rata_die).0
    }

    /// (year, month, day) in the ISO calendar.
    pub fn ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = rata_die_to_iso_ymd(self.rata_die);
        (y, u32::from(m), u32::from(d))
    }

    /// The date `days` later (or earlier, if negative).
    pub fn add_days(self, days: i64) -> IsoDate {
        IsoDate { rata_die: self.rata_die + days }
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: IsoDate) -> i64 {
        later.rata_die - self.rata_die
    }

    /// Day number since the Rata Die epoch; for compact storage and arithmetic.
    pub fn to_day_number(self) -> i64 {
        self.rata_die
    }

    pub fn from_day_number(day_number: i64) -> IsoDate {
        IsoDate { rata_die: day_number }
    }

    pub fn to_jalali(self) -> JalaliDate {
        let date = Date::from_rata_die(RataDie::new(self.rata_die), Persian::new());
        JalaliDate { year: date.year().extended_year(), month: date.month().ordinal, day: date.day_of_month().0 }
    }
}

impl fmt::Display for IsoDate {
    /// `YYYY-MM-DD`, the stored form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Splits `Y?M?D` with any of `/ - .` as separators and any digit set into numbers.
fn split_ymd(text: &str) -> Result<(i32, u32, u32), DateError> {
    let trimmed = text.trim().trim_matches(['\u{200E}', '\u{200F}']);
    if trimmed.is_empty() {
        return Err(DateError::Empty);
    }
    let malformed = || DateError::Malformed(text.to_string());
    let mut parts: Vec<u32> = Vec::with_capacity(3);
    let mut current: Option<u32> = None;
    let mut digits_in_part = 0;
    for c in trimmed.chars() {
        if let Some(d) = digit_value(c) {
            digits_in_part += 1;
            if digits_in_part > 4 {
                return Err(malformed());
            }
            current = Some(current.unwrap_or(0) * 10 + u32::from(d));
        } else if matches!(c, '/' | '-' | '.' | '\u{066B}' | '\u{2215}' | '\u{2044}') {
            parts.push(current.take().ok_or_else(malformed)?);
            digits_in_part = 0;
        } else {
            return Err(malformed());
        }
    }
    parts.push(current.ok_or_else(malformed)?);
    match parts.as_slice() {
        [y, m, d] if *y >= 1000 => Ok((*y as i32, *m, *d)),
        _ => Err(malformed()),
    }
}

/// Persian names of the Jalali months, Farvardin first.
pub const JALALI_MONTH_NAMES_FA: [&str; 12] =
    ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];
/// English names of the Jalali months, Farvardin first.
pub const JALALI_MONTH_NAMES_EN: [&str; 12] = [
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
];

/// A day in the Jalali (Solar Hijri) calendar, the one people see and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JalaliDate {
    year: i32,
    month: u8,
    day: u8,
}

impl JalaliDate {
    /// Builds a Jalali date, checking that the day exists (Esfand 30 only in leap years).
    pub fn new(year: i32, month: u32, day: u32) -> Result<JalaliDate, DateError> {
        if !(JALALI_YEAR_MIN..=JALALI_YEAR_MAX).contains(&year) {
            return Err(DateError::YearOutOfRange(year));
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::MonthOutOfRange(month));
        }
        if day < 1 || day > u32::from(days_in_jalali_month(year, month as u8)) {
            return Err(DateError::DayOutOfRange { year, month, day });
        }
        Ok(JalaliDate { year, month: month as u8, day: day as u8 })
    }

    /// Parses what people type: `۱۴۰۳/۵/۱۲`, `1403-05-12`, `١٤٠٣/٠٥/١٢`, year first.
    pub fn parse(text: &str) -> Result<JalaliDate, DateError> {
        let (year, month, day) = split_ymd(text)?;
        JalaliDate::new(year, month, day)
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    pub fn to_iso(self) -> IsoDate {
        let date = Date::try_new_persian(self.year, self.month, self.day);
        // The fields were checked on construction, so ICU accepts them.
        let rata_die = date
            .map(|d| d.to_rata_die().to_i64_date())
            .unwrap_or_else(|_| unreachable!("JalaliDate holds only valid dates: {self:?}"));
        IsoDate { rata_die }
    }

    pub fn from_iso(date: IsoDate) -> JalaliDate {
        date.to_jalali()
    }

    /// The Jalali month this day lies in.
    pub fn jalali_month(self) -> JalaliMonth {
        JalaliMonth { year: self.year, month: self.month }
    }

    /// The same day `months` later (or earlier), clamped to the end of a shorter month: 1403/06/31 plus
    /// one month is 1403/07/30.
    pub fn add_months(self, months: i32) -> Result<JalaliDate, DateError> {
        let target = self.jalali_month().add_months(months)?;
        let day = u32::from(self.day).min(target.days());
        JalaliDate::new(target.year, u32::from(target.month), day)
    }

    /// `۱۴۰۳/۰۵/۱۲` or `1403/05/12`.
    pub fn format(self, digits: Digits) -> String {
        show_digits(&format!("{:04}/{:02}/{:02}", self.year, self.month, self.day), digits)
    }

    /// `۱۲ مرداد ۱۴۰۳` (Persian) or `12 Mordad 1403` (Latin digits, English month name).
    pub fn format_long(self, digits: Digits) -> String {
        let index = usize::from(self.month - 1);
        match digits {
            Digits::Persian => {
                show_digits(&format!("{} {} {}", self.day, JALALI_MONTH_NAMES_FA[index], self.year), Digits::Persian)
            }
            Digits::Latin => format!("{} {} {}", self.day, JALALI_MONTH_NAMES_EN[index], self.year),
        }
    }
}

impl fmt::Display for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(Digits::Latin))
    }
}

/// Whether Esfand of this Jalali year has 30 days.
pub fn is_jalali_leap_year(year: i32) -> bool {
    Date::try_new_persian(year, 12, 30).is_ok()
}

/// Days in a Jalali month: 31 in the first six, 30 in the next five, 29 or 30 in Esfand.
pub fn days_in_jalali_month(year: i32, month: u8) -> u8 {
    match month {
        1..=6 => 31,
        7..=11 => 30,
        _ if is_jalali_leap_year(year) => 30,
        _ => 29,
    }
}

/// A Jalali month as a period, such as Mordad 1403.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JalaliMonth {
    year: i32,
    month: u8,
}

impl JalaliMonth {
    pub fn new(year: i32, month: u32) -> Result<JalaliMonth, DateError> {
        JalaliDate::new(year, month, 1).map(JalaliDate::jalali_month)
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }
    pub fn days(self) -> u32 {
        u32::from(days_in_jalali_month(self.year, self.month))
    }
    pub fn first_day(self) -> JalaliDate {
        JalaliDate { year: self.year, month: self.month, day: 1 }
    }
    pub fn last_day(self) -> JalaliDate {
        JalaliDate { year: self.year, month: self.month, day: days_in_jalali_month(self.year, self.month) }
    }
    pub fn add_months(self, months: i32) -> Result<JalaliMonth, DateError> {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 + i64::from(months);
        let year = i32::try_from(index.div_euclid(12)).map_err(|_| DateError::YearOutOfRange(i32::MAX))?;
        let month = index.rem_euclid(12) as u32 + 1;
        JalaliMonth::new(year, month)
    }
    pub fn contains(self, date: JalaliDate) -> bool {
        date.year == self.year && date.month == self.month
    }
    pub fn name(self, digits: Digits) -> String {
        let index = usize::from(self.month - 1);
        match digits {
            Digits::Persian => show_digits(&format!("{} {}", JALALI_MONTH_NAMES_FA[index], self.year), digits),
            Digits::Latin => format!("{} {}", JALALI_MONTH_NAMES_EN[index], self.year),
        }
    }
}

/// A Jalali month or year as typed: `1403` or `1403/05` (any digit set). Returns its first and last
/// day.
pub fn parse_jalali_period(text: &str) -> Result<(JalaliDate, JalaliDate), DateError> {
    let latin = crate::text::to_latin_digits(text.trim());
    let malformed = || DateError::Malformed(text.to_string());
    let parts: Vec<&str> = latin.split(['/', '-', '.']).collect();
    let number = |s: &str| s.parse::<u32>().map_err(|_| malformed());
    match parts.as_slice() {
        [year] if year.len() == 4 => {
            let year = JalaliYear::new(number(year)? as i32)?;
            Ok((year.first_day(), year.last_day()))
        }
        [year, month] if year.len() == 4 => {
            let month = JalaliMonth::new(number(year)? as i32, number(month)?)?;
            Ok((month.first_day(), month.last_day()))
        }
        _ => Err(malformed()),
    }
}

/// A Jalali year as a period: also the Iranian fiscal year (1 Farvardin to the end of Esfand).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JalaliYear(i32);

impl JalaliYear {
    pub fn new(year: i32) -> Result<JalaliYear, DateError> {
        JalaliDate::new(year, 1, 1).map(|_| JalaliYear(year))
    }
    pub fn year(self) -> i32 {
        self.0
    }
    pub fn first_day(self) -> JalaliDate {
        JalaliDate { year: self.0, month: 1, day: 1 }
    }
    pub fn last_day(self) -> JalaliDate {
        JalaliMonth { year: self.0, month: 12 }.last_day()
    }
    pub fn is_leap(self) -> bool {
        is_jalali_leap_year(self.0)
    }
    pub fn contains(self, date: JalaliDate) -> bool {
        date.year == self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_people_type() {
        let expected = JalaliDate::new(1403, 5, 12).ok();
        for text in ["۱۴۰۳/۵/۱۲", "1403-05-12", "١٤٠٣/٠٥/١٢", " 1403.5.12 ", "۱۴۰۳/۰۵/۱۲"] {
            assert_eq!(JalaliDate::parse(text).ok(), expected, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        assert_eq!(JalaliDate::parse(""), Err(DateError::Empty));
        assert!(matches!(JalaliDate::parse("12/05/1403"), Err(DateError::Malformed(_))));
        assert!(matches!(JalaliDate::parse("1403/05"), Err(DateError::Malformed(_))));
        assert!(matches!(JalaliDate::parse("1403//05"), Err(DateError::Malformed(_))));
        assert!(matches!(JalaliDate::parse("1403/0a/05"), Err(DateError::Malformed(_))));
        assert_eq!(JalaliDate::parse("1403/13/01"), Err(DateError::MonthOutOfRange(13)));
        assert_eq!(JalaliDate::parse("1403/07/31"), Err(DateError::DayOutOfRange { year: 1403, month: 7, day: 31 }));
        // 1403 is a leap year, 1404 is not
        assert!(JalaliDate::parse("1403/12/30").is_ok());
        assert_eq!(JalaliDate::parse("1404/12/30"), Err(DateError::DayOutOfRange { year: 1404, month: 12, day: 30 }));
        assert_eq!(JalaliDate::parse("0900/01/01"), Err(DateError::Malformed("0900/01/01".into())));
        assert_eq!(JalaliDate::parse("1900/01/01"), Err(DateError::YearOutOfRange(1900)));
    }

    #[test]
    fn converts_known_days() {
        let nowruz_1403 = JalaliDate::new(1403, 1, 1).map(JalaliDate::to_iso);
        assert_eq!(nowruz_1403.map(|d| d.to_string()), Ok("2024-03-20".to_string()));
        let d = IsoDate::parse_iso("2026-11-27").map(IsoDate::to_jalali);
        assert_eq!(d.map(|d| d.to_string()), Ok("1405/09/06".to_string()));
    }

    #[test]
    fn formats() {
        let d = JalaliDate::new(1403, 5, 12).ok();
        assert_eq!(d.map(|d| d.format(Digits::Persian)), Some("۱۴۰۳/۰۵/۱۲".to_string()));
        assert_eq!(d.map(|d| d.format_long(Digits::Persian)), Some("۱۲ مرداد ۱۴۰۳".to_string()));
        assert_eq!(d.map(|d| d.format_long(Digits::Latin)), Some("12 Mordad 1403".to_string()));
    }

    #[test]
    fn month_arithmetic_clamps_at_month_end() {
        let cases = [
            ((1403, 6, 31), 1, (1403, 7, 30)),
            ((1403, 1, 31), 11, (1403, 12, 30)),
            ((1404, 1, 31), 11, (1404, 12, 29)),
            ((1403, 12, 30), 12, (1404, 12, 29)),
            ((1403, 5, 12), -5, (1402, 12, 12)),
            ((1403, 5, 12), 0, (1403, 5, 12)),
        ];
        for ((y, m, d), months, (ey, em, ed)) in cases {
            let got = JalaliDate::new(y, m, d).and_then(|x| x.add_months(months));
            assert_eq!(got, JalaliDate::new(ey, em, ed), "{y}/{m}/{d} + {months}");
        }
    }

    #[test]
    fn typed_periods() {
        let year = parse_jalali_period("۱۴۰۳").map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(year, Ok(("1403/01/01".into(), "1403/12/30".into())));
        let month = parse_jalali_period("1404/12").map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(month, Ok(("1404/12/01".into(), "1404/12/29".into())));
        assert!(parse_jalali_period("1403/13").is_err());
        assert!(parse_jalali_period("03/05").is_err());
        assert!(parse_jalali_period("").is_err());
    }

    #[test]
    fn periods() {
        let month = JalaliMonth::new(1403, 12).ok();
        assert_eq!(month.map(|m| m.days()), Some(30));
        assert_eq!(month.map(|m| m.name(Digits::Persian)), Some("اسفند ۱۴۰۳".to_string()));
        let year = JalaliYear::new(1404).ok();
        assert_eq!(year.map(|y| y.last_day().to_string()), Some("1404/12/29".to_string()));
        assert_eq!(year.map(|y| y.first_day().to_iso().to_string()), Some("2025-03-21".to_string()));
    }

    proptest! {
        #[test]
        fn jalali_round_trips(day_number in 693_596i64..840_000) {
            let iso = IsoDate::from_day_number(day_number);
            let jalali = iso.to_jalali();
            prop_assert_eq!(jalali.to_iso(), iso);
            prop_assert_eq!(JalaliDate::parse(&jalali.format(Digits::Persian)), Ok(jalali));
            prop_assert_eq!(IsoDate::parse_iso(&iso.to_string()), Ok(iso));
        }

        #[test]
        fn add_months_lands_in_the_right_month(y in 1300i32..1500, m in 1u32..=12, d in 1u32..=29, k in -120i32..120) {
            let date = JalaliDate::new(y, m, d).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let moved = date.add_months(k).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(moved.jalali_month(), date.jalali_month().add_months(k).map_err(|e| TestCaseError::fail(e.to_string()))?);
            prop_assert_eq!(moved.day(), d);
        }
    }
}

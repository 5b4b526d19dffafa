//! The civil calendar the weather's hours are counted in: days from and to dates, the day of the year, and the Jalali month an hour falls in.

/// The day of the year (1–366) of an instant, in UTC.
pub fn day_of_year_utc(unix_s: i64) -> u32 {
    let days = unix_s.div_euclid(86_400);
    let (year, _, _) = civil_from_days(days);
    let jan1 = days_from_civil(year, 1, 1);
    u32::try_from(days - jan1 + 1).unwrap_or(1)
}

/// Year, month, day of days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Jalali month (1 = Farvardin) of a Gregorian date.
pub fn jalali_month_of(year: i64, month: u32, day: u32) -> u32 {
    i32::try_from(year)
        .ok()
        .and_then(|y| domain::IsoDate::from_ymd(y, month, day).ok())
        .map_or(1, |d| d.to_jalali().month())
}

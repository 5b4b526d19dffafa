//! Hourly weather read from text (the caller reads the file): a plain CSV with pvlib's column names
//! (`time,ghi,dni,dhi,temp_air,wind_speed`, ISO 8601 times with an offset). Every problem is an error
//! that names the line and says what is wrong, in English and in Persian: a missing column, a gap, a
//! step that is not an hour, a value no sky can give.

use crate::pvwatts::{WeatherHour, days_from_civil};

/// A year (or any span) of hourly weather, with the offset of its local time.
#[derive(Clone, Debug, PartialEq)]
pub struct Weather {
    pub hours: Vec<WeatherHour>,
    /// Seconds east of UTC of the file's times (for local months).
    pub utc_offset_s: i64,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WeatherError {
    #[error("the weather file has no {0:?} column (expected the header time,ghi,dni,dhi,temp_air,wind_speed)")]
    MissingColumn(String),
    #[error("line {line}: {column} {value:?} is not a number")]
    NotANumber { line: usize, column: String, value: String },
    #[error("line {line}: {value:?} is not an ISO 8601 time with an offset, such as 2025-01-01T12:00:00+03:30")]
    BadTime { line: usize, value: String },
    #[error("line {line}: {hours} hour(s) missing before {time}: the weather must be hourly without gaps")]
    Gap { line: usize, hours: i64, time: String },
    #[error("line {line}: the time {time} does not follow an hour after the line before")]
    NotHourly { line: usize, time: String },
    #[error("line {line}: {column} = {value} W/m² is impossible (at most {max} on Earth's surface, never negative)")]
    Impossible { line: usize, column: String, value: f64, max: f64 },
    #[error("line {line}: air temperature {value} °C is impossible")]
    ImpossibleTemperature { line: usize, value: f64 },
    #[error("the weather file holds no hour")]
    Empty,
}

impl WeatherError {
    pub fn message_fa(&self) -> String {
        let n = |v: usize| domain::text::to_persian_digits(&v.to_string());
        match self {
            WeatherError::MissingColumn(c) => {
                format!("ستون «{c}» در فایل هوا نیست (سرستون‌ها: time,ghi,dni,dhi,temp_air,wind_speed)")
            }
            WeatherError::NotANumber { line, column, value } => {
                format!("سطر {}: «{value}» در ستون {column} عدد نیست", n(*line))
            }
            WeatherError::BadTime { line, value } => {
                format!("سطر {}: «{value}» زمان ISO 8601 با اختلاف ساعت نیست", n(*line))
            }
            WeatherError::Gap { line, hours, time } => {
                format!(
                    "سطر {}: {} ساعت پیش از {time} جا افتاده است؛ داده باید ساعتی و بی‌وقفه باشد",
                    n(*line),
                    domain::text::to_persian_digits(&hours.to_string())
                )
            }
            WeatherError::NotHourly { line, time } => {
                format!("سطر {}: زمان {time} یک ساعت پس از سطر پیشین نیست", n(*line))
            }
            WeatherError::Impossible { line, column, value, .. } => {
                format!(
                    "سطر {}: {column} = {} وات بر مترمربع ممکن نیست",
                    n(*line),
                    domain::text::to_persian_digits(&value.to_string())
                )
            }
            WeatherError::ImpossibleTemperature { line, value } => {
                format!(
                    "سطر {}: دمای هوای {} درجه ممکن نیست",
                    n(*line),
                    domain::text::to_persian_digits(&value.to_string())
                )
            }
            WeatherError::Empty => "فایل هوا هیچ ساعتی ندارد".into(),
        }
    }
}

/// The most irradiance that reaches the ground (above the solar constant is impossible).
pub const IRRADIANCE_MAX_W_M2: f64 = 1500.0;

/// Seconds since the epoch and the offset of an ISO 8601 time: `2025-01-01T12:00:00+03:30`,
/// `…Z`, with or without seconds.
pub fn parse_iso_time(text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', ' '])?;
    let mut d = date.split('-');
    let (year, month, day): (i64, u32, u32) =
        (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let (clock, offset_s) = if let Some(clock) = rest.strip_suffix('Z') {
        (clock, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (clock, offset) = rest.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let digits = &offset[1..];
        let (h, m) = digits.split_once(':').unwrap_or((digits.get(..2)?, digits.get(2..).unwrap_or("0")));
        (clock, sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60))
    };
    let mut c = clock.split(':');
    let hour: i64 = c.next()?.parse().ok()?;
    let minute: i64 = c.next().unwrap_or("0").parse().ok()?;
    let second: f64 = c.next().unwrap_or("0").parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 + second as i64 - offset_s, offset_s))
}

/// Reads pvlib-style hourly CSV weather. `dni` and `dhi` may be empty (then split from GHI).
pub fn parse_csv(text: &str) -> Result<Weather, WeatherError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let (_, header) = lines.next().ok_or(WeatherError::Empty)?;
    let columns: Vec<String> =
        header.split(',').map(|c| c.trim().trim_start_matches('\u{FEFF}').to_ascii_lowercase()).collect();
    let find = |name: &str| {
        columns.iter().position(|c| c == name).ok_or_else(|| WeatherError::MissingColumn(name.to_string()))
    };
    let (time, ghi, temp, wind) = (find("time")?, find("ghi")?, find("temp_air")?, find("wind_speed")?);
    let (dni, dhi) = (columns.iter().position(|c| c == "dni"), columns.iter().position(|c| c == "dhi"));
    let mut hours = Vec::new();
    let mut offset = 0;
    for (index, line) in lines {
        let line_number = index + 1;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let number = |i: usize| -> Result<Option<f64>, WeatherError> {
            match cell(i) {
                "" => Ok(None),
                text => text.parse::<f64>().map(Some).map_err(|_| WeatherError::NotANumber {
                    line: line_number,
                    column: columns.get(i).cloned().unwrap_or_default(),
                    value: text.to_string(),
                }),
            }
        };
        let required = |i: usize| -> Result<f64, WeatherError> {
            number(i)?.ok_or_else(|| WeatherError::NotANumber {
                line: line_number,
                column: columns.get(i).cloned().unwrap_or_default(),
                value: String::new(),
            })
        };
        let (unix_s, offset_s) = parse_iso_time(cell(time))
            .ok_or_else(|| WeatherError::BadTime { line: line_number, value: cell(time).to_string() })?;
        offset = offset_s;
        let irradiance = |name: &str, value: f64| -> Result<f64, WeatherError> {
            if (0.0..=IRRADIANCE_MAX_W_M2).contains(&value) {
                Ok(value)
            } else {
                Err(WeatherError::Impossible {
                    line: line_number,
                    column: name.into(),
                    value,
                    max: IRRADIANCE_MAX_W_M2,
                })
            }
        };
        let hour = WeatherHour {
            unix_s,
            ghi: irradiance("ghi", required(ghi)?)?,
            dni: dni.map(number).transpose()?.flatten().map(|v| irradiance("dni", v)).transpose()?,
            dhi: dhi.map(number).transpose()?.flatten().map(|v| irradiance("dhi", v)).transpose()?,
            temp_air_c: required(temp)?,
            wind_speed_m_s: required(wind)?.max(0.0),
        };
        if !(-90.0..=65.0).contains(&hour.temp_air_c) {
            return Err(WeatherError::ImpossibleTemperature { line: line_number, value: hour.temp_air_c });
        }
        if let Some(previous) = hours.last().map(|h: &WeatherHour| h.unix_s) {
            let step = unix_s - previous;
            if step > 3600 && step % 3600 == 0 {
                return Err(WeatherError::Gap {
                    line: line_number,
                    hours: step / 3600 - 1,
                    time: cell(time).to_string(),
                });
            }
            if step != 3600 {
                return Err(WeatherError::NotHourly { line: line_number, time: cell(time).to_string() });
            }
        }
        hours.push(hour);
    }
    if hours.is_empty() {
        return Err(WeatherError::Empty);
    }
    Ok(Weather { hours, utc_offset_s: offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "time,ghi,dni,dhi,temp_air,wind_speed\n";

    #[test]
    fn times_with_offsets_are_read() {
        assert_eq!(parse_iso_time("1970-01-01T03:30:00+03:30"), Some((0, 12_600)));
        assert_eq!(parse_iso_time("1970-01-01T00:00Z"), Some((0, 0)));
        assert_eq!(parse_iso_time("1970-01-01 01:00:00-01:00"), Some((7200, -3600)));
        assert_eq!(parse_iso_time("yesterday"), None);
    }

    #[test]
    fn each_bad_file_gets_its_own_error() {
        let ok = format!("{HEADER}2025-01-01T12:00:00+03:30,500,600,100,10,2\n2025-01-01T13:00:00+03:30,450,,,11,2\n");
        let weather = parse_csv(&ok).unwrap();
        assert_eq!(weather.hours.len(), 2);
        assert_eq!(weather.utc_offset_s, 12_600);
        assert_eq!(weather.hours[1].dni, None);
        assert_eq!(parse_csv("time,ghi,temp_air\n"), Err(WeatherError::MissingColumn("wind_speed".into())));
        let gap = format!("{HEADER}2025-01-01T12:00:00+03:30,500,600,100,10,2\n2025-01-01T14:00:00+03:30,450,,,11,2\n");
        assert!(matches!(parse_csv(&gap), Err(WeatherError::Gap { line: 3, hours: 1, .. })));
        let half =
            format!("{HEADER}2025-01-01T12:00:00+03:30,500,600,100,10,2\n2025-01-01T12:30:00+03:30,450,,,11,2\n");
        assert!(matches!(parse_csv(&half), Err(WeatherError::NotHourly { line: 3, .. })));
        let bright = format!("{HEADER}2025-01-01T12:00:00+03:30,2000,600,100,10,2\n");
        let error = parse_csv(&bright).unwrap_err();
        assert!(matches!(error, WeatherError::Impossible { line: 2, .. }));
        assert!(error.message_fa().contains("ممکن نیست"));
        let word = format!("{HEADER}2025-01-01T12:00:00+03:30,sunny,600,100,10,2\n");
        assert!(matches!(parse_csv(&word), Err(WeatherError::NotANumber { line: 2, .. })));
    }
}

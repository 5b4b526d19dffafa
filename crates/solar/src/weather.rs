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

/// The reference year typical-year rows are moved into: their months come from different years, and
/// only the month, day and hour matter. Not a leap year: a 29 February row is left out.
pub const TYPICAL_YEAR: i64 = 2025;

fn rebased(line: usize, year_month_day_hour: (i64, u32, u32, f64), offset_s: i64) -> Result<Option<i64>, WeatherError> {
    let (_, month, day, hour) = year_month_day_hour;
    if month == 2 && day == 29 {
        return Ok(None);
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(0.0..=24.0).contains(&hour) {
        return Err(WeatherError::BadTime { line, value: format!("{month}/{day} {hour}") });
    }
    let days = days_from_civil(TYPICAL_YEAR, month, day);
    Ok(Some(days * 86_400 + (hour * 3600.0).round() as i64 - offset_s))
}

fn checked_hours(mut hours: Vec<(usize, WeatherHour)>, utc_offset_s: i64) -> Result<Weather, WeatherError> {
    hours.sort_by_key(|(_, h)| h.unix_s);
    for pair in hours.windows(2) {
        let (line, hour) = pair[1];
        let step = hour.unix_s - pair[0].1.unix_s;
        if step > 3600 && step % 3600 == 0 {
            return Err(WeatherError::Gap { line, hours: step / 3600 - 1, time: format!("{}", hour.unix_s) });
        }
        if step != 3600 {
            return Err(WeatherError::NotHourly { line, time: format!("{}", hour.unix_s) });
        }
    }
    if hours.is_empty() {
        return Err(WeatherError::Empty);
    }
    Ok(Weather { hours: hours.into_iter().map(|(_, h)| h).collect(), utc_offset_s })
}

fn irradiance_value(line: usize, column: &str, text: &str) -> Result<f64, WeatherError> {
    let value: f64 = text.trim().parse().map_err(|_| WeatherError::NotANumber {
        line,
        column: column.into(),
        value: text.trim().to_string(),
    })?;
    if (0.0..=IRRADIANCE_MAX_W_M2).contains(&value) {
        Ok(value)
    } else {
        Err(WeatherError::Impossible { line, column: column.into(), value, max: IRRADIANCE_MAX_W_M2 })
    }
}

fn number_value(line: usize, column: &str, text: &str) -> Result<f64, WeatherError> {
    text.trim().parse().map_err(|_| WeatherError::NotANumber {
        line,
        column: column.into(),
        value: text.trim().to_string(),
    })
}

/// Reads PVGIS's typical meteorological year as CSV (`time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,…`
/// after a few lines about the place; times `YYYYMMDD:HHMM` in UTC). Each month comes from its own
/// year; the rows are moved into one year (`TYPICAL_YEAR`). Times are UTC, so months are UTC months.
pub fn parse_pvgis_tmy(text: &str) -> Result<Weather, WeatherError> {
    let mut lines = text.lines().enumerate();
    let (header_line, header) = lines
        .by_ref()
        .find(|(_, l)| l.trim_start().to_ascii_lowercase().starts_with("time(utc)"))
        .ok_or_else(|| WeatherError::MissingColumn("time(UTC)".into()))?;
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_string()).collect();
    let find =
        |name: &str| columns.iter().position(|c| c == name).ok_or_else(|| WeatherError::MissingColumn(name.into()));
    let (t2m, ghi, dni, dhi, wind) = (find("T2m")?, find("G(h)")?, find("Gb(n)")?, find("Gd(h)")?, find("WS10m")?);
    let _ = header_line;
    let mut hours = Vec::new();
    for (index, line) in lines {
        let line_number = index + 1;
        let cells: Vec<&str> = line.split(',').collect();
        let Some(stamp) = cells.first().map(|c| c.trim()) else { break };
        // The data end at the first line that is not a time stamp (PVGIS appends a legend).
        let Some((date, clock)) = stamp.split_once(':') else { break };
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        let bad_time = || WeatherError::BadTime { line: line_number, value: stamp.to_string() };
        let year: i64 = date[..4].parse().map_err(|_| bad_time())?;
        let month: u32 = date[4..6].parse().map_err(|_| bad_time())?;
        let day: u32 = date[6..8].parse().map_err(|_| bad_time())?;
        let hour: f64 = clock.get(..2).and_then(|h| h.parse().ok()).ok_or_else(bad_time)?;
        let minute: f64 = clock.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0.0);
        let Some(unix_s) = rebased(line_number, (year, month, day, hour + minute / 60.0), 0)? else { continue };
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let temp_air_c = number_value(line_number, "T2m", cell(t2m))?;
        if !(-90.0..=65.0).contains(&temp_air_c) {
            return Err(WeatherError::ImpossibleTemperature { line: line_number, value: temp_air_c });
        }
        hours.push((
            line_number,
            WeatherHour {
                unix_s,
                ghi: irradiance_value(line_number, "G(h)", cell(ghi))?,
                dni: Some(irradiance_value(line_number, "Gb(n)", cell(dni))?),
                dhi: Some(irradiance_value(line_number, "Gd(h)", cell(dhi))?),
                temp_air_c,
                wind_speed_m_s: number_value(line_number, "WS10m", cell(wind))?.max(0.0),
            },
        ));
    }
    checked_hours(hours, 0)
}

/// Reads an EnergyPlus weather file (EPW): eight header lines (the first, LOCATION, gives the time
/// zone), then one line an hour in local standard time, hour 1 being 00:00–01:00 (so centred at 00:30).
/// Columns by position: dry bulb 6, GHI 13, DNI 14, DHI 15, wind speed 21.
pub fn parse_epw(text: &str) -> Result<Weather, WeatherError> {
    let mut lines = text.lines().enumerate();
    let (_, location) = lines.next().ok_or(WeatherError::Empty)?;
    if !location.starts_with("LOCATION") {
        return Err(WeatherError::MissingColumn("LOCATION".into()));
    }
    let fields: Vec<&str> = location.split(',').collect();
    let time_zone_h: f64 = fields
        .get(8)
        .and_then(|z| z.trim().parse().ok())
        .ok_or_else(|| WeatherError::BadTime { line: 1, value: fields.get(8).copied().unwrap_or("").to_string() })?;
    let offset_s = (time_zone_h * 3600.0).round() as i64;
    let mut hours = Vec::new();
    for (index, line) in lines.skip(7) {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = index + 1;
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() < 22 {
            return Err(WeatherError::MissingColumn(format!("line {line_number}: 22 fields at least")));
        }
        let whole = |i: usize, what: &str| -> Result<i64, WeatherError> {
            cells[i].trim().parse().map_err(|_| WeatherError::NotANumber {
                line: line_number,
                column: what.into(),
                value: cells[i].to_string(),
            })
        };
        let (year, month, day, hour) = (whole(0, "year")?, whole(1, "month")?, whole(2, "day")?, whole(3, "hour")?);
        let (Ok(month), Ok(day)) = (u32::try_from(month), u32::try_from(day)) else {
            return Err(WeatherError::BadTime { line: line_number, value: format!("{month}/{day}") });
        };
        let Some(unix_s) = rebased(line_number, (year, month, day, hour as f64 - 0.5), offset_s)? else { continue };
        let temp_air_c = number_value(line_number, "dry bulb", cells[6])?;
        if !(-90.0..=65.0).contains(&temp_air_c) {
            return Err(WeatherError::ImpossibleTemperature { line: line_number, value: temp_air_c });
        }
        hours.push((
            line_number,
            WeatherHour {
                unix_s,
                ghi: irradiance_value(line_number, "GHI", cells[13])?,
                dni: Some(irradiance_value(line_number, "DNI", cells[14])?),
                dhi: Some(irradiance_value(line_number, "DHI", cells[15])?),
                temp_air_c,
                wind_speed_m_s: number_value(line_number, "wind speed", cells[21])?.max(0.0),
            },
        ));
    }
    checked_hours(hours, offset_s)
}

/// Reads any of the three formats, told apart by their first lines.
pub fn parse_any(text: &str) -> Result<Weather, WeatherError> {
    let start = text.trim_start_matches('\u{FEFF}');
    if start.starts_with("LOCATION") {
        parse_epw(start)
    } else if start.lines().take(40).any(|l| l.trim_start().to_ascii_lowercase().starts_with("time(utc)")) {
        parse_pvgis_tmy(start)
    } else {
        parse_csv(start)
    }
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

    #[test]
    fn pvgis_typical_years_are_read_into_one_year() {
        let text = "Latitude (decimal degrees):,36.270\nLongitude (decimal degrees):,50.000\n\
time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP\n\
20070131:2200,1.0,80,0,0,0,250,2.0,180,87000\n\
20070131:2300,0.5,80,0,0,0,250,2.0,180,87000\n\
20120201:0000,0.2,80,0,0,0,250,2.1,180,87000\n\
\nT2m: 2-m air temperature (degree Celsius)\n";
        let weather = parse_any(text).unwrap();
        assert_eq!(weather.hours.len(), 3, "February 2012 follows January 2007 in the typical year");
        assert_eq!(weather.utc_offset_s, 0);
        assert_eq!(weather.hours[2].unix_s - weather.hours[1].unix_s, 3600);
        let gap = text.replace("20070131:2300", "20070131:2100");
        assert!(matches!(parse_pvgis_tmy(&gap), Err(WeatherError::NotHourly { .. } | WeatherError::Gap { .. })));
        let bright = text.replace("0.2,80,0,0,0", "0.2,80,2000,0,0");
        assert!(matches!(parse_pvgis_tmy(&bright), Err(WeatherError::Impossible { .. })));
    }

    #[test]
    fn energyplus_weather_is_read_in_local_standard_time() {
        let mut text = String::from("LOCATION,Qazvin,-,IRN,test,407310,36.25,50.05,3.5,1279.0\n");
        for header in [
            "DESIGN CONDITIONS",
            "TYPICAL/EXTREME PERIODS",
            "GROUND TEMPERATURES",
            "HOLIDAYS/DAYLIGHT SAVINGS",
            "COMMENTS 1",
            "COMMENTS 2",
            "DATA PERIODS",
        ] {
            text.push_str(header);
            text.push_str(",0\n");
        }
        for hour in 1..=3 {
            text.push_str(&format!(
                "2003,1,1,{hour},60,?,5.0,0,80,87000,0,0,300,{ghi},0,{ghi},0,0,0,0,180,2.5,0,0\n",
                ghi = hour * 10
            ));
        }
        let weather = parse_any(&text).unwrap();
        assert_eq!(weather.utc_offset_s, 12_600);
        assert_eq!(weather.hours.len(), 3);
        // Hour 1 is 00:00–01:00 local: centred at 00:30 local, 21:00 UTC the day before.
        let (y, m, d) = crate::pvwatts::civil_from_days(weather.hours[0].unix_s.div_euclid(86_400));
        assert_eq!((y, m, d, weather.hours[0].unix_s.rem_euclid(86_400)), (TYPICAL_YEAR - 1, 12, 31, 21 * 3600));
        assert_eq!(weather.hours[2].ghi, 30.0);
        assert!(matches!(parse_epw("LOCATION,x\n"), Err(WeatherError::BadTime { line: 1, .. })));
    }
}

/// The weather as the plain CSV this module reads (`time,ghi,dni,dhi,temp_air,wind_speed`, times in
/// the weather's local offset, W/m² to 0.01, °C and m/s to 0.01; DNI and DHI left empty when only
/// GHI is known).
pub fn to_csv(weather: &Weather) -> String {
    let offset = weather.utc_offset_s;
    let sign = if offset < 0 { '-' } else { '+' };
    let zone = format!("{sign}{:02}:{:02}", offset.abs() / 3600, offset.abs() % 3600 / 60);
    let optional = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let mut out = String::with_capacity(weather.hours.len() * 64);
    out.push_str("time,ghi,dni,dhi,temp_air,wind_speed\n");
    for h in &weather.hours {
        let local = h.unix_s + offset;
        let (year, month, day) = crate::pvwatts::civil_from_days(local.div_euclid(86_400));
        let seconds = local.rem_euclid(86_400);
        out.push_str(&format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{zone},{:.2},{},{},{:.2},{:.2}\n",
            seconds / 3600,
            seconds % 3600 / 60,
            seconds % 60,
            h.ghi,
            optional(h.dni),
            optional(h.dhi),
            h.temp_air_c,
            h.wind_speed_m_s
        ));
    }
    out
}

#[cfg(test)]
mod csv_round_trip {
    use super::*;

    #[test]
    fn weather_written_as_csv_reads_back() {
        let weather = Weather {
            hours: (0..48)
                .map(|h| WeatherHour {
                    unix_s: 1_735_677_000 + h * 3600,
                    ghi: if (8..16).contains(&(h % 24)) { 400.25 } else { 0.0 },
                    dni: None,
                    dhi: (h % 2 == 0).then_some(50.5),
                    temp_air_c: -3.25,
                    wind_speed_m_s: 1.0,
                })
                .collect(),
            utc_offset_s: 12_600,
        };
        let text = to_csv(&weather);
        assert!(text.lines().nth(1).unwrap().starts_with("2025-01-01T00:00:00+03:30,"), "{text}");
        assert_eq!(parse_csv(&text).unwrap(), weather);
    }
}

//! The built-in typical year for any place in Iran, for when no weather file is given. Its data are
//! compiled in (`crates/solar/data/`, made by `scripts/iran_climate.py`; sources and licences in
//! `crates/solar/data/README.md`):
//!
//! - **Irradiance**: NASA MERRA-2 (2011–2015) distributions of the daily mean global horizontal
//!   irradiance, by month and 3° cell, as distributed in `gsee-climate-data` 1.0.0. Each month of the
//!   typical year has one day at each equal-probability step of that month's distribution, so its
//!   good and bad days are the place's own; the place's value is the bilinear mix of the four cells
//!   around it, step by step.
//! - **Temperature**: ITU-R P.1510-1 monthly mean surface temperature on a 0.75° grid, moved from the
//!   grid's surface height (ITU-R P.1511-1) to the place's altitude with the standard atmosphere's
//!   6.5 °C per km, and drawn smoothly between the months' middles.
//!
//! A day's irradiance is spread over its hours in the shape of a clear sky (Ineichen–Perez with a
//! Linke turbidity of 3, for the shape only; the day's energy is MERRA-2's); direct and diffuse are
//! then split by Erbs, as for a file with GHI alone. Neither source gives wind or the daily swing of
//! temperature: wind is taken as 1 m/s (a still roof, which errs towards hotter cells) and the
//! temperature as the day's mean. Pure: the data are text compiled into the crate.

use crate::irradiance;
use crate::position::{Observer, ObserverTerms, SunSeries};
use crate::pvwatts::{WeatherHour, days_from_civil};
use crate::weather::Weather;
use std::sync::OnceLock;

const DAILY_GHI_CSV: &str = include_str!("../data/iran_daily_ghi.csv");
const TEMPERATURE_CSV: &str = include_str!("../data/iran_temperature.csv");

/// Iran Standard Time (no daylight saving since 2022): the typical year's local time.
pub const IRAN_UTC_OFFSET_S: i64 = 12_600;
/// The calendar year the typical year is laid on (not a leap year).
pub const TYPICAL_YEAR: i64 = 2025;
/// The wind speed assumed where the sources give none.
pub const ASSUMED_WIND_M_S: f64 = 1.0;
/// Where the built-in year is offered: a box around Iran, degrees.
pub const LATITUDE_RANGE: (f64, f64) = (24.5, 40.5);
pub const LONGITUDE_RANGE: (f64, f64) = (43.5, 64.0);
/// The standard atmosphere's lapse rate, °C per metre.
const LAPSE_C_PER_M: f64 = 0.0065;
/// The clear sky's Linke turbidity, used only to shape a day's hours.
const SHAPE_LINKE_TURBIDITY: f64 = 3.0;
/// Steps through a month's days so that good and bad days alternate (coprime with 28, 30 and 31).
const DAY_STRIDE: usize = 11;

/// What the typical year is made of, to be named wherever its results are shown.
pub const SOURCE: &str = "built-in typical year: NASA MERRA-2 2011–2015 daily irradiance (gsee-climate-data 1.0.0) \
     and ITU-R P.1510-1 monthly mean temperature";
pub const SOURCE_FA: &str =
    "سال نمونهٔ درونی: تابش روزانهٔ MERRA-2 ناسا (۲۰۱۱ تا ۲۰۱۵) و دمای ماهانهٔ توصیهٔ ITU-R P.1510-1";

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ClimateError {
    #[error(
        "there is no built-in weather for {latitude_deg}°, {longitude_deg}° (only for Iran: latitude 24.5…40.5, \
         longitude 43.5…64); give an hourly weather file with --weather"
    )]
    OutsideIran { latitude_deg: f64, longitude_deg: f64 },
}

impl ClimateError {
    pub fn message_fa(&self) -> String {
        let n = |v: &f64| domain::text::to_persian_digits(&v.to_string());
        match self {
            ClimateError::OutsideIran { latitude_deg, longitude_deg } => format!(
                "برای {}°، {}° هوای درونی نیست (فقط برای ایران: عرض ۲۴٫۵ تا ۴۰٫۵ و طول ۴۳٫۵ تا ۶۴)؛ \
                 فایل هوای ساعتی را با --weather بدهید",
                n(latitude_deg),
                n(longitude_deg)
            ),
        }
    }
}

/// A typical year at a place, with the altitude it was made for.
#[derive(Clone, Debug, PartialEq)]
pub struct TypicalYear {
    pub weather: Weather,
    /// The altitude given, or the surface height of the temperature grid there.
    pub altitude_m: f64,
}

struct Tables {
    /// Daily means (W/m²) by cell (lat, lon in whole degrees) and month: one value per day of the
    /// month, in increasing order.
    ghi: std::collections::HashMap<(i32, i32), [Vec<f64>; 12]>,
    temperature: Grid,
}

/// The temperature grid: rows of latitude from `lat0`, columns of longitude from `lon0`.
struct Grid {
    lat0: f64,
    lon0: f64,
    step: f64,
    columns: usize,
    /// Per point: surface height (m) and the 12 monthly means (°C).
    points: Vec<[f64; 13]>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES
        .get_or_init(|| Tables { ghi: parse_daily_ghi(DAILY_GHI_CSV), temperature: parse_temperature(TEMPERATURE_CSV) })
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("lat") && !l.trim().is_empty())
}

// The data are the crate's own, checked by the tests below: a malformed line is a build mistake.
fn number(text: &str) -> f64 {
    text.trim().parse().unwrap_or(f64::NAN)
}

fn parse_daily_ghi(text: &str) -> std::collections::HashMap<(i32, i32), [Vec<f64>; 12]> {
    let mut cells: std::collections::HashMap<(i32, i32), [Vec<f64>; 12]> = std::collections::HashMap::new();
    for line in data_lines(text) {
        let mut parts = line.splitn(4, ',');
        let lat = number(parts.next().unwrap_or("")) as i32;
        let lon = number(parts.next().unwrap_or("")) as i32;
        let month = number(parts.next().unwrap_or("")) as usize;
        let days: Vec<f64> = parts.next().unwrap_or("").split_whitespace().map(number).collect();
        if (1..=12).contains(&month) {
            cells.entry((lat, lon)).or_default()[month - 1] = days;
        }
    }
    cells
}

fn parse_temperature(text: &str) -> Grid {
    let points: Vec<(f64, f64, [f64; 13])> = data_lines(text)
        .map(|line| {
            let values: Vec<f64> = line.split(',').map(number).collect();
            let mut point = [f64::NAN; 13];
            for (slot, v) in point.iter_mut().zip(values.iter().skip(2)) {
                *slot = *v;
            }
            (values.first().copied().unwrap_or(f64::NAN), values.get(1).copied().unwrap_or(f64::NAN), point)
        })
        .collect();
    let lat0 = points.first().map_or(0.0, |p| p.0);
    let lon0 = points.first().map_or(0.0, |p| p.1);
    let columns = points.iter().take_while(|p| p.0 == lat0).count().max(1);
    let step = points.get(1).map_or(0.75, |p| p.1 - lon0);
    Grid { lat0, lon0, step, columns, points: points.into_iter().map(|p| p.2).collect() }
}

impl Grid {
    /// Bilinear weights of the four points around a place: (index, weight).
    fn around(&self, lat: f64, lon: f64) -> [(usize, f64); 4] {
        let rows = self.points.len() / self.columns;
        let y = ((lat - self.lat0) / self.step).clamp(0.0, (rows - 1) as f64 - 1e-9);
        let x = ((lon - self.lon0) / self.step).clamp(0.0, (self.columns - 1) as f64 - 1e-9);
        let (r, c) = (y.floor() as usize, x.floor() as usize);
        let (fy, fx) = (y - r as f64, x - c as f64);
        let at = |r: usize, c: usize| r * self.columns + c;
        [
            (at(r, c), (1.0 - fy) * (1.0 - fx)),
            (at(r, c + 1), (1.0 - fy) * fx),
            (at(r + 1, c), fy * (1.0 - fx)),
            (at(r + 1, c + 1), fy * fx),
        ]
    }

    fn mix(&self, lat: f64, lon: f64, value: impl Fn(&[f64; 13]) -> f64) -> f64 {
        self.around(lat, lon).iter().map(|(i, w)| w * value(&self.points[*i])).sum()
    }
}

fn check_place(latitude_deg: f64, longitude_deg: f64) -> Result<(), ClimateError> {
    let inside = (LATITUDE_RANGE.0..=LATITUDE_RANGE.1).contains(&latitude_deg)
        && (LONGITUDE_RANGE.0..=LONGITUDE_RANGE.1).contains(&longitude_deg);
    if inside { Ok(()) } else { Err(ClimateError::OutsideIran { latitude_deg, longitude_deg }) }
}

/// The height (m) of the surface the temperature grid refers to, at a place in Iran: the altitude the
/// typical year assumes when none is given.
pub fn surface_altitude_m(latitude_deg: f64, longitude_deg: f64) -> Result<f64, ClimateError> {
    check_place(latitude_deg, longitude_deg)?;
    Ok(tables().temperature.mix(latitude_deg, longitude_deg, |p| p[0]).max(0.0))
}

/// The monthly mean temperatures (°C, January first) at a place and altitude.
pub fn monthly_temperature_c(
    latitude_deg: f64,
    longitude_deg: f64,
    altitude_m: f64,
) -> Result<[f64; 12], ClimateError> {
    check_place(latitude_deg, longitude_deg)?;
    let grid = &tables().temperature;
    let mut months = [0.0; 12];
    for (m, slot) in months.iter_mut().enumerate() {
        // Brought to sea level at each grid point, mixed, then raised to the place.
        *slot = grid.mix(latitude_deg, longitude_deg, |p| p[m + 1] + LAPSE_C_PER_M * p[0]) - LAPSE_C_PER_M * altitude_m;
    }
    Ok(months)
}

/// The typical month's daily mean GHI (W/m², in increasing order) at a place: the four cells around
/// it mixed step by step.
pub fn daily_ghi_w_m2(latitude_deg: f64, longitude_deg: f64, month: u32) -> Result<Vec<f64>, ClimateError> {
    check_place(latitude_deg, longitude_deg)?;
    let m = (month.clamp(1, 12) - 1) as usize;
    let (lat0, lon0) = ((latitude_deg / 3.0).floor() * 3.0, (longitude_deg / 3.0).floor() * 3.0);
    let (fy, fx) = ((latitude_deg - lat0) / 3.0, (longitude_deg - lon0) / 3.0);
    let corners = [
        (lat0, lon0, (1.0 - fy) * (1.0 - fx)),
        (lat0, lon0 + 3.0, (1.0 - fy) * fx),
        (lat0 + 3.0, lon0, fy * (1.0 - fx)),
        (lat0 + 3.0, lon0 + 3.0, fy * fx),
    ];
    let ghi = &tables().ghi;
    let present: Vec<(&Vec<f64>, f64)> = corners
        .iter()
        .filter_map(|(lat, lon, w)| ghi.get(&(*lat as i32, *lon as i32)).map(|months| (&months[m], *w)))
        .filter(|(days, _)| !days.is_empty())
        .collect();
    let total_weight: f64 = present.iter().map(|(_, w)| w).sum();
    let days = present.first().map_or(0, |(d, _)| d.len());
    Ok((0..days)
        .map(|i| present.iter().map(|(d, w)| d.get(i).copied().unwrap_or(0.0) * w).sum::<f64>() / total_weight)
        .collect())
}

/// The typical year at a place in Iran: 8,760 hours of 2025 in Iran Standard Time, each row at the
/// middle of its hour. The altitude, if not given, is the surface height of the temperature grid.
pub fn typical_year(
    latitude_deg: f64,
    longitude_deg: f64,
    altitude_m: Option<f64>,
) -> Result<TypicalYear, ClimateError> {
    let altitude_m = match altitude_m {
        Some(a) => a,
        None => surface_altitude_m(latitude_deg, longitude_deg)?,
    };
    let monthly_c = monthly_temperature_c(latitude_deg, longitude_deg, altitude_m)?;
    let observer = Observer::at(latitude_deg, longitude_deg, altitude_m);
    let terms = ObserverTerms::of(&observer);
    let first_day = days_from_civil(TYPICAL_YEAR, 1, 1);
    let days = days_from_civil(TYPICAL_YEAR + 1, 1, 1) - first_day;
    let times: Vec<i64> = (0..days * 24).map(|h| (first_day * 24 + h) * 3600 + 1800 - IRAN_UTC_OFFSET_S).collect();
    let series = SunSeries::covering(&times);
    let nights = series.nights(&terms);
    let mut hours = Vec::with_capacity(times.len());
    let mut day_start = 0usize;
    for month in 1..=12u32 {
        let ghi_days = daily_ghi_w_m2(latitude_deg, longitude_deg, month)?;
        let n = ghi_days.len();
        for d in 0..n {
            let daily_mean = ghi_days[(DAY_STRIDE * d + 5) % n];
            let day_of_year = (day_start / 24) as f64 + 0.5;
            let temp_air_c = temperature_on(&monthly_c, day_of_year);
            let dni_extra = irradiance::extraterrestrial_w_m2((day_start / 24) as u32 + 1);
            // The clear sky's hours give the day its shape; MERRA-2 gives its energy.
            let shape: Vec<(f64, f64)> = (day_start..day_start + 24)
                .map(|h| {
                    let t = times[h];
                    let Some(sun) = (!nights.surely_night(t)).then(|| series.daylight(t, &terms)).flatten() else {
                        return (0.0, 90.0); // night
                    };
                    let zenith = sun.apparent_zenith_deg;
                    let clear = irradiance::relative_airmass_cos(zenith, sun.cos_zenith).map_or(0.0, |am| {
                        let absolute = irradiance::absolute_airmass(am, observer.pressure_pa);
                        irradiance::clear_sky_ineichen(zenith, absolute, SHAPE_LINKE_TURBIDITY, altitude_m, dni_extra)
                            .ghi
                    });
                    (clear, zenith)
                })
                .collect();
            let ghi = spread_over_hours(&shape, dni_extra, daily_mean * 24.0);
            for (h, ghi) in ghi.into_iter().enumerate() {
                hours.push(WeatherHour {
                    unix_s: times[day_start + h],
                    ghi,
                    dni: None,
                    dhi: None,
                    temp_air_c,
                    wind_speed_m_s: ASSUMED_WIND_M_S,
                });
            }
            day_start += 24;
        }
    }
    Ok(TypicalYear { weather: Weather { hours, utc_offset_s: IRAN_UTC_OFFSET_S }, altitude_m })
}

/// A day's energy (W h/m²) over its hours in the clear sky's shape (`shape`: clear-sky GHI and zenith
/// per hour), never brighter than 90 % of the sun above the atmosphere: what an hour cannot take is
/// given to the others in proportion, so the day keeps its energy unless no sky could give it.
fn spread_over_hours(shape: &[(f64, f64)], dni_extra: f64, energy: f64) -> Vec<f64> {
    let ceilings: Vec<f64> = shape.iter().map(|(_, z)| 0.9 * dni_extra * z.to_radians().cos().max(0.0)).collect();
    let mut ghi = vec![0.0; shape.len()];
    let mut capped = vec![false; shape.len()];
    for _ in 0..6 {
        let placed: f64 = ghi.iter().zip(&capped).filter(|(_, c)| **c).map(|(g, _)| g).sum();
        let free: f64 = shape.iter().zip(&capped).filter(|(_, c)| !**c).map(|(s, _)| s.0).sum();
        if free <= 0.0 {
            break;
        }
        let scale = (energy - placed).max(0.0) / free;
        let mut any_new = false;
        for (h, (clear, _)) in shape.iter().enumerate() {
            if capped[h] {
                continue;
            }
            ghi[h] = clear * scale;
            if ghi[h] > ceilings[h] {
                ghi[h] = ceilings[h];
                capped[h] = true;
                any_new = true;
            }
        }
        if !any_new {
            break;
        }
    }
    ghi
}

/// The temperature on a day of the year (0-based, fractional), drawn linearly between the months'
/// middles (and across the new year).
fn temperature_on(monthly_c: &[f64; 12], day_of_year: f64) -> f64 {
    const MIDDLES: [f64; 12] = [15.5, 45.0, 74.5, 105.0, 135.5, 166.0, 196.5, 227.5, 258.0, 288.5, 319.0, 349.5];
    let (before, after) = match MIDDLES.iter().position(|m| *m > day_of_year) {
        Some(0) => (11, 0),
        Some(i) => (i - 1, i),
        None => (11, 0),
    };
    let (from, to) = (MIDDLES[before], MIDDLES[after]);
    let span = (to - from).rem_euclid(365.0);
    let into = (day_of_year - from).rem_euclid(365.0);
    monthly_c[before] + (monthly_c[after] - monthly_c[before]) * into / span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_compiled_in_are_whole() {
        let t = tables();
        // 3° cells from 21° to 42° N and 39° to 66° E, every month, every day of it.
        assert!(t.ghi.len() >= 70);
        for months in t.ghi.values() {
            for (m, days) in months.iter().enumerate() {
                assert_eq!(days.len(), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m]);
                assert!(days.iter().all(|v| v.is_finite() && *v >= 0.0 && *v < 450.0));
                assert!(days.windows(2).all(|w| w[0] <= w[1]), "a month's days are in increasing order");
            }
        }
        assert_eq!(t.temperature.points.len() % t.temperature.columns, 0);
        assert!(t.temperature.points.iter().all(|p| p.iter().all(|v| v.is_finite())));
    }

    #[test]
    fn a_month_of_the_typical_year_carries_the_cells_mean() {
        // At a cell's centre the place is the cell itself.
        let days = daily_ghi_w_m2(36.0, 51.0, 6).unwrap();
        let cell = &tables().ghi[&(36, 51)][5];
        assert_eq!(&days, cell);
        // Between cells, the mix lies between them.
        let between = daily_ghi_w_m2(37.5, 51.0, 6).unwrap();
        let north = &tables().ghi[&(39, 51)][5];
        for ((b, s), n) in between.iter().zip(cell).zip(north) {
            assert!((b - (s + n) / 2.0).abs() < 1e-9);
        }
    }

    #[test]
    fn the_typical_year_keeps_each_days_energy_and_the_place_keeps_its_climate() {
        let year = typical_year(36.27, 50.0, Some(1300.0)).unwrap();
        assert_eq!(year.weather.hours.len(), 8760);
        assert_eq!(year.weather.utc_offset_s, IRAN_UTC_OFFSET_S);
        // Each month keeps its daily means, but for what no sky could give (brighter than 90 % of the sun
        // above the atmosphere: a few of MERRA-2's brightest winter days lose a little).
        let mut start = 0;
        for month in 1..=12 {
            let days = daily_ghi_w_m2(36.27, 50.0, month).unwrap();
            let hours = days.len() * 24;
            let made: f64 = year.weather.hours[start..start + hours].iter().map(|h| h.ghi).sum();
            let wanted: f64 = days.iter().sum::<f64>() * 24.0;
            assert!(made <= wanted * 1.000_001 && made / wanted > 0.99, "month {month}: {made} vs {wanted}");
            start += hours;
        }
        assert!(year.weather.hours.iter().all(|h| h.ghi >= 0.0 && h.ghi < 1300.0));
        // Night is dark: local midnight.
        assert_eq!(year.weather.hours[0].ghi, 0.0);
        // Qazvin is colder in January than in July, and colder on a mountain.
        let low = monthly_temperature_c(36.27, 50.0, 1300.0).unwrap();
        let high = monthly_temperature_c(36.27, 50.0, 2300.0).unwrap();
        assert!(low[0] < 5.0 && low[6] > 20.0, "{low:?}");
        assert!((low[6] - high[6] - 6.5).abs() < 1e-9);
        // The surface height is a real one (Qazvin's plain lies near 1,300 m).
        let surface = surface_altitude_m(36.27, 50.0).unwrap();
        assert!((700.0..2200.0).contains(&surface), "{surface}");
    }

    #[test]
    fn places_outside_iran_are_refused_in_both_languages() {
        let e = typical_year(48.85, 2.35, None).unwrap_err();
        assert_eq!(e, ClimateError::OutsideIran { latitude_deg: 48.85, longitude_deg: 2.35 });
        assert!(e.to_string().contains("--weather"));
        assert!(e.message_fa().contains("۴۸٫۸۵") || e.message_fa().contains("۴۸.۸۵"), "{}", e.message_fa());
    }

    #[test]
    fn temperature_is_continuous_through_the_year() {
        let months = [0.0, 2.0, 6.0, 12.0, 18.0, 24.0, 27.0, 26.0, 21.0, 14.0, 7.0, 2.0];
        assert!((temperature_on(&months, 15.5) - 0.0).abs() < 1e-9);
        assert!((temperature_on(&months, 196.5) - 27.0).abs() < 1e-9);
        let late_december = temperature_on(&months, 364.9);
        let early_january = temperature_on(&months, 0.1);
        assert!((late_december - early_january).abs() < 0.1);
    }
}

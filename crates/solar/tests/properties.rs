//! Properties of the chain that hold for any plant and place, checked on generated cases.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use solar::irradiance::Surface;
use solar::pvwatts::{self, PlantDesign, sky_hours};
use solar::weather::Weather;

fn qazvin_weather() -> &'static Weather {
    static WEATHER: std::sync::OnceLock<Weather> = std::sync::OnceLock::new();
    WEATHER.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/weather_qazvin.csv");
        solar::weather::parse_csv(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// With the DC/AC ratio held, a plant k times larger makes k times the energy, every month.
    #[test]
    fn energy_scales_with_capacity(kwp in 0.5f64..50.0, tilt in 0.0f64..90.0, azimuth in 0.0f64..360.0) {
        let weather = qazvin_weather();
        let sky = sky_hours(&solar::Observer::at(36.27, 50.0, 1300.0), &weather.hours);
        let surface = Surface { tilt_deg: tilt, azimuth_deg: azimuth };
        let one = PlantDesign { surface, dc_capacity: solar::Kilowatts(1.0), ..PlantDesign::default() };
        let many = PlantDesign { surface, dc_capacity: solar::Kilowatts(kwp), ..PlantDesign::default() };
        let a = pvwatts::estimate(&one, &sky, &weather.hours, weather.utc_offset_s);
        let b = pvwatts::estimate(&many, &sky, &weather.hours, weather.utc_offset_s);
        prop_assert!((b.annual.0 - kwp * a.annual.0).abs() <= 1e-9 * b.annual.0.max(1.0));
        for m in 0..12 {
            prop_assert!((b.monthly[m].0 - kwp * a.monthly[m].0).abs() <= 1e-9 * b.annual.0.max(1.0));
        }
        prop_assert!((b.specific_yield_kwh_per_kwp - a.specific_yield_kwh_per_kwp).abs() < 1e-6);
        // The Jalali months hold the same year as the Gregorian ones.
        let jalali: f64 = b.monthly_jalali.iter().map(|e| e.0).sum();
        prop_assert!((jalali - b.annual.0).abs() < 1e-6 * b.annual.0.max(1.0));
        prop_assert!(b.annual.0 >= 0.0 && b.capacity_factor < 0.35);
    }

    /// More losses never give more energy; none gives nothing.
    #[test]
    fn losses_only_take_away(first in 0.0f64..60.0, more in 0.0f64..40.0) {
        let weather = qazvin_weather();
        let sky = sky_hours(&solar::Observer::at(36.27, 50.0, 1300.0), &weather.hours);
        let at = |losses: f64| {
            let design = PlantDesign { losses_percent: losses, ..PlantDesign::default() };
            pvwatts::estimate(&design, &sky, &weather.hours, weather.utc_offset_s).annual.0
        };
        prop_assert!(at(first + more) <= at(first) + 1e-9);
        prop_assert_eq!(at(100.0), 0.0);
    }

    /// Anywhere in Iran the built-in year is a whole year of possible weather.
    #[test]
    fn the_built_in_year_is_possible_everywhere_in_iran(lat in 25.0f64..39.7, lon in 44.1f64..63.3) {
        let year = solar::climate::typical_year(lat, lon, None).unwrap();
        prop_assert_eq!(year.weather.hours.len(), 8760);
        prop_assert!(year.weather.hours.iter().all(|h| (0.0..1400.0).contains(&h.ghi)));
        prop_assert!(year.weather.hours.iter().all(|h| (-40.0..55.0).contains(&h.temp_air_c)));
        let annual_kwh_m2: f64 = year.weather.hours.iter().map(|h| h.ghi).sum::<f64>() / 1000.0;
        // Iran's global horizontal irradiation lies between about 1,400 and 2,400 kWh/m² a year.
        prop_assert!((1300.0..2500.0).contains(&annual_kwh_m2), "{annual_kwh_m2}");
    }
}

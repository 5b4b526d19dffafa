//! The engine against pvlib's own numbers (generated once by `scripts/pvlib_reference.py` and committed
//! under `tests/reference/`).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use solar::position::{Observer, sun_position};

fn reference(name: &str) -> Vec<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines().filter(|l| !l.starts_with('#')).skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// Sun positions over a year at six places (Qazvin, Zahedan, Tabriz, Bandar Abbas, the equator,
/// 60° N): within 0.01° of pvlib's SPA, refraction included; the equation of time within 0.01 min.
#[test]
fn sun_positions_agree_with_pvlib_within_a_hundredth_of_a_degree() {
    let rows = reference("sun_positions.csv");
    assert!(rows.len() > 10_000);
    let mut worst = (0.0_f64, 0.0_f64, 0.0_f64);
    for row in &rows {
        let f = |i: usize| row[i].parse::<f64>().unwrap();
        let observer = Observer::at(f(1), f(2), f(3));
        let sun = sun_position(f(4), &observer);
        let zenith = (sun.apparent_zenith_deg - f(5)).abs();
        let mut azimuth = (sun.azimuth_deg - f(7)).abs();
        azimuth = azimuth.min(360.0 - azimuth);
        let eot = (sun.equation_of_time_min - f(8)).abs();
        assert!(zenith < 0.01 && azimuth < 0.01 && eot < 0.01, "{row:?}: {sun:?}");
        worst = (worst.0.max(zenith), worst.1.max(azimuth), worst.2.max(eot));
    }
    eprintln!(
        "worst difference from pvlib: zenith {:.2e}°, azimuth {:.2e}°, equation of time {:.2e} min",
        worst.0, worst.1, worst.2
    );
}

use solar::irradiance::{self, Components, SkyModel, Surface};
use solar::pvwatts::{self, PlantDesign, sky_hours};

fn relative(ours: f64, theirs: f64) -> f64 {
    if theirs.abs() < 1.0 { (ours - theirs).abs() / 1.0 } else { (ours - theirs).abs() / theirs.abs() }
}

/// Clear-sky irradiance (Ineichen–Perez) within 0.5 % of pvlib hourly where the sun is above 5°.
#[test]
fn clear_sky_agrees_with_pvlib_within_half_a_percent() {
    for (place, altitude) in [("qazvin", 1300.0), ("bandar_abbas", 10.0)] {
        let mut worst = 0.0_f64;
        for row in reference(&format!("clearsky_{place}.csv")) {
            let f = |i: usize| row[i].parse::<f64>().unwrap();
            if f(1) > 85.0 {
                continue;
            }
            let ours = irradiance::clear_sky_ineichen(f(1), f(2), f(3), altitude, f(4));
            for (a, b) in [(ours.ghi, f(5)), (ours.dni, f(6)), (ours.dhi, f(7))] {
                let r = relative(a, b);
                assert!(r < 0.005, "{place} {row:?}: {ours:?}");
                worst = worst.max(r);
            }
        }
        eprintln!("{place}: clear sky worst relative difference {worst:.2e}");
    }
}

fn weather(place: &str) -> solar::weather::Weather {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/reference/weather_{place}.csv"));
    solar::weather::parse_csv(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const PLACES: [(&str, f64, f64, f64); 2] = [("qazvin", 36.27, 50.00, 1300.0), ("bandar_abbas", 27.18, 56.27, 10.0)];

/// Plane-of-array irradiance (Perez, albedo 0.2) within 0.5 % of pvlib hourly, sun above 5°, for
/// eight orientations.
#[test]
fn plane_of_array_agrees_with_pvlib_within_half_a_percent() {
    for (place, lat, lon, alt) in PLACES {
        let weather = weather(place);
        let observer = solar::Observer::at(lat, lon, alt);
        let sky = sky_hours(&observer, &weather.hours);
        let by_time: std::collections::HashMap<i64, usize> =
            weather.hours.iter().enumerate().map(|(i, h)| (h.unix_s, i)).collect();
        let by_index: std::collections::HashMap<usize, &pvwatts::SkyHour> = sky.iter().map(|s| (s.index, s)).collect();
        let mut worst = 0.0_f64;
        let mut compared = 0;
        for row in reference(&format!("poa_{place}.csv")) {
            let f = |i: usize| row[i].parse::<f64>().unwrap();
            let (unix, _) = solar::weather::parse_iso_time(&row[2]).unwrap();
            // Night hours have no sky; pvlib's plane of array is then nothing worth comparing.
            let Some(s) = by_index.get(&by_time[&unix]) else {
                assert!(f(3) < 1.0, "{place} {row:?}: no sky for a lit hour");
                continue;
            };
            if s.apparent_zenith_deg > 85.0 {
                continue;
            }
            let surface = Surface { tilt_deg: f(0), azimuth_deg: f(1) };
            let poa = irradiance::plane_of_array(
                SkyModel::Perez,
                surface,
                s.apparent_zenith_deg,
                s.azimuth_deg(),
                s.components,
                s.dni_extra,
                s.airmass_relative,
                0.2,
            );
            let r = relative(poa.global(), f(3));
            assert!(r < 0.005, "{place} {row:?}: {poa:?} global {}", poa.global());
            worst = worst.max(r);
            compared += 1;
        }
        assert!(compared > 1000);
        eprintln!("{place}: plane of array worst relative difference {worst:.2e} over {compared} hours");
    }
}

/// A year of AC energy from the whole default chain within 0.5 % of pvlib's, and each month too.
#[test]
fn annual_energy_agrees_with_pvlib_within_half_a_percent() {
    for (place, lat, lon, alt) in PLACES {
        let weather = weather(place);
        let observer = solar::Observer::at(lat, lon, alt);
        let sky = sky_hours(&observer, &weather.hours);
        for row in reference(&format!("energy_{place}.csv")) {
            agrees_with_pvlib_energy(place, &row, &sky, &weather);
        }
    }
}

/// No energy at night, none negative, and east and west mirror each other around solar noon.
#[test]
fn energy_is_zero_at_night_never_negative_and_symmetric_east_west() {
    let (place, lat, lon, alt) = PLACES[0];
    let weather = weather(place);
    let sky = sky_hours(&solar::Observer::at(lat, lon, alt), &weather.hours);
    let design = PlantDesign::default();
    for s in &sky {
        let hour = pvwatts::hour(&design, s);
        assert!(hour.ac.0 >= 0.0);
        assert!(s.apparent_zenith_deg < 90.0, "{s:?}");
    }
    // Every hour left out is night by the full algorithm: nothing is produced then.
    let observer = solar::Observer::at(lat, lon, alt);
    let lit: std::collections::HashSet<usize> = sky.iter().map(|s| s.index).collect();
    let mut nights = 0;
    for (i, h) in weather.hours.iter().enumerate() {
        if !lit.contains(&i) {
            let sun = solar::sun_position(h.unix_s as f64, &observer);
            assert!(sun.apparent_zenith_deg >= 90.0, "{i}: {sun:?}");
            nights += 1;
        }
    }
    assert!(nights > 4000, "{nights}");
    // Under a clear sky at the equinox, panels facing east and west see the same at noon.
    let noon = Components { ghi: 900.0, dni: 850.0, dhi: 100.0 };
    let facing = |azimuth_deg: f64| {
        irradiance::plane_of_array(
            SkyModel::Perez,
            Surface { tilt_deg: 30.0, azimuth_deg },
            30.0,
            180.0,
            noon,
            1366.0,
            irradiance::relative_airmass(30.0),
            0.2,
        )
    };
    let (east, west) = (facing(90.0), facing(270.0));
    assert!((east.global() - west.global()).abs() < 1e-9);
}

/// The fleet computation gives each plant what the single-plant estimate gives it.
#[test]
fn a_fleet_shares_the_sun_and_gives_each_plant_its_own_estimate() {
    let (place, lat, lon, alt) = PLACES[0];
    let weather = weather(place);
    let places = [solar::Observer::at(lat, lon, alt), solar::Observer::at(35.6, 49.2, 1500.0)];
    let designs = [
        (0, PlantDesign::default()),
        (1, PlantDesign { surface: Surface { tilt_deg: 20.0, azimuth_deg: 200.0 }, ..PlantDesign::default() }),
    ];
    let fleet = pvwatts::fleet_annual(&places, &designs, &weather.hours);
    for (i, (p, design)) in designs.iter().enumerate() {
        let sky = sky_hours(&places[*p], &weather.hours);
        let alone = pvwatts::estimate(design, &sky, &weather.hours, weather.utc_offset_s).annual.0;
        assert!((fleet[i].0 - alone).abs() < 1e-6, "{} vs {alone}", fleet[i].0);
    }
}

/// Erbs on GHI alone equals pvlib's `irradiance.erbs` (geometric zenith, local day of the year).
#[test]
fn erbs_decomposition_agrees_with_pvlib() {
    let mut worst = 0.0_f64;
    for row in reference("erbs_qazvin.csv") {
        let f = |i: usize| row[i].parse::<f64>().unwrap();
        let local_day = pvwatts::day_of_year_utc(f(0) as i64 + 12_600);
        let ours = irradiance::erbs(f(1), f(2), irradiance::extraterrestrial_w_m2(local_day));
        for (a, b) in [(ours.dni, f(3)), (ours.dhi, f(4))] {
            let r = relative(a, b);
            assert!(r < 1e-6, "{row:?}: {ours:?}");
            worst = worst.max(r);
        }
    }
    eprintln!("erbs: worst relative difference {worst:.2e}");
}

/// The isotropic and Hay–Davies skies on the tilted plane within 0.5 % of pvlib, three orientations.
#[test]
fn isotropic_and_hay_davies_skies_agree_with_pvlib() {
    let weather = weather("qazvin");
    let observer = Observer::at(36.27, 50.0, 1300.0);
    let by_time: std::collections::HashMap<i64, &solar::WeatherHour> =
        weather.hours.iter().map(|h| (h.unix_s, h)).collect();
    let mut worst = 0.0_f64;
    let mut compared = 0;
    for row in reference("poa_models_qazvin.csv") {
        let f = |i: usize| row[i].parse::<f64>().unwrap();
        let model = if row[0] == "isotropic" { SkyModel::Isotropic } else { SkyModel::HayDavies };
        let unix = f(3) as i64;
        let hour = by_time[&unix];
        let sun = sun_position(unix as f64, &observer);
        let components = Components { ghi: hour.ghi, dni: hour.dni.unwrap(), dhi: hour.dhi.unwrap() };
        let dni_extra = irradiance::extraterrestrial_w_m2(pvwatts::day_of_year_utc(unix + 12_600));
        let poa = irradiance::plane_of_array(
            model,
            Surface { tilt_deg: f(1), azimuth_deg: f(2) },
            sun.apparent_zenith_deg,
            sun.azimuth_deg,
            components,
            dni_extra,
            irradiance::relative_airmass(sun.apparent_zenith_deg),
            0.2,
        );
        let r = relative(poa.global(), f(4));
        assert!(r < 0.005, "{row:?}: {poa:?}");
        worst = worst.max(r);
        compared += 1;
    }
    assert!(compared > 500, "{compared}");
    eprintln!("isotropic and Hay–Davies: worst relative difference {worst:.2e} over {compared} hours");
}

/// The built-in typical year for Qazvin is the one pvlib was given (`typical_qazvin.csv`), and the
/// whole default chain on it — GHI alone, so Erbs first — gives pvlib's year and months within 0.5 %.
#[test]
fn the_built_in_typical_year_gives_pvlibs_energy() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/typical_qazvin.csv");
    let committed = solar::weather::parse_csv(&std::fs::read_to_string(path).unwrap()).unwrap();
    let built = solar::climate::typical_year(36.27, 50.0, Some(1300.0)).unwrap().weather;
    assert_eq!(committed.hours.len(), built.hours.len());
    for (a, b) in committed.hours.iter().zip(&built.hours) {
        assert_eq!(a.unix_s, b.unix_s);
        assert!((a.ghi - b.ghi).abs() <= 0.005 + 1e-9 && (a.temp_air_c - b.temp_air_c).abs() <= 0.005 + 1e-9);
    }
    let observer = Observer::at(36.27, 50.0, 1300.0);
    let sky = sky_hours(&observer, &committed.hours);
    for row in reference("energy_typical_qazvin.csv") {
        agrees_with_pvlib_energy("typical year", &row, &sky, &committed);
    }
}

/// A reference row `tilt,azimuth,annual_kwh,m1..m12`: the default chain's year and each month within
/// 0.5 % of pvlib's.
fn agrees_with_pvlib_energy(label: &str, row: &[String], sky: &[pvwatts::SkyHour], weather: &solar::weather::Weather) {
    let f = |i: usize| row[i].parse::<f64>().unwrap();
    let design = PlantDesign { surface: Surface { tilt_deg: f(0), azimuth_deg: f(1) }, ..PlantDesign::default() };
    let estimate = pvwatts::estimate(&design, sky, &weather.hours, weather.utc_offset_s);
    assert!(relative(estimate.annual.0, f(2)) < 0.005, "{label} {row:?}: {} kWh", estimate.annual.0);
    for m in 0..12 {
        assert!(relative(estimate.monthly[m].0, f(3 + m)) < 0.005, "{label} month {}: {row:?}", m + 1);
    }
    eprintln!(
        "{label} tilt {} azimuth {}: {:.1} kWh vs pvlib {:.1} ({:+.3} %)",
        f(0),
        f(1),
        estimate.annual.0,
        f(2),
        (estimate.annual.0 / f(2) - 1.0) * 100.0
    );
}

/// Cell temperature by SAPM (two mountings) and Faiman equals pvlib's on a grid of irradiance, air
/// temperature and wind; and a year with Faiman in the chain gives pvlib's energy.
#[test]
fn cell_temperature_models_agree_with_pvlib() {
    use solar::pvwatts::{CellTemperature, SapmTemperature};
    for row in reference("cell_temperature.csv") {
        let f = |i: usize| row[i].parse::<f64>().unwrap();
        let (poa, air, wind) = (f(0), f(1), f(2));
        let close = CellTemperature::Sapm(SapmTemperature::CLOSE_MOUNT_GLASS_GLASS).cell_c(poa, air, wind);
        let rack = CellTemperature::Sapm(SapmTemperature::OPEN_RACK_GLASS_GLASS).cell_c(poa, air, wind);
        let faiman = CellTemperature::FAIMAN.cell_c(poa, air, wind);
        for (ours, theirs) in [(close, f(3)), (rack, f(4)), (faiman, f(5))] {
            assert!((ours - theirs).abs() < 1e-9, "{row:?}: {close} {rack} {faiman}");
        }
    }
    let weather = weather("qazvin");
    let sky = sky_hours(&Observer::at(36.27, 50.0, 1300.0), &weather.hours);
    let faiman = PlantDesign { temperature: CellTemperature::FAIMAN, ..PlantDesign::default() };
    let sapm = pvwatts::estimate(&PlantDesign::default(), &sky, &weather.hours, weather.utc_offset_s).annual.0;
    for row in reference("energy_faiman_qazvin.csv") {
        let f = |i: usize| row[i].parse::<f64>().unwrap();
        let estimate = pvwatts::estimate(&faiman, &sky, &weather.hours, weather.utc_offset_s);
        assert!(relative(estimate.annual.0, f(2)) < 0.005, "{row:?}: {}", estimate.annual.0);
        assert!((estimate.annual.0 - sapm).abs() > 1.0, "the model matters");
        eprintln!("faiman: {:.1} kWh vs pvlib {:.1} (SAPM close-mount: {sapm:.1})", estimate.annual.0, f(2));
    }
}

/// A fleet whose villages each have their own built-in typical year gives each plant what it gets
/// alone under its village's year.
#[test]
fn a_fleet_of_villages_with_their_own_years_gives_each_plant_its_own_estimate() {
    let villages = [(36.27, 50.0), (35.6, 49.2), (29.5, 60.86)];
    let years: Vec<solar::climate::TypicalYear> =
        villages.iter().map(|(lat, lon)| solar::climate::typical_year(*lat, *lon, None).unwrap()).collect();
    let places: Vec<pvwatts::FleetPlace> = villages
        .iter()
        .zip(&years)
        .map(|((lat, lon), year)| pvwatts::FleetPlace {
            observer: Observer::at(*lat, *lon, year.altitude_m),
            weather: &year.weather.hours,
        })
        .collect();
    let designs: Vec<(usize, PlantDesign)> = (0..6)
        .map(|i| {
            let surface = Surface { tilt_deg: 20.0 + 3.0 * i as f64, azimuth_deg: 150.0 + 10.0 * i as f64 };
            (i % 3, PlantDesign { surface, ..PlantDesign::default() })
        })
        .collect();
    let fleet = pvwatts::fleet_annual_each(&places, &designs);
    for (i, (p, design)) in designs.iter().enumerate() {
        let sky = sky_hours(&places[*p].observer, places[*p].weather);
        let alone = pvwatts::estimate(design, &sky, places[*p].weather, years[*p].weather.utc_offset_s).annual.0;
        assert!((fleet[i].0 - alone).abs() < 1e-6 * alone, "{} vs {alone}", fleet[i].0);
    }
}

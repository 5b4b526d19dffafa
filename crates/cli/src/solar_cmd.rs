//! `abadi solar estimate`: a plant's monthly and yearly energy from hourly weather.

use crate::{Failure, fail};
use solar::pvwatts::{self, PlantDesign};
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum CellModel {
    CloseMount,
    OpenRack,
    Faiman,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SkyArg {
    Perez,
    HayDavies,
    Isotropic,
}

/// A place: where a plant stands, or whose typical year is asked for.
#[derive(clap::Args, Debug)]
pub struct PlaceArgs {
    /// Latitude in degrees (north positive).
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    /// Longitude in degrees (east positive).
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// Altitude in metres (default: the surface height there; with --weather, 0 as pvlib).
    #[arg(long, allow_hyphen_values = true)]
    altitude: Option<f64>,
}

#[derive(clap::Args, Debug)]
pub struct EstimateArgs {
    #[command(flatten)]
    place: PlaceArgs,
    /// The panels' (DC) capacity in kW.
    #[arg(long, allow_hyphen_values = true)]
    kwp: f64,
    /// Degrees from horizontal.
    #[arg(long, default_value_t = 30.0, allow_hyphen_values = true)]
    tilt: f64,
    /// Degrees clockwise from north (180 = south), as pvlib.
    #[arg(long, default_value_t = 180.0, allow_hyphen_values = true)]
    azimuth: f64,
    /// PVWatts system losses in percent (default: PVWatts' 14.08).
    #[arg(long, allow_hyphen_values = true)]
    losses: Option<f64>,
    /// Cell temperature model: close-mount (SAPM, glass/glass on a roof), open-rack (SAPM) or faiman.
    #[arg(long, value_enum, default_value_t = CellModel::CloseMount)]
    cell_temperature: CellModel,
    /// How the sky's diffuse light reaches the tilted panel.
    #[arg(long, value_enum, default_value_t = SkyArg::Perez)]
    sky: SkyArg,
    /// The panels' capacity over the inverter's AC rating.
    #[arg(long, default_value_t = 1.2, allow_hyphen_values = true)]
    dc_ac_ratio: f64,
    /// Hourly weather: CSV with the header time,ghi,dni,dhi,temp_air,wind_speed (ISO 8601 times with an
    /// offset), a PVGIS typical-year CSV, or an EnergyPlus EPW file (told apart by content). Without it,
    /// the built-in typical year for the place (Iran only: NASA MERRA-2 irradiance, ITU-R P.1510-1
    /// temperature).
    #[arg(long)]
    weather: Option<std::path::PathBuf>,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

pub fn estimate(args: &EstimateArgs) -> Result<ExitCode, Failure> {
    let bilingual = |e: &dyn std::fmt::Display, fa: String| fail(format!("{e} / {fa}"));
    // The place is checked before anything is read or built.
    pvwatts::observer(args.place.lat, args.place.lon, args.place.altitude.unwrap_or(0.0))
        .map_err(|e| bilingual(&e, e.message_fa()))?;
    let losses = args.losses.unwrap_or_else(|| pvwatts::Losses::default().total_percent());
    let mut design = PlantDesign::checked(args.kwp, args.tilt, args.azimuth, losses, args.dc_ac_ratio)
        .map_err(|e| bilingual(&e, e.message_fa()))?;
    design.temperature = match args.cell_temperature {
        CellModel::CloseMount => pvwatts::CellTemperature::Sapm(pvwatts::SapmTemperature::CLOSE_MOUNT_GLASS_GLASS),
        CellModel::OpenRack => pvwatts::CellTemperature::Sapm(pvwatts::SapmTemperature::OPEN_RACK_GLASS_GLASS),
        CellModel::Faiman => pvwatts::CellTemperature::FAIMAN,
    };
    design.sky_model = match args.sky {
        SkyArg::Perez => solar::irradiance::SkyModel::Perez,
        SkyArg::HayDavies => solar::irradiance::SkyModel::HayDavies,
        SkyArg::Isotropic => solar::irradiance::SkyModel::Isotropic,
    };
    let (weather, altitude_m, source) = match &args.weather {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
            let weather = solar::weather::parse_any(&text).map_err(|e| bilingual(&e, e.message_fa()))?;
            (weather, args.place.altitude.unwrap_or(0.0), path.display().to_string())
        }
        None => {
            let year = solar::climate::typical_year(args.place.lat, args.place.lon, args.place.altitude)
                .map_err(|e| bilingual(&e, e.message_fa()))?;
            (year.weather, year.altitude_m, solar::climate::SOURCE.to_string())
        }
    };
    let observer =
        pvwatts::observer(args.place.lat, args.place.lon, altitude_m).map_err(|e| bilingual(&e, e.message_fa()))?;
    let sky = pvwatts::sky_hours(&observer, &weather.hours);
    let result = pvwatts::estimate(&design, &sky, &weather.hours, weather.utc_offset_s);
    if args.json {
        let out = web::json::solar_estimate_json(&design, &result, altitude_m, &source);
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:.1} kW plant (inverter {:.2} kW AC) at {}, {}, tilt {}°, azimuth {}°, losses {:.2} %, {} hours of weather",
        design.dc_capacity.0,
        design.ac_rating().0,
        args.place.lat,
        args.place.lon,
        args.tilt,
        args.azimuth,
        design.losses_percent,
        result.hours
    );
    println!("weather: {source}; altitude {altitude_m:.0} m");
    for (name, energy) in domain::date::JALALI_MONTH_NAMES_FA.iter().zip(result.monthly_jalali) {
        println!("{name:<10} {:>9.1} kWh", energy.0);
    }
    println!("year       {:>9.1} kWh", result.annual.0);
    println!(
        "specific yield {:.0} kWh/kWp, capacity factor {:.1} %",
        result.specific_yield_kwh_per_kwp,
        result.capacity_factor * 100.0
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Hourly weather (as for `estimate`), used for every place.
    #[arg(long)]
    weather: std::path::PathBuf,
    /// Plants in the fleet.
    #[arg(long, default_value_t = 3000)]
    plants: usize,
    /// Villages they stand in.
    #[arg(long, default_value_t = 445)]
    places: usize,
}

/// Times one plant over the weather's hours (median of 20) and a fleet over a province, on one core.
pub fn bench(args: &BenchArgs) -> Result<ExitCode, Failure> {
    use std::time::Instant;
    let text = std::fs::read_to_string(&args.weather)
        .map_err(|e| fail(format!("cannot read {}: {e}", args.weather.display())))?;
    let weather = solar::weather::parse_any(&text).map_err(|e| fail(format!("{e} / {}", e.message_fa())))?;
    let qazvin = solar::Observer::at(36.27, 50.0, 1300.0);
    let design = PlantDesign::default();
    // Each part alone, then the whole; the fastest of 200 runs and their median (this machine's
    // neighbours come and go: the fastest is the steadiest figure).
    let hours = &weather.hours;
    let shared_sun = pvwatts::SharedSun::over(hours);
    let sky = pvwatts::sky_hours(&qazvin, hours);
    let parts: [(&str, &dyn Fn() -> f64); 5] = [
        ("the sun, shared by places", &|| pvwatts::SharedSun::over(hours).suns_len() as f64),
        ("a place's sky, shared sun", &|| pvwatts::sky_hours_sharing(&qazvin, hours, &shared_sun).len() as f64),
        ("a place's sun and sky", &|| pvwatts::sky_hours(&qazvin, hours).len() as f64),
        ("the plant's chain", &|| pvwatts::estimate(&design, &sky, hours, weather.utc_offset_s).annual.0),
        ("one plant, all of it", &|| {
            let sky = pvwatts::sky_hours(&qazvin, hours);
            pvwatts::estimate(&design, &sky, hours, weather.utc_offset_s).annual.0
        }),
    ];
    let mut annual = 0.0;
    for (name, work) in parts {
        let mut times: Vec<f64> = (0..200)
            .map(|_| {
                let started = Instant::now();
                annual = std::hint::black_box(work());
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{name:<26} {:>7.3} ms fastest, {:>7.3} ms median of 200", times[0], times[100]);
    }
    println!(
        "one plant, {} hours (sun, sky, plane of array, IAM, cell temperature, DC, losses, inverter): {annual:.1} kWh",
        hours.len()
    );
    // A province: villages spread over Qazvin, plants with their own tilts and azimuths.
    let mut seed = 0x5EED_u64;
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let places: Vec<solar::Observer> = (0..args.places.max(1))
        .map(|_| solar::Observer::at(35.4 + 1.4 * next(), 48.7 + 2.2 * next(), 1000.0 + 800.0 * next()))
        .collect();
    let plants: Vec<(usize, PlantDesign)> = (0..args.plants)
        .map(|i| {
            let surface =
                solar::irradiance::Surface { tilt_deg: 15.0 + 25.0 * next(), azimuth_deg: 140.0 + 80.0 * next() };
            (i % places.len(), PlantDesign { surface, ..PlantDesign::default() })
        })
        .collect();
    let mut runs = Vec::new();
    let mut total = 0.0;
    for _ in 0..3 {
        let started = Instant::now();
        let fleet = pvwatts::fleet_annual(&places, &plants, &weather.hours);
        runs.push(started.elapsed().as_secs_f64());
        total = fleet.iter().map(|e| e.0).sum::<f64>();
    }
    runs.sort_by(f64::total_cmp);
    println!(
        "fleet of {} plants in {} villages over {} hours, one core: {:.2} s fastest of 3, {:.2} s median ({:.0} MWh in all)",
        plants.len(),
        places.len(),
        weather.hours.len(),
        runs[0],
        runs[1],
        total / 1000.0
    );
    // The same province with each village under its own built-in typical year.
    let started = Instant::now();
    let years: Vec<solar::climate::TypicalYear> = places
        .iter()
        .filter_map(|p| solar::climate::typical_year(p.latitude_deg, p.longitude_deg, Some(p.altitude_m)).ok())
        .collect();
    let built = started.elapsed();
    let fleet_places: Vec<pvwatts::FleetPlace> = places
        .iter()
        .zip(&years)
        .map(|(observer, year)| pvwatts::FleetPlace { observer: *observer, weather: &year.weather.hours })
        .collect();
    let started = Instant::now();
    let fleet = pvwatts::fleet_annual_each(&fleet_places, &plants);
    println!(
        "the same fleet, each village under its own built-in year: {:.2} s to build {} years, {:.2} s for the fleet ({:.0} MWh in all)",
        built.as_secs_f64(),
        years.len(),
        started.elapsed().as_secs_f64(),
        fleet.iter().map(|e| e.0).sum::<f64>() / 1000.0
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct WeatherArgs {
    #[command(flatten)]
    place: PlaceArgs,
}

/// The built-in typical year as the CSV `estimate --weather` reads: to see what the engine assumed, or
/// to give the same hours to another tool.
pub fn weather(args: &WeatherArgs) -> Result<ExitCode, Failure> {
    pvwatts::observer(args.place.lat, args.place.lon, args.place.altitude.unwrap_or(0.0))
        .map_err(|e| fail(format!("{e} / {}", e.message_fa())))?;
    let year = solar::climate::typical_year(args.place.lat, args.place.lon, args.place.altitude)
        .map_err(|e| fail(format!("{e} / {}", e.message_fa())))?;
    print!(
        "# {}; altitude {:.0} m; wind assumed {} m/s\n{}",
        solar::climate::SOURCE,
        year.altitude_m,
        solar::climate::ASSUMED_WIND_M_S,
        solar::weather::to_csv(&year.weather)
    );
    Ok(ExitCode::SUCCESS)
}

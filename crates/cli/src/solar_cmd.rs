//! `abadi solar estimate`: a plant's monthly and yearly energy from hourly weather.

use crate::{Failure, fail};
use solar::pvwatts::{self, PlantDesign};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct EstimateArgs {
    /// Latitude in degrees (north positive).
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    /// Longitude in degrees (east positive).
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// Altitude in metres.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    altitude: f64,
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
    /// The panels' capacity over the inverter's AC rating.
    #[arg(long, default_value_t = 1.2, allow_hyphen_values = true)]
    dc_ac_ratio: f64,
    /// Hourly weather: CSV with the header time,ghi,dni,dhi,temp_air,wind_speed (ISO 8601 times with an offset).
    #[arg(long)]
    weather: Option<std::path::PathBuf>,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

const JALALI_MONTHS: [&str; 12] =
    ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];

pub fn estimate(args: &EstimateArgs) -> Result<ExitCode, Failure> {
    let bilingual = |e: &dyn std::fmt::Display, fa: String| fail(format!("{e} / {fa}"));
    let observer = pvwatts::observer(args.lat, args.lon, args.altitude).map_err(|e| bilingual(&e, e.message_fa()))?;
    let losses = args.losses.unwrap_or_else(|| pvwatts::Losses::default().total_percent());
    let design = PlantDesign::checked(args.kwp, args.tilt, args.azimuth, losses, args.dc_ac_ratio)
        .map_err(|e| bilingual(&e, e.message_fa()))?;
    let Some(path) = &args.weather else {
        return Err(fail(
            "give the hourly weather with --weather FILE (CSV: time,ghi,dni,dhi,temp_air,wind_speed); \
             a built-in typical year is not there yet / فایل هوای ساعتی را با --weather بدهید",
        ));
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    let weather = solar::weather::parse_csv(&text).map_err(|e| bilingual(&e, e.message_fa()))?;
    let sky = pvwatts::sky_hours(&observer, &weather.hours);
    let result = pvwatts::estimate(&design, &sky, &weather.hours, weather.utc_offset_s);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    if args.json {
        let out = serde_json::json!({
            "monthly_kwh": result.monthly.iter().map(|e| round(e.0)).collect::<Vec<_>>(),
            "monthly_kwh_jalali": result.monthly_jalali.iter().map(|e| round(e.0)).collect::<Vec<_>>(),
            "annual_kwh": round(result.annual.0),
            "specific_yield_kwh_per_kwp": round(result.specific_yield_kwh_per_kwp),
            "capacity_factor": (result.capacity_factor * 10_000.0).round() / 10_000.0,
            "hours": result.hours,
            "dc_capacity_kw": design.dc_capacity.0,
            "ac_rating_kw": design.ac_rating().0,
            "losses_percent": design.losses_percent,
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:.1} kW plant (inverter {:.2} kW AC) at {}, {}, tilt {}°, azimuth {}°, losses {:.2} %, {} hours of weather",
        design.dc_capacity.0,
        design.ac_rating().0,
        args.lat,
        args.lon,
        args.tilt,
        args.azimuth,
        design.losses_percent,
        result.hours
    );
    for (name, energy) in JALALI_MONTHS.iter().zip(result.monthly_jalali) {
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

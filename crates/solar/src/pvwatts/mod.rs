//! A plant's output, the PVWatts way: plane-of-array irradiance (Perez by default), the beam through
//! the glass (physical IAM), cell temperature (SAPM close-mount glass/glass by default; open-rack or
//! Faiman as options), PVWatts DC with its
//! temperature coefficient, PVWatts system losses, and the PVWatts inverter. Power (kW) and energy
//! (kWh) are separate types: capacity times hours is energy, nothing else is.

use crate::irradiance::{self, Components, SkyModel, Surface};
use crate::position::{Daylight, GeocentricSun, Observer, ObserverTerms, SunSeries};

mod fleet;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::fleet::*;

mod calendar;
mod geometry;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{calendar::*, geometry::*};

/// Power, in kilowatts.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Kilowatts(pub f64);

/// Energy, in kilowatt-hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct KilowattHours(pub f64);

impl Kilowatts {
    /// Power held for a number of hours is energy.
    pub fn over_hours(self, hours: f64) -> KilowattHours {
        KilowattHours(self.0 * hours)
    }
}

impl std::ops::Add for KilowattHours {
    type Output = KilowattHours;

    fn add(self, other: KilowattHours) -> KilowattHours {
        KilowattHours(self.0 + other.0)
    }
}

impl std::iter::Sum for KilowattHours {
    fn sum<I: Iterator<Item = KilowattHours>>(iter: I) -> KilowattHours {
        iter.fold(KilowattHours(0.0), |a, b| a + b)
    }
}

/// PVWatts' system losses, each in percent; they compound (14.08 % with the defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Losses {
    pub soiling: f64,
    pub shading: f64,
    pub snow: f64,
    pub mismatch: f64,
    pub wiring: f64,
    pub connections: f64,
    pub light_induced_degradation: f64,
    pub nameplate_rating: f64,
    pub age: f64,
    pub availability: f64,
}

impl Default for Losses {
    fn default() -> Losses {
        Losses {
            soiling: 2.0,
            shading: 3.0,
            snow: 0.0,
            mismatch: 2.0,
            wiring: 2.0,
            connections: 0.5,
            light_induced_degradation: 1.5,
            nameplate_rating: 1.0,
            age: 0.0,
            availability: 3.0,
        }
    }
}

impl Losses {
    /// The compound loss in percent.
    pub fn total_percent(&self) -> f64 {
        let parts = [
            self.soiling,
            self.shading,
            self.snow,
            self.mismatch,
            self.wiring,
            self.connections,
            self.light_induced_degradation,
            self.nameplate_rating,
            self.age,
            self.availability,
        ];
        (1.0 - parts.iter().fold(1.0, |kept, p| kept * (1.0 - p / 100.0))) * 100.0
    }
}

/// SAPM cell-temperature parameters (a, b, ΔT).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SapmTemperature {
    pub a: f64,
    pub b: f64,
    pub delta_t: f64,
}

impl SapmTemperature {
    /// A rooftop: close-mount glass/glass modules.
    pub const CLOSE_MOUNT_GLASS_GLASS: SapmTemperature = SapmTemperature { a: -2.98, b: -0.0471, delta_t: 1.0 };

    pub const OPEN_RACK_GLASS_GLASS: SapmTemperature = SapmTemperature { a: -3.47, b: -0.0594, delta_t: 3.0 };

    /// Cell temperature, °C, from plane-of-array irradiance, air temperature and wind speed.
    pub fn cell_c(&self, poa_w_m2: f64, temp_air_c: f64, wind_m_s: f64) -> f64 {
        let module = poa_w_m2 * (self.a + self.b * wind_m_s).exp() + temp_air_c;
        module + poa_w_m2 / 1000.0 * self.delta_t
    }
}

/// How hot the cells run: SAPM (King et al., with a mounting's a, b, ΔT) or Faiman (U₀, U₁), as pvlib's
/// `temperature.sapm_cell` and `temperature.faiman`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CellTemperature {
    Sapm(SapmTemperature),
    /// Faiman (2008): T_cell = T_air + E / (U₀ + U₁·wind), W/m²K and W·s/m³K.
    Faiman {
        u0: f64,
        u1: f64,
    },
}

impl CellTemperature {
    /// Faiman with pvlib's defaults (U₀ = 25, U₁ = 6.84).
    pub const FAIMAN: CellTemperature = CellTemperature::Faiman { u0: 25.0, u1: 6.84 };

    /// Cell temperature, °C, from plane-of-array irradiance, air temperature and wind speed.
    pub fn cell_c(&self, poa_w_m2: f64, temp_air_c: f64, wind_m_s: f64) -> f64 {
        match self {
            CellTemperature::Sapm(sapm) => sapm.cell_c(poa_w_m2, temp_air_c, wind_m_s),
            CellTemperature::Faiman { u0, u1 } => temp_air_c + poa_w_m2 / (u0 + u1 * wind_m_s),
        }
    }
}

/// A plant and the chain that models it. `Default` is the chain the issue names (and PVWatts uses).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlantDesign {
    /// The panels' (DC) capacity.
    pub dc_capacity: Kilowatts,
    pub surface: Surface,
    /// DC capacity over the inverter's AC rating.
    pub dc_ac_ratio: f64,
    pub losses_percent: f64,
    pub gamma_per_c: f64,
    pub sky_model: SkyModel,
    pub albedo: f64,
    pub temperature: CellTemperature,
    /// Physical IAM parameters (n, K per metre, L metres); `None` applies no angle-of-incidence loss.
    pub iam: Option<(f64, f64, f64)>,
    pub inverter_efficiency: f64,
}

impl Default for PlantDesign {
    fn default() -> PlantDesign {
        PlantDesign {
            dc_capacity: Kilowatts(5.0),
            surface: Surface { tilt_deg: 30.0, azimuth_deg: 180.0 },
            dc_ac_ratio: 1.2,
            losses_percent: Losses::default().total_percent(),
            gamma_per_c: -0.0037,
            sky_model: SkyModel::Perez,
            albedo: 0.2,
            temperature: CellTemperature::Sapm(SapmTemperature::CLOSE_MOUNT_GLASS_GLASS),
            iam: Some((1.526, 4.0, 0.002)),
            inverter_efficiency: 0.96,
        }
    }
}

impl PlantDesign {
    /// The inverter's AC rating: the panels' capacity over the DC/AC ratio.
    pub fn ac_rating(&self) -> Kilowatts {
        Kilowatts(self.dc_capacity.0 / self.dc_ac_ratio)
    }
}

/// One hour of weather. Its values hold for the hour centred on `unix_s`, and the sun is computed at
/// that instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeatherHour {
    pub unix_s: i64,
    pub ghi: f64,
    /// Direct normal and diffuse horizontal, when measured; otherwise split from GHI (Erbs).
    pub dni: Option<f64>,
    pub dhi: Option<f64>,
    pub temp_air_c: f64,
    pub wind_speed_m_s: f64,
}

/// The DC and AC power of a plant in one hour, with what led to them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HourResult {
    pub poa_global_w_m2: f64,
    pub effective_w_m2: f64,
    pub cell_c: f64,
    pub dc: Kilowatts,
    pub ac: Kilowatts,
}

/// What the sun does at a place in a daylight hour, shared by every plant there. Night hours have
/// none: nothing reaches a panel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkyHour {
    /// The hour's position in the weather it was made from.
    pub index: usize,
    pub apparent_zenith_deg: f64,
    pub dni_extra: f64,
    pub airmass_relative: Option<f64>,
    pub components: Components,
    pub temp_air_c: f64,
    pub wind_speed_m_s: f64,
    /// SAPM's exp(a + b·wind) for close-mount glass/glass modules (the usual rooftop), once an hour.
    pub close_mount_heating: f64,
    /// What every plant under this sky shares: the sun's direction cosines and Perez's F1 and F2.
    pub shared: SharedSky,
}

impl SkyHour {
    /// The sun's azimuth, degrees clockwise from north.
    pub fn azimuth_deg(&self) -> f64 {
        self.shared.sin_azimuth.atan2(self.shared.cos_azimuth).to_degrees().rem_euclid(360.0)
    }
}

/// The parts of the chain that depend on the sky alone, computed once per place and hour.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SharedSky {
    pub cos_zenith: f64,
    pub sin_zenith: f64,
    pub cos_azimuth: f64,
    pub sin_azimuth: f64,
    /// Perez's circumsolar and horizon brightening coefficients (0 when undefined).
    pub perez_f1: f64,
    pub perez_f2: f64,
    /// F1 over the floored cosine of the zenith (Perez's circumsolar term per unit of cos AOI).
    pub perez_f1_over_b: f64,
}

impl SharedSky {
    fn of(sun: &Daylight, c: Components, dni_extra: f64, airmass: Option<f64>) -> SharedSky {
        let (perez_f1, perez_f2) =
            irradiance::perez_coefficients(sun.apparent_zenith_deg, c, dni_extra, airmass).unwrap_or((0.0, 0.0));
        SharedSky {
            perez_f1_over_b: perez_f1 / sun.cos_zenith.max(irradiance::COS_85_DEG),
            cos_zenith: sun.cos_zenith,
            sin_zenith: sun.sin_zenith,
            cos_azimuth: sun.cos_azimuth,
            sin_azimuth: sun.sin_azimuth,
            perez_f1,
            perez_f2,
        }
    }
}

/// The sun and the sky of each daylight hour of the weather at a place (shared by all its plants).
/// Night hours are passed over without interpolating the sun: a glance at the nearest node tells most
/// of them.
pub fn sky_hours(observer: &Observer, weather: &[WeatherHour]) -> Vec<SkyHour> {
    let times: Vec<i64> = weather.iter().map(|w| w.unix_s).collect();
    let series = SunSeries::covering(&times);
    let terms = ObserverTerms::of(observer);
    let nights = series.nights(&terms);
    let mut extraterrestrial = DailyExtraterrestrial::default();
    let mut sky = Vec::with_capacity(weather.len() / 2 + 24);
    for (index, w) in weather.iter().enumerate() {
        if nights.surely_night(w.unix_s) {
            continue;
        }
        if let Some(sun) = series.daylight(w.unix_s, &terms) {
            sky.push(sky_hour(index, w, &sun, extraterrestrial.on(w.unix_s)));
        }
    }
    sky
}

/// The sun over a span of hours, computed once for every place: the nodes and each hour's geocentric
/// sun (a fleet's villages share them).
pub struct SharedSun {
    series: SunSeries,
    suns: Vec<GeocentricSun>,
}

impl SharedSun {
    pub fn over(weather: &[WeatherHour]) -> SharedSun {
        let times: Vec<i64> = weather.iter().map(|w| w.unix_s).collect();
        let series = SunSeries::covering(&times);
        let suns = times.iter().map(|&t| series.at(t)).collect();
        SharedSun { series, suns }
    }

    /// How many hours it holds.
    pub fn suns_len(&self) -> usize {
        self.suns.len()
    }
}

/// As `sky_hours`, with the sun already computed for the hours (`SharedSun::over` the same weather),
/// as a fleet shares it between its places.
pub fn sky_hours_sharing(observer: &Observer, weather: &[WeatherHour], sun: &SharedSun) -> Vec<SkyHour> {
    let terms = ObserverTerms::of(observer);
    let nights = sun.series.nights(&terms);
    let mut extraterrestrial = DailyExtraterrestrial::default();
    let mut sky = Vec::with_capacity(weather.len() / 2 + 24);
    for (index, (w, geocentric)) in weather.iter().zip(&sun.suns).enumerate() {
        if nights.surely_night(w.unix_s) {
            continue;
        }
        if let Some(daylight) = geocentric.daylight_from_terms(&terms) {
            sky.push(sky_hour(index, w, &daylight, extraterrestrial.on(w.unix_s)));
        }
    }
    sky
}

/// The extraterrestrial irradiance, which changes once a (UTC) day.
#[derive(Default)]
struct DailyExtraterrestrial {
    day: Option<(i64, f64)>,
}

impl DailyExtraterrestrial {
    fn on(&mut self, unix_s: i64) -> f64 {
        let today = unix_s.div_euclid(86_400);
        match self.day {
            Some((day, value)) if day == today => value,
            _ => {
                let value = irradiance::extraterrestrial_w_m2(day_of_year_utc(unix_s));
                self.day = Some((today, value));
                value
            }
        }
    }
}

/// One daylight hour's sky: direct and diffuse (measured, or split from GHI by Erbs), air mass and
/// what every plant shares.
fn sky_hour(index: usize, w: &WeatherHour, sun: &Daylight, dni_extra: f64) -> SkyHour {
    let components = match (w.dni, w.dhi) {
        (Some(dni), Some(dhi)) => Components { ghi: w.ghi, dni, dhi },
        // Erbs, as pvlib defines it, on the geometric (not refracted) zenith.
        _ => irradiance::erbs_cos(w.ghi, sun.zenith_deg, sun.cos_zenith_geometric, dni_extra),
    };
    let airmass_relative = irradiance::relative_airmass_cos(sun.apparent_zenith_deg, sun.cos_zenith);
    SkyHour {
        index,
        apparent_zenith_deg: sun.apparent_zenith_deg,
        dni_extra,
        airmass_relative,
        components,
        temp_air_c: w.temp_air_c,
        wind_speed_m_s: w.wind_speed_m_s,
        close_mount_heating: (SapmTemperature::CLOSE_MOUNT_GLASS_GLASS.a
            + SapmTemperature::CLOSE_MOUNT_GLASS_GLASS.b * w.wind_speed_m_s)
            .exp(),
        shared: SharedSky::of(sun, components, dni_extra, airmass_relative),
    }
}

/// One plant in one hour of its place's sky.
pub fn hour(design: &PlantDesign, sky: &SkyHour) -> HourResult {
    hour_with(design, &PlantGeometry::of(design), sky)
}

/// The chain with the plant's geometry and the sky's shared parts already computed: arithmetic, two
/// square roots and two exponentials per plant and hour (the same models as `irradiance`).
fn hour_with(design: &PlantDesign, plant: &PlantGeometry, sky: &SkyHour) -> HourResult {
    let sh = &sky.shared;
    let c = sky.components;
    let cos_aoi = (plant.cos_tilt * sh.cos_zenith
        + plant.sin_tilt * sh.sin_zenith * (sh.cos_azimuth * plant.cos_azimuth + sh.sin_azimuth * plant.sin_azimuth))
        .clamp(-1.0, 1.0);
    let direct = (c.dni * cos_aoi).max(0.0);
    let sky_diffuse = match design.sky_model {
        SkyModel::Perez => {
            if sky.airmass_relative.is_none() || c.dhi <= 0.0 {
                0.0
            } else {
                let term1 = 0.5 * (1.0 - sh.perez_f1) * (1.0 + plant.cos_tilt);
                let term2 = sh.perez_f1_over_b * cos_aoi.max(0.0);
                let term3 = sh.perez_f2 * plant.sin_tilt;
                (c.dhi * (term1 + term2 + term3)).max(0.0)
            }
        }
        model => irradiance::sky_diffuse(
            model,
            design.surface,
            sky.apparent_zenith_deg,
            sky.azimuth_deg(),
            c,
            sky.dni_extra,
            sky.airmass_relative,
        ),
    };
    let ground = c.ghi * design.albedo * (1.0 - plant.cos_tilt) * 0.5;
    let iam = match &plant.iam {
        Iam::None => 1.0,
        Iam::Formula(n, k, l, tau_0) => irradiance::iam_physical_cos(cos_aoi, *n, *k, *l, *tau_0),
        Iam::Table(table) => table.at(cos_aoi),
    };
    let global = direct + sky_diffuse + ground;
    let effective = direct * iam + sky_diffuse + ground;
    let cell = if plant.close_mount {
        // The wind's share of the module's heating, kept by the sky for the usual mounting.
        global * sky.close_mount_heating
            + sky.temp_air_c
            + global * (SapmTemperature::CLOSE_MOUNT_GLASS_GLASS.delta_t / 1000.0)
    } else {
        design.temperature.cell_c(global, sky.temp_air_c, sky.wind_speed_m_s)
    };
    let dc_w = effective * plant.dc_w_per_w_m2 * (1.0 + design.gamma_per_c * (cell - 25.0));
    let ac_w = plant.inverter.ac_w(dc_w);
    HourResult {
        poa_global_w_m2: global,
        effective_w_m2: effective,
        cell_c: cell,
        dc: Kilowatts(dc_w * 0.001),
        ac: Kilowatts(ac_w * 0.001),
    }
}

/// A year (or any span) of a plant's output.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// By Gregorian month of the weather's local time, January first.
    pub monthly: [KilowattHours; 12],
    /// By Jalali month of the same local time, Farvardin first.
    pub monthly_jalali: [KilowattHours; 12],
    pub annual: KilowattHours,
    pub specific_yield_kwh_per_kwp: f64,
    pub capacity_factor: f64,
    pub hours: usize,
}

/// The plant's output over the weather's hours (`sky`: their daylight hours, from `sky_hours`), each
/// hour's energy credited to its local month (`utc_offset_s` is the weather's local time).
pub fn estimate(design: &PlantDesign, sky: &[SkyHour], weather: &[WeatherHour], utc_offset_s: i64) -> Estimate {
    let mut monthly = [KilowattHours(0.0); 12];
    let mut monthly_jalali = [KilowattHours(0.0); 12];
    let plant = PlantGeometry::tabulated(design, &mut Vec::new());
    // The local day's Gregorian and Jalali months, found once a day.
    let mut months_of_day = (i64::MIN, 0usize, 0usize);
    for s in sky {
        let Some(w) = weather.get(s.index) else { continue };
        let energy = hour_with(design, &plant, s).ac.over_hours(1.0);
        let local_day = (w.unix_s + utc_offset_s).div_euclid(86_400);
        if local_day != months_of_day.0 {
            let (year, month, day) = civil_from_days(local_day);
            months_of_day = (local_day, (month - 1) as usize, (jalali_month_of(year, month, day) - 1) as usize);
        }
        let (_, month, jalali_month) = months_of_day;
        monthly[month] = monthly[month] + energy;
        monthly_jalali[jalali_month] = monthly_jalali[jalali_month] + energy;
    }
    let annual: KilowattHours = monthly.iter().copied().sum();
    let hours = weather.len();
    Estimate {
        monthly,
        monthly_jalali,
        annual,
        specific_yield_kwh_per_kwp: annual.0 / design.dc_capacity.0,
        capacity_factor: annual.0 / (design.dc_capacity.0 * hours as f64),
        hours,
    }
}

/// A plant or a place that cannot be.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InputError {
    #[error("latitude {0}° is outside −90…90")]
    Latitude(f64),
    #[error("longitude {0}° is outside −180…180")]
    Longitude(f64),
    #[error("tilt {0}° is outside 0…90 (0 is flat, 90 a wall)")]
    Tilt(f64),
    #[error("azimuth {0}° is outside 0…360 (clockwise from north; 180 faces south)")]
    Azimuth(f64),
    #[error("the capacity must be more than 0 kW (got {0})")]
    Capacity(f64),
    #[error("losses of {0} % are impossible: 0 to 100")]
    Losses(f64),
    #[error("a DC/AC ratio of {0} is impossible: more than 0, usually 1.1 to 1.3")]
    DcAcRatio(f64),
    #[error("altitude {0} m is not on Earth's surface")]
    Altitude(f64),
}

impl InputError {
    /// The input it is about, as a form or the API names it.
    pub fn field(&self) -> &'static str {
        match self {
            InputError::Latitude(_) => "latitude",
            InputError::Longitude(_) => "longitude",
            InputError::Tilt(_) => "tilt",
            InputError::Azimuth(_) => "azimuth",
            InputError::Capacity(_) => "kwp",
            InputError::Losses(_) => "losses",
            InputError::DcAcRatio(_) => "dc_ac_ratio",
            InputError::Altitude(_) => "altitude",
        }
    }

    pub fn message_fa(&self) -> String {
        let n = |v: &f64| domain::text::to_persian_digits(&v.to_string());
        match self {
            InputError::Latitude(v) => format!("عرض جغرافیایی {}° بیرون از بازهٔ −۹۰ تا ۹۰ است", n(v)),
            InputError::Longitude(v) => format!("طول جغرافیایی {}° بیرون از بازهٔ −۱۸۰ تا ۱۸۰ است", n(v)),
            InputError::Tilt(v) => format!("شیب {}° بیرون از بازهٔ ۰ تا ۹۰ است (۰ افقی، ۹۰ دیوار)", n(v)),
            InputError::Azimuth(v) => {
                format!("سمت {}° بیرون از بازهٔ ۰ تا ۳۶۰ است (از شمال، ساعتگرد؛ ۱۸۰ رو به جنوب)", n(v))
            }
            InputError::Capacity(v) => format!("ظرفیت باید بیشتر از صفر کیلووات باشد (داده‌شده: {})", n(v)),
            InputError::Losses(v) => format!("تلفات {}٪ ممکن نیست: از ۰ تا ۱۰۰", n(v)),
            InputError::DcAcRatio(v) => format!("نسبت DC به AC برابر {} ممکن نیست", n(v)),
            InputError::Altitude(v) => format!("ارتفاع {} متر روی زمین نیست", n(v)),
        }
    }
}

/// A place checked: latitude, longitude and altitude that exist.
pub fn observer(latitude_deg: f64, longitude_deg: f64, altitude_m: f64) -> Result<Observer, InputError> {
    if !(-90.0..=90.0).contains(&latitude_deg) {
        return Err(InputError::Latitude(latitude_deg));
    }
    if !(-180.0..=180.0).contains(&longitude_deg) {
        return Err(InputError::Longitude(longitude_deg));
    }
    if !(-450.0..=9000.0).contains(&altitude_m) {
        return Err(InputError::Altitude(altitude_m));
    }
    Ok(Observer::at(latitude_deg, longitude_deg, altitude_m))
}

impl PlantDesign {
    /// The default chain for a plant of a capacity and orientation, checked.
    pub fn checked(
        dc_capacity_kw: f64,
        tilt_deg: f64,
        azimuth_deg: f64,
        losses_percent: f64,
        dc_ac_ratio: f64,
    ) -> Result<PlantDesign, InputError> {
        if dc_capacity_kw.is_nan() || dc_capacity_kw <= 0.0 {
            return Err(InputError::Capacity(dc_capacity_kw));
        }
        if !(0.0..=90.0).contains(&tilt_deg) {
            return Err(InputError::Tilt(tilt_deg));
        }
        if !(0.0..=360.0).contains(&azimuth_deg) {
            return Err(InputError::Azimuth(azimuth_deg));
        }
        if !(0.0..=100.0).contains(&losses_percent) {
            return Err(InputError::Losses(losses_percent));
        }
        if dc_ac_ratio.is_nan() || dc_ac_ratio <= 0.0 || dc_ac_ratio > 10.0 {
            return Err(InputError::DcAcRatio(dc_ac_ratio));
        }
        Ok(PlantDesign {
            dc_capacity: Kilowatts(dc_capacity_kw),
            surface: Surface { tilt_deg, azimuth_deg },
            losses_percent,
            dc_ac_ratio,
            ..PlantDesign::default()
        })
    }
}

#[cfg(test)]
mod tests;

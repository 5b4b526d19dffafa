//! The sun's position for a place and an instant: NREL's Solar Position Algorithm (Reda & Andreas,
//! 2004), as pvlib implements it (its default), with the equation of time, atmospheric refraction and
//! the apparent zenith.

use crate::spa_tables::*;

/// Where the sun is, seen from a place.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SunPosition {
    /// Degrees from the vertical, refraction included.
    pub apparent_zenith_deg: f64,
    /// Degrees from the vertical, without refraction.
    pub zenith_deg: f64,
    /// Degrees above the horizon, refraction included.
    pub apparent_elevation_deg: f64,
    /// Degrees clockwise from north (180 = south).
    pub azimuth_deg: f64,
    /// Apparent solar time minus mean solar time, in minutes.
    pub equation_of_time_min: f64,
    /// Earth–sun distance in astronomical units.
    pub earth_sun_distance_au: f64,
}

/// The observer and the air above it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observer {
    pub latitude_deg: f64,
    pub longitude_deg: f64,
    pub altitude_m: f64,
    /// Local pressure in pascals (pvlib: computed from the altitude when not known).
    pub pressure_pa: f64,
    /// Air temperature in °C (for refraction).
    pub temperature_c: f64,
}

impl Observer {
    /// A place at an altitude, with the standard atmosphere's pressure there and 12 °C (pvlib's
    /// defaults).
    pub fn at(latitude_deg: f64, longitude_deg: f64, altitude_m: f64) -> Observer {
        Observer {
            latitude_deg,
            longitude_deg,
            altitude_m,
            pressure_pa: pressure_at_altitude_pa(altitude_m),
            temperature_c: 12.0,
        }
    }
}

/// The standard atmosphere's pressure at an altitude (pvlib `atmosphere.alt2pres`).
pub fn pressure_at_altitude_pa(altitude_m: f64) -> f64 {
    100.0 * ((44331.514 - altitude_m) / 11880.516).powf(1.0 / 0.1902632)
}

/// TT − UT in seconds: pvlib's default.
pub const DELTA_T_S: f64 = 67.0;
/// Refraction at sunrise and sunset, degrees (SPA's default).
const ATMOSPHERIC_REFRACTION_DEG: f64 = 0.5667;

fn periodic(table: &[[f64; 3]], x: f64) -> f64 {
    table.iter().map(|r| r[0] * (r[1] + r[2] * x).cos()).sum()
}

fn wrap360(x: f64) -> f64 {
    x.rem_euclid(360.0)
}

/// The sun at an instant, as seen from the Earth's centre: everything in SPA that does not depend on
/// where the observer stands. Computed once per hour and shared by every place (a fleet's villages).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeocentricSun {
    /// Apparent sidereal time at Greenwich, degrees.
    sidereal_deg: f64,
    /// The nutation's share of it (Δψ·cos ε), degrees: smooth, so it can be interpolated.
    nutation_deg: f64,
    /// Geocentric right ascension and declination, degrees.
    right_ascension_deg: f64,
    declination_deg: f64,
    earth_sun_distance_au: f64,
    equation_of_time_min: f64,
}

/// The sun's position at `unix_s` (seconds since 1970-01-01 UTC) seen by `observer`.
pub fn sun_position(unix_s: f64, observer: &Observer) -> SunPosition {
    geocentric_sun(unix_s).seen_from(observer)
}

/// The observer-independent part of SPA at `unix_s`.
pub fn geocentric_sun(unix_s: f64) -> GeocentricSun {
    let jd = unix_s / 86400.0 + 2440587.5;
    let jde = jd + DELTA_T_S / 86400.0;
    let jc = (jd - 2451545.0) / 36525.0;
    let jce = (jde - 2451545.0) / 36525.0;
    let jme = jce / 10.0;

    let powers = |terms: &[&[[f64; 3]]]| -> f64 {
        terms.iter().enumerate().map(|(i, t)| periodic(t, jme) * jme.powi(i as i32)).sum::<f64>() / 1e8
    };
    let l = wrap360(powers(&[L0, L1, L2, L3, L4, L5]).to_degrees());
    let b = powers(&[B0, B1]).to_degrees();
    let r = powers(&[R0, R1, R2, R3, R4]);
    let theta = wrap360(l + 180.0);
    let beta = -b;

    let x0 = 297.85036 + 445267.111480 * jce - 0.0019142 * jce.powi(2) + jce.powi(3) / 189474.0;
    let x1 = 357.52772 + 35999.050340 * jce - 0.0001603 * jce.powi(2) - jce.powi(3) / 300000.0;
    let x2 = 134.96298 + 477198.867398 * jce + 0.0086972 * jce.powi(2) + jce.powi(3) / 56250.0;
    let x3 = 93.27191 + 483202.017538 * jce - 0.0036825 * jce.powi(2) + jce.powi(3) / 327270.0;
    let x4 = 125.04452 - 1934.136261 * jce + 0.0020708 * jce.powi(2) + jce.powi(3) / 450000.0;
    let (mut psi_sum, mut eps_sum) = (0.0, 0.0);
    for (abcd, y) in NUTATION_ABCD.iter().zip(NUTATION_Y) {
        let arg = (y[0] * x0 + y[1] * x1 + y[2] * x2 + y[3] * x3 + y[4] * x4).to_radians();
        psi_sum += (abcd[0] + abcd[1] * jce) * arg.sin();
        eps_sum += (abcd[2] + abcd[3] * jce) * arg.cos();
    }
    let delta_psi = psi_sum / 36_000_000.0;
    let delta_eps = eps_sum / 36_000_000.0;
    let u = jme / 10.0;
    let eps0 = 84381.448 - 4680.93 * u - 1.55 * u.powi(2) + 1999.25 * u.powi(3)
        - 51.38 * u.powi(4)
        - 249.67 * u.powi(5)
        - 39.05 * u.powi(6)
        + 7.12 * u.powi(7)
        + 27.87 * u.powi(8)
        + 5.79 * u.powi(9)
        + 2.45 * u.powi(10);
    let eps = eps0 / 3600.0 + delta_eps;
    let delta_tau = -20.4898 / (3600.0 * r);
    let lamda = theta + delta_psi + delta_tau;
    let v0 =
        wrap360(280.46061837 + 360.98564736629 * (jd - 2451545.0) + 0.000387933 * jc.powi(2) - jc.powi(3) / 38710000.0);
    let v = v0 + delta_psi * eps.to_radians().cos();
    let (eps_r, lamda_r, beta_r) = (eps.to_radians(), lamda.to_radians(), beta.to_radians());
    let alpha = wrap360((lamda_r.sin() * eps_r.cos() - beta_r.tan() * eps_r.sin()).atan2(lamda_r.cos()).to_degrees());
    let delta = (beta_r.sin() * eps_r.cos() + beta_r.cos() * eps_r.sin() * lamda_r.sin()).asin().to_degrees();

    let m = 280.4664567 + 360007.6982779 * jme + 0.03032028 * jme.powi(2) + jme.powi(3) / 49931.0
        - jme.powi(4) / 15300.0
        - jme.powi(5) / 2000000.0;
    let mut eot = wrap360(m - 0.0057183 - alpha + delta_psi * eps_r.cos()) * 4.0;
    if eot > 20.0 {
        eot -= 1440.0;
    } else if eot < -20.0 {
        eot += 1440.0;
    }

    GeocentricSun {
        sidereal_deg: v,
        nutation_deg: v - v0,
        right_ascension_deg: alpha,
        declination_deg: delta,
        earth_sun_distance_au: r,
        equation_of_time_min: eot,
    }
}

/// Greenwich mean sidereal time, degrees: exact and cheap (no periodic terms).
fn mean_sidereal_deg(unix_s: f64) -> f64 {
    let jd = unix_s / 86400.0 + 2440587.5;
    let jc = (jd - 2451545.0) / 36525.0;
    wrap360(280.46061837 + 360.98564736629 * (jd - 2451545.0) + 0.000387933 * jc.powi(2) - jc.powi(3) / 38710000.0)
}

/// The geocentric sun for many instants: the full SPA at daily nodes and four-point Lagrange
/// interpolation between them for what moves smoothly (right ascension, declination, distance,
/// equation of time, nutation), the sidereal time computed exactly for each instant. The sun's place
/// among the stars changes by about a degree a day with little curvature, so the interpolation error is
/// below a millionth of a degree (tested) — far inside the engine's 0.01° — at a fraction of the cost.
pub fn geocentric_series(unix_s: &[i64]) -> Vec<GeocentricSun> {
    const DAY: i64 = 86_400;
    let (Some(first), Some(last)) = (unix_s.iter().min(), unix_s.iter().max()) else { return Vec::new() };
    let start = first.div_euclid(DAY) * DAY - DAY;
    let count = usize::try_from((last.div_euclid(DAY) * DAY + 3 * DAY - start) / DAY).unwrap_or(0);
    let nodes: Vec<GeocentricSun> = (0..count).map(|k| geocentric_sun((start + k as i64 * DAY) as f64)).collect();
    unix_s
        .iter()
        .map(|&t| {
            let offset = t - start;
            let i = usize::try_from(offset / DAY).unwrap_or(1).clamp(1, nodes.len().saturating_sub(3).max(1));
            let x = (t - (start + i as i64 * DAY)) as f64 / DAY as f64;
            let w = [
                -x * (x - 1.0) * (x - 2.0) / 6.0,
                (x + 1.0) * (x - 1.0) * (x - 2.0) / 2.0,
                -(x + 1.0) * x * (x - 2.0) / 2.0,
                (x + 1.0) * x * (x - 1.0) / 6.0,
            ];
            let around = [&nodes[i - 1], &nodes[i], &nodes[i + 1], &nodes[i + 2]];
            let blend = |value: &dyn Fn(&GeocentricSun) -> f64| -> f64 {
                around.iter().zip(w).map(|(n, w)| value(n) * w).sum()
            };
            let alpha_i = nodes[i].right_ascension_deg;
            let alpha = blend(&|n| n.right_ascension_deg + 360.0 * ((alpha_i - n.right_ascension_deg) / 360.0).round());
            let nutation = blend(&|n| n.nutation_deg);
            GeocentricSun {
                sidereal_deg: mean_sidereal_deg(t as f64) + nutation,
                nutation_deg: nutation,
                right_ascension_deg: wrap360(alpha),
                declination_deg: blend(&|n| n.declination_deg),
                earth_sun_distance_au: blend(&|n| n.earth_sun_distance_au),
                equation_of_time_min: blend(&|n| n.equation_of_time_min),
            }
        })
        .collect()
}

impl GeocentricSun {
    /// The sun as `observer` sees it: hour angle, parallax, refraction.
    pub fn seen_from(&self, observer: &Observer) -> SunPosition {
        self.seen_from_terms(&ObserverTerms::of(observer))
    }

    /// `seen_from` with the observer's own terms computed once (a place's every hour shares them).
    pub fn seen_from_terms(&self, o: &ObserverTerms) -> SunPosition {
        let (v, alpha, delta, r, eot) = (
            self.sidereal_deg,
            self.right_ascension_deg,
            self.declination_deg,
            self.earth_sun_distance_au,
            self.equation_of_time_min,
        );
        let h = wrap360(v + o.longitude_deg - alpha);
        let xi_r = (8.794 / (3600.0 * r)).to_radians();
        let sin_xi = xi_r.sin();
        let (sin_h, cos_h) = h.to_radians().sin_cos();
        let (sin_d, cos_d) = delta.to_radians().sin_cos();
        let delta_alpha_r = (-o.x * sin_xi * sin_h).atan2(cos_d - o.x * sin_xi * cos_h);
        let dp_r = ((sin_d - o.y * sin_xi) * delta_alpha_r.cos()).atan2(cos_d - o.x * sin_xi * cos_h);
        let hp_r = h.to_radians() - delta_alpha_r;
        let (sin_dp, cos_dp) = dp_r.sin_cos();
        let (sin_hp, cos_hp) = hp_r.sin_cos();
        let e0 = (o.sin_lat * sin_dp + o.cos_lat * cos_dp * cos_hp).asin().to_degrees();
        let refraction = if e0 >= -(0.26667 + ATMOSPHERIC_REFRACTION_DEG) {
            o.refraction_scale / (60.0 * (e0 + 10.3 / (e0 + 5.11)).to_radians().tan())
        } else {
            0.0
        };
        let e = e0 + refraction;
        let gamma = wrap360(sin_hp.atan2(cos_hp * o.sin_lat - (sin_dp / cos_dp) * o.cos_lat).to_degrees());
        SunPosition {
            apparent_zenith_deg: 90.0 - e,
            zenith_deg: 90.0 - e0,
            apparent_elevation_deg: e,
            azimuth_deg: wrap360(gamma + 180.0),
            equation_of_time_min: eot,
            earth_sun_distance_au: r,
        }
    }
}

/// What SPA needs of an observer, computed once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObserverTerms {
    longitude_deg: f64,
    sin_lat: f64,
    cos_lat: f64,
    x: f64,
    y: f64,
    refraction_scale: f64,
}

impl ObserverTerms {
    pub fn of(observer: &Observer) -> ObserverTerms {
        let lat = observer.latitude_deg.to_radians();
        let u = (0.99664719 * lat.tan()).atan();
        let elev = observer.altitude_m;
        ObserverTerms {
            longitude_deg: observer.longitude_deg,
            sin_lat: lat.sin(),
            cos_lat: lat.cos(),
            x: u.cos() + elev / 6378140.0 * lat.cos(),
            y: 0.99664719 * u.sin() + elev / 6378140.0 * lat.sin(),
            refraction_scale: (observer.pressure_pa / 100.0 / 1010.0)
                * (283.0 / (273.0 + observer.temperature_c))
                * 1.02,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interpolated_series_matches_the_full_algorithm() {
        let observer = Observer::at(36.27, 50.0, 1300.0);
        let times: Vec<i64> = (0..24 * 400).map(|h| 1_735_689_600 + h * 3600 + 1800).collect();
        let series = geocentric_series(&times);
        let mut worst = 0.0_f64;
        for (t, g) in times.iter().zip(&series) {
            let exact = sun_position(*t as f64, &observer);
            let fast = g.seen_from(&observer);
            let mut azimuth = (exact.azimuth_deg - fast.azimuth_deg).abs();
            azimuth = azimuth.min(360.0 - azimuth);
            worst = worst.max((exact.apparent_zenith_deg - fast.apparent_zenith_deg).abs()).max(azimuth);
        }
        assert!(worst < 1e-6, "worst {worst}");
    }

    #[test]
    fn nrel_spa_example() {
        // Reda & Andreas' example: 2003-10-17 12:30:30 local time (UTC−7), 39.742476 N, 105.1786 W,
        // 1830.14 m, 820 mbar, 11 °C, ΔT 67 s: zenith 50.11162°, azimuth 194.34024°.
        let unix = 1_066_419_030.0; // 2003-10-17T19:30:30Z
        let observer = Observer {
            latitude_deg: 39.742476,
            longitude_deg: -105.1786,
            altitude_m: 1830.14,
            pressure_pa: 82_000.0,
            temperature_c: 11.0,
        };
        let sun = sun_position(unix, &observer);
        assert!((sun.apparent_zenith_deg - 50.11162).abs() < 1e-4, "{sun:?}");
        assert!((sun.azimuth_deg - 194.34024).abs() < 1e-4, "{sun:?}");
    }
}

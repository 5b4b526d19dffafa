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

/// The sun's position at `unix_s` (seconds since 1970-01-01 UTC) seen by `observer`.
pub fn sun_position(unix_s: f64, observer: &Observer) -> SunPosition {
    let (lat, lon, elev) = (observer.latitude_deg, observer.longitude_deg, observer.altitude_m);
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

    let h = wrap360(v + lon - alpha);
    let xi = 8.794 / (3600.0 * r);
    let u_term = (0.99664719 * lat.to_radians().tan()).atan();
    let x = u_term.cos() + elev / 6378140.0 * lat.to_radians().cos();
    let y = 0.99664719 * u_term.sin() + elev / 6378140.0 * lat.to_radians().sin();
    let (xi_r, h_r, delta_r) = (xi.to_radians(), h.to_radians(), delta.to_radians());
    let delta_alpha = (-x * xi_r.sin() * h_r.sin()).atan2(delta_r.cos() - x * xi_r.sin() * h_r.cos()).to_degrees();
    let delta_prime = ((delta_r.sin() - y * xi_r.sin()) * delta_alpha.to_radians().cos())
        .atan2(delta_r.cos() - x * xi_r.sin() * h_r.cos())
        .to_degrees();
    let h_prime = h - delta_alpha;
    let (lat_r, dp_r, hp_r) = (lat.to_radians(), delta_prime.to_radians(), h_prime.to_radians());
    let e0 = (lat_r.sin() * dp_r.sin() + lat_r.cos() * dp_r.cos() * hp_r.cos()).asin().to_degrees();
    let pressure_mbar = observer.pressure_pa / 100.0;
    let refraction = if e0 >= -(0.26667 + ATMOSPHERIC_REFRACTION_DEG) {
        (pressure_mbar / 1010.0) * (283.0 / (273.0 + observer.temperature_c)) * 1.02
            / (60.0 * (e0 + 10.3 / (e0 + 5.11)).to_radians().tan())
    } else {
        0.0
    };
    let e = e0 + refraction;
    let gamma = wrap360(hp_r.sin().atan2(hp_r.cos() * lat_r.sin() - dp_r.tan() * lat_r.cos()).to_degrees());
    SunPosition {
        apparent_zenith_deg: 90.0 - e,
        zenith_deg: 90.0 - e0,
        apparent_elevation_deg: e,
        azimuth_deg: wrap360(gamma + 180.0),
        equation_of_time_min: eot,
        earth_sun_distance_au: r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! The sun's geocentric position over a stretch of time: computed exactly at nodes a few hours apart and interpolated between them (Lagrange), with the nights known to be dark skipped.

use super::*;

/// Nodes this many apart share one exact start for their periodic terms.
pub(crate) const NODES_PER_START: usize = 64;

/// `geocentric_sun` at `count` instants `step_s` apart from `start_s`, its periodic series walked
/// from node to node by rotation — cos(θ + Δ) and sin(θ + Δ) from cos θ, sin θ and the step's own —
/// instead of 260 sines and cosines a node. Each run of 64 nodes starts from the exact terms; the
/// nutation's arguments, nearly linear in time, are walked at their rate at that start (over 64
/// three-day steps their curvature moves them by less than 1e-6°). Within 1e-8° of `geocentric_sun`
/// (tested).
pub(crate) fn geocentric_nodes(start_s: i64, step_s: i64, count: usize) -> Vec<GeocentricSun> {
    let tables: [&[[f64; 3]]; 13] = [L0, L1, L2, L3, L4, L5, B0, B1, R0, R1, R2, R3, R4];
    let step_jme = step_s as f64 / 86_400.0 / 365_250.0;
    let step_jce = step_s as f64 / 86_400.0 / 36_525.0;
    let mut nodes = Vec::with_capacity(count);
    // Per term: (cos θ, sin θ, cos Δ, sin Δ).
    let mut series: Vec<[f64; 4]> = Vec::new();
    let mut nutation: Vec<[f64; 4]> = Vec::new();
    for first in (0..count).step_by(NODES_PER_START) {
        let time = SpaTime::at((start_s + first as i64 * step_s) as f64);
        series.clear();
        for table in tables {
            for term in table {
                let (sin, cos) = (term[1] + term[2] * time.jme).sin_cos();
                let (sin_step, cos_step) = (term[2] * step_jme).sin_cos();
                series.push([cos, sin, cos_step, sin_step]);
            }
        }
        let x = nutation_arguments_deg(time.jce);
        let rate = nutation_rates_deg(time.jce);
        nutation.clear();
        for y in NUTATION_Y {
            let arg = (y[0] * x[0] + y[1] * x[1] + y[2] * x[2] + y[3] * x[3] + y[4] * x[4]).to_radians();
            let arg_rate =
                (y[0] * rate[0] + y[1] * rate[1] + y[2] * rate[2] + y[3] * rate[3] + y[4] * rate[4]).to_radians();
            let (sin, cos) = arg.sin_cos();
            let (sin_step, cos_step) = (arg_rate * step_jce).sin_cos();
            nutation.push([cos, sin, cos_step, sin_step]);
        }
        for k in first..count.min(first + NODES_PER_START) {
            let time = SpaTime::at((start_s + k as i64 * step_s) as f64);
            let mut term = series.iter_mut();
            let mut sums = [0.0; 13];
            for (sum, table) in sums.iter_mut().zip(tables) {
                for (row, t) in table.iter().zip(term.by_ref()) {
                    *sum += row[0] * t[0];
                    let (c, s) = (t[0], t[1]);
                    t[0] = c * t[2] - s * t[3];
                    t[1] = s * t[2] + c * t[3];
                }
            }
            let power = |from: usize, to: usize| -> f64 {
                sums[from..to].iter().enumerate().map(|(i, v)| v * time.jme.powi(i as i32)).sum()
            };
            let (mut psi, mut eps) = (0.0, 0.0);
            for (abcd, t) in NUTATION_ABCD.iter().zip(nutation.iter_mut()) {
                psi += (abcd[0] + abcd[1] * time.jce) * t[1];
                eps += (abcd[2] + abcd[3] * time.jce) * t[0];
                let (c, s) = (t[0], t[1]);
                t[0] = c * t[2] - s * t[3];
                t[1] = s * t[2] + c * t[3];
            }
            nodes.push(time.finish(PeriodicSums { l: power(0, 6), b: power(6, 8), r: power(8, 13), psi, eps }));
        }
    }
    nodes
}

/// Greenwich mean sidereal time, degrees, not reduced to 0–360°: exact and cheap (no periodic terms).
pub(crate) fn mean_sidereal_unreduced_deg(unix_s: f64) -> f64 {
    let days = unix_s * (1.0 / 86400.0) + (2440587.5 - 2451545.0);
    let jc = days * (1.0 / 36525.0);
    280.46061837 + 360.98564736629 * days + jc * jc * (0.000387933 - jc * (1.0 / 38710000.0))
}

/// Seconds between the nodes of `geocentric_series`: three days.
pub(crate) const NODE_STEP_S: i64 = 3 * 86_400;

/// The geocentric sun for many instants: the full SPA at nodes three days apart and six-point
/// Lagrange interpolation between them for what moves smoothly (right ascension, declination and its
/// sine and cosine, distance, equation of time, nutation), the mean sidereal time computed exactly for
/// each instant. The sun's place among the stars turns once a year and the nutation's fastest terms
/// take nine days or more, so the interpolation stays within a hundred-thousandth of a degree of the
/// full algorithm (tested) — a thousand times inside the engine's 0.01° — at a small part of its cost.
pub fn geocentric_series(unix_s: &[i64]) -> Vec<GeocentricSun> {
    let series = SunSeries::covering(unix_s);
    unix_s.iter().map(|&t| series.at(t)).collect()
}

/// The nodes of `geocentric_series`, to interpolate at any instant they cover.
pub struct SunSeries {
    pub(crate) start: i64,
    /// Per node: right ascension (continuous from node to node), nutation, declination and its sine
    /// and cosine, distance, equation of time.
    pub(crate) nodes: Vec<[f64; 7]>,
    /// Per node, what a place's daylight needs alone: right ascension less nutation, the declination's
    /// sine and cosine, the parallax (radians).
    pub(crate) light: Vec<[f64; 4]>,
    /// The interpolation weights of each whole hour after a node (the instants' seconds past the hour
    /// are `phase_s`): hourly weather asks for the same 72 sets again and again.
    pub(crate) hourly_weights: Vec<[f64; 6]>,
    pub(crate) phase_s: i64,
}

impl SunSeries {
    /// Nodes covering every instant of `unix_s`.
    pub fn covering(unix_s: &[i64]) -> SunSeries {
        const DAY: i64 = 86_400;
        let (Some(first), Some(last)) = (unix_s.iter().min(), unix_s.iter().max()) else {
            return SunSeries {
                start: 0,
                nodes: Vec::new(),
                light: Vec::new(),
                hourly_weights: Vec::new(),
                phase_s: 0,
            };
        };
        let start = first.div_euclid(DAY) * DAY - 2 * NODE_STEP_S;
        let count = usize::try_from((last - start) / NODE_STEP_S + 4).unwrap_or(0);
        let mut previous_alpha: Option<f64> = None;
        let nodes = geocentric_nodes(start, NODE_STEP_S, count)
            .into_iter()
            .map(|n| {
                let alpha = match previous_alpha {
                    Some(p) => n.right_ascension_deg + 360.0 * ((p - n.right_ascension_deg) / 360.0).round(),
                    None => n.right_ascension_deg,
                };
                previous_alpha = Some(alpha);
                [
                    alpha,
                    n.nutation_deg,
                    n.declination_deg,
                    n.sin_declination,
                    n.cos_declination,
                    n.earth_sun_distance_au,
                    n.equation_of_time_min,
                ]
            })
            .collect::<Vec<[f64; 7]>>();
        let light = nodes.iter().map(|n| [n[0] - n[1], n[3], n[4], (8.794 / (3600.0 * n[5])).to_radians()]).collect();
        let phase_s = first.rem_euclid(3600);
        let hourly_weights = (0..NODE_STEP_S / 3600)
            .map(|k| lagrange_weights((k * 3600 + phase_s) as f64 / NODE_STEP_S as f64))
            .collect();
        SunSeries { start, nodes, light, hourly_weights, phase_s }
    }

    /// The node before `t` and the weights of the six around it.
    pub(crate) fn weights(&self, t: i64) -> (usize, [f64; 6]) {
        let last_base = self.nodes.len().saturating_sub(4).max(2);
        let i = usize::try_from((t - self.start) / NODE_STEP_S).unwrap_or(2).clamp(2, last_base);
        let offset = t - (self.start + i as i64 * NODE_STEP_S);
        let cached = (offset.rem_euclid(3600) == self.phase_s)
            .then(|| self.hourly_weights.get(usize::try_from(offset / 3600).ok()?))
            .flatten();
        (i, cached.copied().unwrap_or_else(|| lagrange_weights(offset as f64 / NODE_STEP_S as f64)))
    }

    /// The sun at `t` above a place's horizon, or `None` at night: `at(t).daylight_from_terms(o)`
    /// with only what daylight needs interpolated.
    pub fn daylight(&self, t: i64, o: &ObserverTerms) -> Option<Daylight> {
        let (i, w) = self.weights(t);
        let mut v = [0.0; 4];
        for (node, weight) in self.light.get(i - 2..i + 4)?.iter().zip(w) {
            for (slot, value) in v.iter_mut().zip(node) {
                *slot += weight * value;
            }
        }
        let [alpha_less_nutation, sin_d, cos_d, xi] = v;
        let h = (mean_sidereal_unreduced_deg(t as f64) + o.longitude_deg - alpha_less_nutation).to_radians();
        let (geometric, refraction) = topocentric(h, sin_d, cos_d, xi, o);
        daylight(&geometric, refraction, o)
    }

    /// The geocentric sun at `t` (within the instants the series was made for).
    pub fn at(&self, t: i64) -> GeocentricSun {
        let (i, w) = self.weights(t);
        let mut v = [0.0; 7];
        if let Some(around) = self.nodes.get(i - 2..i + 4) {
            for (node, weight) in around.iter().zip(w) {
                for (slot, value) in v.iter_mut().zip(node) {
                    *slot += weight * value;
                }
            }
        }
        let [alpha, nutation, declination, sin_declination, cos_declination, distance, eot] = v;
        GeocentricSun {
            // Neither is reduced to 0–360°: only their difference's sine and cosine are taken.
            sidereal_deg: mean_sidereal_unreduced_deg(t as f64) + nutation,
            nutation_deg: nutation,
            right_ascension_deg: alpha,
            declination_deg: declination,
            sin_declination,
            cos_declination,
            earth_sun_distance_au: distance,
            equation_of_time_min: eot,
        }
    }

    /// True only when the sun is surely below the horizon at `t`, refraction included: judged from
    /// the nearest node without interpolating (within 1.5 days the sun's declination moves under 0.7°
    /// and its right ascension under 1.7°, so a sun less than 4° below the horizon is not judged).
    pub fn surely_night(&self, t: i64, o: &ObserverTerms) -> bool {
        self.nights(o).surely_night(t)
    }

    /// `surely_night` for many instants at one place: each node's half-day worked out once.
    pub fn nights(&self, o: &ObserverTerms) -> Nights {
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                // The hour angle beyond which the node's sun is more than 4° down:
                // cos H < (sin(−4°) − sin φ sin δ) / (cos φ cos δ).
                let limit = (SIN_SURELY_NIGHT - o.sin_lat * n[3]) / (o.cos_lat * n[4]);
                let half_day_deg = if limit >= 1.0 {
                    0.0
                } else if limit <= -1.0 {
                    f64::INFINITY
                } else {
                    limit.acos().to_degrees()
                };
                (n[0] - n[1] - o.longitude_deg, half_day_deg)
            })
            .collect();
        Nights { start: self.start, nodes }
    }
}

/// Which instants are surely night at a place (`SunSeries::nights`).
pub struct Nights {
    pub(crate) start: i64,
    /// Per node: right ascension less nutation less the place's longitude, and the hour angle
    /// (degrees) beyond which it is surely night.
    pub(crate) nodes: Vec<(f64, f64)>,
}

impl Nights {
    pub fn surely_night(&self, t: i64) -> bool {
        let k = usize::try_from((t - self.start + NODE_STEP_S / 2) / NODE_STEP_S).unwrap_or(0);
        let Some((offset_deg, half_day_deg)) = self.nodes.get(k) else { return false };
        let h = mean_sidereal_unreduced_deg(t as f64) - offset_deg;
        // Brought to (−180°, 180°] without a call to the library.
        let turns = floor(h / 360.0 + 0.5);
        (h - 360.0 * turns).abs() > *half_day_deg
    }
}

/// `f64::floor`, by a conversion where it can (hour angles in sidereal degrees since 2000 are positive
/// and far inside i64), which on a baseline x86-64 is an instruction rather than a library call.
pub(crate) fn floor(x: f64) -> f64 {
    if (0.0..9.0e15).contains(&x) { (x as i64) as f64 } else { x.floor() }
}

/// Lagrange weights of the nodes at −2 … 3 steps, at x steps after the third.
pub(crate) fn lagrange_weights(x: f64) -> [f64; 6] {
    let (a, b, c, d, e, f) = (x + 2.0, x + 1.0, x, x - 1.0, x - 2.0, x - 3.0);
    let (ab, de) = (a * b, d * e);
    [
        -b * c * de * f * (1.0 / 120.0),
        a * c * de * f * (1.0 / 24.0),
        -ab * de * f * (1.0 / 12.0),
        ab * c * e * f * (1.0 / 12.0),
        -ab * c * d * f * (1.0 / 24.0),
        ab * c * de * (1.0 / 120.0),
    ]
}

/// sin(−4°): below it the nearest node's sun is surely below the horizon.
pub(crate) const SIN_SURELY_NIGHT: f64 = -0.069_756_473_744_125_3;

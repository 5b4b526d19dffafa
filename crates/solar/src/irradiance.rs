//! Irradiance: what reaches the top of the atmosphere and the ground under a clear sky, how global
//! horizontal irradiance splits into direct and diffuse, and how much falls on a tilted panel. Each
//! model as pvlib defines it (the references are pvlib's), so that results compare line for line.
//! Angles in degrees, irradiance in W/m².

/// pvlib's solar constant for `get_extra_radiation`, W/m².
pub const SOLAR_CONSTANT_W_M2: f64 = 1366.1;

fn cosd(x: f64) -> f64 {
    x.to_radians().cos()
}
fn sind(x: f64) -> f64 {
    x.to_radians().sin()
}

/// Extraterrestrial irradiance normal to the sun on a day of the year (Spencer, 1971).
pub fn extraterrestrial_w_m2(day_of_year: u32) -> f64 {
    let b = 2.0 * std::f64::consts::PI / 365.0 * (f64::from(day_of_year) - 1.0);
    SOLAR_CONSTANT_W_M2
        * (1.00011 + 0.034221 * b.cos() + 0.00128 * b.sin() + 0.000719 * (2.0 * b).cos() + 7.7e-05 * (2.0 * b).sin())
}

/// Relative air mass at sea level from the apparent zenith (Kasten & Young, 1989); `None` below the
/// horizon.
pub fn relative_airmass(apparent_zenith_deg: f64) -> Option<f64> {
    relative_airmass_cos(apparent_zenith_deg, cosd(apparent_zenith_deg))
}

/// `relative_airmass` with the zenith's cosine already known.
pub fn relative_airmass_cos(apparent_zenith_deg: f64, cos_zenith: f64) -> Option<f64> {
    if apparent_zenith_deg > 90.0 {
        return None;
    }
    Some(1.0 / (cos_zenith + 0.50572 * (6.07995 + (90.0 - apparent_zenith_deg)).powf(-1.6364)))
}

/// Air mass corrected for the local pressure.
pub fn absolute_airmass(relative: f64, pressure_pa: f64) -> f64 {
    relative * pressure_pa / 101325.0
}

/// Global, direct normal and diffuse horizontal irradiance, W/m².
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Components {
    pub ghi: f64,
    pub dni: f64,
    pub dhi: f64,
}

/// Clear-sky irradiance (Ineichen & Perez, 2002) for a Linke turbidity, at an altitude. `dni_extra`
/// is pvlib's default 1364 W/m² unless given.
pub fn clear_sky_ineichen(
    apparent_zenith_deg: f64,
    airmass_absolute: f64,
    linke_turbidity: f64,
    altitude_m: f64,
    dni_extra: f64,
) -> Components {
    let cos_zenith = cosd(apparent_zenith_deg).max(0.0);
    if cos_zenith <= 0.0 || !airmass_absolute.is_finite() {
        return Components::default();
    }
    let tl = linke_turbidity;
    let fh1 = (-altitude_m / 8000.0).exp();
    let fh2 = (-altitude_m / 1250.0).exp();
    let cg1 = 5.09e-05 * altitude_m + 0.868;
    let cg2 = 3.92e-05 * altitude_m + 0.0387;
    let ghi = cg1 * dni_extra * cos_zenith * (-cg2 * airmass_absolute * (fh1 + fh2 * (tl - 1.0))).exp().max(0.0);
    let b = 0.664 + 0.163 / fh1;
    let bnci = dni_extra * (b * (-0.09 * airmass_absolute * (tl - 1.0)).exp()).max(0.0);
    let bnci_2 = ghi * ((1.0 - (0.1 - 0.2 * (-tl).exp()) / (0.1 + 0.882 / fh1)) / cos_zenith).clamp(0.0, 1e20);
    let dni = bnci.min(bnci_2);
    Components { ghi, dni, dhi: ghi - dni * cos_zenith }
}

/// The share of the extraterrestrial irradiance that reached the ground (pvlib `clearness_index`).
pub fn clearness_index(ghi: f64, zenith_deg: f64, dni_extra: f64) -> f64 {
    clearness_index_cos(ghi, cosd(zenith_deg), dni_extra)
}

fn clearness_index_cos(ghi: f64, cos_zenith: f64, dni_extra: f64) -> f64 {
    let horizontal = dni_extra * cos_zenith.max(0.065);
    (ghi / horizontal).clamp(0.0, 1.0)
}

/// Splits global horizontal irradiance into direct normal and diffuse (Erbs, Klein & Duffie, 1982),
/// as pvlib does: `zenith_deg` is the geometric (not refracted) zenith, and nothing is direct with the
/// sun beyond 87°.
pub fn erbs(ghi: f64, zenith_deg: f64, dni_extra: f64) -> Components {
    erbs_cos(ghi, zenith_deg, cosd(zenith_deg), dni_extra)
}

/// `erbs` with the zenith's cosine already known.
pub fn erbs_cos(ghi: f64, zenith_deg: f64, cos_zenith: f64, dni_extra: f64) -> Components {
    let kt = clearness_index_cos(ghi, cos_zenith, dni_extra);
    let df = if kt <= 0.22 {
        1.0 - 0.09 * kt
    } else if kt <= 0.8 {
        0.9511 - 0.1604 * kt + 4.388 * kt.powi(2) - 16.638 * kt.powi(3) + 12.336 * kt.powi(4)
    } else {
        0.165
    };
    let dhi = df * ghi;
    let dni = (ghi - dhi) / cos_zenith;
    if zenith_deg > 87.0 || ghi < 0.0 || dni < 0.0 {
        return Components { ghi, dni: 0.0, dhi: ghi };
    }
    Components { ghi, dni, dhi }
}

/// A panel's orientation: tilt from horizontal and azimuth clockwise from north (180 = south).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Surface {
    pub tilt_deg: f64,
    pub azimuth_deg: f64,
}

/// The cosine of the angle between the sun and the panel's normal, clipped to [-1, 1].
pub fn aoi_projection(surface: Surface, zenith_deg: f64, sun_azimuth_deg: f64) -> f64 {
    (cosd(surface.tilt_deg) * cosd(zenith_deg)
        + sind(surface.tilt_deg) * sind(zenith_deg) * cosd(sun_azimuth_deg - surface.azimuth_deg))
    .clamp(-1.0, 1.0)
}

/// The angle of incidence, degrees.
pub fn aoi_deg(surface: Surface, zenith_deg: f64, sun_azimuth_deg: f64) -> f64 {
    aoi_projection(surface, zenith_deg, sun_azimuth_deg).acos().to_degrees()
}

/// How the sky's diffuse light is carried onto the tilted plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkyModel {
    Isotropic,
    HayDavies,
    /// Perez et al. 1990, "allsitescomposite1990" coefficients (pvlib's default).
    Perez,
}

/// Perez 1990 "allsitescomposite1990" coefficients: F1 and F2, rows by sky clearness bin.
const PEREZ_F1: [[f64; 3]; 8] = [
    [-0.008, 0.588, -0.062],
    [0.13, 0.683, -0.151],
    [0.33, 0.487, -0.221],
    [0.568, 0.187, -0.295],
    [0.873, -0.392, -0.362],
    [1.132, -1.237, -0.412],
    [1.06, -1.6, -0.359],
    [0.678, -0.327, -0.25],
];
const PEREZ_F2: [[f64; 3]; 8] = [
    [-0.06, 0.072, -0.022],
    [-0.019, 0.066, -0.029],
    [0.055, -0.064, -0.026],
    [0.109, -0.152, -0.014],
    [0.226, -0.462, 0.001],
    [0.288, -0.823, 0.056],
    [0.264, -1.127, 0.131],
    [0.156, -1.377, 0.251],
];
const PEREZ_BINS: [f64; 7] = [1.065, 1.23, 1.5, 1.95, 2.8, 4.5, 6.2];

/// cos 85°: Perez's floor on the cosine of the zenith.
pub const COS_85_DEG: f64 = 0.087_155_742_747_658_17;

/// Perez's F1 (circumsolar, floored at 0) and F2 (horizon) for a sky; `None` when undefined (sun
/// down, no diffuse light).
pub fn perez_coefficients(
    zenith_deg: f64,
    c: Components,
    dni_extra: f64,
    airmass_relative: Option<f64>,
) -> Option<(f64, f64)> {
    let airmass = airmass_relative?;
    if c.dhi <= 0.0 {
        return None;
    }
    let kappa = 1.041;
    let z = zenith_deg.to_radians();
    let delta = c.dhi * airmass / dni_extra;
    let eps = ((c.dhi + c.dni) / c.dhi + kappa * z.powi(3)) / (1.0 + kappa * z.powi(3));
    if !eps.is_finite() {
        return None;
    }
    let bin = PEREZ_BINS.iter().take_while(|edge| eps >= **edge).count();
    let (f1c, f2c) = (PEREZ_F1[bin], PEREZ_F2[bin]);
    Some(((f1c[0] + f1c[1] * delta + f1c[2] * z).max(0.0), f2c[0] + f2c[1] * delta + f2c[2] * z))
}

/// The sky's diffuse irradiance on the tilted plane, W/m².
#[allow(clippy::too_many_arguments)]
pub fn sky_diffuse(
    model: SkyModel,
    surface: Surface,
    zenith_deg: f64,
    sun_azimuth_deg: f64,
    c: Components,
    dni_extra: f64,
    airmass_relative: Option<f64>,
) -> f64 {
    match model {
        SkyModel::Isotropic => c.dhi * (1.0 + cosd(surface.tilt_deg)) * 0.5,
        SkyModel::HayDavies => {
            let cos_tt = aoi_projection(surface, zenith_deg, sun_azimuth_deg).max(0.0);
            let rb = cos_tt / cosd(zenith_deg).max(0.01745);
            let ai = c.dni / dni_extra;
            let isotropic = (c.dhi * (1.0 - ai) * 0.5 * (1.0 + cosd(surface.tilt_deg))).max(0.0);
            let circumsolar = (c.dhi * ai * rb).max(0.0);
            isotropic + circumsolar
        }
        SkyModel::Perez => {
            let Some((f1, f2)) = perez_coefficients(zenith_deg, c, dni_extra, airmass_relative) else { return 0.0 };
            let a = aoi_projection(surface, zenith_deg, sun_azimuth_deg).max(0.0);
            let b = cosd(zenith_deg).max(cosd(85.0));
            let term1 = 0.5 * (1.0 - f1) * (1.0 + cosd(surface.tilt_deg));
            let term2 = f1 * a / b;
            let term3 = f2 * sind(surface.tilt_deg);
            (c.dhi * (term1 + term2 + term3)).max(0.0)
        }
    }
}

/// Light reflected from the ground onto the tilted plane, W/m².
pub fn ground_diffuse(surface: Surface, ghi: f64, albedo: f64) -> f64 {
    ghi * albedo * (1.0 - cosd(surface.tilt_deg)) * 0.5
}

/// Irradiance on the plane of the array, W/m².
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlaneOfArray {
    pub direct: f64,
    pub sky_diffuse: f64,
    pub ground_diffuse: f64,
}

impl PlaneOfArray {
    pub fn global(&self) -> f64 {
        self.direct + self.sky_diffuse + self.ground_diffuse
    }
}

/// Everything that falls on the plane (pvlib `get_total_irradiance`).
#[allow(clippy::too_many_arguments)]
pub fn plane_of_array(
    model: SkyModel,
    surface: Surface,
    zenith_deg: f64,
    sun_azimuth_deg: f64,
    c: Components,
    dni_extra: f64,
    airmass_relative: Option<f64>,
    albedo: f64,
) -> PlaneOfArray {
    let aoi = aoi_deg(surface, zenith_deg, sun_azimuth_deg);
    PlaneOfArray {
        direct: (c.dni * aoi.to_radians().cos()).max(0.0),
        sky_diffuse: sky_diffuse(model, surface, zenith_deg, sun_azimuth_deg, c, dni_extra, airmass_relative),
        ground_diffuse: ground_diffuse(surface, c.ghi, albedo),
    }
}

/// `iam_physical` from the cosine of the angle of incidence, with the normal-incidence transmittance
/// `tau_0` already computed: one square root and one exponential fewer, for the hot loop.
pub fn iam_physical_cos(cos_aoi: f64, n: f64, k: f64, l: f64, tau_0: f64) -> f64 {
    let cos1 = cos_aoi.max(0.0);
    // Snell: sin θ₂ = sin θ₁ / n, so cos θ₂ = √(1 − (1 − cos²θ₁) / n²).
    let cos2 = (1.0 - (1.0 - cos1 * cos1) / (n * n)).sqrt();
    // Fresnel: 1 − ρ = 4·a·b / (a + b)² for each polarisation, (a, b) = (cos θ₁, n cos θ₂) and
    // (cos θ₂, n cos θ₁); both over one division with the absorption's 1 / cos θ₂.
    let s_sum = cos1 + n * cos2;
    let p_sum = cos2 + n * cos1;
    let (s2, p2) = (s_sum * s_sum, p_sum * p_sum);
    let inverse = 1.0 / (s2 * p2 * cos2);
    let transmitted = 4.0 * n * cos1 * cos2 * cos2 * (s2 + p2) * inverse; // (1 − ρs) + (1 − ρp)
    let absorbed = (-k * l * s2 * p2 * inverse).exp();
    let iam = transmitted * absorbed / (2.0 * tau_0);
    if iam.is_finite() { iam.max(0.0) } else { 0.0 }
}

/// The physical IAM of one glass tabulated by the cosine of the angle of incidence, linear between
/// 2,048 steps: within 2e-6 of `iam_physical_cos` (tested; the worst near grazing incidence), for chains that run it millions of times.
#[derive(Clone, Debug, PartialEq)]
pub struct IamTable {
    pub glass: (f64, f64, f64),
    values: Vec<f64>,
}

const IAM_STEPS: usize = 2048;

impl IamTable {
    pub fn of(n: f64, k: f64, l: f64) -> IamTable {
        let tau_0 = iam_normal_transmittance(n, k, l);
        let values = (0..=IAM_STEPS).map(|i| iam_physical_cos(i as f64 / IAM_STEPS as f64, n, k, l, tau_0)).collect();
        IamTable { glass: (n, k, l), values }
    }

    pub fn at(&self, cos_aoi: f64) -> f64 {
        let x = cos_aoi.clamp(0.0, 1.0) * IAM_STEPS as f64;
        let i = (x as usize).min(IAM_STEPS - 1);
        let f = x - i as f64;
        match (self.values.get(i), self.values.get(i + 1)) {
            (Some(a), Some(b)) => a + (b - a) * f,
            _ => 1.0,
        }
    }
}

/// The physical model's transmittance at normal incidence (`iam_physical_cos` divides by it).
pub fn iam_normal_transmittance(n: f64, k: f64, l: f64) -> f64 {
    (1.0 - ((1.0 - n) / (1.0 + n)).powi(2)) * (-k * l).exp()
}

/// The share of the direct beam that passes the module's glass (De Soto's "physical" model:
/// refractive index `n`, glazing extinction `k` per metre, thickness `l` metres).
pub fn iam_physical(aoi_deg: f64, n: f64, k: f64, l: f64) -> f64 {
    let cos1 = cosd(aoi_deg).max(0.0);
    let sin1 = (1.0 - cos1 * cos1).sqrt();
    let sin2 = sin1 / n;
    let cos2 = (1.0 - sin2 * sin2).sqrt();
    let rho_s = ((cos1 - n * cos2) / (cos1 + n * cos2)).powi(2);
    let rho_p = ((cos2 - n * cos1) / (cos2 + n * cos1)).powi(2);
    let rho_0 = ((1.0 - n) / (1.0 + n)).powi(2);
    let tau_s = (1.0 - rho_s) * (-k * l / cos2).exp();
    let tau_p = (1.0 - rho_p) * (-k * l / cos2).exp();
    let tau_0 = (1.0 - rho_0) * (-k * l).exp();
    let iam = (tau_s + tau_p) / 2.0 / tau_0;
    if iam.is_finite() { iam.max(0.0) } else { 0.0 }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_iam_table_keeps_to_the_formula() {
        let (n, k, l) = (1.526, 4.0, 0.002);
        let table = IamTable::of(n, k, l);
        let tau_0 = iam_normal_transmittance(n, k, l);
        let mut worst = 0.0_f64;
        for i in 0..=100_000 {
            let c = f64::from(i) / 100_000.0;
            worst = worst.max((table.at(c) - iam_physical_cos(c, n, k, l, tau_0)).abs());
            // And the formula is pvlib's (De Soto's) model, written another way.
            let aoi = c.acos().to_degrees();
            assert!((iam_physical_cos(c, n, k, l, tau_0) - iam_physical(aoi, n, k, l)).abs() < 1e-12, "{c}");
        }
        assert!(worst < 2e-6, "{worst}");
        assert_eq!(table.at(-0.5), 0.0);
        assert!((table.at(1.0) - 1.0).abs() < 1e-12);
    }

    use super::*;

    #[test]
    fn the_beam_passes_whole_at_normal_incidence_and_not_at_grazing() {
        assert!((iam_physical(0.0, 1.526, 4.0, 0.002) - 1.0).abs() < 1e-12);
        assert!(iam_physical(60.0, 1.526, 4.0, 0.002) < 1.0);
        assert!(iam_physical(89.9, 1.526, 4.0, 0.002) < 0.1);
        assert!(iam_physical(90.0, 1.526, 4.0, 0.002) < 1e-9);
    }

    #[test]
    fn a_flat_panel_sees_the_horizontal_irradiance() {
        let c = Components { ghi: 800.0, dni: 700.0, dhi: 150.0 };
        let flat = Surface { tilt_deg: 0.0, azimuth_deg: 180.0 };
        for model in [SkyModel::Isotropic, SkyModel::HayDavies] {
            let poa = plane_of_array(model, flat, 30.0, 180.0, c, 1366.0, relative_airmass(30.0), 0.2);
            assert!((poa.direct - 700.0 * cosd(30.0)).abs() < 1e-9);
            assert_eq!(poa.ground_diffuse, 0.0);
        }
        assert!(
            (plane_of_array(SkyModel::Isotropic, flat, 30.0, 180.0, c, 1366.0, None, 0.2).sky_diffuse - 150.0).abs()
                < 1e-9
        );
    }

    #[test]
    fn erbs_keeps_the_global_and_gives_no_beam_at_low_sun() {
        let split = erbs(600.0, 40.0, 1366.0);
        assert!((split.dni * cosd(40.0) + split.dhi - 600.0).abs() < 1e-6);
        let low = erbs(20.0, 88.0, 1366.0);
        assert_eq!((low.dni, low.dhi), (0.0, 20.0));
    }
}

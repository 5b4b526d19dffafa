//! A plant's geometry as each hour needs it: its surface, losses and inverter, the incidence angle modifier, and the inverter's curve.

use super::*;

/// What a plant's chain needs of its own geometry, computed once per plant.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlantGeometry {
    pub(crate) cos_tilt: f64,
    pub(crate) sin_tilt: f64,
    pub(crate) cos_azimuth: f64,
    pub(crate) sin_azimuth: f64,
    pub(crate) iam: Iam,
    /// W of DC per W/m² of effective irradiance at 25 °C, after the losses.
    pub(crate) dc_w_per_w_m2: f64,
    pub(crate) inverter: Inverter,
    /// The usual rooftop mounting, whose wind heating the sky keeps for every plant.
    pub(crate) close_mount: bool,
}

/// How the direct beam's angle of incidence is charged.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Iam {
    None,
    /// The physical model's formula (glass n, K, L, and its normal-incidence transmittance).
    Formula(f64, f64, f64, f64),
    /// The same, tabulated once for a run over many hours.
    Table(std::sync::Arc<irradiance::IamTable>),
}

impl PlantGeometry {
    pub(crate) fn of(design: &PlantDesign) -> PlantGeometry {
        let iam = match design.iam {
            Some((n, k, l)) => Iam::Formula(n, k, l, irradiance::iam_normal_transmittance(n, k, l)),
            None => Iam::None,
        };
        PlantGeometry::with_iam(design, iam)
    }

    /// For a run over many hours: the IAM from a table (one per glass, shared through `tables`).
    pub(crate) fn tabulated(
        design: &PlantDesign,
        tables: &mut Vec<std::sync::Arc<irradiance::IamTable>>,
    ) -> PlantGeometry {
        let iam = match design.iam {
            Some(glass) => {
                let table = match tables.iter().find(|t| t.glass == glass) {
                    Some(table) => table.clone(),
                    None => {
                        let table = std::sync::Arc::new(irradiance::IamTable::of(glass.0, glass.1, glass.2));
                        tables.push(table.clone());
                        table
                    }
                };
                Iam::Table(table)
            }
            None => Iam::None,
        };
        PlantGeometry::with_iam(design, iam)
    }

    pub(crate) fn with_iam(design: &PlantDesign, iam: Iam) -> PlantGeometry {
        let (sin_tilt, cos_tilt) = design.surface.tilt_deg.to_radians().sin_cos();
        let (sin_azimuth, cos_azimuth) = design.surface.azimuth_deg.to_radians().sin_cos();
        PlantGeometry {
            cos_tilt,
            sin_tilt,
            cos_azimuth,
            sin_azimuth,
            iam,
            dc_w_per_w_m2: design.dc_capacity.0 * (1.0 - design.losses_percent / 100.0),
            inverter: Inverter::of(
                design.ac_rating().0 * 1000.0 / design.inverter_efficiency,
                design.inverter_efficiency,
            ),
            close_mount: design.temperature == CellTemperature::Sapm(SapmTemperature::CLOSE_MOUNT_GLASS_GLASS),
        }
    }
}

/// The PVWatts inverter (pvlib `inverter.pvwatts`): efficiency by load, capped at its AC rating.
pub fn pvwatts_inverter(pdc_w: f64, pdc0_w: f64, eta_nominal: f64) -> f64 {
    Inverter::of(pdc0_w, eta_nominal).ac_w(pdc_w)
}

/// The PVWatts inverter with its constants worked out once: η(ζ)·P_dc with ζ = P_dc / P_dc0 is
/// k·(0.9858·P − 0.0162·P²/P_dc0 − 0.0059·P_dc0), k = η_nom / 0.9637 — no division an hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Inverter {
    pub(crate) pdc0_w: f64,
    pub(crate) inverse_pdc0: f64,
    pub(crate) k: f64,
    pub(crate) pac0_w: f64,
}

impl Inverter {
    pub(crate) fn of(pdc0_w: f64, eta_nominal: f64) -> Inverter {
        Inverter { pdc0_w, inverse_pdc0: 1.0 / pdc0_w, k: eta_nominal / 0.9637, pac0_w: eta_nominal * pdc0_w }
    }

    pub(crate) fn ac_w(&self, pdc_w: f64) -> f64 {
        if pdc_w <= 0.0 {
            return 0.0;
        }
        let ac = self.k * (0.9858 * pdc_w - 0.0162 * pdc_w * pdc_w * self.inverse_pdc0 - 0.0059 * self.pdc0_w);
        ac.min(self.pac0_w).max(0.0)
    }
}

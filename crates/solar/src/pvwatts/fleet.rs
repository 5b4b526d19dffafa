//! Many plants at once: a province's fleet estimated over shared weather, place by place.

use super::*;

/// A fleet: many plants at their own places, tilts and azimuths, over the same hours. The sun's
/// geocentric part is computed once per hour, each place's sky once, and each plant runs the chain
/// only in daylight.
pub fn fleet_annual(
    places: &[Observer],
    plants: &[(usize, PlantDesign)],
    weather: &[WeatherHour],
) -> Vec<KilowattHours> {
    let places: Vec<FleetPlace> = places.iter().map(|&observer| FleetPlace { observer, weather }).collect();
    fleet_annual_each(&places, plants)
}

/// A fleet's village: where it stands and its weather (its own typical year, or one shared).
#[derive(Clone, Copy, Debug)]
pub struct FleetPlace<'a> {
    pub observer: Observer,
    pub weather: &'a [WeatherHour],
}

/// `fleet_annual` with each village under its own weather. Villages whose weather holds the same
/// instants (every built-in typical year does) share one sun.
pub fn fleet_annual_each(places: &[FleetPlace], plants: &[(usize, PlantDesign)]) -> Vec<KilowattHours> {
    let mut suns: Vec<(&[WeatherHour], SharedSun)> = Vec::new();
    let skies: Vec<Vec<SkyHour>> = places
        .iter()
        .map(|place| {
            let same_hours = |hours: &[WeatherHour]| {
                hours.len() == place.weather.len() && hours.iter().zip(place.weather).all(|(a, b)| a.unix_s == b.unix_s)
            };
            let index = match suns.iter().position(|(hours, _)| same_hours(hours)) {
                Some(index) => index,
                None => {
                    suns.push((place.weather, SharedSun::over(place.weather)));
                    suns.len() - 1
                }
            };
            sky_hours_sharing(&place.observer, place.weather, &suns[index].1)
        })
        .collect();
    let mut iam_tables = Vec::new();
    plants
        .iter()
        .map(|(place, design)| {
            let plant = PlantGeometry::tabulated(design, &mut iam_tables);
            skies.get(*place).map_or(KilowattHours(0.0), |sky| {
                sky.iter().map(|s| hour_with(design, &plant, s).ac.over_hours(1.0)).sum()
            })
        })
        .collect()
}

//! The solar calculator as people use it: a place in Iran, a plant's size and orientation typed in a
//! form (either digit set), and the plant's year under the built-in typical year of that place. Each
//! typed mistake is named by its field, in English and Persian.

use crate::funds::FieldProblem;
use solar::pvwatts::{self, Estimate, PlantDesign};

/// What was typed, as text (a form) or already as numbers (the API parses the same text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlantQuestion {
    pub latitude: String,
    pub longitude: String,
    /// Empty: the surface height of the place.
    pub altitude: String,
    /// Empty: 5 kW, the programme's home plant.
    pub kwp: String,
    /// Empty: 30°.
    pub tilt: String,
    /// Empty: 180° (south).
    pub azimuth: String,
}

/// The plant's year, with what it was computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct PlantAnswer {
    pub design: PlantDesign,
    pub latitude_deg: f64,
    pub longitude_deg: f64,
    pub altitude_m: f64,
    pub estimate: Estimate,
    pub weather_source: &'static str,
    pub weather_source_fa: &'static str,
}

/// A decimal typed in Latin or Persian digits, with `.`, `٫` or `/` as the decimal mark.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let latin = domain::text::to_latin_digits(text.trim()).replace(['٫', '/'], ".").replace('−', "-");
    latin.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn field(name: &'static str, text: &str, default: Option<f64>) -> Result<f64, FieldProblem> {
    match (text.trim(), default) {
        ("", Some(value)) => Ok(value),
        ("", None) => Err(FieldProblem::new(name, format!("{name} is required"), "این خانه را پر کنید")),
        (typed, _) => parse_decimal(typed).ok_or_else(|| {
            FieldProblem::new(name, format!("{typed:?} is not a number"), format!("«{typed}» عدد نیست"))
        }),
    }
}

/// The largest plant the calculator answers for, in kW (a home plant is about 5; `1e308` gave yields
/// of nothing).
pub const PLANT_KWP_MAX: f64 = 1_000.0;

/// The plant's year under the built-in typical year of its place (PVWatts' default chain).
pub fn estimate_plant(question: &PlantQuestion) -> Result<PlantAnswer, FieldProblem> {
    let latitude_deg = field("latitude", &question.latitude, None)?;
    let longitude_deg = field("longitude", &question.longitude, None)?;
    let altitude = match question.altitude.trim() {
        "" => None,
        _ => Some(field("altitude", &question.altitude, None)?),
    };
    let kwp = field("kwp", &question.kwp, Some(5.0))?;
    if kwp > PLANT_KWP_MAX {
        return Err(FieldProblem::new(
            "kwp",
            format!("a plant of {kwp} kW is not a home plant: at most {PLANT_KWP_MAX} kW"),
            "این اندازه نیروگاه خانگی نیست: حداکثر ۱٬۰۰۰ کیلووات",
        ));
    }
    let tilt = field("tilt", &question.tilt, Some(30.0))?;
    let azimuth = field("azimuth", &question.azimuth, Some(180.0))?;
    let refuse = |e: pvwatts::InputError| FieldProblem::new(e.field(), e.to_string(), e.message_fa());
    pvwatts::observer(latitude_deg, longitude_deg, altitude.unwrap_or(0.0)).map_err(refuse)?;
    let design =
        PlantDesign::checked(kwp, tilt, azimuth, pvwatts::Losses::default().total_percent(), 1.2).map_err(refuse)?;
    let year = solar::climate::typical_year(latitude_deg, longitude_deg, altitude)
        .map_err(|e| FieldProblem::new("latitude", e.to_string(), e.message_fa()))?;
    let observer = solar::Observer::at(latitude_deg, longitude_deg, year.altitude_m);
    let sky = pvwatts::sky_hours(&observer, &year.weather.hours);
    let estimate = pvwatts::estimate(&design, &sky, &year.weather.hours, year.weather.utc_offset_s);
    Ok(PlantAnswer {
        design,
        latitude_deg,
        longitude_deg,
        altitude_m: year.altitude_m,
        estimate,
        weather_source: solar::climate::SOURCE,
        weather_source_fa: solar::climate::SOURCE_FA,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(latitude: &str, longitude: &str) -> PlantQuestion {
        PlantQuestion { latitude: latitude.into(), longitude: longitude.into(), ..PlantQuestion::default() }
    }

    #[test]
    fn persian_digits_and_defaults_give_the_cli_s_answer() {
        let typed = estimate_plant(&PlantQuestion { altitude: "۱۳۰۰".into(), ..question("۳۶٫۲۷", "۵۰") }).unwrap();
        let plain = estimate_plant(&PlantQuestion {
            altitude: "1300".into(),
            kwp: "5".into(),
            tilt: "30".into(),
            azimuth: "180".into(),
            ..question("36.27", "50.0")
        })
        .unwrap();
        assert_eq!(typed, plain);
        assert!((typed.estimate.annual.0 - 8723.0).abs() < 0.1, "{}", typed.estimate.annual.0);
        assert_eq!(typed.design.dc_capacity.0, 5.0);
    }

    #[test]
    fn each_mistake_names_its_field() {
        let problem = |q: PlantQuestion| estimate_plant(&q).unwrap_err();
        assert_eq!(problem(question("", "50")).field, "latitude");
        assert_eq!(problem(question("abc", "50")).field, "latitude");
        assert_eq!(problem(question("91", "50")).field, "latitude");
        assert_eq!(problem(question("36", "200")).field, "longitude");
        let paris = problem(question("48.85", "2.35"));
        assert_eq!(paris.field, "latitude");
        assert!(paris.fa.contains("ایران"));
        let tilt = problem(PlantQuestion { tilt: "۹۵".into(), ..question("36", "50") });
        assert_eq!(tilt.field, "tilt");
        assert!(tilt.fa.contains("۹۵"));
        let kwp = problem(PlantQuestion { kwp: "-5".into(), ..question("36", "50") });
        assert_eq!(kwp.field, "kwp");
        assert_eq!(parse_decimal("۱۲/۵"), Some(12.5));
        assert_eq!(parse_decimal("−3"), Some(-3.0));
    }

    #[test]
    fn an_absurd_plant_is_refused_instead_of_answered_with_nothing() {
        for absurd in ["1e308", "1001", "۲۰۰۰۰"] {
            let problem = estimate_plant(&PlantQuestion { kwp: absurd.into(), ..question("36", "50") }).unwrap_err();
            assert_eq!(problem.field, "kwp", "{absurd}");
            assert!(problem.fa.contains("حداکثر"));
        }
        assert!(estimate_plant(&PlantQuestion { kwp: "1000".into(), ..question("36", "50") }).is_ok());
    }
}

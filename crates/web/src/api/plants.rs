//! The home solar plants' routes: the yield estimate of a plant at a place.

use super::*;

/// The solar calculator's fields as a query string (the API's and the page's).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct SolarQuery {
    pub(crate) lat: Option<String>,
    pub(crate) lon: Option<String>,
    pub(crate) altitude: Option<String>,
    pub(crate) kwp: Option<String>,
    pub(crate) tilt: Option<String>,
    pub(crate) azimuth: Option<String>,
}

impl SolarQuery {
    pub(crate) fn question(self) -> app::solar::PlantQuestion {
        app::solar::PlantQuestion {
            latitude: self.lat.unwrap_or_default(),
            longitude: self.lon.unwrap_or_default(),
            altitude: self.altitude.unwrap_or_default(),
            kwp: self.kwp.unwrap_or_default(),
            tilt: self.tilt.unwrap_or_default(),
            azimuth: self.azimuth.unwrap_or_default(),
        }
    }
}

/// The plant's year, computed on a blocking thread: a few milliseconds of arithmetic (a typical year
/// and the chain) that should neither hold a request thread nor grow its stack.
pub(crate) async fn estimate_plant(
    question: app::solar::PlantQuestion,
) -> Result<app::solar::PlantAnswer, app::funds::FieldProblem> {
    tokio::task::spawn_blocking(move || app::solar::estimate_plant(&question)).await.unwrap_or_else(|failed| {
        Err(app::funds::FieldProblem::new(
            "latitude",
            format!("the estimate failed: {failed}"),
            "برآورد انجام نشد؛ دوباره بکوشید",
        ))
    })
}

pub(crate) async fn solar_estimate(_caller: Caller, Query(query): Query<SolarQuery>) -> ApiResult<Json<Value>> {
    let answer = estimate_plant(query.question()).await.map_err(|problem| ApiError::field_problems(vec![problem]))?;
    Ok(Json(crate::json::solar_estimate_json(
        &answer.design,
        &answer.estimate,
        answer.altitude_m,
        answer.weather_source,
    )))
}

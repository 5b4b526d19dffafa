//! The home solar calculator: a place in Iran, a plant's size and orientation, and what it should
//! produce month by month under the built-in typical year of that place (Jalali months, the reader's
//! digits). For anyone signed in: it reads no one's records.

use super::{PageResult, Viewer, esc, layout};
use crate::AppState;
use crate::api::SolarQuery;
use crate::i18n::Lang;
use axum::extract::Query;
use axum::response::IntoResponse;
use domain::date::{JALALI_MONTH_NAMES_EN, JALALI_MONTH_NAMES_FA};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/solar", axum::routing::get(calculator))
}

/// A number with one decimal (or none) in the reader's digits.
fn decimal(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match lang {
        Lang::Fa => domain::text::to_persian_digits(&text).replace('.', "٫"),
        Lang::En => text,
    }
}

async fn calculator(viewer: Viewer, Query(query): Query<SolarQuery>) -> PageResult {
    let lang = viewer.lang;
    let asked = query.lat.as_deref().is_some_and(|t| !t.trim().is_empty())
        || query.lon.as_deref().is_some_and(|t| !t.trim().is_empty());
    let value = |typed: &Option<String>| esc(typed.as_deref().unwrap_or(""));
    let form = format!(
        r##"<form class="stack" method="get" action="/solar">
<label for="lat">{lat_label}</label><input id="lat" name="lat" inputmode="decimal" value="{lat}" placeholder="{lat_example}">
<label for="lon">{lon_label}</label><input id="lon" name="lon" inputmode="decimal" value="{lon}" placeholder="{lon_example}">
<label for="altitude">{altitude_label}</label><input id="altitude" name="altitude" inputmode="decimal" value="{altitude}">
<label for="kwp">{kwp_label}</label><input id="kwp" name="kwp" inputmode="decimal" value="{kwp}" placeholder="{five}">
<label for="tilt">{tilt_label}</label><input id="tilt" name="tilt" inputmode="decimal" value="{tilt}" placeholder="{thirty}">
<label for="azimuth">{azimuth_label}</label><input id="azimuth" name="azimuth" inputmode="decimal" value="{azimuth}" placeholder="{south}">
<button type="submit">{estimate}</button></form>"##,
        lat_label = lang.t("latitude"),
        lon_label = lang.t("longitude"),
        altitude_label = lang.t("altitude_m"),
        kwp_label = lang.t("panel_kw"),
        tilt_label = lang.t("tilt_deg"),
        azimuth_label = lang.t("azimuth_deg"),
        estimate = lang.t("estimate"),
        lat = value(&query.lat),
        lon = value(&query.lon),
        altitude = value(&query.altitude),
        kwp = value(&query.kwp),
        tilt = value(&query.tilt),
        azimuth = value(&query.azimuth),
        lat_example = decimal(lang, 36.27, 2),
        lon_example = decimal(lang, 50.0, 2),
        five = lang.number(5),
        thirty = lang.number(30),
        south = lang.number(180),
    );
    let result = if asked {
        match crate::api::estimate_plant(query.clone().question()).await {
            Ok(answer) => answer_html(lang, &answer),
            Err(problem) => format!(
                r#"<div class="notice error" role="alert">{}: {}</div>"#,
                esc(lang.t(match problem.field {
                    "longitude" => "longitude",
                    "altitude" => "altitude_m",
                    "kwp" => "panel_kw",
                    "tilt" => "tilt_deg",
                    "azimuth" => "azimuth_deg",
                    _ => "latitude",
                })),
                esc(match lang {
                    Lang::Fa => &problem.fa,
                    Lang::En => &problem.en,
                })
            ),
        }
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>{title}</h1><p>{intro}</p>{form}{result}"#,
        title = lang.t("solar_title"),
        intro = lang.t("solar_intro"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("solar_title"), &body).into_response())
}

fn answer_html(lang: Lang, answer: &app::solar::PlantAnswer) -> String {
    let names = match lang {
        Lang::Fa => JALALI_MONTH_NAMES_FA,
        Lang::En => JALALI_MONTH_NAMES_EN,
    };
    let rows: String = names
        .iter()
        .zip(answer.estimate.monthly_jalali)
        .map(|(name, energy)| {
            format!(r#"<tr><td>{name}</td><td class="num">{}</td></tr>"#, lang.number(energy.0.round() as i64))
        })
        .collect();
    let design = &answer.design;
    format!(
        r##"<h2>{plant}</h2>
<p>{summary}</p>
<div class="table-wrap"><table><thead><tr><th>{month}</th><th class="num">{energy}</th></tr></thead><tbody>{rows}</tbody>
<tfoot><tr><th>{year}</th><th class="num">{annual}</th></tr></tfoot></table></div>
<p>{specific_label}: <strong>{specific}</strong> · {factor_label}: <strong>{factor}</strong></p>
<p class="muted">{source_label}: {source}. {caveat}</p>"##,
        plant = lang.t("solar_result"),
        summary = esc(&format!(
            "{} {} · {} {}° · {} {}° · {} {} m · {} {}",
            decimal(lang, design.dc_capacity.0, 1),
            lang.t("kw"),
            lang.t("tilt_deg_short"),
            decimal(lang, design.surface.tilt_deg, 0),
            lang.t("azimuth_deg_short"),
            decimal(lang, design.surface.azimuth_deg, 0),
            lang.t("altitude_short"),
            lang.number(answer.altitude_m.round() as i64),
            lang.t("losses_short"),
            lang.percent(design.losses_percent / 100.0),
        )),
        month = lang.t("month"),
        energy = lang.t("energy_kwh"),
        year = lang.t("year_total"),
        annual = lang.number(answer.estimate.annual.0.round() as i64),
        specific_label = lang.t("specific_yield"),
        specific = lang.number(answer.estimate.specific_yield_kwh_per_kwp.round() as i64),
        factor_label = lang.t("capacity_factor"),
        factor = lang.percent(answer.estimate.capacity_factor),
        source_label = lang.t("weather_used"),
        source = esc(match lang {
            Lang::Fa => answer.weather_source_fa,
            Lang::En => answer.weather_source,
        }),
        caveat = lang.t("solar_caveat"),
    )
}

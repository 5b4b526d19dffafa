//! The home solar calculator: a place in Iran, a plant's size and orientation, and what it should
//! produce month by month under the built-in typical year of that place (Jalali months, the reader's
//! digits). For anyone signed in: it reads no one's records.

use super::components::{Text, layout as page};
use super::{PageResult, Viewer};
use crate::AppState;
use crate::api::SolarQuery;
use crate::i18n::Lang;
use axum::extract::Query;
use axum::response::IntoResponse;
use domain::date::{JALALI_MONTH_NAMES_EN, JALALI_MONTH_NAMES_FA};
use maud::{Markup, html};

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
    let field = |name: &str, label: &str, typed: &Option<String>, example: Option<String>| {
        html! {
            label for=(name) { (label) }
            input id=(name) name=(name) inputmode="decimal" value=(Text(typed.as_deref().unwrap_or(""))) placeholder=[example];
        }
    };
    let result = if asked {
        match crate::api::estimate_plant(query.clone().question()).await {
            Ok(answer) => answer_html(lang, &answer),
            Err(problem) => {
                let field = lang.t(match problem.field {
                    "longitude" => "longitude",
                    "altitude" => "altitude_m",
                    "kwp" => "panel_kw",
                    "tilt" => "tilt_deg",
                    "azimuth" => "azimuth_deg",
                    _ => "latitude",
                });
                let reason = match lang {
                    Lang::Fa => &problem.fa,
                    Lang::En => &problem.en,
                };
                html! { div.notice.error role="alert" { (field) ": " (Text(reason)) } }
            }
        }
    } else {
        html! {}
    };
    let body = html! {
        h1 { (lang.t("solar_title")) }
        p { (lang.t("solar_intro")) }
        form.stack method="get" action="/solar" {
            (field("lat", lang.t("latitude"), &query.lat, Some(decimal(lang, 36.27, 2))))
            (field("lon", lang.t("longitude"), &query.lon, Some(decimal(lang, 50.0, 2))))
            (field("altitude", lang.t("altitude_m"), &query.altitude, None))
            (field("kwp", lang.t("panel_kw"), &query.kwp, Some(lang.number(5))))
            (field("tilt", lang.t("tilt_deg"), &query.tilt, Some(lang.number(30))))
            (field("azimuth", lang.t("azimuth_deg"), &query.azimuth, Some(lang.number(180))))
            button type="submit" { (lang.t("estimate")) }
        }
        (result)
    };
    Ok(page(lang, Some(&viewer.user), lang.t("solar_title"), body).into_response())
}

fn answer_html(lang: Lang, answer: &app::solar::PlantAnswer) -> Markup {
    let names = match lang {
        Lang::Fa => JALALI_MONTH_NAMES_FA,
        Lang::En => JALALI_MONTH_NAMES_EN,
    };
    let design = &answer.design;
    let summary = format!(
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
    );
    let source = match lang {
        Lang::Fa => answer.weather_source_fa,
        Lang::En => answer.weather_source,
    };
    html! {
        h2 { (lang.t("solar_result")) }
        p { (Text(&summary)) }
        div.table-wrap { table {
            thead { tr { th { (lang.t("month")) } th.num { (lang.t("energy_kwh")) } } }
            tbody {
                @for (name, energy) in names.iter().zip(answer.estimate.monthly_jalali) {
                    tr { td { (name) } td.num { (lang.number(energy.0.round() as i64)) } }
                }
            }
            tfoot { tr { th { (lang.t("year_total")) } th.num { (lang.number(answer.estimate.annual.0.round() as i64)) } } }
        } }
        p {
            (lang.t("specific_yield")) ": " strong { (lang.number(answer.estimate.specific_yield_kwh_per_kwp.round() as i64)) }
            " · " (lang.t("capacity_factor")) ": " strong { (lang.percent(answer.estimate.capacity_factor)) }
        }
        p.muted { (lang.t("weather_used")) ": " (Text(source)) ". " (lang.t("solar_caveat")) }
    }
}

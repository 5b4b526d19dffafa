//! The lottery on a page: who may enter today, the draw (its seed said aloud at the meeting), and every
//! published draw with its seed, entrants and digest, recomputed on the spot, and how anyone can check
//! it (`abadi lottery verify DRAW`).

use super::{PageError, PageResult, Viewer};
use crate::AppState;
use crate::pages::components::{Text, layout};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::{Action, Target, allows};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/funds/{id}/lottery", axum::routing::get(lottery_page).post(draw))
}

async fn lottery_body(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    problem: Option<String>,
) -> Result<Markup, PageError> {
    let lang = viewer.lang;
    let place = viewer.may(state, Action::Read, id).await?;
    let today = crate::today(state);
    let cycle = today.to_jalali().year().to_string();
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let names: HashMap<i64, String> = state
        .store
        .members(id)
        .await
        .map_err(|e| viewer.internal(e))?
        .into_iter()
        .map(|m| (m.id, format!("{} {}", m.first_name, m.last_name)))
        .collect();
    let name = |member: &i64| names.get(member).map_or("", String::as_str);
    let entrants = state.store.lottery_entrants(id, today, &cycle).await.map_err(|e| viewer.internal(e))?;
    let draws = state.store.lottery_draws(id).await.map_err(|e| viewer.internal(e))?;
    let may_draw = allows(&viewer.user.grant, Action::Operate, Target { place: &place, fund_id: Some(id) });
    Ok(html! {
        h1 { (lang.t("lottery")) " · " (Text(&fund.name)) }
        @if let Some(problem) = &problem { div.notice.error role="alert" { (Text(problem)) } }
        h2 { (lang.t("eligible_members")) " (" (lang.number(entrants.len() as i64)) ")" }
        ul { @for member in &entrants { li { (Text(name(member))) } } }
        @if may_draw && !entrants.is_empty() {
            form.stack method="post" action={ "/funds/" (id) "/lottery" } {
                label { (lang.t("seed")) span.hint { (lang.t("seed_hint")) } input name="seed" required; }
                button type="submit" { (lang.t("draw")) }
            }
        }
        h2 { (lang.t("published_draws")) }
        p.muted { (lang.t("verify_how")) }
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { (lang.t("when")) }
                        th { (lang.t("winner")) }
                        th { (lang.t("seed")) }
                        th.num.hide-narrow { (lang.t("eligible_members")) }
                        th.hide-narrow { (lang.t("digest")) }
                        th { (lang.t("check")) }
                    }
                }
                tbody {
                    @for d in &draws {
                        @let recomputes = domain::fund::draw_lottery(&d.draw.seed, &d.draw.entrants)
                            .is_ok_and(|again| again == d.draw);
                        tr {
                            td { (lang.date(d.drawn_on)) }
                            td { strong { (Text(name(&d.draw.winner))) } }
                            td { (Text(&d.draw.seed)) }
                            td.num.hide-narrow { (lang.number(d.draw.entrants.len() as i64)) }
                            td.hide-narrow {
                                code dir="ltr" { (Text(d.draw.digest_hex.get(..16).unwrap_or(&d.draw.digest_hex))) }
                            }
                            td { (if recomputes { lang.t("recomputes") } else { lang.t("does_not_recompute") }) }
                        }
                    }
                }
            }
        }
    })
}

async fn lottery_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let body = lottery_body(&state, &viewer, id, None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("lottery"), body).into_response())
}

#[derive(Deserialize)]
struct DrawForm {
    seed: String,
}

async fn draw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DrawForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = crate::today(&state);
    let cycle = today.to_jalali().year().to_string();
    let drawn =
        app::funds::draw(&state.store, state.clock.as_ref(), &viewer.actor(), id, today, &cycle, &form.seed).await;
    match drawn {
        Ok(_) => Ok(Redirect::to(&format!("/funds/{id}/lottery")).into_response()),
        Err(e @ (app::model::StoreError::Invalid(_) | app::model::StoreError::Conflict(_))) => {
            let body = lottery_body(&state, &viewer, id, Some(crate::pages::store_problem(viewer.lang, &e))).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(viewer.lang, Some(&viewer.user), viewer.lang.t("lottery"), body),
            )
                .into_response())
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

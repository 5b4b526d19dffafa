//! The lottery on a page: who may enter today, the draw (its seed said aloud at the meeting), and every
//! published draw with its seed, entrants and digest, recomputed on the spot, and how anyone can check
//! it (`abadi lottery verify DRAW`).

use super::{PageError, PageResult, Viewer, esc, layout};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::{Action, Target, allows};
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
) -> Result<String, PageError> {
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
    let name = |member: &i64| esc(names.get(member).map_or("", String::as_str));
    let entrants = state.store.lottery_entrants(id, today, &cycle).await.map_err(|e| viewer.internal(e))?;
    let entrant_list: String = entrants.iter().map(|m| format!("<li>{}</li>", name(m))).collect();
    let draws = state.store.lottery_draws(id).await.map_err(|e| viewer.internal(e))?;
    let draw_rows: String = draws
        .iter()
        .map(|d| {
            let recomputes = domain::fund::draw_lottery(&d.draw.seed, &d.draw.entrants).is_ok_and(|again| again == d.draw);
            format!(
                r#"<tr><td>{on}</td><td><strong>{winner}</strong></td><td>{seed}</td><td class="num hide-narrow">{count}</td><td class="hide-narrow"><code dir="ltr">{digest}</code></td><td>{check}</td></tr>"#,
                on = lang.date(d.drawn_on),
                winner = name(&d.draw.winner),
                seed = esc(&d.draw.seed),
                count = lang.number(d.draw.entrants.len() as i64),
                digest = esc(d.draw.digest_hex.get(..16).unwrap_or(&d.draw.digest_hex)),
                check = if recomputes { lang.t("recomputes") } else { lang.t("does_not_recompute") },
            )
        })
        .collect();
    let may_draw = allows(&viewer.user.grant, Action::Operate, Target { place: &place, fund_id: Some(id) });
    let form = if may_draw && !entrants.is_empty() {
        format!(
            r#"<form class="stack" method="post" action="/funds/{id}/lottery">
<label>{seed_label}<span class="hint">{seed_hint}</span><input name="seed" required></label>
<button type="submit">{draw}</button></form>"#,
            seed_label = lang.t("seed"),
            seed_hint = lang.t("seed_hint"),
            draw = lang.t("draw"),
        )
    } else {
        String::new()
    };
    let notice =
        problem.map_or(String::new(), |p| format!(r#"<div class="notice error" role="alert">{}</div>"#, esc(&p)));
    Ok(format!(
        r#"<h1>{title} · {fund}</h1>{notice}
<h2>{eligible} ({count})</h2>
<ul>{entrant_list}</ul>
{form}
<h2>{published}</h2>
<p class="muted">{how}</p>
<div class="table-wrap"><table><thead><tr><th>{on}</th><th>{winner}</th><th>{seed}</th><th class="num hide-narrow">{entrants}</th><th class="hide-narrow">{digest}</th><th>{check}</th></tr></thead><tbody>{draw_rows}</tbody></table></div>"#,
        title = lang.t("lottery"),
        fund = esc(&fund.name),
        eligible = lang.t("eligible_members"),
        count = lang.number(entrants.len() as i64),
        published = lang.t("published_draws"),
        how = lang.t("verify_how"),
        on = lang.t("when"),
        winner = lang.t("winner"),
        seed = lang.t("seed"),
        entrants = lang.t("eligible_members"),
        digest = lang.t("digest"),
        check = lang.t("check"),
    ))
}

async fn lottery_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let body = lottery_body(&state, &viewer, id, None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("lottery"), &body).into_response())
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
                layout(viewer.lang, Some(&viewer.user), viewer.lang.t("lottery"), &body),
            )
                .into_response())
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

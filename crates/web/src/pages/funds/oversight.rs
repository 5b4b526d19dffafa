//! A fund's pages for officers: its rules with their history, which an officer above the fund may
//! change from a date on, its statements derived from the books, and the organisation's capital put
//! into the fund (and repaid), which the officer records.

use super::{PageError, PageResult, Viewer};
use crate::AppState;
use crate::pages::components::{self, Column, Text, Tone, layout};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::{Action, Target, allows};
use domain::fund::FundRules;
use domain::{IsoDate, Rials};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/funds/{id}/rules", get(rules_page).post(change_rules))
        .route("/funds/{id}/statements", get(statements_page))
        .route("/funds/{id}/capital", get(capital_page).post(move_capital))
}

fn rules_row(viewer: &Viewer, from: IsoDate, r: &FundRules) -> Markup {
    let lang = viewer.lang;
    html! {
        tr {
            td { (lang.date(from)) }
            td.num { (viewer.amount(r.monthly_savings)) }
            td { (r.karmozd_method.name_fa()) " " (domain::text::show_digits(&r.fee_rate.to_string(), lang.digits())) }
            td.num { (viewer.amount(r.loan_cap)) }
            td.num.hide-narrow {
                (domain::text::show_digits(&format!("{}–{}", r.term_months_min, r.term_months_max), lang.digits()))
            }
            td.hide-narrow { (r.late_rule.code()) }
            td.num.hide-narrow { (viewer.amount(r.second_approval_above)) }
        }
    }
}

async fn rules_body(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    typed: Option<&RulesForm>,
    problem: Option<String>,
) -> Result<Markup, PageError> {
    let lang = viewer.lang;
    let place = viewer.may(state, Action::Read, id).await?;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let history = state.store.fund_rules(id).await.map_err(|e| viewer.internal(e))?;
    let may_change = allows(&viewer.user.grant, Action::Oversee, Target { place: &place, fund_id: Some(id) });
    let unit = viewer.unit_name();
    Ok(html! {
        h1 { (lang.t("rules")) " · " (Text(&fund.name)) }
        @if let Some(problem) = &problem { div.notice.error role="alert" { (Text(problem)) } }
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { (lang.t("from_date")) }
                        th.num { (lang.t("dues")) " (" (unit) ")" }
                        th { (lang.t("karmozd")) }
                        th.num { (lang.t("loan_cap")) " (" (unit) ")" }
                        th.num.hide-narrow { (lang.t("term_months")) }
                        th.hide-narrow { (lang.t("late_rule")) }
                        th.num.hide-narrow { (lang.t("second_approval_above")) " (" (unit) ")" }
                    }
                }
                tbody { @for (from, r) in history.versions().iter().rev() { (rules_row(viewer, *from, r)) } }
            }
        }
        @if may_change {
            @let current = history.on(crate::today(state));
            @let savings =
                typed.map_or_else(|| viewer.input_amount(current.monthly_savings), |t| t.monthly_savings.clone());
            @let rate = typed.map_or_else(|| current.fee_rate.to_string(), |t| t.fee_rate_percent.clone());
            @let second = typed.map_or_else(
                || viewer.input_amount(current.second_approval_above),
                |t| t.second_approval_above.clone(),
            );
            h2 { (lang.t("change_rules")) }
            form.stack method="post" action={ "/funds/" (id) "/rules" } {
                label {
                    (lang.t("from_date")) span.hint { (lang.t("date_hint")) }
                    input name="from" required value=(Text(typed.map_or("", |t| t.from.as_str())));
                }
                label {
                    (lang.t("dues")) " (" (unit) ")"
                    input.amount name="monthly_savings" inputmode="numeric" value=(Text(&savings));
                }
                label { (lang.t("karmozd_percent")) input name="fee_rate_percent" value=(Text(&rate)); }
                label {
                    (lang.t("second_approval_above")) " (" (unit) ")"
                    input.amount name="second_approval_above" inputmode="numeric" value=(Text(&second));
                }
                button type="submit" { (lang.t("save")) }
            }
        }
    })
}

async fn rules_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let body = rules_body(&state, &viewer, id, None, None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("rules"), body).into_response())
}

#[derive(Deserialize)]
pub(super) struct RulesForm {
    from: String,
    #[serde(default)]
    monthly_savings: String,
    #[serde(default)]
    fee_rate_percent: String,
    #[serde(default)]
    second_approval_above: String,
}

/// An officer changes the fund's dues, karmozd rate or second-approval amount from a date on; the rest
/// of the rules stay as they were on that date.
async fn change_rules(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RulesForm>,
) -> PageResult {
    viewer.may(&state, Action::Oversee, id).await?;
    let refuse = |problem: String| {
        let state = state.clone();
        let viewer = &viewer;
        let form = &form;
        async move {
            let body = rules_body(&state, viewer, id, Some(form), Some(problem)).await?;
            Ok::<_, PageError>(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("rules"), body),
                )
                    .into_response(),
            )
        }
    };
    let from = match domain::JalaliDate::parse(&form.from) {
        Ok(day) => day.to_iso(),
        Err(e) => return refuse(crate::pages::date_problem(viewer.lang, &e)).await,
    };
    let history = state.store.fund_rules(id).await.map_err(|e| viewer.internal(e))?;
    let before = history.on(from).clone();
    let mut after = before.clone();
    let amount = |text: &str, current: Rials| -> Result<Rials, String> {
        if text.trim().is_empty() { Ok(current) } else { viewer.parse_amount(text) }
    };
    match (
        amount(&form.monthly_savings, before.monthly_savings),
        amount(&form.second_approval_above, before.second_approval_above),
    ) {
        (Ok(savings), Ok(second)) => {
            after.monthly_savings = savings;
            after.second_approval_above = second;
        }
        (Err(e), _) | (_, Err(e)) => return refuse(e).await,
    }
    if !form.fee_rate_percent.trim().is_empty() {
        match domain::loan::FeeRate::parse_percent(&form.fee_rate_percent) {
            Ok(rate) => after.fee_rate = rate,
            Err(e) => return refuse(e.to_string()).await,
        }
    }
    // The edits were made to the rules as the form read them: refused if they changed meanwhile.
    let changed = app::funds::change_rules(&state.store, state.clock.as_ref(), &viewer.actor(), id, from, |fresh| {
        if fresh == before {
            Ok(after.clone())
        } else {
            Err(app::model::StoreError::Conflict(viewer.lang.t("stale").to_string()))
        }
    })
    .await
    .map(|_| ());
    match changed {
        Ok(()) => Ok(Redirect::to(&format!("/funds/{id}/rules")).into_response()),
        Err(e @ (app::model::StoreError::Invalid(_) | app::model::StoreError::Conflict(_))) => {
            refuse(crate::pages::store_problem(viewer.lang, &e)).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

#[derive(Deserialize, Default)]
struct PeriodQuery {
    period: Option<String>,
}

/// A fund's balance sheet at the end of a Jalali month or year and its income statement for the
/// period, derived from the books; printable.
async fn statements_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> PageResult {
    viewer.may(&state, Action::Read, id).await?;
    let lang = viewer.lang;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let typed = query.period.unwrap_or_else(|| app::today_in_iran(state.clock.as_ref()).year().to_string());
    let (first, last) = match domain::date::parse_jalali_period(&typed) {
        Ok(period) => period,
        Err(e) => {
            let body = html! {
                h1 { (lang.t("statements")) }
                p.notice.error { (Text(&crate::pages::date_problem(lang, &e))) }
            };
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(lang, Some(&viewer.user), lang.t("statements"), body),
            )
                .into_response());
        }
    };
    let statements = app::funds::fund_statements(&state.store, id, first.to_iso(), last.to_iso())
        .await
        .map_err(|e| viewer.internal(e))?;
    let section = |title: &str, lines: &[(String, String, i64)]| -> Markup {
        let total: i64 = lines.iter().map(|(_, _, a)| a).sum();
        html! {
            h3 { (title) }
            div.table-wrap {
                table {
                    tbody {
                        @for (code, name, amount) in lines {
                            tr {
                                td.hide-narrow { (domain::text::show_digits(code, lang.digits())) }
                                td { (Text(name)) }
                                td.num { (viewer.amount(Rials::new(*amount))) }
                            }
                        }
                        tr { th.hide-narrow {} th { (lang.t("total")) } th.num { (viewer.amount(Rials::new(total))) } }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (lang.t("statements")) " · " (Text(&fund.name)) }
        form.search.no-print method="get" action={ "/funds/" (id) "/statements" } {
            input name="period" value=(Text(&typed)) aria-label=(lang.t("period")) placeholder=(lang.t("period_hint"));
            button type="submit" { (lang.t("filter")) }
        }
        p.muted {
            (lang.t("from_date")) " " (lang.date(first.to_iso())) " — "
            (lang.t("to_date")) " " (lang.date(last.to_iso())) " (" (viewer.unit_name()) ")"
        }
        div.actions.no-print { button type="button" class="secondary" data-print { (lang.t("print")) } }
        h2 { (lang.t("balance_sheet")) }
        (section(lang.t("assets"), &statements.assets))
        (section(lang.t("liabilities"), &statements.liabilities))
        (section(lang.t("equity"), &statements.equity))
        p { (lang.t("retained_earnings")) ": " (viewer.money(Rials::new(statements.retained_earnings))) }
        h2 { (lang.t("income_statement")) }
        (section(lang.t("income"), &statements.income))
        (section(lang.t("expenses"), &statements.expenses))
        p { strong { (lang.t("net_income")) ": " (viewer.money(Rials::new(statements.net_income))) } }
    };
    Ok(layout(lang, Some(&viewer.user), lang.t("statements"), body).into_response())
}

// ---- capital injections ----

#[derive(Deserialize, Default, Clone)]
struct CapitalForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    key: String,
}

async fn capital_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let place = viewer.may(&state, Action::Read, id).await?;
    let body = capital_body(&state, &viewer, id, &place, &CapitalForm::default(), None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("capital"), body).into_response())
}

/// The fund's capital movements with their totals, and for an officer above the fund the form that
/// records one (what was typed kept, with the problem, when it was refused).
async fn capital_body(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    place: &domain::PlacePath,
    typed: &CapitalForm,
    notice: Option<(Tone, String)>,
) -> Result<Markup, PageError> {
    let lang = viewer.lang;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let records = state.store.capital_records(id).await.map_err(|e| viewer.internal(e))?;
    let total = |code: &str| Rials::new(records.iter().filter(|r| r.code == code).map(|r| r.amount.get()).sum());
    let (lent, grants, repaid) = (total("capital.loan"), total("capital.grant"), total("capital.repay"));
    let kind_name = |code: &str| match code {
        "capital.loan" => lang.t("capital_loan"),
        "capital.grant" => lang.t("capital_grant"),
        _ => lang.t("capital_repayment"),
    };
    let oversee = allows(&viewer.user.grant, Action::Oversee, Target { place, fund_id: Some(id) });
    let figure = |label: &str, value: Rials| html! { li { strong { (viewer.money(value)) } (label) } };
    let amount_head = format!("{} ({})", lang.t("amount"), viewer.unit_name());
    let head = [
        Column::text(lang.t("date")),
        Column::text(lang.t("kind")),
        Column::text(lang.t("capital_source")),
        Column::with(&amount_head, "num"),
    ];
    Ok(html! {
        h1 { (lang.t("capital")) " · " (Text(&fund.name)) }
        @if let Some((tone, text)) = &notice { (components::notice(*tone, text)) }
        ul.figures {
            (figure(lang.t("capital_loans_in"), lent))
            (figure(lang.t("capital_repaid"), repaid))
            (figure(lang.t("capital_owed"), Rials::new(lent.get() - repaid.get())))
            (figure(lang.t("capital_grants_in"), grants))
        }
        @if records.is_empty() {
            p.muted { (lang.t("no_capital")) }
        } @else {
            (components::table(&head, html! {
                @for r in records.iter().rev() {
                    tr {
                        td { (lang.date(r.on)) }
                        td { (kind_name(&r.code)) }
                        td { (Text(&r.source)) }
                        td.num { (viewer.amount(r.amount)) }
                    }
                }
        }))
        }
        @if oversee {
            @let key = if typed.key.is_empty() { super::fresh_key("capital") } else { typed.key.clone() };
            @let on = if typed.on.is_empty() { lang.date(crate::today(state)) } else { typed.on.clone() };
            h2 { (lang.t("record_capital")) }
            form.stack method="post" action={ "/funds/" (id) "/capital" } {
                input type="hidden" name="key" value=(Text(&key));
                label for="kind" { (lang.t("kind")) }
                select #kind name="kind" {
                    @for (value, label) in [
                        ("loan", lang.t("capital_loan")),
                        ("grant", lang.t("capital_grant")),
                        ("repayment", lang.t("capital_repayment")),
                    ] {
                        option value=(value) selected[typed.kind == value] { (label) }
                    }
                }
                label for="amount" { (lang.t("amount")) " (" (viewer.unit_name()) ")" }
                input id="amount" class="amount" name="amount" inputmode="numeric" required value=(Text(&typed.amount));
                label for="source" { (lang.t("capital_source")) " " span.hint { (lang.t("capital_source_hint")) } }
                input id="source" name="source" required value=(Text(&typed.source));
                label for="on" { (lang.t("date")) " " span.hint { (lang.t("date_hint")) } }
                input id="on" name="on" required value=(Text(&on));
                button type="submit" { (lang.t("save")) }
            }
        }
        p { a href={ "/funds/" (id) } { (lang.t("home")) } }
    })
}

/// An officer records capital put into the fund (a loan or a grant) or a capital loan repaid. The form's
/// key makes a double click post once; a refusal keeps what was typed.
async fn move_capital(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CapitalForm>,
) -> PageResult {
    use app::funds::{CapitalMove, InjectionKind};
    let place = viewer.may(&state, Action::Oversee, id).await?;
    let lang = viewer.lang;
    let refuse = |problem: String| {
        let state = state.clone();
        let viewer = &viewer;
        let (place, form) = (place.clone(), form.clone());
        async move {
            let body = capital_body(&state, viewer, id, &place, &form, Some((Tone::Error, problem))).await?;
            Ok::<_, PageError>(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("capital"), body),
                )
                    .into_response(),
            )
        }
    };
    let (kind, repayment) = match form.kind.as_str() {
        "loan" => (InjectionKind::Loan, false),
        "grant" => (InjectionKind::Grant, false),
        "repayment" => (InjectionKind::Loan, true),
        _ => return refuse(lang.t("kind").to_string()).await,
    };
    let amount = match viewer.parse_amount(&form.amount) {
        Ok(amount) if amount.is_positive() => amount,
        Ok(_) => return refuse(format!("{}: {}", lang.t("amount"), lang.t("more_than_zero"))).await,
        Err(e) => return refuse(format!("{}: {e}", lang.t("amount"))).await,
    };
    let on = match domain::JalaliDate::parse(&form.on) {
        Ok(day) => day.to_iso(),
        Err(e) => return refuse(format!("{}: {}", lang.t("date"), crate::pages::date_problem(lang, &e))).await,
    };
    if form.source.trim().is_empty() {
        return refuse(format!("{}: {}", lang.t("capital_source"), lang.t("capital_source_hint"))).await;
    }
    let movement = CapitalMove { fund_id: id, kind, amount, source: &form.source, on };
    let posted =
        app::funds::move_capital(&state.store, state.clock.as_ref(), &viewer.actor(), &movement, &form.key, repayment)
            .await;
    match posted {
        Ok(outcome) => {
            let message = if outcome.status == app::model::PostStatus::Posted {
                lang.t("saved")
            } else {
                lang.t("already_recorded")
            };
            let body = capital_body(
                &state,
                &viewer,
                id,
                &place,
                &CapitalForm::default(),
                Some((Tone::Ok, message.to_string())),
            )
            .await?;
            Ok(layout(lang, Some(&viewer.user), lang.t("capital"), body).into_response())
        }
        Err(
            e @ (app::model::StoreError::Invalid(_)
            | app::model::StoreError::Rejected { .. }
            | app::model::StoreError::Conflict(_)),
        ) => refuse(crate::pages::store_problem(lang, &e)).await,
        Err(e) => Err(viewer.internal(e)),
    }
}

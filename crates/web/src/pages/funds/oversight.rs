//! A fund's pages for officers: its rules with their history, which an officer above the fund may
//! change from a date on, its statements derived from the books, and the organisation's capital put
//! into the fund (and repaid), which the officer records.

use super::{PageError, PageResult, Viewer, esc, layout};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::{Action, Target, allows};
use domain::fund::FundRules;
use domain::{IsoDate, Rials};
use serde::Deserialize;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/funds/{id}/rules", get(rules_page).post(change_rules))
        .route("/funds/{id}/statements", get(statements_page))
        .route("/funds/{id}/capital", get(capital_page).post(move_capital))
}

fn rules_row(viewer: &Viewer, from: IsoDate, r: &FundRules) -> String {
    let lang = viewer.lang;
    format!(
        r#"<tr><td>{from}</td><td class="num">{savings}</td><td>{method} {rate}</td><td class="num">{cap}</td><td class="num hide-narrow">{terms}</td><td class="hide-narrow">{late}</td><td class="num hide-narrow">{second}</td></tr>"#,
        from = lang.date(from),
        savings = viewer.amount(r.monthly_savings),
        method = r.karmozd_method.name_fa(),
        rate = domain::text::show_digits(&r.fee_rate.to_string(), lang.digits()),
        cap = viewer.amount(r.loan_cap),
        terms = domain::text::show_digits(&format!("{}–{}", r.term_months_min, r.term_months_max), lang.digits()),
        late = r.late_rule.code(),
        second = viewer.amount(r.second_approval_above),
    )
}

async fn rules_body(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    typed: Option<&RulesForm>,
    problem: Option<String>,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let place = viewer.may(state, Action::Read, id).await?;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let history = state.store.fund_rules(id).await.map_err(|e| viewer.internal(e))?;
    let rows: String = history.versions().iter().rev().map(|(from, r)| rules_row(viewer, *from, r)).collect();
    let may_change = allows(&viewer.user.grant, Action::Oversee, Target { place: &place, fund_id: Some(id) });
    let form = if may_change {
        let current = history.on(crate::today(state));
        format!(
            r#"<h2>{change}</h2>
<form class="stack" method="post" action="/funds/{id}/rules">
<label>{from_label}<span class="hint">{hint}</span><input name="from" required value="{from_value}"></label>
<label>{savings_label} ({unit})<input class="amount" name="monthly_savings" inputmode="numeric" value="{savings}"></label>
<label>{rate_label}<input name="fee_rate_percent" value="{rate}"></label>
<label>{second_label} ({unit})<input class="amount" name="second_approval_above" inputmode="numeric" value="{second}"></label>
<button type="submit">{save}</button></form>"#,
            change = lang.t("change_rules"),
            from_label = lang.t("from_date"),
            hint = lang.t("date_hint"),
            savings_label = lang.t("dues"),
            unit = viewer.unit_name(),
            from_value = esc(typed.map_or("", |t| t.from.as_str())),
            savings =
                esc(&typed.map_or_else(|| viewer.input_amount(current.monthly_savings), |t| t.monthly_savings.clone())),
            rate_label = lang.t("karmozd_percent"),
            rate = esc(&typed.map_or_else(|| current.fee_rate.to_string(), |t| t.fee_rate_percent.clone())),
            second_label = lang.t("second_approval_above"),
            second = esc(&typed.map_or_else(
                || viewer.input_amount(current.second_approval_above),
                |t| t.second_approval_above.clone()
            )),
            save = lang.t("save"),
        )
    } else {
        String::new()
    };
    let notice =
        problem.map_or(String::new(), |p| format!(r#"<div class="notice error" role="alert">{}</div>"#, esc(&p)));
    Ok(format!(
        r#"<h1>{title} · {fund}</h1>{notice}
<div class="table-wrap"><table><thead><tr><th>{from}</th><th class="num">{dues} ({unit})</th><th>{karmozd}</th><th class="num">{cap} ({unit})</th><th class="num hide-narrow">{terms}</th><th class="hide-narrow">{late}</th><th class="num hide-narrow">{second} ({unit})</th></tr></thead><tbody>{rows}</tbody></table></div>
{form}"#,
        title = lang.t("rules"),
        fund = esc(&fund.name),
        from = lang.t("from_date"),
        dues = lang.t("dues"),
        unit = viewer.unit_name(),
        karmozd = lang.t("karmozd"),
        cap = lang.t("loan_cap"),
        terms = lang.t("term_months"),
        late = lang.t("late_rule"),
        second = lang.t("second_approval_above"),
    ))
}

async fn rules_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let body = rules_body(&state, &viewer, id, None, None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("rules"), &body).into_response())
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
                    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("rules"), &body),
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
            let body = format!(
                r#"<h1>{}</h1><p class="notice error">{}</p>"#,
                lang.t("statements"),
                esc(&crate::pages::date_problem(lang, &e))
            );
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(lang, Some(&viewer.user), lang.t("statements"), &body),
            )
                .into_response());
        }
    };
    let statements = app::funds::fund_statements(&state.store, id, first.to_iso(), last.to_iso())
        .await
        .map_err(|e| viewer.internal(e))?;
    let section = |title: &str, lines: &[(String, String, i64)]| -> String {
        let rows: String = lines
            .iter()
            .map(|(code, name, amount)| {
                format!(
                    r#"<tr><td class="hide-narrow">{}</td><td>{}</td><td class="num">{}</td></tr>"#,
                    domain::text::show_digits(code, lang.digits()),
                    esc(name),
                    viewer.amount(Rials::new(*amount))
                )
            })
            .collect();
        let total: i64 = lines.iter().map(|(_, _, a)| a).sum();
        format!(
            r#"<h3>{title}</h3><div class="table-wrap"><table><tbody>{rows}<tr><th class="hide-narrow"></th><th>{total_label}</th><th class="num">{total}</th></tr></tbody></table></div>"#,
            total_label = lang.t("total"),
            total = viewer.amount(Rials::new(total)),
        )
    };
    let body = format!(
        r#"<h1>{title} · {fund}</h1>
<form class="search no-print" method="get" action="/funds/{id}/statements"><input name="period" value="{typed}" aria-label="{period_label}" placeholder="{period_hint}"><button type="submit">{show}</button></form>
<p class="muted">{from} {first} — {to} {last} ({unit})</p>
<div class="actions no-print"><button type="button" class="secondary" data-print>{print}</button></div>
<h2>{balance_sheet}</h2>{assets}{liabilities}{equity}
<p>{retained}: {retained_amount}</p>
<h2>{income_statement}</h2>{income}{expenses}
<p><strong>{net}: {net_amount}</strong></p>"#,
        title = lang.t("statements"),
        fund = esc(&fund.name),
        typed = esc(&typed),
        period_label = lang.t("period"),
        period_hint = lang.t("period_hint"),
        show = lang.t("filter"),
        from = lang.t("from_date"),
        first = lang.date(first.to_iso()),
        to = lang.t("to_date"),
        last = lang.date(last.to_iso()),
        unit = viewer.unit_name(),
        print = lang.t("print"),
        balance_sheet = lang.t("balance_sheet"),
        assets = section(lang.t("assets"), &statements.assets),
        liabilities = section(lang.t("liabilities"), &statements.liabilities),
        equity = section(lang.t("equity"), &statements.equity),
        retained = lang.t("retained_earnings"),
        retained_amount = viewer.money(Rials::new(statements.retained_earnings)),
        income_statement = lang.t("income_statement"),
        income = section(lang.t("income"), &statements.income),
        expenses = section(lang.t("expenses"), &statements.expenses),
        net = lang.t("net_income"),
        net_amount = viewer.money(Rials::new(statements.net_income)),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("statements"), &body).into_response())
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
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("capital"), &body).into_response())
}

/// The fund's capital movements with their totals, and for an officer above the fund the form that
/// records one (what was typed kept, with the problem, when it was refused).
async fn capital_body(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    place: &domain::PlacePath,
    typed: &CapitalForm,
    notice: Option<(&str, String)>,
) -> Result<String, PageError> {
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
    let rows: String = records
        .iter()
        .rev()
        .map(|r| {
            format!(
                r#"<tr><td>{on}</td><td>{kind}</td><td>{source}</td><td class="num">{amount}</td></tr>"#,
                on = lang.date(r.on),
                kind = kind_name(&r.code),
                source = esc(&r.source),
                amount = viewer.amount(r.amount),
            )
        })
        .collect();
    let table = if records.is_empty() {
        format!(r#"<p class="muted">{}</p>"#, lang.t("no_capital"))
    } else {
        format!(
            r#"<div class="table-wrap"><table><thead><tr><th>{date}</th><th>{kind}</th><th>{source}</th><th class="num">{amount} ({unit})</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
            date = lang.t("date"),
            kind = lang.t("kind"),
            source = lang.t("capital_source"),
            amount = lang.t("amount"),
            unit = viewer.unit_name(),
        )
    };
    let oversee = allows(&viewer.user.grant, Action::Oversee, Target { place, fund_id: Some(id) });
    let form = if oversee {
        let key = if typed.key.is_empty() { super::fresh_key("capital") } else { typed.key.clone() };
        let option = |value: &str, label: &str| {
            let mark = if typed.kind == value { " selected" } else { "" };
            format!(r#"<option value="{value}"{mark}>{label}</option>"#)
        };
        format!(
            r#"<h2>{title}</h2>
<form class="stack" method="post" action="/funds/{id}/capital"><input type="hidden" name="key" value="{key}">
<label for="kind">{kind}</label><select id="kind" name="kind">{loan}{grant}{repayment}</select>
<label for="amount">{amount} ({unit})</label><input id="amount" class="amount" name="amount" inputmode="numeric" required value="{amount_value}">
<label for="source">{source} <span class="hint">{source_hint}</span></label><input id="source" name="source" required value="{source_value}">
<label for="on">{date} <span class="hint">{date_hint}</span></label><input id="on" name="on" required value="{on_value}">
<button type="submit">{save}</button></form>"#,
            title = lang.t("record_capital"),
            key = esc(&key),
            kind = lang.t("kind"),
            loan = option("loan", lang.t("capital_loan")),
            grant = option("grant", lang.t("capital_grant")),
            repayment = option("repayment", lang.t("capital_repayment")),
            amount = lang.t("amount"),
            unit = viewer.unit_name(),
            amount_value = esc(&typed.amount),
            source = lang.t("capital_source"),
            source_hint = lang.t("capital_source_hint"),
            source_value = esc(&typed.source),
            date = lang.t("date"),
            date_hint = lang.t("date_hint"),
            on_value = esc(&if typed.on.is_empty() { lang.date(crate::today(state)) } else { typed.on.clone() }),
            save = lang.t("save"),
        )
    } else {
        String::new()
    };
    let notice = notice.map_or(String::new(), |(class, text)| {
        let role = if class == "error" { "alert" } else { "status" };
        format!(r#"<p class="notice {class}" role="{role}">{}</p>"#, esc(&text))
    });
    let figure = |label: &str, value: Rials| format!(r#"<li><strong>{}</strong>{label}</li>"#, viewer.money(value));
    Ok(format!(
        r#"<h1>{title} · {fund}</h1>{notice}
<ul class="figures">{lent}{repaid}{owed}{grants}</ul>
{table}
{form}
<p><a href="/funds/{id}">{home}</a></p>"#,
        title = lang.t("capital"),
        fund = esc(&fund.name),
        lent = figure(lang.t("capital_loans_in"), lent),
        repaid = figure(lang.t("capital_repaid"), repaid),
        owed = figure(lang.t("capital_owed"), Rials::new(lent.get() - repaid.get())),
        grants = figure(lang.t("capital_grants_in"), grants),
        home = lang.t("home"),
    ))
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
            let body = capital_body(&state, viewer, id, &place, &form, Some(("error", problem))).await?;
            Ok::<_, PageError>(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("capital"), &body),
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
            let body =
                capital_body(&state, &viewer, id, &place, &CapitalForm::default(), Some(("ok", message.to_string())))
                    .await?;
            Ok(layout(lang, Some(&viewer.user), lang.t("capital"), &body).into_response())
        }
        Err(
            e @ (app::model::StoreError::Invalid(_)
            | app::model::StoreError::Rejected { .. }
            | app::model::StoreError::Conflict(_)),
        ) => refuse(crate::pages::store_problem(lang, &e)).await,
        Err(e) => Err(viewer.internal(e)),
    }
}

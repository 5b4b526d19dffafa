//! Pages for oversight: the audit trail with its filters (auditors and administrators), a fund's
//! rules with their history, which an officer above the fund may change from a date on, and the
//! organisation's capital put into a fund (and repaid), which the officer records.

use super::{PageError, PageResult, Viewer, esc, layout};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::access::{Action, Role, Scope, Target, allows};
use domain::fund::FundRules;
use domain::{IsoDate, Rials};
use serde::Deserialize;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/audit", get(audit_page))
        .route("/funds/{id}/rules", get(rules_page).post(change_rules))
        .route("/funds/{id}/statements", get(statements_page))
        .route("/funds/{id}/capital", get(capital_page).post(move_capital))
        .route("/users", get(users_page).post(add_user))
}

/// Milliseconds since the epoch as the Jalali date and the time of day in Iran (UTC+03:30).
fn moment(lang: crate::i18n::Lang, at_ms: i64) -> String {
    let (day, minutes) = app::moment_in_iran(at_ms);
    let time = domain::text::show_digits(&format!("{:02}:{:02}", minutes / 60, minutes % 60), lang.digits());
    format!("{} {time}", lang.date(day))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    user: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The audit trail of the reader's scope, newest first, filtered by user, action and Jalali dates.
async fn audit_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<AuditQuery>) -> PageResult {
    let lang = viewer.lang;
    let under = match (viewer.user.grant.role, &viewer.user.grant.scope) {
        (Role::Administrator, _) => None,
        (Role::Auditor, Scope::Place(place)) => Some(place.clone()),
        _ => return Err(PageError::NotFound(lang)),
    };
    let day_ms = |text: &Option<String>, end: bool| -> Result<Option<i64>, String> {
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => {
                let day = domain::JalaliDate::parse(text).map_err(|e| super::date_problem(lang, &e))?.to_iso();
                let day = if end { day.add_days(1) } else { day };
                Ok(Some(app::day_start_in_iran_ms(day)))
            }
        }
    };
    let (from_ms, until_ms) = match (day_ms(&query.from, false), day_ms(&query.to, true)) {
        (Ok(from), Ok(until)) => (from, until),
        (Err(e), _) | (_, Err(e)) => {
            let body = format!(r#"<h1>{}</h1><p class="notice error">{}</p>"#, lang.t("audit_trail"), esc(&e));
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(lang, Some(&viewer.user), lang.t("audit_trail"), &body),
            )
                .into_response());
        }
    };
    let filter = app::model::AuditFilter {
        under,
        username: query.user.clone().filter(|u| !u.trim().is_empty()),
        action_prefix: query.action.clone().filter(|a| !a.trim().is_empty()),
        from_ms,
        until_ms,
        limit: 200,
    };
    let records = state.store.audit_log(&filter).await.map_err(|e| viewer.internal(e))?;
    let rows: String = records
        .iter()
        .map(|r| {
            format!(
                r#"<tr><td>{when}</td><td>{user}</td><td class="hide-narrow">{address}</td><td><code>{action}</code></td><td><code>{object}</code></td><td class="hide-narrow"><details><summary>{changes}</summary><pre dir="ltr">{before}
→ {after}</pre></details></td></tr>"#,
                when = moment(lang, r.at_ms),
                user = esc(&r.username),
                address = esc(&r.address),
                action = esc(&r.action),
                object = esc(&r.object_ref),
                changes = lang.t("before_after"),
                before = esc(&r.before_state),
                after = esc(&r.after_state),
            )
        })
        .collect();
    let value = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    let body = format!(
        r#"<h1>{title}</h1>
<form class="search" method="get" action="/audit">
<input name="user" value="{user}" placeholder="{user_label}" aria-label="{user_label}">
<input name="action" value="{action}" placeholder="{action_label}" aria-label="{action_label}">
<input name="from" value="{from}" placeholder="{from_label}" aria-label="{from_label}">
<input name="to" value="{to}" placeholder="{to_label}" aria-label="{to_label}">
<button type="submit">{filter}</button></form>
<div class="table-wrap"><table><thead><tr><th>{when}</th><th>{user_label}</th><th class="hide-narrow">{address}</th><th>{action_label}</th><th>{object}</th><th class="hide-narrow">{changes}</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        title = lang.t("audit_trail"),
        user = value(&query.user),
        user_label = lang.t("username"),
        action = value(&query.action),
        action_label = lang.t("action"),
        from = value(&query.from),
        from_label = lang.t("from_date"),
        to = value(&query.to),
        to_label = lang.t("to_date"),
        filter = lang.t("filter"),
        when = lang.t("when"),
        address = lang.t("address"),
        object = lang.t("object"),
        changes = lang.t("before_after"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("audit_trail"), &body).into_response())
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
        Err(e) => return refuse(super::date_problem(viewer.lang, &e)).await,
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
            refuse(super::store_problem(viewer.lang, &e)).await
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
                esc(&super::date_problem(lang, &e))
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
        let key = if typed.key.is_empty() { super::loans::fresh_key("capital") } else { typed.key.clone() };
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
        Err(e) => return refuse(format!("{}: {}", lang.t("date"), super::date_problem(lang, &e))).await,
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
        ) => refuse(super::store_problem(lang, &e)).await,
        Err(e) => Err(viewer.internal(e)),
    }
}

// ---- users of the reader's places ----

/// Who may open the users page, and over which place (see `domain::access::users_listed_by`).
fn users_scope(viewer: &Viewer) -> Result<Option<domain::PlacePath>, PageError> {
    domain::access::users_listed_by(&viewer.user.grant).ok_or(PageError::NotFound(viewer.lang))
}

/// The roles a reader may grant: an administrator any, an officer treasurers and auditors within
/// their place (never a role above their own), an auditor none.
fn grantable_roles(viewer: &Viewer) -> &'static [Role] {
    match viewer.user.grant.role {
        Role::Administrator => &[Role::Treasurer, Role::Officer, Role::Auditor, Role::BankLiaison, Role::Administrator],
        Role::Officer => &[Role::Treasurer, Role::Auditor],
        _ => &[],
    }
}

#[derive(Deserialize, Default, Clone)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    place_id: String,
    #[serde(default)]
    fund_id: String,
    #[serde(default)]
    language: String,
}

async fn users_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let under = users_scope(&viewer)?;
    let body = users_body(&state, &viewer, under.as_ref(), &UserForm::default(), None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("users"), &body).into_response())
}

async fn users_body(
    state: &AppState,
    viewer: &Viewer,
    under: Option<&domain::PlacePath>,
    typed: &UserForm,
    notice: Option<(&str, String)>,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let users = state.store.users().await.map_err(|e| viewer.internal(e))?;
    let places: std::collections::HashMap<i64, app::model::Place> =
        state.store.places_under(under).await.map_err(|e| viewer.internal(e))?.into_iter().map(|p| (p.id, p)).collect();
    let funds = state.store.funds_with_places(under).await.map_err(|e| viewer.internal(e))?;
    let scope_name = |grant: &domain::access::Grant| -> String {
        match &grant.scope {
            Scope::Installation => lang.t("all").to_string(),
            Scope::Place(place) => {
                place.last_id().and_then(|id| places.get(&id)).map_or_else(String::new, |p| p.name.clone())
            }
            Scope::Fund { fund_id, .. } => funds
                .iter()
                .find(|(f, _)| f.id == *fund_id)
                .map_or_else(|| format!("#{fund_id}"), |(f, _)| f.name.clone()),
            Scope::Bank(bank) => format!("#{bank}"),
        }
    };
    let role_name = |role: Role| lang.t(&format!("role_{}", role.code()));
    let rows: String = users
        .iter()
        .filter(|u| domain::access::grant_within(&u.grant, under))
        .map(|u| {
            let disabled = if u.disabled {
                format!(r#" <span class="badge late">{}</span>"#, lang.t("disabled"))
            } else {
                String::new()
            };
            format!(
                r#"<tr><td>{username}{disabled}</td><td>{name}</td><td>{role}</td><td>{scope}</td></tr>"#,
                username = esc(&u.username),
                name = esc(&u.display_name),
                role = role_name(u.grant.role),
                scope = esc(&scope_name(&u.grant)),
            )
        })
        .collect();
    let roles = grantable_roles(viewer);
    let form = if roles.is_empty() {
        String::new()
    } else {
        let option = |value: String, label: &str, chosen: &str| {
            let mark = if value == chosen { " selected" } else { "" };
            format!(r#"<option value="{value}"{mark}>{}</option>"#, esc(label))
        };
        let role_options: String =
            roles.iter().map(|r| option(r.code().to_string(), role_name(*r), &typed.role)).collect();
        let mut place_list: Vec<&app::model::Place> = places.values().collect();
        place_list.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
        let place_options: String =
            place_list.iter().map(|p| option(p.id.to_string(), &p.name, &typed.place_id)).collect();
        let fund_options: String =
            funds.iter().map(|(f, _)| option(f.id.to_string(), &f.name, &typed.fund_id)).collect();
        let language = if typed.language.is_empty() { lang.code() } else { typed.language.as_str() };
        format!(
            r#"<h2>{title}</h2>
<form class="stack" method="post" action="/users">
<label for="username">{username}</label><input id="username" name="username" required autocomplete="off" value="{username_value}">
<label for="display_name">{display}</label><input id="display_name" name="display_name" value="{display_value}">
<label for="password">{password} <span class="hint">{hint}</span></label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="{min}">
<label for="role">{role}</label><select id="role" name="role">{role_options}</select>
<label for="place_id">{place}</label><select id="place_id" name="place_id"><option value=""></option>{place_options}</select>
<label for="fund_id">{fund}</label><select id="fund_id" name="fund_id"><option value=""></option>{fund_options}</select>
<label for="language">{language_label}</label><select id="language" name="language">{fa}{en}</select>
<button type="submit">{save}</button></form>"#,
            title = lang.t("add_user"),
            username = lang.t("username"),
            username_value = esc(&typed.username),
            display = lang.t("display_name"),
            display_value = esc(&typed.display_name),
            password = lang.t("initial_password"),
            hint = lang.t("password_hint"),
            min = app::auth::PASSWORD_CHARS_MIN,
            role = lang.t("role"),
            place = lang.t("place_for_role"),
            fund = lang.t("fund_for_role"),
            language_label = lang.t("language"),
            fa = option("fa".into(), "فارسی", language),
            en = option("en".into(), "English", language),
            save = lang.t("save"),
        )
    };
    let notice = notice.map_or(String::new(), |(class, text)| {
        let role = if class == "error" { "alert" } else { "status" };
        format!(r#"<p class="notice {class}" role="{role}">{}</p>"#, esc(&text))
    });
    Ok(format!(
        r#"<h1>{title}</h1>{notice}
<div class="table-wrap"><table><thead><tr><th>{username}</th><th>{name}</th><th>{role}</th><th>{scope}</th></tr></thead><tbody>{rows}</tbody></table></div>
{form}"#,
        title = lang.t("users"),
        username = lang.t("username"),
        name = lang.t("display_name"),
        role = lang.t("role"),
        scope = lang.t("scope"),
    ))
}

/// An administrator adds any user; an officer adds treasurers of funds and auditors of places within
/// their own place. A refusal keeps what was typed (but never the password).
async fn add_user(State(state): State<AppState>, viewer: Viewer, Form(form): Form<UserForm>) -> PageResult {
    let under = users_scope(&viewer)?;
    let lang = viewer.lang;
    let refuse = |problem: String| {
        let state = state.clone();
        let viewer = &viewer;
        let under = under.clone();
        let form = UserForm { password: String::new(), ..form.clone() };
        async move {
            let body = users_body(&state, viewer, under.as_ref(), &form, Some(("error", problem))).await?;
            Ok::<_, PageError>(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("users"), &body),
                )
                    .into_response(),
            )
        }
    };
    let Some(role) = Role::parse(&form.role).ok().filter(|r| grantable_roles(&viewer).contains(r)) else {
        return refuse(lang.t("role_not_yours").to_string()).await;
    };
    let id = |text: &str| domain::text::to_latin_digits(text.trim()).parse::<i64>().ok();
    let (place_id, fund_id) = match role {
        Role::Officer | Role::Auditor => (id(&form.place_id), None),
        Role::Treasurer => (None, id(&form.fund_id)),
        _ => (None, None),
    };
    // The place or fund granted must lie within the reader's own place.
    let target = match (place_id, fund_id) {
        (Some(place), _) => state.store.place(place).await.ok().map(|p| p.path),
        (_, Some(fund)) => state.store.fund_place_path(fund).await.ok(),
        _ => None,
    };
    let inside = match (&under, &target) {
        (None, _) => true,
        (Some(scope), Some(target)) => scope.contains(target),
        (Some(_), None) => false,
    };
    if !inside || (matches!(role, Role::Officer | Role::Auditor | Role::Treasurer) && target.is_none()) {
        return refuse(lang.t("role_not_yours").to_string()).await;
    }
    let username = form.username.trim().to_string();
    let request = app::auth::UserRequest {
        display_name: if form.display_name.trim().is_empty() {
            username.clone()
        } else {
            form.display_name.trim().to_string()
        },
        username,
        password: form.password.clone(),
        role,
        place_id,
        fund_id,
        bank_id: None,
        language: if form.language == "en" { "en".into() } else { "fa".into() },
    };
    let added = app::auth::add_user_as(&state.store, state.clock.as_ref(), &viewer.actor(), &request).await;
    match added {
        Ok(_) => {
            let body = users_body(
                &state,
                &viewer,
                under.as_ref(),
                &UserForm::default(),
                Some(("ok", lang.t("user_added").to_string())),
            )
            .await?;
            Ok(layout(lang, Some(&viewer.user), lang.t("users"), &body).into_response())
        }
        Err(app::auth::AuthError::WeakPassword) => refuse(lang.t("password_hint").to_string()).await,
        Err(app::auth::AuthError::Store(app::model::StoreError::Conflict(_))) => {
            refuse(lang.t("username_taken").to_string()).await
        }
        Err(app::auth::AuthError::Store(e @ app::model::StoreError::Invalid(_))) => {
            refuse(super::store_problem(lang, &e)).await
        }
        Err(app::auth::AuthError::Store(e)) => Err(viewer.internal(e)),
        Err(_) => refuse(lang.t("role_not_yours").to_string()).await,
    }
}

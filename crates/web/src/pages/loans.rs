//! A fund's loans on pages: the list, the request form with the eligibility answer shown before it is
//! sent (htmx asks as the treasurer types), a loan's page with its schedule and the step its status
//! allows (approve, pay out, record a repayment, reverse one with a reason), and a printable receipt.

use super::{PageError, PageResult, Viewer, esc, layout};
use crate::AppState;
use crate::i18n::Lang;
use app::model::{Loan, LoanApplication, LoanStatus, StoreError};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::access::{Action, Target, allows};
use domain::{EntrySeq, IsoDate, Rials};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/funds/{id}/loans", get(loans_page))
        .route("/funds/{id}/loans/new", get(request_page).post(request))
        .route("/funds/{id}/loans/check", post(check))
        .route("/loans/{id}", get(loan_page))
        .route("/jobs/{id}/visits", post(record_visit))
        .route("/jobs/{id}/describe", post(describe_job))
        .route("/loans/{id}/approve", post(approve))
        .route("/loans/{id}/disburse", post(disburse))
        .route("/loans/{id}/repay", post(repay))
        .route("/loans/{id}/reverse", post(reverse))
        .route("/loans/{id}/receipts/{seq}", get(receipt))
}

fn status_badge(lang: Lang, status: LoanStatus, days_late: i64) -> String {
    if status == LoanStatus::Disbursed && days_late > 0 {
        return format!(
            r#"<span class="badge late">{} · {} {}</span>"#,
            lang.t("disbursed"),
            lang.number(days_late),
            lang.t("days_late")
        );
    }
    format!(r#"<span class="badge">{}</span>"#, lang.t(status.code()))
}

async fn member_names(state: &AppState, viewer: &Viewer, fund_id: i64) -> Result<HashMap<i64, String>, PageError> {
    Ok(state
        .store
        .members(fund_id)
        .await
        .map_err(|e| viewer.internal(e))?
        .into_iter()
        .map(|m| (m.id, format!("{} {}", m.first_name, m.last_name)))
        .collect())
}

async fn loans_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Read, id).await?;
    let lang = viewer.lang;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let loans = state.store.loans_of_fund(id).await.map_err(|e| viewer.internal(e))?;
    let names = member_names(&state, &viewer, id).await?;
    let rows: String = loans
        .iter()
        .map(|l| {
            format!(
                r#"<tr><td><a href="/loans/{id}">{name}</a></td><td class="num">{amount}</td><td class="num hide-narrow">{term}</td><td>{status}</td><td class="hide-narrow">{on}</td></tr>"#,
                id = l.id,
                name = esc(names.get(&l.member_id).map_or("", String::as_str)),
                amount = viewer.amount(l.amount),
                term = lang.number(i64::from(l.term_months)),
                status = status_badge(lang, l.status, l.days_past_due),
                on = lang.date(l.requested_on),
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{loans} · {fund}</h1>
<div class="actions"><a class="button" href="/funds/{id}/loans/new">{new}</a></div>
<div class="table-wrap"><table><thead><tr><th>{member}</th><th class="num">{amount} ({rials})</th><th class="num hide-narrow">{months}</th><th>{status}</th><th class="hide-narrow">{requested}</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        loans = lang.t("loans"),
        fund = esc(&fund.name),
        new = lang.t("loan_request"),
        member = lang.t("member"),
        amount = lang.t("amount"),
        rials = viewer.unit_name(),
        months = lang.t("term_months"),
        status = lang.t("status"),
        requested = lang.t("requested_on"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("loans"), &body).into_response())
}

#[derive(Deserialize, Default, Clone)]
struct RequestForm {
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    term_months: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    jobs_created: String,
    #[serde(default)]
    jobs_revived: String,
    #[serde(default)]
    guarantor: String,
    #[serde(default)]
    on: String,
}

/// The application a form describes, or each field that is wrong.
fn application_of(
    viewer: &Viewer,
    form: &RequestForm,
    today: IsoDate,
) -> Result<LoanApplication, Vec<(&'static str, String)>> {
    let lang = viewer.lang;
    let mut wrong = Vec::new();
    let whole = |name: &'static str, text: &str, wrong: &mut Vec<(&'static str, String)>| -> u32 {
        let latin = domain::text::to_latin_digits(text.trim());
        if latin.is_empty() {
            return 0;
        }
        latin.parse().unwrap_or_else(|_| {
            wrong.push((name, format!("{}: {text}", lang.t("whole_number"))));
            0
        })
    };
    let member_id = form.member_id.trim().parse::<i64>().unwrap_or_else(|_| {
        wrong.push(("member_id", lang.t("choose_member").to_string()));
        0
    });
    let amount = viewer.parse_amount(&form.amount).unwrap_or_else(|e| {
        wrong.push(("amount", e));
        Rials::ZERO
    });
    let term_months = whole("term_months", &form.term_months, &mut wrong);
    let jobs_created = whole("jobs_created", &form.jobs_created, &mut wrong);
    let jobs_revived = whole("jobs_revived", &form.jobs_revived, &mut wrong);
    let on = match form.on.trim() {
        "" => today,
        text => domain::JalaliDate::parse(text).map(|d| d.to_iso()).unwrap_or_else(|e| {
            wrong.push(("on", super::date_problem(lang, &e)));
            today
        }),
    };
    let guarantors = match form.guarantor.trim() {
        "" => vec![],
        text => match text.parse::<i64>() {
            Ok(id) => vec![id],
            Err(_) => {
                wrong.push(("guarantor", lang.t("choose_member").to_string()));
                vec![]
            }
        },
    };
    if !wrong.is_empty() {
        return Err(wrong);
    }
    Ok(LoanApplication {
        member_id,
        amount,
        term_months,
        purpose: form.purpose.clone(),
        jobs_created,
        jobs_revived,
        guarantors,
        on,
    })
}

/// The eligibility answer, as the fragment htmx puts under the form.
fn eligibility_html(lang: Lang, refusals: &[domain::fund::Refusal]) -> String {
    if refusals.is_empty() {
        return format!(r#"<p class="notice ok" role="status">{}</p>"#, lang.t("eligible"));
    }
    let items: String = refusals
        .iter()
        .map(|r| {
            let text = match lang {
                Lang::Fa => r.message_fa(),
                Lang::En => r.message_en(),
            };
            format!("<li>{}</li>", esc(&text))
        })
        .collect();
    format!(r#"<div class="notice error" role="alert">{}<ul>{items}</ul></div>"#, lang.t("not_eligible"))
}

async fn request_form(
    state: &AppState,
    viewer: &Viewer,
    fund_id: i64,
    form: &RequestForm,
    errors: &[(&str, String)],
    eligibility: &str,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let members = state.store.members(fund_id).await.map_err(|e| viewer.internal(e))?;
    let options = |selected: &str| -> String {
        members
            .iter()
            .filter(|m| m.left_on.is_none())
            .map(|m| {
                let chosen = if m.id.to_string() == selected { " selected" } else { "" };
                format!(r#"<option value="{}"{chosen}>{} {}</option>"#, m.id, esc(&m.first_name), esc(&m.last_name))
            })
            .collect()
    };
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == name)
            .map_or(String::new(), |(_, e)| format!(r#"<span class="field-error">{}</span>"#, esc(e)))
    };
    let input = |name: &str, label: &str, value: &str, extra: &str| {
        format!(
            r#"<label>{label}<input name="{name}" value="{value}"{extra}>{error}</label>"#,
            value = esc(value),
            error = error_of(name)
        )
    };
    Ok(format!(
        r##"<h1>{title}</h1>
<form class="stack" method="post" action="/funds/{fund_id}/loans/new" hx-post="/funds/{fund_id}/loans/check" hx-trigger="change delay:300ms" hx-target="#eligibility" hx-swap="innerHTML">
<label>{member_label}<select name="member_id" required><option value="">—</option>{members}</select>{member_error}</label>
{amount}{term}{purpose}{created}{revived}
<label>{guarantor_label}<select name="guarantor"><option value="">—</option>{guarantors}</select>{guarantor_error}</label>
{on}
<div id="eligibility" aria-live="polite">{eligibility}</div>
<button type="submit">{submit}</button>
</form>"##,
        title = lang.t("loan_request"),
        member_label = lang.t("member"),
        members = options(&form.member_id),
        member_error = error_of("member_id"),
        amount = input(
            "amount",
            &format!("{} ({})", lang.t("amount"), lang.t("rials")),
            &form.amount,
            r#" class="amount" inputmode="numeric" required"#
        ),
        term = input("term_months", lang.t("term_months"), &form.term_months, r#" inputmode="numeric" required"#),
        purpose = input("purpose", lang.t("purpose"), &form.purpose, ""),
        created = input("jobs_created", lang.t("jobs_created"), &form.jobs_created, r#" inputmode="numeric""#),
        revived = input("jobs_revived", lang.t("jobs_revived"), &form.jobs_revived, r#" inputmode="numeric""#),
        guarantor_label = lang.t("guarantor"),
        guarantors = options(&form.guarantor),
        guarantor_error = error_of("guarantor"),
        on = input("on", lang.t("requested_on"), &form.on, ""),
        submit = lang.t("send_request"),
    ))
}

async fn request_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = app::today_in_iran(state.clock.as_ref());
    let form = RequestForm { on: today.format(viewer.lang.digits()), ..RequestForm::default() };
    let body = request_form(&state, &viewer, id, &form, &[], "").await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan_request"), &body).into_response())
}

/// The eligibility answer for what the form holds so far (htmx), without recording anything.
async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let lang = viewer.lang;
    let fragment = match application_of(&viewer, &form, crate::today(&state)) {
        Err(_) => String::new(),
        Ok(application) => match state.store.check_loan(id, &application).await {
            Ok(refusals) => eligibility_html(lang, &refusals),
            Err(StoreError::NotFound { .. }) => String::new(),
            Err(e) => return Err(viewer.internal(e)),
        },
    };
    Ok(Html(fragment).into_response())
}

async fn request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let lang = viewer.lang;
    let rerender = |errors: Vec<(&'static str, String)>, eligibility: String| {
        let state = state.clone();
        let form = form.clone();
        let viewer = &viewer;
        async move {
            let body = request_form(&state, viewer, id, &form, &errors, &eligibility).await?;
            Ok::<Response, PageError>(
                (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer.user), lang.t("loan_request"), &body))
                    .into_response(),
            )
        }
    };
    let application = match application_of(&viewer, &form, crate::today(&state)) {
        Ok(application) => application,
        Err(errors) => return rerender(errors, String::new()).await,
    };
    let requested =
        app::funds::loans::request(&state.store, state.clock.as_ref(), &viewer.actor(), id, &application).await;
    match requested {
        Ok(loan) => Ok(Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(StoreError::Ineligible(refusals)) => rerender(vec![], eligibility_html(lang, &refusals)).await,
        Err(StoreError::NotFound { .. }) => {
            rerender(vec![("member_id", lang.t("choose_member").to_string())], String::new()).await
        }
        Err(StoreError::Invalid(reason)) => rerender(vec![("amount", reason)], String::new()).await,
        Err(e) => Err(viewer.internal(e)),
    }
}

async fn loan_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let loan = state.store.loan(id).await.map_err(|_| PageError::NotFound(viewer.lang))?;
    let place = viewer.may(&state, Action::Read, loan.fund_id).await?;
    let body = loan_body(&state, &viewer, &loan, &place, None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan"), &body).into_response())
}

/// A loan's page: its figures, schedule, repayments and next step, then the jobs it promised.
async fn loan_body(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
    problem: Option<String>,
) -> Result<String, PageError> {
    let main = loan_body_main(state, viewer, loan, place, problem).await?;
    Ok(main + &jobs_section(state, viewer, loan, place).await?)
}

async fn loan_body_main(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
    problem: Option<String>,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let today = crate::today(state);
    let names = member_names(state, viewer, loan.fund_id).await?;
    let installments = state.store.installments(loan.id).await.map_err(|e| viewer.internal(e))?;
    let repayments = state.store.loan_repayments(loan.id).await.map_err(|e| viewer.internal(e))?;
    let target = Target { place, fund_id: Some(loan.fund_id) };
    let may_operate = allows(&viewer.user.grant, Action::Operate, target);
    let may_approve = allows(&viewer.user.grant, Action::Approve, target);
    let schedule_rows: String = installments
        .iter()
        .map(|i| {
            format!(
                r#"<tr><td class="num">{n}</td><td>{due}</td><td class="num">{principal}</td><td class="num">{fee}</td><td class="num hide-narrow">{paid}</td><td class="num">{left}</td></tr>"#,
                n = lang.number(i64::from(i.number)),
                due = lang.date(i.due_on),
                principal = viewer.amount(i.principal_due),
                fee = viewer.amount(Rials::new(i.fee_due.get() + i.penalty_due.get())),
                paid = viewer.amount(Rials::new(i.principal_paid.get() + i.fee_paid.get() + i.penalty_paid.get())),
                left = viewer.amount(i.outstanding()),
            )
        })
        .collect();
    let outstanding = Rials::new(installments.iter().map(|i| i.outstanding().get()).sum());
    let due_now = Rials::new(installments.iter().filter(|i| i.due_on <= today).map(|i| i.outstanding().get()).sum());
    let next = installments.iter().find(|i| i.outstanding().is_positive()).map_or(Rials::ZERO, |i| i.outstanding());
    let suggested = if due_now.is_positive() { due_now } else { next };
    let step = match loan.status {
        LoanStatus::Requested if may_approve => format!(
            r#"<form method="post" action="/loans/{id}/approve"><button type="submit">{approve}</button></form>"#,
            id = loan.id,
            approve = lang.t("approve"),
        ),
        LoanStatus::Approved if may_operate => format!(
            r#"<form class="stack" method="post" action="/loans/{id}/disburse"><input type="hidden" name="key" value="out-{id}">
<label>{date}<input name="on" value="{today}"></label><button type="submit">{disburse}</button></form>"#,
            id = loan.id,
            date = lang.t("date_paid_out"),
            today = lang.date(today),
            disburse = lang.t("disburse"),
        ),
        LoanStatus::Disbursed if may_operate => format!(
            r#"<form class="stack" method="post" action="/loans/{id}/repay"><input type="hidden" name="key" value="{key}">
<label>{amount_label} ({rials})<input class="amount" name="amount" inputmode="numeric" value="{suggested}" required></label>
<label>{date}<input name="on" value="{today}"></label><button type="submit">{repay}</button></form>"#,
            id = loan.id,
            key = fresh_key("repay"),
            amount_label = lang.t("amount"),
            rials = viewer.unit_name(),
            suggested = viewer.input_amount(suggested),
            date = lang.t("payment_date"),
            today = lang.date(today),
            repay = lang.t("record_repayment"),
        ),
        _ => String::new(),
    };
    let repayment_rows: String = repayments
        .iter()
        .map(|r| {
            let action = match (r.reversed_by, may_operate) {
                (Some(_), _) => format!(r#"<span class="badge">{}</span>"#, lang.t("reversed")),
                (None, true) => format!(
                    r#"<form method="post" action="/loans/{id}/reverse" class="no-print"><input type="hidden" name="seq" value="{seq}"><input type="hidden" name="key" value="undo-{seq}"><input name="reason" required placeholder="{reason}" aria-label="{reason}"> <button type="submit" class="secondary">{reverse}</button></form>"#,
                    id = loan.id,
                    seq = r.seq.0,
                    reason = lang.t("reason"),
                    reverse = lang.t("reverse"),
                ),
                (None, false) => String::new(),
            };
            format!(
                r#"<tr><td>{on}</td><td class="num">{amount}</td><td><a href="/loans/{id}/receipts/{seq}">{receipt}</a></td><td>{action}</td></tr>"#,
                on = lang.date(r.on),
                amount = viewer.amount(r.amount),
                id = loan.id,
                seq = r.seq.0,
                receipt = lang.t("receipt"),
            )
        })
        .collect();
    let notice =
        problem.map_or(String::new(), |p| format!(r#"<div class="notice error" role="alert">{}</div>"#, esc(&p)));
    Ok(format!(
        r#"<h1>{loan_word} · {name}</h1>{notice}
<ul class="figures"><li><strong>{amount}</strong>{amount_label}</li><li><strong>{outstanding}</strong>{outstanding_label}</li><li><strong>{status}</strong>{status_label}</li><li><strong>{method}</strong>{method_label}</li></ul>
{step}
<h2>{schedule} ({rials})</h2>
<div class="actions no-print"><button type="button" class="secondary" data-print>{print}</button></div>
<div class="table-wrap"><table><thead><tr><th class="num">{installment}</th><th>{due_on}</th><th class="num">{principal}</th><th class="num">{fee}</th><th class="num hide-narrow">{paid}</th><th class="num">{unpaid}</th></tr></thead><tbody>{schedule_rows}</tbody></table></div>
<h2>{repayments_title}</h2>
<div class="table-wrap"><table><tbody>{repayment_rows}</tbody></table></div>"#,
        loan_word = lang.t("loan"),
        name = esc(names.get(&loan.member_id).map_or("", String::as_str)),
        amount = viewer.money(loan.amount),
        amount_label = lang.t("amount"),
        outstanding = viewer.money(outstanding),
        outstanding_label = lang.t("balance"),
        status = status_badge(lang, loan.status, loan.days_past_due),
        status_label = lang.t("status"),
        method = match lang {
            Lang::Fa => format!(
                "{} {}",
                loan.method.name_fa(),
                domain::text::show_digits(&loan.fee_rate.to_string(), lang.digits())
            ),
            Lang::En => format!("{} {}", loan.method.code(), loan.fee_rate),
        },
        method_label = lang.t("karmozd"),
        schedule = lang.t("schedule"),
        rials = viewer.unit_name(),
        print = lang.t("print"),
        installment = lang.t("installment"),
        due_on = lang.t("due_on"),
        principal = lang.t("principal"),
        fee = lang.t("karmozd"),
        paid = lang.t("paid"),
        unpaid = lang.t("unpaid"),
        repayments_title = lang.t("repayments"),
    ))
}

/// A key made when a form is drawn: the same form sent twice posts once.
pub(super) fn fresh_key(prefix: &str) -> String {
    let secret = app::auth::new_secret().unwrap_or_default();
    format!("{prefix}-{}", secret.get(..20).unwrap_or("0"))
}

async fn loan_step(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: Action,
) -> Result<(Loan, domain::PlacePath), PageError> {
    app::access::loan(&state.store, &viewer.user.grant, action, id).await.map_err(|e| viewer.refused(e))
}

/// A job's loan and the fund's place, if the reader may oversee it; otherwise "not found".
async fn job_step(state: &AppState, viewer: &Viewer, job_id: i64) -> Result<(Loan, domain::PlacePath), PageError> {
    let (job, _) = app::jobs::job(&state.store, &viewer.user.grant, job_id).await.map_err(|e| viewer.refused(e))?;
    loan_step(state, viewer, job.source_id, Action::Oversee).await
}

/// The loan's page again (422) with what went wrong on it.
async fn loan_refused(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
    problem: String,
) -> PageResult {
    let body = loan_body(state, viewer, loan, place, Some(problem)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan"), &body))
        .into_response())
}

/// After a step: back to the loan's page, or the page again with what went wrong.
async fn after_step(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    place: &domain::PlacePath,
    outcome: Result<(), StoreError>,
) -> PageResult {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/loans/{id}")).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_) | StoreError::Rejected { .. })) => {
            let loan = state.store.loan(id).await.map_err(|e| viewer.internal(e))?;
            loan_refused(state, viewer, &loan, place, super::store_problem(viewer.lang, &e)).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

async fn approve(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Approve).await?;
    let outcome = app::funds::loans::approve(&state.store, state.clock.as_ref(), &viewer.actor(), id).await.map(|_| ());
    after_step(&state, &viewer, id, &place, outcome).await
}

#[derive(Deserialize)]
struct DatedForm {
    #[serde(default)]
    on: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    seq: String,
    #[serde(default)]
    reason: String,
}

fn day_of(state: &AppState, lang: crate::i18n::Lang, text: &str) -> Result<IsoDate, StoreError> {
    match text.trim() {
        "" => Ok(crate::today(state)),
        text => domain::JalaliDate::parse(text)
            .map(|d| d.to_iso())
            .map_err(|e| StoreError::Invalid(super::date_problem(lang, &e))),
    }
}

async fn disburse(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DatedForm>,
) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Operate).await?;
    let outcome = match day_of(&state, viewer.lang, &form.on) {
        Ok(on) => {
            app::funds::loans::disburse(&state.store, state.clock.as_ref(), &viewer.actor(), id, on, &form.key).await
        }
        Err(e) => Err(e),
    };
    let outcome = match outcome {
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    after_step(&state, &viewer, id, &place, outcome).await
}

async fn repay(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DatedForm>,
) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Operate).await?;
    let typed = day_of(&state, viewer.lang, &form.on)
        .and_then(|on| Ok((on, viewer.parse_amount(&form.amount).map_err(StoreError::Invalid)?)));
    let outcome = match typed {
        Ok((on, amount)) => {
            app::funds::loans::repay(
                &state.store,
                state.clock.as_ref(),
                &viewer.actor(),
                id,
                Some(amount),
                on,
                &form.key,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(repayment) => Ok(Redirect::to(&format!("/loans/{id}/receipts/{}", repayment.seq.0)).into_response()),
        Err(e) => after_step(&state, &viewer, id, &place, Err(e)).await,
    }
}

async fn reverse(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DatedForm>,
) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Operate).await?;
    let typed = (|| {
        if form.reason.trim().is_empty() {
            return Err(StoreError::Invalid(viewer.lang.t("reason_needed").into()));
        }
        let seq = form.seq.trim().parse::<i64>().map_err(|_| StoreError::Invalid("which repayment?".into()))?;
        Ok((seq, day_of(&state, viewer.lang, &form.on)?))
    })();
    let outcome = match typed {
        Ok((seq, on)) => app::funds::loans::reverse_repayment(
            &state.store,
            state.clock.as_ref(),
            &viewer.actor(),
            id,
            EntrySeq(seq),
            &form.reason,
            on,
            &form.key,
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    after_step(&state, &viewer, id, &place, outcome).await
}

/// A payment receipt, laid out for an A5 page.
async fn receipt(State(state): State<AppState>, viewer: Viewer, Path((id, seq)): Path<(i64, i64)>) -> PageResult {
    let (loan, _) = loan_step(&state, &viewer, id, Action::Read).await?;
    let lang = viewer.lang;
    let record = state
        .store
        .loan_repayments(id)
        .await
        .map_err(|e| viewer.internal(e))?
        .into_iter()
        .find(|r| r.seq.0 == seq)
        .ok_or(PageError::NotFound(lang))?;
    let fund = state.store.fund(loan.fund_id).await.map_err(|e| viewer.internal(e))?;
    let member = state.store.member(loan.member_id).await.map_err(|e| viewer.internal(e))?;
    let left: i64 =
        state.store.installments(id).await.map_err(|e| viewer.internal(e))?.iter().map(|i| i.outstanding().get()).sum();
    let reversed = if record.reversed_by.is_some() {
        format!(r#"<p class="notice error">{}</p>"#, lang.t("reversed"))
    } else {
        String::new()
    };
    let body = format!(
        r#"<article class="receipt">
<h1>{title}</h1>{reversed}
<p>{fund}</p>
<table><tbody>
<tr><th>{member_label}</th><td>{first} {last}</td></tr>
<tr><th>{date_label}</th><td>{on}</td></tr>
<tr><th>{amount_label}</th><td>{amount}</td></tr>
<tr><th>{left_label}</th><td>{left}</td></tr>
<tr><th>{number_label}</th><td>{seq}</td></tr>
</tbody></table>
<div class="actions no-print"><button type="button" data-print>{print}</button> <a href="/loans/{id}">{back}</a></div>
</article>"#,
        title = lang.t("receipt"),
        fund = esc(&fund.name),
        member_label = lang.t("member"),
        first = esc(&member.first_name),
        last = esc(&member.last_name),
        date_label = lang.t("payment_date"),
        on = lang.date(record.on),
        amount_label = lang.t("amount"),
        amount = viewer.money(record.amount),
        left_label = lang.t("balance"),
        left = viewer.money(Rials::new(left)),
        number_label = lang.t("receipt_number"),
        seq = lang.number(seq),
        print = lang.t("print"),
        back = lang.t("loan"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("receipt"), &body).into_response())
}

/// The jobs a loan promised, with a visit form for an officer above the fund.
async fn jobs_section(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let jobs = state.store.jobs_of_loan(loan.id).await.map_err(|e| viewer.internal(e))?;
    if jobs.is_empty() {
        return Ok(String::new());
    }
    let oversee = allows(&viewer.user.grant, Action::Oversee, Target { place, fund_id: Some(loan.fund_id) });
    let today = crate::today(state);
    let rows: String = jobs
        .iter()
        .map(|job| {
            let form = if oversee && job.status != domain::jobs::JobStatus::Lost {
                let purpose = if job.status == domain::jobs::JobStatus::Confirmed { "follow_up" } else { "confirmation" };
                format!(
                    r#"<form class="stack no-print" method="post" action="/jobs/{id}/visits"><input type="hidden" name="purpose" value="{purpose}">
<label>{date}<input name="on" value="{today}"></label>
<label>{outcome}<select name="outcome"><option value="working">{working}</option><option value="not_yet">{not_yet}</option><option value="closed">{closed}</option></select></label>
<label>{seen}<input name="seen"></label><label>{insured}<input name="insured_workers" inputmode="numeric" value="0"></label>
<button type="submit">{record}</button></form>"#,
                    id = job.id,
                    date = lang.t("visit_date"),
                    today = lang.date(today),
                    outcome = lang.t("visit_outcome"),
                    working = domain::jobs::VisitOutcome::Working.name_fa(),
                    not_yet = domain::jobs::VisitOutcome::NotYet.name_fa(),
                    closed = domain::jobs::VisitOutcome::Closed.name_fa(),
                    seen = lang.t("visit_seen"),
                    insured = lang.t("insured_workers"),
                    record = lang.t("record_visit"),
                )
            } else {
                String::new()
            };
            let describe = if oversee {
                let options = |all: Vec<(&str, String)>, chosen: &str| -> String {
                    all.iter()
                        .map(|(code, name)| {
                            let mark = if *code == chosen { " selected" } else { "" };
                            format!(r#"<option value="{code}"{mark}>{name}</option>"#)
                        })
                        .collect()
                };
                let activities = domain::jobs::ACTIVITIES
                    .iter()
                    .map(|(code, fa, en)| (*code, if lang == crate::i18n::Lang::Fa { fa.to_string() } else { en.to_string() }))
                    .collect();
                let named = |codes: Vec<(&'static str, &'static str)>| codes.into_iter().map(|(c, n)| (c, n.to_string())).collect();
                format!(
                    r#"<form class="stack no-print" method="post" action="/jobs/{id}/describe">
<label>{activity_label}<select name="activity">{activities}</select></label>
<label>{kind_label}<select name="kind">{kinds}</select></label>
<label>{hours_label}<select name="hours">{hours}</select></label>
<label>{sex_label}<select name="sex">{sexes}</select></label>
<label>{age_label}<select name="age_group">{ages}</select></label>
<button type="submit" class="secondary">{save}</button></form>"#,
                    id = job.id,
                    activity_label = lang.t("activity"),
                    activities = options(activities, &job.activity),
                    kind_label = lang.t("kind"),
                    kinds = options(named(domain::jobs::JobKind::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.kind.code()),
                    hours_label = lang.t("hours"),
                    hours = options(named(domain::jobs::JobHours::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.hours.code()),
                    sex_label = lang.t("sex"),
                    sexes = options(named(domain::jobs::Sex::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.sex.code()),
                    age_label = lang.t("age_group"),
                    ages = options(named(domain::jobs::AgeGroup::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.age_group.code()),
                    save = lang.t("save"),
                )
            } else {
                String::new()
            };
            let form = format!("{form}{describe}");
            format!(
                r#"<tr><td>{kind}</td><td>{hours}</td><td>{status}</td><td>{on}</td><td>{form}</td></tr>"#,
                kind = job.kind.name_fa(),
                hours = job.hours.name_fa(),
                status = job.status.name_fa(),
                on = lang.date(job.confirmed_on.or(job.lost_on).unwrap_or(job.expected_on)),
            )
        })
        .collect();
    Ok(format!(
        r#"<h2>{title}</h2><div class="table-wrap"><table><thead><tr><th>{kind}</th><th>{hours}</th><th>{status}</th><th>{date}</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        title = lang.t("jobs"),
        kind = lang.t("kind"),
        hours = lang.t("hours"),
        status = lang.t("status"),
        date = lang.t("date"),
    ))
}

#[derive(Deserialize)]
struct VisitForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    insured_workers: String,
}

/// An officer records a visit to a job: confirmed once, followed up, or lost; refused with the reason.
async fn record_visit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job_id): Path<i64>,
    Form(form): Form<VisitForm>,
) -> PageResult {
    let (loan, place) = job_step(&state, &viewer, job_id).await?;
    let lang = viewer.lang;
    let refuse = |problem: String| loan_refused(&state, &viewer, &loan, &place, problem);
    let on = match day_of(&state, lang, &form.on) {
        Ok(on) => on,
        Err(e) => return refuse(e.to_string()).await,
    };
    let (Some(purpose), Some(outcome)) =
        (domain::jobs::VisitPurpose::parse(&form.purpose), domain::jobs::VisitOutcome::parse(&form.outcome))
    else {
        return refuse(lang.t("visit_outcome").to_string()).await;
    };
    let visit = app::model::Visit {
        on,
        purpose,
        outcome,
        visitor: viewer.user.display_name.clone(),
        seen: form.seen.clone(),
        insured_workers: domain::text::to_latin_digits(form.insured_workers.trim()).parse().unwrap_or(0),
    };
    let visited = app::jobs::visit(&state.store, state.clock.as_ref(), &viewer.actor(), job_id, &visit).await;
    match visited {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(StoreError::JobRefused(refusal)) => {
            refuse(if lang == crate::i18n::Lang::Fa { refusal.message_fa() } else { refusal.to_string() }).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

#[derive(Deserialize)]
struct DescribeForm {
    #[serde(default)]
    activity: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age_group: String,
}

/// An officer says what a job is: activity, created or revived, hours, the person's sex and age group.
async fn describe_job(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job_id): Path<i64>,
    Form(form): Form<DescribeForm>,
) -> PageResult {
    use domain::jobs::{AgeGroup, JobHours, JobKind, Sex};
    let (loan, place) = job_step(&state, &viewer, job_id).await?;
    let lang = viewer.lang;
    let parsed = (
        JobKind::parse(&form.kind),
        JobHours::parse(&form.hours),
        Sex::parse(&form.sex),
        AgeGroup::parse(&form.age_group),
    );
    let (Some(kind), Some(hours), Some(sex), Some(age_group)) = parsed else {
        return loan_refused(&state, &viewer, &loan, &place, lang.t("fix_errors").to_string()).await;
    };
    let description = app::model::JobSpec { activity: form.activity.clone(), kind, hours, sex, age_group, count: 1 };
    let described =
        app::jobs::describe(&state.store, state.clock.as_ref(), &viewer.actor(), job_id, &description).await;
    match described {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(e @ StoreError::Invalid(_)) => {
            loan_refused(&state, &viewer, &loan, &place, super::store_problem(lang, &e)).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

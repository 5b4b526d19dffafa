//! A fund's loans on pages: the list, the request form with the eligibility answer shown before it is
//! sent (htmx asks as the treasurer types), a loan's page with its schedule and the step its status
//! allows (approve, pay out, record a repayment, reverse one with a reason), and a printable receipt.

use super::{PageError, PageResult, Viewer, esc, fresh_key, layout};
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

mod jobs;
mod request;
mod steps;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{jobs::*, request::*, steps::*};

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

async fn loan_step(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    action: Action,
) -> Result<(Loan, domain::PlacePath), PageError> {
    app::access::loan(&state.store, &viewer.user.grant, action, id).await.map_err(|e| viewer.refused(e))
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

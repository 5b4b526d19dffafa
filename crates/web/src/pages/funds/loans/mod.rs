//! A fund's loans on pages: the list, the request form with the eligibility answer shown before it is
//! sent (htmx asks as the treasurer types), a loan's page with its schedule and the step its status
//! allows (approve, pay out, record a repayment, reverse one with a reason), and a printable receipt.

use super::{PageError, PageResult, Viewer, fresh_key};
use crate::AppState;
use crate::i18n::Lang;
use crate::pages::components::{self, Text};
use app::model::{Loan, LoanApplication, LoanStatus, StoreError};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::access::{Action, Target, allows};
use domain::{EntrySeq, IsoDate, Rials};
use maud::{Markup, html};
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

fn status_badge(lang: Lang, status: LoanStatus, days_late: i64) -> Markup {
    html! {
        @if status == LoanStatus::Disbursed && days_late > 0 {
            span.badge.late { (lang.t("disbursed")) " · " (lang.number(days_late)) " " (lang.t("days_late")) }
        } @else {
            span.badge { (lang.t(status.code())) }
        }
    }
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
    let place = viewer.may(&state, Action::Read, id).await?;
    // Only those who may ask for a loan see the way to (an officer or auditor reads the list).
    let operate = allows(&viewer.user.grant, Action::Operate, Target { place: &place, fund_id: Some(id) });
    let lang = viewer.lang;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let loans = state.store.loans_of_fund(id).await.map_err(|e| viewer.internal(e))?;
    let names = member_names(&state, &viewer, id).await?;
    let body = html! {
        h1 { (lang.t("loans")) " · " (Text(&fund.name)) }
        @if operate { div.actions { a.button href={ "/funds/" (id) "/loans/new" } { (lang.t("loan_request")) } } }
        div.table-wrap {
            table {
                thead {
                    tr {
                        th { (lang.t("member")) }
                        th.num { (lang.t("amount")) " (" (viewer.unit_name()) ")" }
                        th.num.hide-narrow { (lang.t("term_months")) }
                        th { (lang.t("status")) }
                        th.hide-narrow { (lang.t("requested_on")) }
                    }
                }
                tbody {
                    @for l in &loans {
                        tr {
                            @let name = names.get(&l.member_id).map_or("", String::as_str);
                            td { a href={ "/loans/" (l.id) } { (Text(name)) } }
                            td.num { (viewer.amount(l.amount)) }
                            td.num.hide-narrow { (lang.number(i64::from(l.term_months))) }
                            td { (status_badge(lang, l.status, l.days_past_due)) }
                            td.hide-narrow { (lang.date(l.requested_on)) }
                        }
                    }
                }
            }
        }
    };
    Ok(components::layout(lang, Some(&viewer.user), lang.t("loans"), body).into_response())
}

async fn loan_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let loan = state.store.loan(id).await.map_err(|_| PageError::NotFound(viewer.lang))?;
    let place = viewer.may(&state, Action::Read, loan.fund_id).await?;
    let body = loan_body(&state, &viewer, &loan, &place, None).await?;
    Ok(components::layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan"), body).into_response())
}

/// A loan's page: its figures, schedule, repayments and next step, then the jobs it promised.
async fn loan_body(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
    problem: Option<String>,
) -> Result<Markup, PageError> {
    let main = loan_body_main(state, viewer, loan, place, problem).await?;
    let jobs = jobs_section(state, viewer, loan, place).await?;
    Ok(html! { (main) (jobs) })
}

async fn loan_body_main(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
    problem: Option<String>,
) -> Result<Markup, PageError> {
    let lang = viewer.lang;
    let today = crate::today(state);
    let names = member_names(state, viewer, loan.fund_id).await?;
    let installments = state.store.installments(loan.id).await.map_err(|e| viewer.internal(e))?;
    let repayments = state.store.loan_repayments(loan.id).await.map_err(|e| viewer.internal(e))?;
    let target = Target { place, fund_id: Some(loan.fund_id) };
    let may_operate = allows(&viewer.user.grant, Action::Operate, target);
    let may_approve = allows(&viewer.user.grant, Action::Approve, target);
    let outstanding = Rials::new(installments.iter().map(|i| i.outstanding().get()).sum());
    let due_now = Rials::new(installments.iter().filter(|i| i.due_on <= today).map(|i| i.outstanding().get()).sum());
    let next = installments.iter().find(|i| i.outstanding().is_positive()).map_or(Rials::ZERO, |i| i.outstanding());
    let suggested = if due_now.is_positive() { due_now } else { next };
    let step = match loan.status {
        LoanStatus::Requested if may_approve => html! {
            form method="post" action={ "/loans/" (loan.id) "/approve" } {
                button type="submit" { (lang.t("approve")) }
            }
        },
        LoanStatus::Approved if may_operate => html! {
            form.stack method="post" action={ "/loans/" (loan.id) "/disburse" } {
                input type="hidden" name="key" value={ "out-" (loan.id) };
                label { (lang.t("date_paid_out")) input name="on" value=(lang.date(today)); }
                button type="submit" { (lang.t("disburse")) }
            }
        },
        LoanStatus::Disbursed if may_operate => html! {
            form.stack method="post" action={ "/loans/" (loan.id) "/repay" } {
                input type="hidden" name="key" value=(fresh_key("repay"));
                label {
                    (lang.t("amount")) " (" (viewer.unit_name()) ")"
                    input.amount name="amount" inputmode="numeric" value=(viewer.input_amount(suggested)) required;
                }
                label { (lang.t("payment_date")) input name="on" value=(lang.date(today)); }
                button type="submit" { (lang.t("record_repayment")) }
            }
        },
        _ => html! {},
    };
    let method = match lang {
        Lang::Fa => {
            format!(
                "{} {}",
                loan.method.name_fa(),
                domain::text::show_digits(&loan.fee_rate.to_string(), lang.digits())
            )
        }
        Lang::En => format!("{} {}", loan.method.code(), loan.fee_rate),
    };
    Ok(html! {
        h1 { (lang.t("loan")) " · " (Text(names.get(&loan.member_id).map_or("", String::as_str))) }
        @if let Some(problem) = &problem { div.notice.error role="alert" { (Text(problem)) } }
        ul.figures {
            li { strong { (viewer.money(loan.amount)) } (lang.t("amount")) }
            li { strong { (viewer.money(outstanding)) } (lang.t("balance")) }
            li { strong { (status_badge(lang, loan.status, loan.days_past_due)) } (lang.t("status")) }
            li { strong { (method) } (lang.t("karmozd")) }
        }
        (step)
        h2 { (lang.t("schedule")) " (" (viewer.unit_name()) ")" }
        div.actions.no-print { button type="button" class="secondary" data-print { (lang.t("print")) } }
        div.table-wrap {
            table {
                thead {
                    tr {
                        th.num { (lang.t("installment")) }
                        th { (lang.t("due_on")) }
                        th.num { (lang.t("principal")) }
                        th.num { (lang.t("karmozd")) }
                        th.num.hide-narrow { (lang.t("paid")) }
                        th.num { (lang.t("unpaid")) }
                    }
                }
                tbody {
                    @for i in &installments {
                        tr {
                            td.num { (lang.number(i64::from(i.number))) }
                            td { (lang.date(i.due_on)) }
                            td.num { (viewer.amount(i.principal_due)) }
                            td.num { (viewer.amount(Rials::new(i.fee_due.get() + i.penalty_due.get()))) }
                            td.num.hide-narrow {
                                @let paid = i.principal_paid.get() + i.fee_paid.get() + i.penalty_paid.get();
                                (viewer.amount(Rials::new(paid)))
                            }
                            td.num { (viewer.amount(i.outstanding())) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("repayments")) }
        div.table-wrap {
            table {
                tbody {
                    @for r in &repayments {
                        tr {
                            td { (lang.date(r.on)) }
                            td.num { (viewer.amount(r.amount)) }
                            td { a href={ "/loans/" (loan.id) "/receipts/" (r.seq.0) } { (lang.t("receipt")) } }
                            td {
                                @if r.reversed_by.is_some() {
                                    span.badge { (lang.t("reversed")) }
                                } @else if may_operate {
                                    form method="post" action={ "/loans/" (loan.id) "/reverse" } class="no-print" {
                                        input type="hidden" name="seq" value=(r.seq.0);
                                        input type="hidden" name="key" value={ "undo-" (r.seq.0) };
                                        input name="reason" required placeholder=(lang.t("reason"))
                                            aria-label=(lang.t("reason"));
                                        " "
                                        button type="submit" class="secondary" { (lang.t("reverse")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
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
    let page = components::layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan"), body);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

//! A fund's loans: eligibility, request, approval, payout, repayments (one, a sheet, the payoff), reversal and write-off.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoanBody {
    pub(crate) member_id: i64,
    pub(crate) amount: Amount,
    pub(crate) term_months: u32,
    #[serde(default)]
    pub(crate) purpose: String,
    #[serde(default)]
    pub(crate) jobs_created: u32,
    #[serde(default)]
    pub(crate) jobs_revived: u32,
    #[serde(default)]
    pub(crate) guarantors: Vec<i64>,
    pub(crate) on: Option<Day>,
}

impl LoanBody {
    pub(crate) fn application(self, on: IsoDate) -> app::model::LoanApplication {
        app::model::LoanApplication {
            member_id: self.member_id,
            amount: self.amount.0,
            term_months: self.term_months,
            purpose: self.purpose,
            jobs_created: self.jobs_created,
            jobs_revived: self.jobs_revived,
            guarantors: self.guarantors,
            on: self.on.map_or(on, |d| d.0),
        }
    }
}

pub(crate) async fn check_loan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<LoanBody>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Operate, id).await?;
    let application = body.application(today(&state));
    let refusals = state.store.check_loan(id, &application).await.map_err(|e| not_found_as(e, "member"))?;
    Ok(Json(json!({
        "eligible": refusals.is_empty(),
        "refusals": refusals.iter().map(|r| json!({ "message": r.message_en(), "message_fa": r.message_fa() })).collect::<Vec<_>>(),
    })))
}

pub(crate) async fn request_loan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<LoanBody>,
) -> ApiResult<Json<Value>> {
    let application = body.application(today(&state));
    let loan = app::funds::loans::request(&state.store, state.clock.as_ref(), &caller.actor(), id, &application)
        .await
        .map_err(|e| match e {
            app::StoreError::NotFound { what: "fund", .. } => ApiError::NotFound("fund"),
            other => not_found_as(other, "member"),
        })?;
    Ok(Json(json!({ "loan": loan_json(&loan) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RepaymentSheetLine {
    pub(crate) loan_id: i64,
    pub(crate) amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RepaymentSheetBody {
    pub(crate) on: Day,
    pub(crate) key: String,
    pub(crate) lines: Vec<RepaymentSheetLine>,
}

pub(crate) async fn repayment_sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<RepaymentSheetBody>,
) -> ApiResult<Json<Value>> {
    let payments: Vec<(i64, Rials)> = body.lines.iter().map(|l| (l.loan_id, l.amount.0)).collect();
    let (clock, actor) = (state.clock.as_ref(), caller.actor());
    let repayments =
        app::funds::loans::repayment_sheet(&state.store, clock, &actor, id, &payments, body.on.0, &body.key).await?;
    Ok(Json(json!({
        "key": body.key,
        "on": day_json(body.on.0),
        "lines": payments.iter().zip(&repayments).map(|((loan, amount), r)| json!({
            "loan_id": loan,
            "amount_rials": amount.get(),
            "entry_seq": r.seq.0,
            "already_posted": r.already_posted,
        })).collect::<Vec<_>>(),
    })))
}

// ---- loans ----

pub(crate) async fn loan(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let (loan, _) = caller.may_on_loan(&state, Action::Read, id).await?;
    let installments = state.store.installments(id).await?;
    let quote = state.store.payoff_quote(id, today(&state)).await?;
    Ok(Json(json!({
        "loan": loan_json(&loan),
        "installments": installments.iter().map(installment_json).collect::<Vec<_>>(),
        "outstanding_rials": installments.iter().map(|i| i.outstanding().get()).sum::<i64>(),
        "payoff_today": { "amount_rials": quote.amount.get(), "fee_waived_rials": quote.fee_waived.get() },
    })))
}

pub(crate) async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let loan = app::funds::loans::approve(&state.store, state.clock.as_ref(), &caller.actor(), id).await?;
    Ok(Json(json!({ "loan": loan_json(&loan) })))
}

pub(crate) async fn disburse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DatedKeyBody>,
) -> ApiResult<Json<Value>> {
    let on = body.on.map_or_else(|| today(&state), |d| d.0);
    let loan =
        app::funds::loans::disburse(&state.store, state.clock.as_ref(), &caller.actor(), id, on, &body.key).await?;
    Ok(Json(json!({ "loan": loan_json(&loan) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RepayBody {
    pub(crate) amount: Amount,
    pub(crate) on: Option<Day>,
    pub(crate) key: String,
}

pub(crate) fn repayment_json(loan_id: i64, repayment: &app::model::Repayment) -> Value {
    json!({
        "loan_id": loan_id,
        "entry_seq": repayment.seq.0,
        "already_posted": repayment.already_posted,
        "lines": repayment.lines.iter().map(|l| json!({
            "number": l.number,
            "penalty_rials": l.penalty.get(),
            "fee_rials": l.fee.get(),
            "principal_rials": l.principal.get(),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) async fn repay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<RepayBody>,
) -> ApiResult<Json<Value>> {
    record_payment(&state, &caller, id, Some(body.amount.0), body.on, &body.key).await
}

pub(crate) async fn payoff(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DatedKeyBody>,
) -> ApiResult<Json<Value>> {
    record_payment(&state, &caller, id, None, body.on, &body.key).await
}

/// A repayment of `amount`, or with `None` the early payoff: posted once per key, audited when posted.
pub(crate) async fn record_payment(
    state: &AppState,
    caller: &Caller,
    id: i64,
    amount: Option<Rials>,
    on: Option<Day>,
    key: &str,
) -> ApiResult<Json<Value>> {
    let on = on.map_or_else(|| today(state), |d| d.0);
    let repayment =
        app::funds::loans::repay(&state.store, state.clock.as_ref(), &caller.actor(), id, amount, on, key).await?;
    Ok(Json(repayment_json(id, &repayment)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReverseBody {
    pub(crate) entry_seq: i64,
    pub(crate) reason: String,
    pub(crate) on: Option<Day>,
    pub(crate) key: String,
}

pub(crate) async fn reverse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<ReverseBody>,
) -> ApiResult<Json<Value>> {
    caller.may_on_loan(&state, Action::Operate, id).await?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::field("reason", "say why the repayment is reversed"));
    }
    let on = body.on.map_or_else(|| today(&state), |d| d.0);
    let seq = domain::EntrySeq(body.entry_seq);
    let (clock, actor) = (state.clock.as_ref(), caller.actor());
    let reversal =
        app::funds::loans::reverse_repayment(&state.store, clock, &actor, id, seq, &body.reason, on, &body.key).await?;
    Ok(Json(json!({ "loan_id": id, "reversed_seq": body.entry_seq, "entry_seq": reversal.0, "reason": body.reason })))
}

pub(crate) async fn write_off(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DatedKeyBody>,
) -> ApiResult<Json<Value>> {
    let on = body.on.map_or_else(|| today(&state), |d| d.0);
    let loan =
        app::funds::loans::write_off(&state.store, state.clock.as_ref(), &caller.actor(), id, on, &body.key).await?;
    Ok(Json(json!({ "loan": loan_json(&loan) })))
}

//! The village funds' routes: funds, their rules, capital and lottery (here), members and loans (in their parts).

use super::*;

mod loans;
mod members;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{loans::*, members::*};

// ---- funds ----

pub(crate) async fn funds(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let all = state.store.funds_with_places(None).await?;
    let visible: Vec<Value> = all
        .iter()
        .filter(|(fund, place)| allows(&caller.user.grant, Action::Read, Target { place, fund_id: Some(fund.id) }))
        .map(|(fund, place)| fund_json(fund, place))
        .collect();
    Ok(Json(json!({ "funds": visible })))
}

pub(crate) async fn fund(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let place = caller.may(&state, Action::Read, id).await?;
    let fund = state.store.fund(id).await?;
    let health = state.store.fund_health(id, today(&state)).await?;
    Ok(Json(json!({
        "fund": fund_json(&fund, &place),
        "health": {
            "members": health.members,
            "members_active": health.members_active,
            "savings_rials": health.savings.get(),
            "cash_rials": health.cash.get(),
            "loans_outstanding_rials": health.loans_outstanding.get(),
            "loans_open": health.loans_open,
            "par30": health.par30,
            "repayment_rate": health.repayment_rate,
            "liquidity": health.liquidity,
            "age_months": health.age_months,
        }
    })))
}

pub(crate) async fn fund_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Read, id).await?;
    let history = state.store.fund_rules(id).await?;
    let versions: Vec<Value> = history.versions().iter().map(|(from, r)| rules_json(*from, r)).collect();
    Ok(Json(json!({ "versions": versions })))
}

pub(crate) fn rules_json(from: IsoDate, r: &domain::fund::FundRules) -> Value {
    json!({
        "from": day_json(from),
        "monthly_savings_rials": r.monthly_savings.get(),
        "min_membership_months": r.min_membership_months,
        "savings_multiple": f64::from(r.savings_multiple_hundredths) / 100.0,
        "loan_cap_rials": r.loan_cap.get(),
        "term_months_min": r.term_months_min,
        "term_months_max": r.term_months_max,
        "karmozd_method": r.karmozd_method.code(),
        "fee_rate_percent": r.fee_rate.percent(),
        "rounding_unit_rials": r.rounding_unit.get(),
        "guarantors_required": r.guarantors_required,
        "guarantor_ceiling_rials": r.guarantor_ceiling.get(),
        "late_rule": r.late_rule.code(),
        "late_fixed_rials": r.late_rule.fixed_amount().get(),
        "payment_order": domain::fund::PaymentPart::order_code(r.payment_order),
        "selection": r.selection.code(),
        "second_approval_above_rials": r.second_approval_above.get(),
    })
}

/// A change to a fund's rules: only the fields to change; the rest stay as they were on `from`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesBody {
    pub(crate) from: Day,
    pub(crate) monthly_savings: Option<Amount>,
    pub(crate) min_membership_months: Option<u32>,
    /// The ceiling as a multiple of the member's savings, in hundredths (300 = three times).
    pub(crate) savings_multiple_hundredths: Option<u32>,
    pub(crate) loan_cap: Option<Amount>,
    pub(crate) term_months_min: Option<u32>,
    pub(crate) term_months_max: Option<u32>,
    pub(crate) karmozd_method: Option<String>,
    /// Percent a year, as typed: `"4"`, `"۴٫۵"`.
    pub(crate) fee_rate_percent: Option<String>,
    pub(crate) rounding_unit: Option<Amount>,
    pub(crate) guarantors_required: Option<u32>,
    pub(crate) guarantor_ceiling: Option<Amount>,
    /// none, fixed or daily.
    pub(crate) late_rule: Option<String>,
    pub(crate) late_fixed: Option<Amount>,
    /// Such as `penalty,fee,principal`.
    pub(crate) payment_order: Option<String>,
    /// queue, score or lottery.
    pub(crate) selection: Option<String>,
    pub(crate) second_approval_above: Option<Amount>,
}

impl RulesBody {
    pub(crate) fn apply(self, mut r: domain::fund::FundRules) -> ApiResult<domain::fund::FundRules> {
        let mut wrong = Vec::new();
        let amount = |a: Option<Amount>, current: Rials| a.map_or(current, |a| a.0);
        r.monthly_savings = amount(self.monthly_savings, r.monthly_savings);
        r.loan_cap = amount(self.loan_cap, r.loan_cap);
        r.rounding_unit = amount(self.rounding_unit, r.rounding_unit);
        r.guarantor_ceiling = amount(self.guarantor_ceiling, r.guarantor_ceiling);
        r.second_approval_above = amount(self.second_approval_above, r.second_approval_above);
        r.min_membership_months = self.min_membership_months.unwrap_or(r.min_membership_months);
        r.savings_multiple_hundredths = self.savings_multiple_hundredths.unwrap_or(r.savings_multiple_hundredths);
        r.term_months_min = self.term_months_min.unwrap_or(r.term_months_min);
        r.term_months_max = self.term_months_max.unwrap_or(r.term_months_max);
        r.guarantors_required = self.guarantors_required.unwrap_or(r.guarantors_required);
        if let Some(method) = self.karmozd_method {
            match domain::loan::KarmozdMethod::parse(&method) {
                Ok(m) => r.karmozd_method = m,
                Err(e) => wrong.push(("karmozd_method", e.to_string())),
            }
        }
        if let Some(rate) = self.fee_rate_percent {
            match domain::loan::FeeRate::parse_percent(&rate) {
                Ok(rate) => r.fee_rate = rate,
                Err(e) => wrong.push(("fee_rate_percent", e.to_string())),
            }
        }
        if self.late_rule.is_some() || self.late_fixed.is_some() {
            let code = self.late_rule.unwrap_or_else(|| r.late_rule.code().to_string());
            let fixed = self.late_fixed.map_or(r.late_rule.fixed_amount(), |a| a.0);
            match domain::fund::LateRule::from_code(&code, fixed) {
                Some(rule) => r.late_rule = rule,
                None => wrong.push(("late_rule", format!("{code:?}: none, fixed or daily"))),
            }
        }
        if let Some(order) = self.payment_order {
            match domain::fund::PaymentPart::parse_order(&order) {
                Some(order) => r.payment_order = order,
                None => wrong.push(("payment_order", format!("{order:?}: penalty, fee and principal in some order"))),
            }
        }
        if let Some(selection) = self.selection {
            match domain::fund::BorrowerSelection::parse(&selection) {
                Some(s) => r.selection = s,
                None => wrong.push(("selection", format!("{selection:?}: queue, score or lottery"))),
            }
        }
        if wrong.is_empty() { Ok(r) } else { Err(ApiError::fields(wrong)) }
    }
}

pub(crate) async fn change_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<RulesBody>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Oversee, id).await?;
    let from = body.from.0;
    let (_, after) =
        app::funds::change_rules(&state.store, state.clock.as_ref(), &caller.actor(), id, from, |before| {
            body.apply(before)
        })
        .await?;
    Ok(Json(json!({ "rules": rules_json(from, &after) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenFundBody {
    pub(crate) name: String,
    pub(crate) opened_on: Day,
}

/// Opens a fund at a village with the usual rules (changed afterwards through the rules route).
pub(crate) async fn open_fund(
    State(state): State<AppState>,
    caller: Caller,
    Path(place_id): Path<i64>,
    Body(body): Body<OpenFundBody>,
) -> ApiResult<Json<Value>> {
    let place = app::access::place(&state.store, &caller.user.grant, Action::Oversee, place_id).await?;
    if place.kind != domain::PlaceKind::Village {
        return Err(ApiError::field("place", "a fund opens at a village"));
    }
    let rules = domain::fund::FundRules::usual();
    let (fund, path) = app::funds::open_fund(
        &state.store,
        state.clock.as_ref(),
        &caller.actor(),
        place_id,
        &body.name,
        body.opened_on.0,
        &rules,
    )
    .await?;
    Ok(Json(json!({ "fund": fund_json(&fund, &path), "rules": rules_json(fund.opened_on, &rules) })))
}

pub(crate) async fn fund_statements(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<MonthQuery>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Read, id).await?;
    let period =
        query.period.as_deref().ok_or_else(|| ApiError::field("period", "say which period: 1403 or 1403/05"))?;
    let (first, last) = domain::date::parse_jalali_period(period).map_err(|e| ApiError::field("period", e))?;
    let (first, last) = (first.to_iso(), last.to_iso());
    let statements = app::funds::fund_statements(&state.store, id, first, last).await?;
    let lines = |lines: &[(String, String, i64)]| -> Vec<Value> {
        lines.iter().map(|(code, name, amount)| json!({ "code": code, "name": name, "amount_rials": amount })).collect()
    };
    Ok(Json(json!({
        "from": day_json(first),
        "to": day_json(last),
        "balance_sheet": {
            "assets": lines(&statements.assets),
            "liabilities": lines(&statements.liabilities),
            "equity": lines(&statements.equity),
            "retained_earnings_rials": statements.retained_earnings,
        },
        "income_statement": {
            "income": lines(&statements.income),
            "expenses": lines(&statements.expenses),
            "net_income_rials": statements.net_income,
        },
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub(crate) enum CapitalKind {
    Loan,
    Grant,
    Repayment,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapitalBody {
    pub(crate) kind: CapitalKind,
    pub(crate) amount: Amount,
    pub(crate) source: String,
    pub(crate) on: Day,
    pub(crate) key: String,
}

pub(crate) async fn capital(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<CapitalBody>,
) -> ApiResult<Json<Value>> {
    use app::funds::{CapitalMove, InjectionKind};
    let kind = match body.kind {
        CapitalKind::Grant => InjectionKind::Grant,
        CapitalKind::Loan | CapitalKind::Repayment => InjectionKind::Loan,
    };
    let movement = CapitalMove { fund_id: id, kind, amount: body.amount.0, source: &body.source, on: body.on.0 };
    let repayment = matches!(body.kind, CapitalKind::Repayment);
    let (clock, actor) = (state.clock.as_ref(), caller.actor());
    let outcome = app::funds::move_capital(&state.store, clock, &actor, &movement, &body.key, repayment).await?;
    Ok(Json(json!({
        "entry_seq": outcome.seq.0,
        "already_posted": outcome.status != app::model::PostStatus::Posted,
        "amount_rials": body.amount.0.get(),
        "source": body.source,
        "on": day_json(body.on.0),
    })))
}

pub(crate) async fn capital_records(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Read, id).await?;
    let records = state.store.capital_records(id).await?;
    let total = |code: &str| records.iter().filter(|r| r.code == code).map(|r| r.amount.get()).sum::<i64>();
    let (lent, repaid) = (total("capital.loan"), total("capital.repay"));
    Ok(Json(json!({
        "fund_id": id,
        "capital_loans_rials": lent,
        "capital_repaid_rials": repaid,
        "capital_owed_rials": lent - repaid,
        "grants_rials": total("capital.grant"),
        "records": records.iter().map(|r| json!({
            "entry_seq": r.seq.0,
            "on": day_json(r.on),
            "kind": r.code.trim_start_matches("capital."),
            "source": r.source,
            "amount_rials": r.amount.get(),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DrawBody {
    pub(crate) seed: String,
    pub(crate) cycle: Option<String>,
    pub(crate) on: Option<Day>,
}

pub(crate) async fn lottery_draw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DrawBody>,
) -> ApiResult<Json<Value>> {
    let on = body.on.map_or_else(|| today(&state), |d| d.0);
    let cycle = body.cycle.unwrap_or_else(|| on.to_jalali().year().to_string());
    let record =
        app::funds::draw(&state.store, state.clock.as_ref(), &caller.actor(), id, on, &cycle, &body.seed).await?;
    let mut after = draw_json(&record);
    after["verify_with"] = json!(format!("abadi lottery verify {}", record.id));
    Ok(Json(after))
}

/// A published draw, with what anyone needs to recompute it, and whether it recomputes.
pub(crate) async fn lottery_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let record = state.store.lottery_draw(id).await.map_err(|e| not_found_as(e, "draw"))?;
    caller.may(&state, Action::Read, record.fund_id).await.map_err(|_| ApiError::NotFound("draw"))?;
    let again = domain::fund::draw_lottery(&record.draw.seed, &record.draw.entrants);
    let mut published = draw_json(&record);
    published["fund_id"] = json!(record.fund_id);
    published["recomputes"] = json!(again.as_ref().is_ok_and(|d| *d == record.draw));
    Ok(Json(published))
}

/// A draw as published: what anyone needs to recompute it.
pub(crate) fn draw_json(record: &app::model::DrawRecord) -> Value {
    json!({
        "draw_id": record.id,
        "cycle": record.cycle,
        "drawn_on": day_json(record.drawn_on),
        "seed": record.draw.seed,
        "entrants": record.draw.entrants,
        "digest": record.draw.digest_hex,
        "winner_member_id": record.draw.winner,
    })
}

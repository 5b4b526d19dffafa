//! A fund's members and their savings: search, join, the savings sheet, dues, a member's statement, leaving.

use super::*;

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    pub(crate) q: Option<String>,
}

pub(crate) async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Read, id).await?;
    let found = state.store.find_members(id, query.q.as_deref()).await?;
    Ok(Json(json!({ "members": found.iter().map(member_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JoinBody {
    pub(crate) national_id: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    #[serde(default)]
    pub(crate) father_name: String,
    #[serde(default)]
    pub(crate) phone: Option<String>,
    /// Jalali, as typed: `1403/05/12` or `۱۴۰۳/۵/۱۲`.
    pub(crate) joined_on: String,
}

pub(crate) async fn join(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<JoinBody>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Operate, id).await?;
    let fund = state.store.fund(id).await?;
    let input = app::funds::MemberInput {
        national_id: &body.national_id,
        first_name: &body.first_name,
        last_name: &body.last_name,
        father_name: &body.father_name,
        phone: body.phone.as_deref().unwrap_or(""),
        joined_on: &body.joined_on,
    };
    let new = app::funds::new_member(&input, fund.place_id).map_err(ApiError::field_problems)?;
    let member = app::funds::join(&state.store, state.clock.as_ref(), &caller.actor(), id, &new).await?;
    Ok(Json(json!({ "member": member_json(&member) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SheetLine {
    pub(crate) id: i64,
    pub(crate) amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SheetBody {
    pub(crate) on: Day,
    /// The sheet's key: the same key again posts nothing twice.
    pub(crate) key: String,
    pub(crate) lines: Vec<SheetLine>,
}

pub(crate) async fn savings_sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<SheetBody>,
) -> ApiResult<Json<Value>> {
    let deposits: Vec<(i64, Rials)> = body.lines.iter().map(|l| (l.id, l.amount.0)).collect();
    let (clock, actor) = (state.clock.as_ref(), caller.actor());
    let outcomes = app::funds::savings_sheet(&state.store, clock, &actor, id, &deposits, body.on.0, &body.key).await?;
    let posted = outcomes.iter().filter(|o| o.status == app::model::PostStatus::Posted).count();
    Ok(Json(json!({
        "key": body.key,
        "on": day_json(body.on.0),
        "lines": deposits.iter().map(|(m, a)| json!({ "member_id": m, "amount_rials": a.get() })).collect::<Vec<_>>(),
        "posted": posted,
        "already_posted": outcomes.len() - posted,
    })))
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    pub(crate) month: Option<String>,
    pub(crate) period: Option<String>,
}

pub(crate) async fn dues(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<MonthQuery>,
) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Read, id).await?;
    let on = match query.month.as_deref() {
        Some(text) => {
            let (first, _) = domain::date::parse_jalali_period(text).map_err(|e| ApiError::field("month", e))?;
            first.to_iso()
        }
        None => today(&state),
    };
    let lines = state.store.fund_dues(id, on).await?;
    Ok(Json(json!({
        "month": crate::json::month_json(on.to_jalali().jalali_month()),
        "lines": lines.iter().map(|l| json!({
            "member_id": l.member_id,
            "name": l.name,
            "dues_rials": l.month.dues.get(),
            "deposits_rials": l.month.deposits.get(),
            "behind_rials": l.month.behind.get(),
            "balance_rials": l.month.balance.get(),
        })).collect::<Vec<_>>(),
    })))
}

// ---- members ----

pub(crate) async fn member(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    caller.may_on_member(&state, Action::Read, id).await?;
    let statement = state.store.member_statement(id, today(&state)).await?;
    Ok(Json(json!({
        "member": member_json(&statement.member),
        "savings": statement.savings.iter().map(|m| json!({
            "month": crate::json::month_json(m.month),
            "dues_rials": m.dues.get(),
            "deposits_rials": m.deposits.get(),
            "withdrawals_rials": m.withdrawals.get(),
            "balance_rials": m.balance.get(),
            "behind_rials": m.behind.get(),
        })).collect::<Vec<_>>(),
        "loans": statement.loans.iter().map(|(loan, installments)| json!({
            "loan": loan_json(loan),
            "installments": installments.iter().map(installment_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatedKeyBody {
    pub(crate) on: Option<Day>,
    pub(crate) key: String,
}

pub(crate) async fn leave(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DatedKeyBody>,
) -> ApiResult<Json<Value>> {
    let on = body.on.map_or_else(|| today(&state), |d| d.0);
    let member = app::funds::leave(&state.store, state.clock.as_ref(), &caller.actor(), id, on, &body.key).await?;
    Ok(Json(json!({ "member": member_json(&member) })))
}

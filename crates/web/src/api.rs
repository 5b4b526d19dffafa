//! The JSON API under `/api/v1`: every fund use case, behind a bearer token, checked against the
//! caller's role and scope. A target outside the caller's scope answers 404, as if it did not exist.
//! Every change is written to the audit trail with who, when, from where, and the state before and after.

use crate::AppState;
use crate::errors::{ApiError, ApiResult};
use crate::json::{Amount, Day, day_json, fund_json, installment_json, loan_json, member_json};
use app::auth::{self, AuthError};
use app::model::{Loan, Member, SessionKind, StoreError, User};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use domain::access::{Action, Role, Target, allows};
use domain::{IsoDate, PlacePath, Rials};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A request body as JSON: malformed JSON, a wrong content type or an oversized body each get their
/// own JSON error (see [`ApiError`]).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::WrongContentType,
                JsonRejection::JsonSyntaxError(e) => ApiError::MalformedJson(e.body_text()),
                JsonRejection::JsonDataError(e) => ApiError::MalformedJson(e.body_text()),
                JsonRejection::BytesRejection(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::TooLarge
                }
                other => ApiError::MalformedJson(other.body_text()),
            }),
        }
    }
}

/// The address a request came from (empty when the server was not told, as in some tests).
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(address_of(parts)))
    }
}

/// The signed-in caller: the user behind the bearer token, and the address the request came from.
pub struct Caller {
    pub user: User,
    pub address: String,
    pub secret: String,
}

pub(crate) fn address_of(parts: &Parts) -> String {
    parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map_or_else(String::new, |c| c.0.ip().to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthenticated)?
            .to_string();
        let user = state
            .sessions
            .user_of_secret(&state.store, state.clock.as_ref(), &secret)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Caller { user, address: address_of(parts), secret })
    }
}

impl Caller {
    /// Refuses (as "not found") unless the caller may do `action` on the fund; gives the fund's place.
    async fn may(&self, state: &AppState, action: Action, fund_id: i64) -> ApiResult<PlacePath> {
        Ok(app::access::fund(&state.store, &self.user.grant, action, fund_id).await?)
    }

    async fn may_on_loan(&self, state: &AppState, action: Action, loan_id: i64) -> ApiResult<(Loan, PlacePath)> {
        Ok(app::access::loan(&state.store, &self.user.grant, action, loan_id).await?)
    }

    async fn may_on_member(&self, state: &AppState, action: Action, member_id: i64) -> ApiResult<(Member, PlacePath)> {
        Ok(app::access::member(&state.store, &self.user.grant, action, member_id).await?)
    }

    /// The caller as the one who acts.
    fn actor(&self) -> app::Actor {
        app::Actor::user(&self.user, &self.address)
    }
}

fn not_found_as(error: StoreError, what: &'static str) -> ApiError {
    match error {
        StoreError::NotFound { .. } => ApiError::NotFound(what),
        other => other.into(),
    }
}

fn today(state: &AppState) -> IsoDate {
    app::today_in_iran(state.clock.as_ref()).to_iso()
}

/// One documented route: the method, the path with `{id}`, what it does, and what the caller needs
/// (`public`, `any` signed-in user, or the `domain::access::Action` on the fund it names).
#[derive(Clone, Debug)]
pub struct RouteDoc {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    pub needs: &'static str,
}

/// The API's routes, each recorded with its description so that tests hold every route to account
/// and the OpenAPI document lists exactly what is served.
pub struct RouteTable {
    router: Router<AppState>,
    pub routes: Vec<RouteDoc>,
}

impl RouteTable {
    fn route(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
        summary: &'static str,
        needs: &'static str,
    ) -> RouteTable {
        self.routes.push(RouteDoc { method, path, summary, needs });
        self.router = self.router.route(path, handler);
        self
    }
}

/// Every API route, as (method, path) with `{id}` placeholders.
pub fn route_table() -> Vec<(Method, &'static str)> {
    build().routes.into_iter().map(|r| (r.method, r.path)).collect()
}

/// The OpenAPI 3.1 document of the API, made from the route table.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for route in build().routes {
        let entry = paths.entry(route.path.to_string()).or_insert_with(|| json!({}));
        let mut operation = json!({
            "summary": route.summary,
            "description": format!("Needs: {}.", route.needs),
            "responses": {
                "200": { "description": "done", "content": { "application/json": {} } },
                "4XX": { "description": "refused: see the error's code", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
            },
        });
        if route.needs == "public" {
            operation["security"] = json!([]);
        }
        if route.path.contains("{id}") {
            operation["parameters"] =
                json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }]);
        }
        if route.method == Method::POST {
            operation["requestBody"] = json!({ "content": { "application/json": { "schema": { "type": "object" } } } });
        }
        entry[route.method.as_str().to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Abadi API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Rural development finance: village funds, their members, savings and loans. Amounts are whole rials (JSON integers, or text in Persian or Latin digits); dates are Jalali (\"1403/05/12\") and come back as {jalali, iso}. Every write that moves money takes a key: the same request twice posts once.",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": { "type": "object", "properties": { "error": { "type": "object", "properties": {
                "code": { "type": "string" }, "message": { "type": "string" }, "message_fa": { "type": "string" } } } } } },
        },
        "paths": paths,
    })
}

/// The API described as a page, from the same table (served by the binary; no CDN).
pub fn docs_page() -> String {
    let rows: String = build()
        .routes
        .iter()
        .map(|r| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                r.method,
                crate::pages::esc(r.path),
                crate::pages::esc(r.summary),
                r.needs
            )
        })
        .collect();
    format!(
        "<h1>Abadi API</h1><p>OpenAPI: <a href=\"/api/openapi.json\">/api/openapi.json</a>. Send <code>Authorization: Bearer TOKEN</code> (from <code>POST /api/v1/sign-in</code> or <code>abadi user token</code>).</p>\
         <div class=\"table-wrap\"><table><thead><tr><th>method</th><th>path</th><th>what it does</th><th>needs</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
}

pub fn router() -> Router<AppState> {
    build().router
}

fn build() -> RouteTable {
    let table = RouteTable { router: Router::new(), routes: Vec::new() };
    let RouteTable { router, routes } = table
        .route(
            Method::POST,
            "/api/v1/sign-in",
            post(sign_in),
            "Sign in with username and password; answers a bearer token",
            "public",
        )
        .route(Method::POST, "/api/v1/sign-out", post(sign_out), "End the token used for this request", "any")
        .route(Method::GET, "/api/v1/me", get(me), "The signed-in user, role and scope", "any")
        .route(
            Method::POST,
            "/api/v1/me/password",
            post(change_password),
            "Change one's password (other browser sessions end)",
            "any",
        )
        .route(Method::GET, "/api/v1/funds", get(funds), "The funds within the caller's scope", "any")
        .route(Method::GET, "/api/v1/funds/{id}", get(fund), "A fund and its health figures today", "read")
        .route(Method::GET, "/api/v1/funds/{id}/rules", get(fund_rules), "A fund's rules, every dated version", "read")
        .route(
            Method::POST,
            "/api/v1/funds/{id}/rules",
            post(change_rules),
            "Change a fund's rules from a date on (only the fields given)",
            "oversee",
        )
        .route(
            Method::POST,
            "/api/v1/places/{id}/funds",
            post(open_fund),
            "Open a fund at a village with the usual rules",
            "oversee",
        )
        .route(
            Method::GET,
            "/api/v1/funds/{id}/members",
            get(members),
            "A fund's members; ?q= searches names and national IDs however typed",
            "read",
        )
        .route(Method::POST, "/api/v1/funds/{id}/members", post(join), "A member joins the fund", "operate")
        .route(
            Method::POST,
            "/api/v1/funds/{id}/savings-sheet",
            post(savings_sheet),
            "A month's savings for many members in one transaction; the key makes a resubmit post nothing twice",
            "operate",
        )
        .route(
            Method::GET,
            "/api/v1/funds/{id}/dues",
            get(dues),
            "Each member's dues, deposits and arrears for a month (?month=1403/05)",
            "read",
        )
        .route(
            Method::POST,
            "/api/v1/funds/{id}/loans/check",
            post(check_loan),
            "Every reason a loan request would fail, without recording it",
            "operate",
        )
        .route(
            Method::POST,
            "/api/v1/funds/{id}/loans",
            post(request_loan),
            "Request a loan (refused with every reason)",
            "operate",
        )
        .route(
            Method::POST,
            "/api/v1/funds/{id}/repayment-sheet",
            post(repayment_sheet),
            "A meeting's repayments in one transaction, all or none",
            "operate",
        )
        .route(
            Method::GET,
            "/api/v1/funds/{id}/statements",
            get(fund_statements),
            "Balance sheet and income statement for a Jalali period (?period=1403 or 1403/05)",
            "read",
        )
        .route(
            Method::GET,
            "/api/v1/funds/{id}/capital",
            get(capital_records),
            "The capital put into a fund and repaid, with the totals",
            "read",
        )
        .route(
            Method::GET,
            "/api/v1/users",
            get(users_list),
            "The users of the caller's places (administrators: everyone; officers and auditors: their place)",
            "read",
        )
        .route(
            Method::POST,
            "/api/v1/funds/{id}/capital",
            post(capital),
            "The programme's money into a fund (loan or grant), or a capital loan repaid",
            "oversee",
        )
        .route(
            Method::POST,
            "/api/v1/funds/{id}/lottery",
            post(lottery_draw),
            "Draw among the eligible members; seed and entrants are published",
            "operate",
        )
        .route(Method::GET, "/api/v1/lottery/{id}", get(lottery_record), "A published draw, recomputed", "read")
        .route(
            Method::GET,
            "/api/v1/members/{id}",
            get(member),
            "A member's statement: savings by month, loans with schedules",
            "read",
        )
        .route(
            Method::POST,
            "/api/v1/members/{id}/leave",
            post(leave),
            "A member leaves; savings paid out when nothing is open",
            "operate",
        )
        .route(
            Method::GET,
            "/api/v1/loans/{id}",
            get(loan),
            "A loan with its schedule and today's payoff quote",
            "read",
        )
        .route(
            Method::GET,
            "/api/v1/loans/{id}/jobs",
            get(loan_jobs),
            "The jobs a loan promised, with their status (expected, confirmed, lost)",
            "read",
        )
        .route(
            Method::POST,
            "/api/v1/jobs/{id}/visits",
            post(job_visit),
            "A visit to a job: confirmation (once) or follow-up; refused with the reason when it does not fit",
            "oversee",
        )
        .route(
            Method::POST,
            "/api/v1/jobs/{id}/description",
            post(describe_job),
            "Say what a job is: activity, created or revived, full or part time, the person's sex and age group",
            "oversee",
        )
        .route(
            Method::GET,
            "/api/v1/reports/programme",
            get(programme_report),
            "The programme report for a place (?place=ID&from=1403/01/01&to=1403/12/29): funds, members, savings, loans, PAR30, capital, jobs, money per job",
            "read",
        )
        .route(
            Method::GET,
            "/api/v1/solar/estimate",
            get(solar_estimate),
            "A home solar plant's monthly and yearly energy under the built-in typical year of its place in Iran (?lat=36.27&lon=50&kwp=5&tilt=30&azimuth=180[&altitude=1300])",
            "any",
        )
        .route(
            Method::POST,
            "/api/v1/loans/{id}/approve",
            post(approve),
            "Approve a loan (a second person above the fund's threshold)",
            "approve",
        )
        .route(
            Method::POST,
            "/api/v1/loans/{id}/disburse",
            post(disburse),
            "Pay an approved loan out: schedule and entry",
            "operate",
        )
        .route(
            Method::POST,
            "/api/v1/loans/{id}/repayments",
            post(repay),
            "Record a repayment, split by the fund's order",
            "operate",
        )
        .route(
            Method::POST,
            "/api/v1/loans/{id}/payoff",
            post(payoff),
            "Pay a loan off early (unused months' fee waived under simple and annuity)",
            "operate",
        )
        .route(
            Method::POST,
            "/api/v1/loans/{id}/reversals",
            post(reverse),
            "Reverse a mistaken repayment, with a reason",
            "operate",
        )
        .route(
            Method::POST,
            "/api/v1/loans/{id}/write-off",
            post(write_off),
            "Write a loan off, with approval",
            "approve",
        )
        .route(
            Method::GET,
            "/api/v1/audit",
            get(audit_trail),
            "The audit trail of the caller's scope (auditors and administrators)",
            "audit",
        );
    let router = router.route("/api/openapi.json", get(|| async { Json(openapi()) })).route(
        "/api/docs",
        get(|| async { crate::pages::layout(crate::i18n::Lang::En, None, "Abadi API", &docs_page()) }),
    );
    RouteTable { router, routes }
}

// ---- signing in ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    username: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Body(body): Body<SignInBody>,
) -> ApiResult<Json<Value>> {
    let signed = auth::sign_in(
        &state.store,
        state.clock.as_ref(),
        &body.username,
        &body.password,
        &address,
        SessionKind::ApiToken,
    )
    .await?;
    Ok(Json(json!({ "token": signed.secret, "user": user_json(&signed.user) })))
}

fn user_json(user: &User) -> Value {
    let (place, fund) = match &user.grant.scope {
        domain::access::Scope::Place(p) => (Some(p.as_str().to_string()), None),
        domain::access::Scope::Fund { fund_id, place } => (Some(place.as_str().to_string()), Some(*fund_id)),
        _ => (None, None),
    };
    json!({
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.grant.role.code(),
        "place_path": place,
        "fund_id": fund,
        "language": user.language,
    })
}

async fn sign_out(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    auth::sign_out(&state.store, state.clock.as_ref(), &caller.actor(), &caller.user, &caller.secret).await?;
    state.sessions.forget();
    Ok(Json(json!({ "signed_out": true })))
}

async fn me(caller: Caller) -> Json<Value> {
    Json(user_json(&caller.user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<PasswordBody>,
) -> ApiResult<Json<Value>> {
    let clock = state.clock.as_ref();
    let (current, new) = (&body.current_password, &body.new_password);
    auth::change_own_password(&state.store, clock, &caller.actor(), &caller.user, current, new, &caller.secret).await?;
    state.sessions.forget();
    Ok(Json(json!({ "changed": true })))
}

// ---- funds ----

async fn funds(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let all = state.store.funds_with_places(None).await?;
    let visible: Vec<Value> = all
        .iter()
        .filter(|(fund, place)| allows(&caller.user.grant, Action::Read, Target { place, fund_id: Some(fund.id) }))
        .map(|(fund, place)| fund_json(fund, place))
        .collect();
    Ok(Json(json!({ "funds": visible })))
}

async fn fund(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
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

async fn fund_rules(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    caller.may(&state, Action::Read, id).await?;
    let history = state.store.fund_rules(id).await?;
    let versions: Vec<Value> = history.versions().iter().map(|(from, r)| rules_json(*from, r)).collect();
    Ok(Json(json!({ "versions": versions })))
}

fn rules_json(from: IsoDate, r: &domain::fund::FundRules) -> Value {
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
struct RulesBody {
    from: Day,
    monthly_savings: Option<Amount>,
    min_membership_months: Option<u32>,
    /// The ceiling as a multiple of the member's savings, in hundredths (300 = three times).
    savings_multiple_hundredths: Option<u32>,
    loan_cap: Option<Amount>,
    term_months_min: Option<u32>,
    term_months_max: Option<u32>,
    karmozd_method: Option<String>,
    /// Percent a year, as typed: `"4"`, `"۴٫۵"`.
    fee_rate_percent: Option<String>,
    rounding_unit: Option<Amount>,
    guarantors_required: Option<u32>,
    guarantor_ceiling: Option<Amount>,
    /// none, fixed or daily.
    late_rule: Option<String>,
    late_fixed: Option<Amount>,
    /// Such as `penalty,fee,principal`.
    payment_order: Option<String>,
    /// queue, score or lottery.
    selection: Option<String>,
    second_approval_above: Option<Amount>,
}

impl RulesBody {
    fn apply(self, mut r: domain::fund::FundRules) -> ApiResult<domain::fund::FundRules> {
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

async fn change_rules(
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
struct OpenFundBody {
    name: String,
    opened_on: Day,
}

/// Opens a fund at a village with the usual rules (changed afterwards through the rules route).
async fn open_fund(
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

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn members(
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
struct JoinBody {
    national_id: String,
    first_name: String,
    last_name: String,
    #[serde(default)]
    father_name: String,
    #[serde(default)]
    phone: Option<String>,
    /// Jalali, as typed: `1403/05/12` or `۱۴۰۳/۵/۱۲`.
    joined_on: String,
}

async fn join(
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
struct SheetLine {
    id: i64,
    amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SheetBody {
    on: Day,
    /// The sheet's key: the same key again posts nothing twice.
    key: String,
    lines: Vec<SheetLine>,
}

async fn savings_sheet(
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
struct MonthQuery {
    month: Option<String>,
    period: Option<String>,
}

async fn dues(
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoanBody {
    member_id: i64,
    amount: Amount,
    term_months: u32,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    jobs_created: u32,
    #[serde(default)]
    jobs_revived: u32,
    #[serde(default)]
    guarantors: Vec<i64>,
    on: Option<Day>,
}

impl LoanBody {
    fn application(self, on: IsoDate) -> app::model::LoanApplication {
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

async fn check_loan(
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

async fn request_loan(
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
struct RepaymentSheetLine {
    loan_id: i64,
    amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepaymentSheetBody {
    on: Day,
    key: String,
    lines: Vec<RepaymentSheetLine>,
}

async fn repayment_sheet(
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

async fn fund_statements(
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
enum CapitalKind {
    Loan,
    Grant,
    Repayment,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapitalBody {
    kind: CapitalKind,
    amount: Amount,
    source: String,
    on: Day,
    key: String,
}

async fn capital(
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

async fn capital_records(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
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

async fn users_list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let under = domain::access::users_listed_by(&caller.user.grant)
        .ok_or(ApiError::Store(app::model::StoreError::NotFound { what: "route", id: 0 }))?;
    let users = state.store.users().await?;
    let listed: Vec<Value> = users
        .iter()
        .filter(|u| domain::access::grant_within(&u.grant, under.as_ref()))
        .map(|u| {
            let mut json = user_json(u);
            json["disabled"] = json!(u.disabled);
            json
        })
        .collect();
    Ok(Json(json!({ "users": listed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DrawBody {
    seed: String,
    cycle: Option<String>,
    on: Option<Day>,
}

async fn lottery_draw(
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
async fn lottery_record(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let record = state.store.lottery_draw(id).await.map_err(|e| not_found_as(e, "draw"))?;
    caller.may(&state, Action::Read, record.fund_id).await.map_err(|_| ApiError::NotFound("draw"))?;
    let again = domain::fund::draw_lottery(&record.draw.seed, &record.draw.entrants);
    let mut published = draw_json(&record);
    published["fund_id"] = json!(record.fund_id);
    published["recomputes"] = json!(again.as_ref().is_ok_and(|d| *d == record.draw));
    Ok(Json(published))
}

/// A draw as published: what anyone needs to recompute it.
fn draw_json(record: &app::model::DrawRecord) -> Value {
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

// ---- members ----

async fn member(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
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
struct DatedKeyBody {
    on: Option<Day>,
    key: String,
}

async fn leave(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DatedKeyBody>,
) -> ApiResult<Json<Value>> {
    let on = body.on.map_or_else(|| today(&state), |d| d.0);
    let member = app::funds::leave(&state.store, state.clock.as_ref(), &caller.actor(), id, on, &body.key).await?;
    Ok(Json(json!({ "member": member_json(&member) })))
}

// ---- loans ----

async fn loan(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
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

async fn approve(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let loan = app::funds::loans::approve(&state.store, state.clock.as_ref(), &caller.actor(), id).await?;
    Ok(Json(json!({ "loan": loan_json(&loan) })))
}

fn job_json(job: &app::model::Job) -> Value {
    json!({
        "id": job.id,
        "source": job.source.code(),
        "source_id": job.source_id,
        "fund_id": job.fund_id,
        "activity": job.activity,
        "kind": job.kind.code(),
        "hours": job.hours.code(),
        "fte": domain::report::fte_number(job.hours.fte_hundredths()),
        "sex": job.sex.code(),
        "age_group": job.age_group.code(),
        "status": job.status.code(),
        "expected_on": day_json(job.expected_on),
        "confirmed_on": job.confirmed_on.map(day_json),
        "lost_on": job.lost_on.map(day_json),
    })
}

async fn loan_jobs(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    caller.may_on_loan(&state, Action::Read, id).await?;
    let jobs = state.store.jobs_of_loan(id).await?;
    Ok(Json(json!({ "loan_id": id, "jobs": jobs.iter().map(job_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisitBody {
    on: Day,
    purpose: String,
    outcome: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    insured_workers: u32,
}

async fn job_visit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<VisitBody>,
) -> ApiResult<Json<Value>> {
    app::jobs::job(&state.store, &caller.user.grant, id).await?;
    let purpose = domain::jobs::VisitPurpose::parse(&body.purpose)
        .ok_or_else(|| ApiError::field("purpose", "confirmation or follow_up"))?;
    let outcome = domain::jobs::VisitOutcome::parse(&body.outcome)
        .ok_or_else(|| ApiError::field("outcome", "working, not_yet or closed"))?;
    let visit = app::model::Visit {
        on: body.on.0,
        purpose,
        outcome,
        visitor: caller.actor().name,
        seen: body.seen,
        insured_workers: body.insured_workers,
    };
    let job = app::jobs::visit(&state.store, state.clock.as_ref(), &caller.actor(), id, &visit).await?;
    Ok(Json(json!({ "job": job_json(&job) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescriptionBody {
    activity: String,
    kind: String,
    hours: String,
    sex: String,
    age_group: String,
}

async fn describe_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DescriptionBody>,
) -> ApiResult<Json<Value>> {
    use domain::jobs::{AgeGroup, JobHours, JobKind, Sex};
    app::jobs::job(&state.store, &caller.user.grant, id).await?;
    let mut wrong = Vec::new();
    let kind = JobKind::parse(&body.kind).or_else(|| {
        wrong.push(("kind", "created or revived".to_string()));
        None
    });
    let hours = JobHours::parse(&body.hours).or_else(|| {
        wrong.push(("hours", "full_time or part_time".to_string()));
        None
    });
    let sex = Sex::parse(&body.sex).or_else(|| {
        wrong.push(("sex", "female, male or unknown".to_string()));
        None
    });
    let age_group = AgeGroup::parse(&body.age_group).or_else(|| {
        wrong.push(("age_group", "under_25, 25_44, 45_plus or unknown".to_string()));
        None
    });
    let (Some(kind), Some(hours), Some(sex), Some(age_group)) = (kind, hours, sex, age_group) else {
        return Err(ApiError::fields(wrong));
    };
    let description = app::model::JobSpec { activity: body.activity, kind, hours, sex, age_group, count: 1 };
    let job = app::jobs::describe(&state.store, state.clock.as_ref(), &caller.actor(), id, &description).await?;
    Ok(Json(json!({ "job": job_json(&job) })))
}

#[derive(Deserialize)]
struct ReportQuery {
    place: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The solar calculator's fields as a query string (the API's and the page's).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct SolarQuery {
    pub(crate) lat: Option<String>,
    pub(crate) lon: Option<String>,
    pub(crate) altitude: Option<String>,
    pub(crate) kwp: Option<String>,
    pub(crate) tilt: Option<String>,
    pub(crate) azimuth: Option<String>,
}

impl SolarQuery {
    pub(crate) fn question(self) -> app::solar::PlantQuestion {
        app::solar::PlantQuestion {
            latitude: self.lat.unwrap_or_default(),
            longitude: self.lon.unwrap_or_default(),
            altitude: self.altitude.unwrap_or_default(),
            kwp: self.kwp.unwrap_or_default(),
            tilt: self.tilt.unwrap_or_default(),
            azimuth: self.azimuth.unwrap_or_default(),
        }
    }
}

/// The plant's year, computed on a blocking thread: a few milliseconds of arithmetic (a typical year
/// and the chain) that should neither hold a request thread nor grow its stack.
pub(crate) async fn estimate_plant(
    question: app::solar::PlantQuestion,
) -> Result<app::solar::PlantAnswer, app::funds::FieldProblem> {
    tokio::task::spawn_blocking(move || app::solar::estimate_plant(&question)).await.unwrap_or_else(|failed| {
        Err(app::funds::FieldProblem::new(
            "latitude",
            format!("the estimate failed: {failed}"),
            "برآورد انجام نشد؛ دوباره بکوشید",
        ))
    })
}

async fn solar_estimate(_caller: Caller, Query(query): Query<SolarQuery>) -> ApiResult<Json<Value>> {
    let answer = estimate_plant(query.question()).await.map_err(|problem| ApiError::field_problems(vec![problem]))?;
    Ok(Json(crate::json::solar_estimate_json(
        &answer.design,
        &answer.estimate,
        answer.altitude_m,
        answer.weather_source,
    )))
}

async fn programme_report(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ReportQuery>,
) -> ApiResult<Json<Value>> {
    let asked: Option<i64> = match query.place.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => {
            Some(domain::text::to_latin_digits(text).parse().map_err(|_| ApiError::field("place", "a place id"))?)
        }
        None => None,
    };
    let scope = match app::report::place_for(&state.store, &caller.user.grant, asked).await? {
        Some(place) => app::report::ReportScope::Place(place.id),
        None => app::report::ReportScope::Installation,
    };
    let now = today(&state);
    let day = |field: &'static str, text: &Option<String>, default: domain::IsoDate| match text.as_deref() {
        None | Some("") => Ok(default),
        Some(text) => domain::JalaliDate::parse(text).map(|d| d.to_iso()).map_err(|e| ApiError::field(field, e)),
    };
    let (year_start, now) = app::report::this_year_so_far(now);
    let (from, to) = (day("from", &query.from, year_start)?, day("to", &query.to, now)?);
    let report = app::report::programme_report(&state.store, &scope, from, to, now).await?;
    Ok(Json(crate::json::report_json(&report)))
}

async fn disburse(
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
struct RepayBody {
    amount: Amount,
    on: Option<Day>,
    key: String,
}

fn repayment_json(loan_id: i64, repayment: &app::model::Repayment) -> Value {
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

async fn repay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<RepayBody>,
) -> ApiResult<Json<Value>> {
    record_payment(&state, &caller, id, Some(body.amount.0), body.on, &body.key).await
}

async fn payoff(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DatedKeyBody>,
) -> ApiResult<Json<Value>> {
    record_payment(&state, &caller, id, None, body.on, &body.key).await
}

/// A repayment of `amount`, or with `None` the early payoff: posted once per key, audited when posted.
async fn record_payment(
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
struct ReverseBody {
    entry_seq: i64,
    reason: String,
    on: Option<Day>,
    key: String,
}

async fn reverse(
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

async fn write_off(
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

// ---- the audit trail ----

#[derive(Deserialize)]
struct AuditQuery {
    username: Option<String>,
    action: Option<String>,
    limit: Option<u32>,
}

/// The audit trail of the caller's scope, for auditors and administrators.
async fn audit_trail(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let under = match (&caller.user.grant.role, &caller.user.grant.scope) {
        (Role::Administrator, _) => None,
        (Role::Auditor, domain::access::Scope::Place(place)) => Some(place.clone()),
        _ => return Err(ApiError::NotFound("page")),
    };
    let records = state
        .store
        .audit_log(&app::model::AuditFilter {
            under,
            username: query.username,
            action_prefix: query.action,
            from_ms: None,
            until_ms: None,
            limit: query.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(json!({
        "records": records.iter().map(|r| json!({
            "at_ms": r.at_ms,
            "username": r.username,
            "address": r.address,
            "action": r.action,
            "object": r.object_ref,
            "place_path": r.place_path,
            "before": serde_json::from_str::<Value>(&r.before_state).unwrap_or(Value::Null),
            "after": serde_json::from_str::<Value>(&r.after_state).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    })))
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> ApiError {
        match error {
            AuthError::WrongCredentials => ApiError::WrongCredentials,
            AuthError::Throttled { retry_after_s } => ApiError::Throttled { retry_after_s },
            AuthError::WeakPassword => ApiError::field("new_password", AuthError::WeakPassword),
            AuthError::Store(e) => e.into(),
        }
    }
}

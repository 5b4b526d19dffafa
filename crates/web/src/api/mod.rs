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

mod funds;
mod kernel;
mod plants;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{funds::*, kernel::*, plants::*};

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
pub fn docs_page() -> maud::Markup {
    let routes = build().routes;
    maud::html! {
        h1 { "Abadi API" }
        p {
            "OpenAPI: " a href="/api/openapi.json" { "/api/openapi.json" } ". Send " code { "Authorization: Bearer TOKEN" }
            " (from " code { "POST /api/v1/sign-in" } " or " code { "abadi user token" } ")."
        }
        div.table-wrap { table {
            thead { tr { th { "method" } th { "path" } th { "what it does" } th { "needs" } } }
            tbody {
                @for r in &routes {
                    tr { td { code { (r.method.as_str()) } } td { code { (r.path) } } td { (r.summary) } td { (r.needs) } }
                }
            }
        } }
    }
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
        get(|| async { crate::pages::components::layout(crate::i18n::Lang::En, None, "Abadi API", docs_page()) }),
    );
    RouteTable { router, routes }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> ApiError {
        match error {
            AuthError::WrongCredentials => ApiError::WrongCredentials,
            AuthError::Throttled { retry_after_s } => ApiError::Throttled { retry_after_s },
            AuthError::WeakPassword => ApiError::field("new_password", AuthError::WeakPassword),
            AuthError::NotYoursToGrant => ApiError::field("role", AuthError::NotYoursToGrant),
            AuthError::Store(e) => e.into(),
        }
    }
}

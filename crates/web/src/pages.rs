//! The Persian (and English) pages: sign-in, the officer's list of funds, a fund's home, its members
//! with search and the join form, a member's printable statement, and the monthly meeting sheet.
//!
//! Pages are built by plain functions: every value that came from a person passes through [`esc`]
//! on its way into the HTML, numbers and dates are formatted in the reader's digits before they get
//! here, and the one stylesheet and htmx are served from the binary (`assets`). Sessions are a cookie
//! holding a random secret whose hash the database keeps; a form posted from another site is refused
//! (see `lib.rs`, `refuse_cross_site`). A page outside the reader's scope answers 404.

use crate::AppState;
use crate::i18n::Lang;
use app::auth::{self, AuthError};
use app::model::{SessionKind, StoreError, User};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use domain::access::{Action, Role, Scope, Target, allows};
use domain::{IsoDate, MoneyUnit, PlacePath, Rials};
use serde::Deserialize;
use std::collections::HashMap;

mod loans;
mod lottery;
mod oversight;
mod reports;
mod solar;

pub const SESSION_COOKIE: &str = "abadi_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(loans::router())
        .merge(oversight::router())
        .merge(lottery::router())
        .merge(reports::router())
        .merge(solar::router())
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", axum::routing::post(sign_out))
        .route("/funds", get(funds_page))
        .route("/funds/{id}", get(fund_page))
        .route("/funds/{id}/members", get(members_page))
        .route("/funds/{id}/members/new", get(join_page).post(join))
        .route("/funds/{id}/meeting", get(meeting_page).post(meeting))
        .route("/members/{id}", get(member_page))
        .route("/settings", get(settings_page).post(save_settings))
        .route("/settings/password", axum::routing::post(change_password))
}

/// Escapes text for HTML, attributes included.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a page answers when it cannot show itself.
pub enum PageError {
    /// Not signed in (or the session ended): to the sign-in page, coming back afterwards.
    SignIn(String),
    NotFound(Lang),
    Internal(Lang, StoreError),
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> PageError {
        match error {
            StoreError::NotFound { .. } => PageError::NotFound(Lang::Fa),
            other => PageError::Internal(Lang::Fa, other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn(back) => {
                Redirect::to(&format!("/sign-in?next={}", percent_encode(&back))).into_response()
            }
            PageError::NotFound(lang) => {
                let body = format!("<h1>{}</h1><p>{}</p>", lang.t("not_found"), lang.t("not_found_text"));
                (StatusCode::NOT_FOUND, layout(lang, None, lang.t("not_found"), &body)).into_response()
            }
            PageError::Internal(lang, error) => {
                tracing::error!(%error, "page failed");
                let body = format!("<h1>{}</h1><p>{}</p>", lang.t("error"), lang.t("internal_error"));
                (StatusCode::INTERNAL_SERVER_ERROR, layout(lang, None, lang.t("error"), &body)).into_response()
            }
        }
    }
}

type PageResult = Result<Response, PageError>;

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The signed-in reader of a page.
pub struct Viewer {
    pub user: User,
    pub lang: Lang,
    pub unit: MoneyUnit,
    pub secret: String,
    /// Where the request came from (an IP address), for the audit trail.
    pub address: String,
}

pub fn session_secret(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let back = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let secret = session_secret(parts).ok_or_else(|| PageError::SignIn(back.clone()))?;
        let user = state
            .sessions
            .user_of_secret(&state.store, state.clock.as_ref(), &secret)
            .await
            .map_err(|e| match e {
                AuthError::Store(e) => PageError::Internal(Lang::Fa, e),
                _ => PageError::SignIn(back.clone()),
            })?
            .ok_or(PageError::SignIn(back))?;
        let lang = Lang::from_code(&user.language);
        let unit = user.money_unit;
        let address = crate::api::address_of(parts);
        Ok(Viewer { user, lang, unit, secret, address })
    }
}

impl Viewer {
    /// The fund's place if the reader may do `action` there; otherwise "not found".
    async fn may(&self, state: &AppState, action: Action, fund_id: i64) -> Result<PlacePath, PageError> {
        app::access::fund(&state.store, &self.user.grant, action, fund_id).await.map_err(|e| self.refused(e))
    }

    /// A refusal to read: "not found" for what is missing or out of scope, else the error page.
    fn refused(&self, error: StoreError) -> PageError {
        match error {
            StoreError::NotFound { .. } => PageError::NotFound(self.lang),
            other => self.internal(other),
        }
    }

    /// The reader as the one who acts.
    fn actor(&self) -> app::Actor {
        app::Actor::user(&self.user, &self.address)
    }

    fn money(&self, amount: Rials) -> String {
        self.lang.money(amount, self.unit)
    }

    fn amount(&self, amount: Rials) -> String {
        self.lang.amount(amount, self.unit)
    }

    /// The name of the unit amounts are shown and typed in, for headings and labels.
    fn unit_name(&self) -> &'static str {
        match self.unit {
            MoneyUnit::Rial => self.lang.t("rials"),
            MoneyUnit::Toman => self.lang.t("tomans"),
        }
    }

    /// An amount as a form field holds it: in the reader's unit, Latin digits, no separators.
    fn input_amount(&self, amount: Rials) -> String {
        match self.unit {
            MoneyUnit::Rial => amount.get().to_string(),
            MoneyUnit::Toman if amount.get() % 10 == 0 => (amount.get() / 10).to_string(),
            MoneyUnit::Toman => format!("{}.{}", amount.get() / 10, amount.get() % 10),
        }
    }

    /// An amount typed in the reader's unit (any digits, separators allowed), in rials.
    fn parse_amount(&self, text: &str) -> Result<Rials, String> {
        let parsed = match self.unit {
            MoneyUnit::Rial => Rials::parse(text),
            MoneyUnit::Toman => Rials::parse_toman(text),
        };
        parsed.map_err(|e| if self.lang == Lang::Fa { e.message_fa() } else { e.to_string() })
    }

    fn internal(&self, error: StoreError) -> PageError {
        match error {
            StoreError::NotFound { .. } => PageError::NotFound(self.lang),
            other => PageError::Internal(self.lang, other),
        }
    }
}

/// The frame of every page: language and direction, the stylesheet, htmx, and the header.
pub fn layout(lang: Lang, user: Option<&User>, title: &str, body: &str) -> Html<String> {
    let mut nav = String::new();
    let mut who = String::new();
    if let Some(user) = user {
        if let Scope::Fund { fund_id, .. } = user.grant.scope {
            nav.push_str(&format!(
                r#"<a href="/funds/{fund_id}">{}</a><a href="/funds/{fund_id}/members">{}</a><a href="/funds/{fund_id}/loans">{}</a><a href="/funds/{fund_id}/meeting">{}</a>"#,
                lang.t("home"),
                lang.t("members"),
                lang.t("loans"),
                lang.t("meeting_sheet")
            ));
        } else {
            nav.push_str(&format!(r#"<a href="/funds">{}</a>"#, lang.t("funds")));
        }
        if matches!(user.grant.role, Role::Administrator | Role::Officer | Role::Auditor) {
            nav.push_str(&format!(r#"<a href="/reports">{}</a>"#, lang.t("reports")));
            nav.push_str(&format!(r#"<a href="/users">{}</a>"#, lang.t("users")));
        }
        if matches!(user.grant.role, Role::Administrator | Role::Auditor) {
            nav.push_str(&format!(r#"<a href="/audit">{}</a>"#, lang.t("audit_trail")));
        }
        nav.push_str(&format!(r#"<a href="/solar">{}</a>"#, lang.t("solar")));
        who = format!(
            r#"<span class="who"><a href="/settings">{}</a><form method="post" action="/sign-out"><button type="submit">{}</button></form></span>"#,
            esc(&user.display_name),
            lang.t("sign_out")
        );
    }
    Html(format!(
        r#"<!doctype html>
<html lang="{lang_code}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {brand}</title>
<link rel="stylesheet" href="{css}">
<script src="{htmx}" defer></script>
<script src="{script}" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">{brand}</a><nav>{nav}</nav>{who}</header>
<main>
{body}
</main>
</body>
</html>
"#,
        lang_code = lang.code(),
        dir = lang.dir(),
        title = esc(title),
        brand = lang.t("brand"),
        css = crate::assets::STYLESHEET,
        htmx = crate::assets::HTMX,
        script = crate::assets::SCRIPT,
    ))
}

fn session_cookie(secret: &str, secure: bool, max_age_s: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("abadi_session=; Path=/; Max-Age=0"))
}

// ---- signing in and out ----

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

fn sign_in_form(lang: Lang, username: &str, next: &str, problem: Option<&str>) -> String {
    let notice = problem.map_or(String::new(), |p| format!(r#"<p class="notice error" role="alert">{}</p>"#, esc(p)));
    format!(
        r#"<h1>{title}</h1>{notice}
<form class="stack" method="post" action="/sign-in">
<input type="hidden" name="next" value="{next}">
<label>{username_label}<input name="username" autocomplete="username" required value="{username}"></label>
<label>{password_label}<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">{title}</button>
</form>"#,
        title = lang.t("sign_in"),
        next = esc(next),
        username_label = lang.t("username"),
        username = esc(username),
        password_label = lang.t("password"),
    )
}

async fn sign_in_page(Query(query): Query<NextQuery>) -> Html<String> {
    let lang = Lang::Fa;
    layout(lang, None, lang.t("sign_in"), &sign_in_form(lang, "", query.next.as_deref().unwrap_or("/"), None))
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Only a path on this site is followed after signing in.
fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

async fn sign_in(
    State(state): State<AppState>,
    crate::api::ClientAddress(address): crate::api::ClientAddress,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = Lang::Fa;
    let outcome = auth::sign_in(
        &state.store,
        state.clock.as_ref(),
        &form.username,
        &form.password,
        &address,
        SessionKind::Browser,
    )
    .await;
    let problem = match outcome {
        Ok(signed) => {
            let landing = match (safe_next(&form.next), &signed.user.grant.scope) {
                (Some(next), _) if next != "/" => next.to_string(),
                (_, Scope::Fund { fund_id, .. }) => format!("/funds/{fund_id}"),
                _ => "/funds".to_string(),
            };
            let mut response = Redirect::to(&landing).into_response();
            let cookie = session_cookie(&signed.secret, state.secure_cookies, auth::SESSION_LIFETIME_MS / 1000);
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            return response;
        }
        Err(AuthError::WrongCredentials) => lang.t("wrong_credentials"),
        Err(AuthError::Throttled { .. }) => lang.t("throttled"),
        Err(AuthError::WeakPassword) => lang.t("wrong_credentials"),
        Err(AuthError::Store(e)) => return PageError::Internal(lang, e).into_response(),
    };
    let status = if problem == lang.t("throttled") { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
    (status, layout(lang, None, lang.t("sign_in"), &sign_in_form(lang, &form.username, &form.next, Some(problem))))
        .into_response()
}

async fn sign_out(State(state): State<AppState>, viewer: Viewer) -> Response {
    // Signing out ends the session whatever the audit trail says; a failure is logged, not shown.
    if let Err(error) =
        auth::sign_out(&state.store, state.clock.as_ref(), &viewer.actor(), &viewer.user, &viewer.secret).await
    {
        tracing::error!(%error, "sign-out failed");
    }
    state.sessions.forget();
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie("", state.secure_cookies, 0));
    response
}

// ---- the officer's funds ----

#[derive(Deserialize, Default)]
struct FundsQuery {
    county: Option<String>,
    village: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// Rows on one page of the officer's list: a phone shows them without a long wait on a weak link.
const FUNDS_PER_PAGE: usize = 50;

async fn funds_page(State(state): State<AppState>, viewer: Viewer, Query(query): Query<FundsQuery>) -> PageResult {
    let lang = viewer.lang;
    let today = crate::today(&state);
    // The officer's scope, if it is a place, narrows what is read; the rule decides what is shown.
    let under = match &viewer.user.grant.scope {
        Scope::Place(place) => Some(place.clone()),
        _ => None,
    };
    let list = crate::cached_funds_health(&state, under.as_ref(), today).await.map_err(|e| viewer.internal(e))?;
    let number = |value: &Option<String>| {
        value.as_deref().map(domain::text::to_latin_digits).and_then(|v| v.trim().parse::<i64>().ok())
    };
    let county_filter = number(&query.county);
    let village_filter = number(&query.village);
    let mut rows = Vec::new();
    let mut county_ids: Vec<i64> = Vec::new();
    let mut village_ids: Vec<i64> = Vec::new();
    for (fund, place, health) in &list.funds {
        if !allows(&viewer.user.grant, Action::Read, Target { place, fund_id: Some(fund.id) }) {
            continue;
        }
        // The county is the path's third step: country / province / county / ….
        let county_id = place.as_str().split('/').filter(|s| !s.is_empty()).nth(2).and_then(|s| s.parse().ok());
        if let Some(id) = county_id
            && !county_ids.contains(&id)
        {
            county_ids.push(id);
        }
        if county_filter.is_some() && county_filter != county_id {
            continue;
        }
        if !village_ids.contains(&fund.place_id) {
            village_ids.push(fund.place_id);
        }
        if village_filter.is_some_and(|v| v != fund.place_id) {
            continue;
        }
        rows.push((fund, health));
    }
    let place_name = |id: i64| list.places.get(&id).map_or("", |p| p.name.as_str());
    match query.sort.as_deref() {
        Some("members") => rows.sort_by_key(|r| std::cmp::Reverse(r.1.members_active)),
        Some("savings") => rows.sort_by_key(|r| std::cmp::Reverse(r.1.savings)),
        Some("loans") => rows.sort_by_key(|r| std::cmp::Reverse(r.1.loans_outstanding)),
        Some("par30") => rows.sort_by(|a, b| b.1.par30.total_cmp(&a.1.par30)),
        Some("village") => rows.sort_by(|a, b| place_name(a.0.place_id).cmp(place_name(b.0.place_id))),
        _ => {}
    }
    let options = |ids: &[i64], selected: Option<i64>| -> String {
        let mut named: Vec<(i64, &str)> = ids.iter().map(|id| (*id, place_name(*id))).collect();
        named.sort_by(|a, b| a.1.cmp(b.1));
        named
            .iter()
            .map(|(id, name)| {
                let mark = if selected == Some(*id) { " selected" } else { "" };
                format!(r#"<option value="{id}"{mark}>{}</option>"#, esc(name))
            })
            .collect()
    };
    let pages = rows.len().div_ceil(FUNDS_PER_PAGE).max(1);
    let page = number(&query.page).and_then(|p| usize::try_from(p).ok()).unwrap_or(1).clamp(1, pages);
    // Links keep the filters and the order; sorting starts again at the first page.
    let filters = format!(
        "{}{}",
        county_filter.map_or(String::new(), |c| format!("&county={c}")),
        village_filter.map_or(String::new(), |v| format!("&village={v}"))
    );
    let sort_key = query.sort.as_deref().filter(|s| ["members", "savings", "loans", "par30", "village"].contains(s));
    let sort_link = |key: &str, label: &str| format!(r#"<a href="/funds?sort={key}{filters}">{label}</a>"#);
    let page_link = |to: usize, label: &str, rel: &str| {
        let sort = sort_key.map_or(String::new(), |s| format!("&sort={s}"));
        format!(r#"<a class="button" rel="{rel}" href="/funds?page={to}{sort}{filters}">{label}</a>"#)
    };
    let body_rows: String = rows
        .iter()
        .skip((page - 1) * FUNDS_PER_PAGE)
        .take(FUNDS_PER_PAGE)
        .map(|(fund, h)| {
            format!(
                r#"<tr><td><a href="/funds/{id}">{name}</a></td><td class="hide-narrow">{village}</td><td class="num">{members}</td><td class="num hide-narrow">{savings}</td><td class="num">{loans}</td><td class="num">{par30}</td></tr>"#,
                id = fund.id,
                name = esc(&fund.name),
                village = esc(place_name(fund.place_id)),
                members = lang.number(i64::from(h.members_active)),
                savings = viewer.amount(h.savings),
                loans = viewer.amount(h.loans_outstanding),
                par30 = lang.percent(h.par30),
            )
        })
        .collect();
    let pager = if pages > 1 {
        format!(
            r#"<nav class="actions" aria-label="{label}">{previous}<span class="muted">{label} {page} {of} {pages}</span>{next}</nav>"#,
            label = lang.t("page_of"),
            of = lang.t("of"),
            previous = if page > 1 { page_link(page - 1, lang.t("previous_page"), "prev") } else { String::new() },
            next = if page < pages { page_link(page + 1, lang.t("next_page"), "next") } else { String::new() },
            page = lang.number(page as i64),
            pages = lang.number(pages as i64),
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>{title}</h1>
<form class="search" method="get" action="/funds"><label class="hide-narrow" for="county">{county}</label>
<select id="county" name="county"><option value="">{all}</option>{county_options}</select>
<label class="hide-narrow" for="village">{village}</label>
<select id="village" name="village"><option value="">{all}</option>{village_options}</select><button type="submit">{filter}</button></form>
<p class="muted">{count} {funds_shown}</p>
<div class="table-wrap"><table>
<thead><tr><th>{name}</th><th class="hide-narrow">{village_sort}</th><th class="num">{members}</th><th class="num hide-narrow">{savings} ({rials})</th><th class="num">{loans} ({rials})</th><th class="num">{par30}</th></tr></thead>
<tbody>{body_rows}</tbody></table></div>
{pager}"#,
        title = lang.t("funds"),
        county = lang.t("county"),
        village = lang.t("village"),
        all = lang.t("all"),
        filter = lang.t("filter"),
        county_options = options(&county_ids, county_filter),
        village_options = options(&village_ids, village_filter),
        count = lang.number(rows.len() as i64),
        funds_shown = lang.t("funds_shown"),
        name = lang.t("name"),
        village_sort = sort_link("village", lang.t("village")),
        members = sort_link("members", lang.t("members_active")),
        savings = sort_link("savings", lang.t("savings")),
        loans = sort_link("loans", lang.t("loans_outstanding")),
        par30 = sort_link("par30", lang.t("par30")),
        rials = viewer.unit_name(),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("funds"), &body).into_response())
}

// ---- a fund's home ----

async fn fund_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let place = viewer.may(&state, Action::Read, id).await?;
    let lang = viewer.lang;
    let today = crate::today(&state);
    let home = crate::cached_fund_home(&state, id, today).await.map_err(|e| viewer.internal(e))?;
    let (fund, health, late) = (&home.fund, &home.health, &home.late);
    let late_rows: String = late
        .iter()
        .map(|(d, name)| {
            format!(
                r#"<tr><td><a href="/members/{member}">{name}</a></td><td class="num"><span class="badge late">{days}</span></td><td class="num">{owed}</td></tr>"#,
                member = d.member_id,
                name = esc(name),
                days = lang.number(d.days_past_due),
                owed = viewer.amount(d.due),
            )
        })
        .collect();
    let late_table = if late.is_empty() {
        format!(r#"<p class="muted">{}</p>"#, lang.t("nobody_late"))
    } else {
        format!(
            r#"<div class="table-wrap"><table><thead><tr><th>{member}</th><th class="num">{days}</th><th class="num">{owed} ({rials})</th></tr></thead><tbody>{late_rows}</tbody></table></div>"#,
            member = lang.t("member"),
            days = lang.t("days_late"),
            owed = lang.t("owed_now"),
            rials = viewer.unit_name(),
        )
    };
    let figure = |label: &str, value: String, class: &str| {
        format!(r#"<li class="{class}"><strong>{value}</strong>{label}</li>"#)
    };
    let operate = allows(&viewer.user.grant, Action::Operate, Target { place: &place, fund_id: Some(id) });
    let actions = if operate {
        format!(
            r#"<div class="actions"><a class="button" href="/funds/{id}/meeting">{meeting}</a><a class="button" href="/funds/{id}/members/new">{join}</a></div>"#,
            meeting = lang.t("meeting_sheet"),
            join = lang.t("join"),
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>{name}</h1>
<p class="muted">{today_label}: {today}</p>
<ul class="figures">{cash}{savings}{loans}{members}{par30}{rate}</ul>
{actions}
<h2>{late_title}</h2>
{late_table}
<p><a href="/funds/{id}/members">{members_link}</a> · <a href="/funds/{id}/loans">{loans_link}</a> · <a href="/funds/{id}/rules">{rules_link}</a> · <a href="/funds/{id}/lottery">{lottery_link}</a> · <a href="/funds/{id}/statements">{statements_link}</a> · <a href="/funds/{id}/capital">{capital_link}</a></p>"#,
        name = esc(&fund.name),
        today_label = lang.t("today"),
        today = lang.date(today),
        cash = figure(lang.t("cash"), viewer.money(health.cash), ""),
        savings = figure(lang.t("savings"), viewer.money(health.savings), ""),
        loans = figure(lang.t("loans_outstanding"), viewer.money(health.loans_outstanding), ""),
        members = figure(lang.t("members_active"), lang.number(i64::from(health.members_active)), ""),
        par30 = figure(lang.t("par30"), lang.percent(health.par30), if health.par30 > 0.0 { "late" } else { "" }),
        rate = figure(lang.t("repayment_rate"), lang.percent(health.repayment_rate), ""),
        late_title = lang.t("late_loans"),
        members_link = lang.t("members"),
        loans_link = lang.t("loans"),
        rules_link = lang.t("rules"),
        lottery_link = lang.t("lottery"),
        statements_link = lang.t("statements"),
        capital_link = lang.t("capital"),
    );
    Ok(layout(lang, Some(&viewer.user), &fund.name, &body).into_response())
}

// ---- members ----

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
}

async fn members_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    viewer.may(&state, Action::Read, id).await?;
    let lang = viewer.lang;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let q = query.q.unwrap_or_default();
    let members = state.store.find_members(id, Some(&q)).await.map_err(|e| viewer.internal(e))?;
    let rows: String = members
        .iter()
        .map(|m| {
            let status = if m.left_on.is_some() { lang.t("left") } else { lang.t("active") };
            format!(
                r#"<tr><td><a href="/members/{id}">{first} {last}</a></td><td class="num hide-narrow">{nid}</td><td>{joined}</td><td>{status}</td></tr>"#,
                id = m.id,
                first = esc(&m.first_name),
                last = esc(&m.last_name),
                nid = domain::text::show_digits(&m.national_id, lang.digits()),
                joined = lang.date(m.joined_on),
            )
        })
        .collect();
    let table = if members.is_empty() {
        format!(r#"<p class="muted">{}</p>"#, if q.is_empty() { lang.t("no_members") } else { lang.t("no_results") })
    } else {
        format!(
            r#"<div class="table-wrap"><table><thead><tr><th>{name}</th><th class="num hide-narrow">{nid}</th><th>{joined}</th><th>{status}</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
            name = lang.t("name"),
            nid = lang.t("national_id"),
            joined = lang.t("joined_on"),
            status = lang.t("status"),
        )
    };
    let body = format!(
        r#"<h1>{members} · {fund}</h1>
<form class="search" method="get" action="/funds/{id}/members" role="search">
<label class="hide-narrow" for="q">{search}</label><input id="q" name="q" value="{q}" placeholder="{hint}">
<button type="submit">{search}</button></form>
<div class="actions"><a class="button" href="/funds/{id}/members/new">{join}</a></div>
{table}"#,
        members = lang.t("members"),
        fund = esc(&fund.name),
        search = lang.t("search"),
        q = esc(&q),
        hint = lang.t("search_hint"),
        join = lang.t("join"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("members"), &body).into_response())
}

#[derive(Deserialize, Default, Clone)]
struct JoinForm {
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    father_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    joined_on: String,
}

fn join_form(lang: Lang, fund_id: i64, form: &JoinForm, errors: &[(&str, String)]) -> String {
    let field = |name: &str, label: &str, value: &str, extra: &str, hint: &str| {
        let error = errors.iter().find(|(f, _)| *f == name).map(|(_, e)| e.as_str());
        let invalid = if error.is_some() { r#" aria-invalid="true""# } else { "" };
        let described = if error.is_some() { format!(r#" aria-describedby="{name}-error""#) } else { String::new() };
        let error_html = error
            .map_or(String::new(), |e| format!(r#"<span class="field-error" id="{name}-error">{}</span>"#, esc(e)));
        let hint_html = if hint.is_empty() { String::new() } else { format!(r#"<span class="hint">{hint}</span>"#) };
        format!(
            r#"<label>{label}{hint_html}<input name="{name}" value="{value}"{extra}{invalid}{described}>{error_html}</label>"#,
            value = esc(value)
        )
    };
    let summary = if errors.is_empty() {
        String::new()
    } else {
        format!(r#"<div class="notice error" role="alert">{}</div>"#, lang.t("fix_errors"))
    };
    format!(
        r#"<h1>{title}</h1>{summary}
<form class="stack" method="post" action="/funds/{fund_id}/members/new" novalidate>
{nid}{first}{last}{father}{phone}{joined}
<button type="submit">{save}</button>
</form>"#,
        title = lang.t("join"),
        nid = field("national_id", lang.t("national_id"), &form.national_id, r#" inputmode="numeric" required"#, ""),
        first = field("first_name", lang.t("first_name"), &form.first_name, " required", ""),
        last = field("last_name", lang.t("last_name"), &form.last_name, " required", ""),
        father = field("father_name", lang.t("father_name"), &form.father_name, "", ""),
        phone = field("phone", lang.t("phone"), &form.phone, r#" inputmode="tel""#, ""),
        joined = field("joined_on", lang.t("joined_on"), &form.joined_on, " required", lang.t("date_hint")),
        save = lang.t("save"),
    )
}

async fn join_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = app::today_in_iran(state.clock.as_ref());
    let form = JoinForm { joined_on: today.format(viewer.lang.digits()), ..JoinForm::default() };
    let body = join_form(viewer.lang, id, &form, &[]);
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("join"), &body).into_response())
}

async fn join(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<JoinForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let rerender = |errors: &[(&str, String)]| {
        let body = join_form(viewer.lang, id, &form, errors);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, layout(viewer.lang, Some(&viewer.user), viewer.lang.t("join"), &body))
            .into_response())
    };
    let input = app::funds::MemberInput {
        national_id: &form.national_id,
        first_name: &form.first_name,
        last_name: &form.last_name,
        father_name: &form.father_name,
        phone: &form.phone,
        joined_on: &form.joined_on,
    };
    let new = match app::funds::new_member(&input, fund.place_id) {
        Ok(new) => new,
        Err(problems) => {
            let errors: Vec<(&str, String)> =
                problems.iter().map(|p| (p.field, p.message(viewer.lang == Lang::Fa).to_string())).collect();
            return rerender(&errors);
        }
    };
    let joined = app::funds::join(&state.store, state.clock.as_ref(), &viewer.actor(), id, &new).await;
    match joined {
        Ok(member) => Ok(Redirect::to(&format!("/members/{}", member.id)).into_response()),
        Err(StoreError::Conflict(_)) => rerender(&[("national_id", viewer.lang.t("already_member").to_string())]),
        Err(StoreError::Invalid(reason)) => rerender(&[("joined_on", reason)]),
        Err(e) => Err(viewer.internal(e)),
    }
}

// ---- a member's statement ----

async fn member_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let member = state.store.member(id).await.map_err(|_| PageError::NotFound(viewer.lang))?;
    viewer.may(&state, Action::Read, member.fund_id).await?;
    let lang = viewer.lang;
    let today = crate::today(&state);
    let statement = state.store.member_statement(id, today).await.map_err(|e| viewer.internal(e))?;
    let savings_rows: String = statement
        .savings
        .iter()
        .rev()
        .map(|m| {
            let class = if m.behind.is_positive() { r#" class="behind""# } else { "" };
            format!(
                r#"<tr{class}><td>{month}</td><td class="num">{dues}</td><td class="num">{deposits}</td><td class="num hide-narrow">{withdrawals}</td><td class="num">{balance}</td><td class="num">{behind}</td></tr>"#,
                month = m.month.name(lang.digits()),
                dues = viewer.amount(m.dues),
                deposits = viewer.amount(m.deposits),
                withdrawals = viewer.amount(m.withdrawals),
                balance = viewer.amount(m.balance),
                behind = viewer.amount(m.behind),
            )
        })
        .collect();
    let mut loans_html = String::new();
    for (loan, installments) in &statement.loans {
        let rows: String = installments
            .iter()
            .map(|i| {
                format!(
                    r#"<tr><td class="num">{n}</td><td>{due}</td><td class="num">{amount}</td><td class="num">{paid}</td><td class="num">{left}</td></tr>"#,
                    n = lang.number(i64::from(i.number)),
                    due = lang.date(i.due_on),
                    amount = viewer.amount(Rials::new(i.principal_due.get() + i.fee_due.get() + i.penalty_due.get())),
                    paid = viewer.amount(Rials::new(i.principal_paid.get() + i.fee_paid.get() + i.penalty_paid.get())),
                    left = viewer.amount(i.outstanding()),
                )
            })
            .collect();
        loans_html.push_str(&format!(
            r#"<h3>{loan_word} {amount} · {status}</h3>
<div class="table-wrap"><table><thead><tr><th class="num">{installment}</th><th>{due_on}</th><th class="num">{amount_h}</th><th class="num">{paid}</th><th class="num">{unpaid}</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
            loan_word = lang.t("loan"),
            amount = viewer.money(loan.amount),
            status = lang.t(loan.status.code()),
            installment = lang.t("installment"),
            due_on = lang.t("due_on"),
            amount_h = lang.t("amount"),
            paid = lang.t("paid"),
            unpaid = lang.t("unpaid"),
        ));
    }
    let m = &statement.member;
    let body = format!(
        r#"<h1>{statement_word}: {first} {last}</h1>
<p class="muted">{nid_label}: {nid} · {joined_label}: {joined} · {today_label}: {today}</p>
<div class="actions no-print"><button type="button" class="secondary" data-print>{print}</button></div>
<h2>{savings_title} ({rials})</h2>
<div class="table-wrap"><table><thead><tr><th>{month}</th><th class="num">{dues}</th><th class="num">{deposits}</th><th class="num hide-narrow">{withdrawals}</th><th class="num">{balance}</th><th class="num">{behind}</th></tr></thead>
<tbody>{savings_rows}</tbody></table></div>
<h2>{loans_title} ({rials})</h2>{loans_html}"#,
        statement_word = lang.t("statement"),
        first = esc(&m.first_name),
        last = esc(&m.last_name),
        nid_label = lang.t("national_id"),
        nid = domain::text::show_digits(&m.national_id, lang.digits()),
        joined_label = lang.t("joined_on"),
        joined = lang.date(m.joined_on),
        today_label = lang.t("today"),
        today = lang.date(today),
        print = lang.t("print"),
        savings_title = lang.t("savings"),
        rials = viewer.unit_name(),
        month = lang.t("month"),
        dues = lang.t("dues"),
        deposits = lang.t("deposits"),
        withdrawals = lang.t("withdrawals"),
        balance = lang.t("balance"),
        behind = lang.t("behind"),
        loans_title = lang.t("loans"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("statement"), &body).into_response())
}

// ---- the monthly meeting sheet ----

#[derive(Deserialize, Default)]
struct MeetingQuery {
    on: Option<String>,
}

/// One screen with every active member: this month's savings (what they owe by now) and the
/// installment due on their open loan, each prefilled; the treasurer changes what differs and saves
/// once. The form carries a key made when it was drawn, so a second submit posts nothing twice.
async fn meeting_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<MeetingQuery>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let on = match query.on.as_deref().map(domain::JalaliDate::parse) {
        Some(Ok(day)) => day.to_iso(),
        _ => crate::today(&state),
    };
    let body = meeting_form(&state, &viewer, id, on, &HashMap::new(), None).await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("meeting_sheet"), &body).into_response())
}

async fn meeting_form(
    state: &AppState,
    viewer: &Viewer,
    fund_id: i64,
    on: IsoDate,
    typed: &HashMap<String, String>,
    problem: Option<String>,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let fund = state.store.fund(fund_id).await.map_err(|e| viewer.internal(e))?;
    let dues = state.store.fund_dues(fund_id, on).await.map_err(|e| viewer.internal(e))?;
    let loans = state.store.loans_due(fund_id, on).await.map_err(|e| viewer.internal(e))?;
    let loan_of: HashMap<i64, &app::model::LoanDue> = loans.iter().map(|l| (l.member_id, l)).collect();
    let key = match typed.get("key") {
        Some(key) => key.clone(),
        None => format!(
            "sheet-{}",
            auth::new_secret()
                .map_err(|_| PageError::Internal(lang, StoreError::Unexpected("no randomness".into())))?
                .get(..16)
                .unwrap_or("0")
        ),
    };
    // The fund's revision when the sheet was first loaded: saving refuses a sheet the fund moved past.
    let revision = match typed.get("revision") {
        Some(revision) => revision.clone(),
        None => state.store.fund_revision(fund_id).await.map_err(|e| viewer.internal(e))?.to_string(),
    };
    let value = |name: String, default: Rials| -> String {
        typed
            .get(&name)
            .cloned()
            .unwrap_or_else(|| if default.is_positive() { viewer.input_amount(default) } else { String::new() })
    };
    let mut dues_sorted: Vec<&app::model::DuesLine> = dues.iter().collect();
    dues_sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let rows: String = dues_sorted
        .iter()
        .map(|line| {
            let owed = Rials::new(line.month.behind.get().max(line.month.dues.get() - line.month.deposits.get()).max(0));
            let savings_name = format!("s{}", line.member_id);
            let savings_input = format!(
                r#"<input class="amount" inputmode="numeric" name="{savings_name}" value="{v}" aria-label="{label} {who}">"#,
                v = esc(&value(savings_name.clone(), owed)),
                label = lang.t("savings_paid"),
                who = esc(&line.name),
            );
            let loan_input = match loan_of.get(&line.member_id) {
                Some(loan) => {
                    let name = format!("l{}", loan.loan_id);
                    format!(
                        r#"<input class="amount" inputmode="numeric" name="{name}" value="{v}" aria-label="{label} {who}">"#,
                        v = esc(&value(name.clone(), loan.due)),
                        label = lang.t("installment_paid"),
                        who = esc(&line.name),
                    )
                }
                None => String::new(),
            };
            let class = if line.month.behind.is_positive() { r#" class="behind""# } else { "" };
            format!(
                r#"<tr{class}><td><a href="/members/{id}">{name}</a></td><td class="num hide-narrow">{behind}</td><td>{savings_input}</td><td>{loan_input}</td></tr>"#,
                id = line.member_id,
                name = esc(&line.name),
                behind = viewer.amount(line.month.behind),
            )
        })
        .collect();
    let notice =
        problem.map_or(String::new(), |p| format!(r#"<div class="notice error" role="alert">{}</div>"#, esc(&p)));
    Ok(format!(
        r#"<h1>{title} · {fund}</h1>{notice}
<form method="post" action="/funds/{fund_id}/meeting">
<input type="hidden" name="key" value="{key}"><input type="hidden" name="revision" value="{revision}">
<p><label>{date_label} <span class="hint">{hint}</span><input name="on" value="{on}" required></label></p>
<div class="table-wrap"><table>
<thead><tr><th>{member}</th><th class="num hide-narrow">{behind} ({rials})</th><th>{savings} ({rials})</th><th>{installment} ({rials})</th></tr></thead>
<tbody>{rows}</tbody></table></div>
<div class="actions"><button type="submit">{save}</button></div>
</form>"#,
        title = lang.t("meeting_sheet"),
        fund = esc(&fund.name),
        key = esc(&key),
        revision = esc(&revision),
        date_label = lang.t("meeting_date"),
        hint = lang.t("date_hint"),
        on = esc(&typed.get("on").cloned().unwrap_or_else(|| lang.date(on))),
        member = lang.t("member"),
        behind = lang.t("behind"),
        rials = viewer.unit_name(),
        savings = lang.t("savings_paid"),
        installment = lang.t("installment_paid"),
        save = lang.t("save_sheet"),
    ))
}

async fn meeting(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(typed): Form<HashMap<String, String>>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let lang = viewer.lang;
    let rerender = |on: IsoDate, problem: String| {
        let state = state.clone();
        let typed = typed.clone();
        let viewer = &viewer;
        async move {
            let body = meeting_form(&state, viewer, id, on, &typed, Some(problem)).await?;
            Ok::<Response, PageError>(
                (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer.user), lang.t("meeting_sheet"), &body))
                    .into_response(),
            )
        }
    };
    let today = crate::today(&state);
    let on = match typed.get("on").map(|t| domain::JalaliDate::parse(t)) {
        Some(Ok(day)) => day.to_iso(),
        Some(Err(e)) => {
            return rerender(today, format!("{}: {}", lang.t("meeting_date"), date_problem(lang, &e))).await;
        }
        None => today,
    };
    let key = typed.get("key").cloned().unwrap_or_default();
    let mut deposits = Vec::new();
    let mut repayments = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in &typed {
        let (kind, id_text) = name.split_at(1.min(name.len()));
        let Ok(target) = id_text.parse::<i64>() else { continue };
        if text.trim().is_empty() {
            continue;
        }
        match viewer.parse_amount(text) {
            Ok(amount) if amount == Rials::ZERO => {}
            Ok(amount) if amount.is_negative() => problems.push(format!("{text}: {}", lang.t("fix_errors"))),
            Ok(amount) => match kind {
                "s" => deposits.push((target, amount)),
                "l" => repayments.push((target, amount)),
                _ => {}
            },
            Err(e) => problems.push(format!("{text}: {e}")),
        }
    }
    if !problems.is_empty() {
        return rerender(on, problems.join(" · ")).await;
    }
    deposits.sort();
    repayments.sort();
    // A sheet without its revision (an old page, a hand-made request) is taken as it is.
    let loaded_at = typed.get("revision").and_then(|r| r.parse::<i64>().ok());
    let outcome = app::funds::meeting_sheet(
        &state.store,
        state.clock.as_ref(),
        &viewer.actor(),
        id,
        on,
        &key,
        &deposits,
        &repayments,
        loaded_at,
    )
    .await;
    match outcome {
        Ok(meeting) => {
            let message = if meeting.posted > 0 { lang.t("sheet_saved") } else { lang.t("sheet_already") };
            let body = format!(
                r#"<h1>{title}</h1><p class="notice ok" role="status">{message}</p><p><a href="/funds/{id}">{home}</a> · <a href="/funds/{id}/meeting">{again}</a></p>"#,
                title = lang.t("meeting_sheet"),
                home = lang.t("home"),
                again = lang.t("meeting_sheet"),
            );
            Ok(layout(lang, Some(&viewer.user), lang.t("meeting_sheet"), &body).into_response())
        }
        Err(
            e @ (StoreError::SheetLine { .. }
            | StoreError::Invalid(_)
            | StoreError::Conflict(_)
            | StoreError::Rejected { .. }
            | StoreError::NotFound { .. }),
        ) => rerender(on, store_problem(lang, &e)).await,
        Err(StoreError::Stale { .. }) => {
            // The fresh sheet, with what the treasurer typed kept and a fresh revision to save against.
            let mut typed = typed.clone();
            typed.remove("revision");
            let body = meeting_form(&state, &viewer, id, on, &typed, Some(lang.t("stale").to_string())).await?;
            Ok((StatusCode::CONFLICT, layout(lang, Some(&viewer.user), lang.t("meeting_sheet"), &body)).into_response())
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

/// A mistyped date explained in the reader's language.
fn date_problem(lang: Lang, error: &domain::date::DateError) -> String {
    if lang == Lang::Fa { error.message_fa() } else { error.to_string() }
}

/// A refusal from the store explained in the reader's language: the Persian is the kind of refusal,
/// the English its detail.
fn store_problem(lang: Lang, error: &StoreError) -> String {
    match (lang, error) {
        (Lang::En, error) => error.to_string(),
        (Lang::Fa, StoreError::Stale { .. }) => lang.t("stale").to_string(),
        (Lang::Fa, StoreError::Rejected { error: domain::LedgerError::IdempotencyConflict { .. }, .. }) => {
            "این فرم پیش‌تر با ارقام دیگری ثبت شده است؛ فرم را از نو باز کنید".to_string()
        }
        (Lang::Fa, StoreError::Rejected { .. }) => {
            format!("دفتر حساب این سند را نمی‌پذیرد (برای نمونه مانده منفی می‌شود): {error}")
        }
        (Lang::Fa, error) => format!("پذیرفته نشد: {error}"),
    }
}

// ---- the reader's settings ----

fn settings_body(viewer: &Viewer, notice: Option<(&str, &str)>) -> String {
    let lang = viewer.lang;
    let selected = |yes: bool| if yes { " selected" } else { "" };
    let notice = notice
        .map_or(String::new(), |(class, text)| format!(r#"<p class="notice {class}" role="status">{}</p>"#, esc(text)));
    format!(
        r#"<h1>{title}</h1>{notice}
<form class="stack" method="post" action="/settings">
<label>{language}<select name="language"><option value="fa"{fa}>فارسی</option><option value="en"{en}>English</option></select></label>
<label>{unit}<select name="unit"><option value="rial"{rial}>{rials}</option><option value="toman"{toman}>{tomans}</option></select></label>
<button type="submit">{save}</button>
</form>
<h2>{password_title}</h2>
<form class="stack" method="post" action="/settings/password">
<label>{current}<input name="current_password" type="password" autocomplete="current-password" required></label>
<label>{new}<span class="hint">{hint}</span><input name="new_password" type="password" autocomplete="new-password" required minlength="{min}"></label>
<button type="submit">{change}</button>
</form>"#,
        title = lang.t("settings"),
        language = lang.t("language"),
        fa = selected(lang == Lang::Fa),
        en = selected(lang == Lang::En),
        unit = lang.t("money_unit"),
        rial = selected(viewer.unit == MoneyUnit::Rial),
        toman = selected(viewer.unit == MoneyUnit::Toman),
        rials = lang.t("rials"),
        tomans = lang.t("tomans"),
        save = lang.t("save"),
        password_title = lang.t("change_password"),
        current = lang.t("current_password"),
        new = lang.t("new_password"),
        hint = lang.t("password_hint"),
        min = auth::PASSWORD_CHARS_MIN,
        change = lang.t("change_password"),
    )
}

async fn settings_page(viewer: Viewer) -> Html<String> {
    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("settings"), &settings_body(&viewer, None))
}

#[derive(Deserialize)]
struct SettingsForm {
    language: String,
    unit: String,
}

async fn save_settings(State(state): State<AppState>, viewer: Viewer, Form(form): Form<SettingsForm>) -> PageResult {
    let unit = if form.unit == "toman" { MoneyUnit::Toman } else { MoneyUnit::Rial };
    let language = if form.language == "en" { "en" } else { "fa" };
    let user = auth::set_preferences(&state.store, state.clock.as_ref(), &viewer.actor(), &viewer.user, language, unit)
        .await
        .map_err(|e| viewer.internal(e))?;
    state.sessions.forget();
    let viewer = Viewer {
        lang: Lang::from_code(&user.language),
        unit: user.money_unit,
        user,
        secret: viewer.secret,
        address: viewer.address,
    };
    let body = settings_body(&viewer, Some(("ok", viewer.lang.t("saved"))));
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("settings"), &body).into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn change_password(State(state): State<AppState>, viewer: Viewer, Form(form): Form<PasswordForm>) -> PageResult {
    let lang = viewer.lang;
    let (current, new) = (&form.current_password, &form.new_password);
    let outcome = auth::change_own_password(
        &state.store,
        state.clock.as_ref(),
        &viewer.actor(),
        &viewer.user,
        current,
        new,
        &viewer.secret,
    )
    .await;
    state.sessions.forget();
    let (status, notice) = match outcome {
        Ok(()) => (StatusCode::OK, ("ok", lang.t("password_changed"))),
        Err(AuthError::WrongCredentials) => {
            (StatusCode::UNPROCESSABLE_ENTITY, ("error", lang.t("wrong_current_password")))
        }
        Err(AuthError::WeakPassword) => (StatusCode::UNPROCESSABLE_ENTITY, ("error", lang.t("password_hint"))),
        Err(AuthError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, ("error", lang.t("throttled"))),
        Err(AuthError::Store(e)) => return Err(viewer.internal(e)),
    };
    let body = settings_body(&viewer, Some(notice));
    Ok((status, layout(lang, Some(&viewer.user), lang.t("settings"), &body)).into_response())
}

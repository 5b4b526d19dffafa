//! The Persian (and English) pages: sign-in, the officer's list of funds, a fund's home, its members
//! with search and the join form, a member's printable statement, and the monthly meeting sheet.
//!
//! Pages are typed HTML (maud, with the shared parts in `components`): every value is escaped unless
//! it is already markup, a person's text goes through `components::Text` (bidirectional controls
//! dropped), numbers and dates are formatted in the reader's digits before they get here, and the one
//! stylesheet and htmx are served from the binary (`assets`). Sessions are a cookie
//! holding a random secret whose hash the database keeps; a form posted from another site is refused
//! (see `lib.rs`, `refuse_cross_site`). A page outside the reader's scope answers 404.

#[allow(unused_imports)]
use self::components::{Column, Field, Input, Text, Tone, form_problems, layout as page, notice, table};
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
use domain::access::{Action, Scope, Target, allows};
use domain::{IsoDate, MoneyUnit, PlacePath, Rials};
#[allow(unused_imports)]
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use std::collections::HashMap;

mod account;
pub(crate) mod components;
mod funds;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{account::*, funds::*};

mod people;
mod plants;
mod reports;

pub const SESSION_COOKIE: &str = "abadi_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(funds::loans::router())
        .merge(funds::oversight::router())
        .merge(people::router())
        .merge(funds::lottery::router())
        .merge(reports::router())
        .merge(plants::router())
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

/// Escapes text for HTML, attributes included; bidirectional controls are dropped, so that a name
/// cannot turn the page's text around (`domain::text::is_bidi_control`).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if domain::text::is_bidi_control(c) => {}
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
                let body = html! { h1 { (lang.t("not_found")) } p { (lang.t("not_found_text")) } };
                (StatusCode::NOT_FOUND, page(lang, None, lang.t("not_found"), body)).into_response()
            }
            PageError::Internal(lang, error) => {
                tracing::error!(%error, "page failed");
                let body = html! { h1 { (lang.t("error")) } p { (lang.t("internal_error")) } };
                (StatusCode::INTERNAL_SERVER_ERROR, page(lang, None, lang.t("error"), body)).into_response()
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

/// A key made when a form is drawn: the same form sent twice posts once.
pub(crate) fn fresh_key(prefix: &str) -> String {
    let secret = app::auth::new_secret().unwrap_or_default();
    format!("{prefix}-{}", secret.get(..20).unwrap_or("0"))
}

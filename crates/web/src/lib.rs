//! Abadi's web shell: axum routes around the use cases. Only this crate (and the CLI) knows HTTP,
//! HTML and JSON.

use app::Clock;
use app::Store;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::text::Digits;
use std::sync::Arc;

pub mod api;
pub mod assets;
pub mod bench;
pub mod errors;
pub mod i18n;
pub mod json;
pub mod pages;

/// The largest request body taken (a meeting sheet of a few hundred lines is far below it).
pub const BODY_BYTES_MAX: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Mark the session cookie `Secure`: on when served over HTTPS. Off by default, because browsers
    /// drop `Secure` cookies on plain HTTP, which is how a village LAN serves it.
    pub secure_cookies: bool,
    /// Every fund's health figures, kept between requests until the data's version changes: the
    /// officer's list of a province's funds is read far more often than the funds change.
    pub funds_health_cache: Arc<VersionedCache<(String, domain::IsoDate), FundsHealth>>,
    /// A fund's home figures (see `FundHome`), kept the same way: every treasurer opens it first.
    pub fund_home_cache: Arc<VersionedCache<(i64, domain::IsoDate), Arc<FundHome>>>,
    /// Programme reports by place and period, kept the same way: the dashboard is opened by every
    /// officer of a province, and the figures change only when the books do.
    pub report_cache: Arc<ReportCache>,
    /// Sessions looked up in the last seconds (see `app::auth::SessionCache`).
    pub sessions: Arc<app::auth::SessionCache>,
}

type FundsHealth = Arc<FundsList>;

/// Programme reports by (place, first day, last day, today).
pub type ReportCache =
    VersionedCache<(Option<i64>, domain::IsoDate, domain::IsoDate, domain::IsoDate), Arc<app::report::ProgrammeReport>>;

/// The funds under a place with their health figures, and the places they lie in (for names).
pub struct FundsList {
    pub funds: Vec<(app::model::Fund, domain::PlacePath, domain::fund::FundHealth)>,
    pub places: std::collections::HashMap<i64, app::model::Place>,
}

/// What a fund's home page shows, read in one go.
pub struct FundHome {
    pub fund: app::model::Fund,
    pub health: domain::fund::FundHealth,
    /// The loans with something past due, most days late first, with their member's name.
    pub late: Vec<(app::model::LoanDue, String)>,
}

/// Values kept between requests while `Store::data_version` stays the same. The version is read
/// before the value is filled, so a change committed in between can only make a kept value newer
/// than its version (and refilled once more), never older. Concurrent misses fill one at a time, so
/// a hundred clients arriving after a change do not all read the province at once.
pub struct VersionedCache<K, V> {
    entries: std::sync::Mutex<std::collections::HashMap<K, (String, V)>>,
    filling: tokio::sync::Mutex<()>,
    capacity: usize,
}

impl<K: Eq + std::hash::Hash, V: Clone> VersionedCache<K, V> {
    pub fn with_capacity(capacity: usize) -> VersionedCache<K, V> {
        VersionedCache { entries: Default::default(), filling: Default::default(), capacity }
    }

    /// The value kept for `key` at the data's current version, or the one `fill` reads.
    pub async fn get_or_fill<F, Fut>(&self, store: &Store, key: K, fill: F) -> app::model::StoreResult<V>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = app::model::StoreResult<V>>,
    {
        let version = store.data_version().await?;
        if let Some(value) = self.kept(&key, &version) {
            return Ok(value);
        }
        let _filling = self.filling.lock().await;
        if let Some(value) = self.kept(&key, &version) {
            return Ok(value);
        }
        let value = fill().await?;
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (version, value.clone()));
        Ok(value)
    }

    fn kept(&self, key: &K, version: &str) -> Option<V> {
        self.lock().get(key).filter(|(seen, _)| seen == version).map(|(_, value)| value.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<K, (String, V)>> {
        // A panic while holding the lock leaves nothing half-done in a map of kept values.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> AppState {
        AppState {
            store,
            clock,
            secure_cookies: false,
            funds_health_cache: Arc::new(VersionedCache::with_capacity(64)),
            fund_home_cache: Arc::new(VersionedCache::with_capacity(4096)),
            report_cache: Arc::new(VersionedCache::with_capacity(256)),
            sessions: Arc::default(),
        }
    }
}

/// The health of every fund under a place on a day, kept while the data's version is unchanged.
pub async fn cached_funds_health(
    state: &AppState,
    under: Option<&domain::PlacePath>,
    on: domain::IsoDate,
) -> app::model::StoreResult<FundsHealth> {
    let key = (under.map_or("/", domain::PlacePath::as_str).to_string(), on);
    state
        .funds_health_cache
        .get_or_fill(&state.store, key, || async {
            let funds = state.store.funds_health(under, on).await?;
            let places = state.store.places_under(under).await?.into_iter().map(|p| (p.id, p)).collect();
            Ok(Arc::new(FundsList { funds, places }))
        })
        .await
}

/// A fund's home figures on a day, kept while the data's version is unchanged.
pub async fn cached_fund_home(
    state: &AppState,
    fund_id: i64,
    on: domain::IsoDate,
) -> app::model::StoreResult<Arc<FundHome>> {
    state
        .fund_home_cache
        .get_or_fill(&state.store, (fund_id, on), || async {
            let fund = state.store.fund(fund_id).await?;
            let health = state.store.fund_health(fund_id, on).await?;
            let mut late: Vec<app::model::LoanDue> =
                state.store.loans_due(fund_id, on).await?.into_iter().filter(|d| d.days_past_due > 0).collect();
            late.sort_by_key(|d| std::cmp::Reverse(d.days_past_due));
            // Names are read only when someone is late.
            let names: std::collections::HashMap<i64, String> = if late.is_empty() {
                Default::default()
            } else {
                state
                    .store
                    .members(fund_id)
                    .await?
                    .into_iter()
                    .map(|m| (m.id, format!("{} {}", m.first_name, m.last_name)))
                    .collect()
            };
            let late = late
                .into_iter()
                .map(|d| {
                    let name = names.get(&d.member_id).cloned().unwrap_or_default();
                    (d, name)
                })
                .collect();
            Ok(Arc::new(FundHome { fund, health, late }))
        })
        .await
}

/// Today in Iran, as the pages and the API see it.
pub fn today(state: &AppState) -> domain::IsoDate {
    app::today_in_iran(state.clock.as_ref()).to_iso()
}

/// The whole application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .merge(api::router())
        .merge(pages::router())
        .merge(assets::router())
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn(finish_even_if_the_client_leaves))
        .layer(axum::middleware::from_fn(refuse_cross_site))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Refuses a state-changing request that a browser says came from another site: `Sec-Fetch-Site`
/// other than same-origin or none, or an `Origin` whose host is not this one. Requests with a bearer
/// token (the API) carry no cookie a forger could ride on and pass; so do clients that send neither
/// header (not browsers).
/// A request that arrived is carried out to the end on a task of its own, even if its client hangs up
/// (a weak link drops after the sheet was sent): the change and its audit record are committed, and
/// only the answer is lost — the retry with the same key then posts nothing twice. Without this the
/// server would drop the handler wherever it stood, even between a pooled connection's `BEGIN` and
/// the transaction that should own it.
async fn finish_even_if_the_client_leaves(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "a request's task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn refuse_cross_site(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::Method;
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    if safe || headers.contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_by_fetch = fetch_site.is_some_and(|site| site != "same-origin" && site != "none");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|origin| origin.split_once("://").map_or(origin, |(_, rest)| rest).trim_end_matches('/'));
    let cross_by_origin = match (origin_host, host) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin != host,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if cross_by_fetch || cross_by_origin {
        let lang = i18n::Lang::Fa;
        let body = maud::html! { h1 { (lang.t("error")) } p { (lang.t("forbidden_origin")) } };
        return (StatusCode::FORBIDDEN, pages::components::layout(lang, None, lang.t("error"), body)).into_response();
    }
    next.run(request).await
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages and answers hold people's records: never kept by the browser (Back after signing out must
    // not show a member's statement). The assets set their own long cache.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn home(State(state): State<AppState>) -> Response {
    let books = match state.store.books().await {
        Ok(books) => books,
        Err(error) => return server_error(&error),
    };
    let entries: i64 = books.iter().map(|b| b.head_seq.0).sum();
    let today = app::today_in_iran(state.clock.as_ref());
    // The landing page stands alone (no session to read): its own few styles, inline.
    const STYLE: &str = "body { font-family: Vazirmatn, Tahoma, \"Noto Sans Arabic\", sans-serif; margin: 0; background: #f7f5ef; color: #1d2a24; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; color: #205c40; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; padding: 0; list-style: none; }
.figures li { background: #fff; border: 1px solid #d8d3c4; border-radius: .5rem; padding: .75rem 1rem; min-width: 8rem; }
.figures strong { display: block; font-size: 1.4rem; }";
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="fa" dir="rtl" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "آبادی" }
                link rel="stylesheet" href="/assets/app-1.css";
                style { (maud::PreEscaped(STYLE)) }
            }
            body { main {
                h1 { "آبادی" }
                p { "حساب‌وکتاب صندوق‌های قرض‌الحسنه روستایی، تسهیلات اشتغال، نیروگاه‌های خورشیدی خانگی و تعاونی‌ها — و شغل‌هایی که می‌سازند." }
                p { "امروز: " time datetime=(today.to_iso()) { (today.format_long(Digits::Persian)) } }
                p { a href="/sign-in" { "ورود به سامانه" } " · " a href="/sign-in" lang="en" { "Sign in" } }
                ul.figures {
                    li { strong { (domain::text::group_digits(&books.len().to_string(), Digits::Persian)) } " دفتر حساب" }
                    li { strong { (domain::text::group_digits(&entries.to_string(), Digits::Persian)) } " سند ثبت‌شده" }
                }
            } }
        }
    };
    Html(page.into_string()).into_response()
}

/// Anything unknown: JSON under `/api/`, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return errors::ApiError::NotFound("route").into_response();
    }
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><html lang=\"fa\" dir=\"rtl\"><title>پیدا نشد</title><p>این صفحه پیدا نشد.</p></html>"),
    )
        .into_response()
}

fn server_error(error: &app::model::StoreError) -> Response {
    tracing::error!(%error, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(
            "<!doctype html><html lang=\"fa\" dir=\"rtl\"><title>خطا</title><p>خطای داخلی. دوباره تلاش کنید.</p></html>",
        ),
    )
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    let database = match state.store.backend() {
        app::model::Backend::Sqlite => "sqlite",
        app::model::Backend::Postgres => "postgres",
    };
    if let Err(error) = state.store.check_integrity().await {
        tracing::error!(%error, "health check failed");
        let damaged = matches!(error, app::model::StoreError::Damaged(_));
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({
                "status": if damaged { "damaged" } else { "unavailable" },
                "database": database,
                "message": error.to_string(),
            })),
        )
            .into_response();
    }
    match state.store.schema_version().await {
        Ok(version) => {
            Json(serde_json::json!({ "status": "ok", "database": database, "schema_version": version })).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable", "database": database })),
            )
                .into_response()
        }
    }
}

/// Serves the application on a bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

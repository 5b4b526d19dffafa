//! Page render times at the seed's scale, for `abadi bench --funds`: the requests go through the whole
//! router (session lookup, scope check, queries, HTML) in-process, so the figure is the server's own
//! time without the network.

use crate::{AppState, router};
use app::auth;
use app::model::{SessionKind, StoreError, StoreResult};
use axum::body::Body;
use axum::http::Request;
use domain::access::Role;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Median times of the pages the issue sets targets for.
#[derive(Clone, Debug, Default)]
pub struct PageTimings {
    pub fund_home: Duration,
    pub meeting_sheet: Duration,
    pub funds_list: Duration,
    pub funds_listed: usize,
}

async fn session_for(
    state: &AppState,
    username: &str,
    role: Role,
    place_id: Option<i64>,
    fund_id: Option<i64>,
) -> StoreResult<String> {
    let failed = |e: auth::AuthError| StoreError::Unexpected(e.to_string());
    let request = auth::UserRequest {
        username: username.into(),
        display_name: username.into(),
        password: format!("{username}-bench-password"),
        role,
        place_id,
        fund_id,
        bank_id: None,
        language: "fa".into(),
    };
    let (clock, system) = (state.clock.as_ref(), app::Actor::system());
    let user = auth::add_user_as(&state.store, clock, &system, &request).await.map_err(failed)?;
    auth::open_session_as(&state.store, clock, &system, &user, SessionKind::Browser, "bench").await.map_err(failed)
}

async fn median_page(
    app: &axum::Router,
    path: &str,
    secret: &str,
    repetitions: usize,
) -> StoreResult<(Duration, usize)> {
    let mut times = Vec::with_capacity(repetitions);
    let mut bytes = 0;
    for _ in 0..repetitions.max(1) {
        let request = Request::get(path)
            .header("cookie", format!("{}={secret}", crate::pages::SESSION_COOKIE))
            .body(Body::empty())
            .map_err(|e| StoreError::Unexpected(e.to_string()))?;
        let started = Instant::now();
        let response = app.clone().oneshot(request).await.map_err(|e| StoreError::Unexpected(e.to_string()))?;
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| StoreError::Unexpected(e.to_string()))?;
        times.push(started.elapsed());
        if !status.is_success() {
            return Err(StoreError::Unexpected(format!("{path} answered {status}")));
        }
        bytes = body.len();
    }
    times.sort();
    Ok((times[times.len() / 2], bytes))
}

/// Times a fund's home, its meeting sheet and the province officer's list of funds (median of
/// `repetitions`), creating a treasurer and an officer for the purpose.
pub async fn time_pages(
    state: AppState,
    fund_id: i64,
    province_id: i64,
    repetitions: usize,
) -> StoreResult<PageTimings> {
    let treasurer = session_for(&state, "bench-treasurer", Role::Treasurer, None, Some(fund_id)).await?;
    let officer = session_for(&state, "bench-officer", Role::Officer, Some(province_id), None).await?;
    let funds_listed = state.store.funds_with_places(None).await?.len();
    let app = router(state);
    let (fund_home, _) = median_page(&app, &format!("/funds/{fund_id}"), &treasurer, repetitions).await?;
    let (meeting_sheet, _) = median_page(&app, &format!("/funds/{fund_id}/meeting"), &treasurer, repetitions).await?;
    let (funds_list, _) = median_page(&app, "/funds", &officer, repetitions).await?;
    Ok(PageTimings { fund_home, meeting_sheet, funds_list, funds_listed })
}

/// Median times of the report pages on a province already built (the demo), through the router.
#[derive(Clone, Debug, Default)]
pub struct ReportTimings {
    /// The first request, which reads the figures.
    pub dashboard: Duration,
    pub programme: Duration,
    pub league: Duration,
    /// Later requests while the data is unchanged (median), from the kept report.
    pub dashboard_kept: Duration,
    pub programme_kept: Duration,
}

/// Times the province dashboard, the programme report and the league table for an officer of the
/// province (a user created for the purpose), the period being the last four Jalali years.
pub async fn time_report_pages(state: &AppState, province_id: i64, repetitions: usize) -> StoreResult<ReportTimings> {
    let app = router(state.clone());
    let name = format!("bench-report-{}", state.clock.now_ms());
    let officer = session_for(state, &name, Role::Officer, Some(province_id), None).await?;
    let today = crate::today(state);
    let to = domain::JalaliDate::from_iso(today);
    let from = domain::JalaliDate::new(to.year() - 4, 1, 1).map_err(|e| StoreError::Unexpected(e.to_string()))?;
    let query = format!("place={province_id}&from={from}&to={to}");
    // Each first request is timed on its own period (starting a day apart, ending today), so that it
    // reads the figures rather than the kept report.
    let first = |shift: i64| {
        let from = domain::JalaliDate::from_iso(from.to_iso().add_days(shift));
        format!("place={province_id}&from={from}&to={to}")
    };
    let dashboard = median_page(&app, &format!("/reports?{}", first(1)), &officer, 1).await?.0;
    let programme = median_page(&app, &format!("/reports/programme?{}", first(2)), &officer, 1).await?.0;
    Ok(ReportTimings {
        dashboard,
        programme,
        league: median_page(&app, &format!("/reports/league?{query}"), &officer, repetitions).await?.0,
        dashboard_kept: median_page(&app, &format!("/reports?{query}"), &officer, repetitions).await?.0,
        programme_kept: median_page(&app, &format!("/reports/programme?{query}"), &officer, repetitions).await?.0,
    })
}

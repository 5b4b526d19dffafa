//! The programme's reports on pages: the province dashboard (figures, counties, months, with charts
//! drawn as SVG on the server), the programme report in Persian prose with every figure a link to
//! the records behind it, the league table of funds (the ones needing a visit first), the jobs behind
//! the job figures, and CSV / XLSX downloads of the same figures.

use super::components::{Text, Tone, layout as page, notice};
use super::{PageError, PageResult, Viewer};
use crate::AppState;
use crate::i18n::Lang;
use app::report::{ProgrammeReport, ReportScope};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use domain::report::{ReportFacts, fte_text};
use domain::{IsoDate, JalaliDate, PlacePath, Rials};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/reports", get(dashboard))
        .route("/reports/programme", get(programme))
        .route("/reports/league", get(league))
        .route("/reports/jobs", get(jobs))
        .route("/reports/export", get(export))
}

#[derive(Deserialize, Default, Clone)]
struct ReportQuery {
    place: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    status: Option<String>,
}

/// The place a reader may report on: administrators anywhere (the whole installation by default),
/// officers and auditors at or under their place; anyone else: not found.
async fn report_place(
    state: &AppState,
    viewer: &Viewer,
    asked: Option<i64>,
) -> Result<Option<app::model::Place>, PageError> {
    app::report::place_for(&state.store, &viewer.user.grant, asked).await.map_err(|_| PageError::NotFound(viewer.lang))
}

/// The period asked for: Jalali days typed in either digit set; by default this Jalali year so far.
fn period(state: &AppState, lang: Lang, query: &ReportQuery) -> Result<(IsoDate, IsoDate), String> {
    let today = crate::today(state);
    let parse = |text: &Option<String>, default: IsoDate| match text.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => JalaliDate::parse(text).map(|d| d.to_iso()).map_err(|e| crate::pages::date_problem(lang, &e)),
    };
    let (year_start, today) = app::report::this_year_so_far(today);
    Ok((parse(&query.from, year_start)?, parse(&query.to, today)?))
}

async fn load(
    state: &AppState,
    viewer: &Viewer,
    query: &ReportQuery,
) -> Result<Result<(std::sync::Arc<ProgrammeReport>, Option<app::model::Place>), String>, PageError> {
    let asked = query.place.as_deref().and_then(|p| domain::text::to_latin_digits(p.trim()).parse().ok());
    let place = report_place(state, viewer, asked).await?;
    let (from, to) = match period(state, viewer.lang, query) {
        Ok(period) => period,
        Err(problem) => return Ok(Err(problem)),
    };
    if from > to {
        return Ok(Err(viewer.lang.t("period_backwards").to_string()));
    }
    let scope = place.as_ref().map_or(ReportScope::Installation, |p| ReportScope::Place(p.id));
    let today = crate::today(state);
    let key = (place.as_ref().map(|p| p.id), from, to, today);
    let report = state
        .report_cache
        .get_or_fill(&state.store, key, || async {
            Ok(std::sync::Arc::new(app::report::programme_report(&state.store, &scope, from, to, today).await?))
        })
        .await
        .map_err(|e| viewer.internal(e))?;
    Ok(Ok((report, place)))
}

fn query_string(place: &Option<app::model::Place>, report: &ProgrammeReport) -> String {
    format!(
        "place={}&from={}&to={}",
        place.as_ref().map_or(String::new(), |p| p.id.to_string()),
        JalaliDate::from_iso(report.from),
        JalaliDate::from_iso(report.to)
    )
}

fn period_form(
    lang: Lang,
    action: &str,
    place: &Option<app::model::Place>,
    query: &ReportQuery,
    report: Option<&ProgrammeReport>,
) -> Markup {
    let value = |typed: &Option<String>, shown: Option<IsoDate>| {
        typed.clone().unwrap_or_else(|| shown.map_or(String::new(), |d| lang.date(d)))
    };
    html! {
        form.search.no-print method="get" action=(action) {
            input type="hidden" name="place" value=(place.as_ref().map_or(String::new(), |p| p.id.to_string()));
            label for="from" { (lang.t("from_date")) }
            input id="from" name="from" value=(Text(&value(&query.from, report.map(|r| r.from))));
            label for="to" { (lang.t("to_date")) }
            input id="to" name="to" value=(Text(&value(&query.to, report.map(|r| r.to))));
            button type="submit" { (lang.t("show")) }
        }
    }
}

fn jobs_text(lang: Lang, hundredths: i64) -> String {
    let text = fte_text(hundredths);
    match lang {
        Lang::Fa => domain::text::to_persian_digits(&text).replace('.', "٫"),
        Lang::En => text,
    }
}

fn optional_money(viewer: &Viewer, amount: Option<Rials>) -> String {
    amount.map_or_else(|| "—".to_string(), |a| viewer.money(a))
}

/// A bar chart drawn on the server (`app::render::svg`): labels and values in the reader's digits.
fn bar_chart(title: &str, bars: &[(String, i64)], format: &dyn Fn(i64) -> String) -> String {
    let bars: Vec<app::render::svg::Bar> = bars
        .iter()
        .map(|(label, value)| app::render::svg::Bar { label: label.clone(), value: *value, shown: format(*value) })
        .collect();
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    app::render::svg::bar_chart(title, &bars, &format(max))
}

fn figures(viewer: &Viewer, f: &ReportFacts) -> Markup {
    let lang = viewer.lang;
    let tiles = [
        (lang.t("funds"), lang.number(f.funds as i64)),
        (lang.t("villages"), lang.number(f.villages as i64)),
        (lang.t("members_active"), lang.number(f.members_active as i64)),
        (lang.t("savings"), viewer.money(f.savings)),
        (lang.t("loans_outstanding"), viewer.money(f.loans_outstanding)),
        (lang.t("par30"), f.par30().map_or_else(|| "—".into(), |p| lang.percent(p))),
        (lang.t("capital_injected"), viewer.money(f.capital_injected)),
        (lang.t("loans_disbursed"), viewer.money(f.loans_disbursed)),
        (lang.t("jobs_expected"), jobs_text(lang, f.jobs_expected_fte_hundredths)),
        (lang.t("jobs_confirmed"), jobs_text(lang, f.jobs_confirmed_fte_hundredths)),
        (lang.t("injected_per_job"), optional_money(viewer, f.injected_per_confirmed_job())),
        (lang.t("lent_per_job"), optional_money(viewer, f.lent_per_confirmed_job())),
    ];
    html! { ul.figures { @for (label, value) in tiles { li { strong { (value) } (label) } } } }
}

fn problem_page(viewer: &Viewer, title: &str, problem: &str) -> PageResult {
    let body = html! { h1 { (Text(title)) } (notice(Tone::Error, problem)) };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page(viewer.lang, Some(&viewer.user), title, body))
        .into_response())
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ReportQuery>) -> PageResult {
    let lang = viewer.lang;
    let (report, place) = match load(&state, &viewer, &query).await? {
        Ok(loaded) => loaded,
        Err(problem) => return problem_page(&viewer, lang.t("dashboard"), &problem),
    };
    let q = query_string(&place, &report);
    let month_label = |m: &domain::JalaliMonth| {
        domain::text::show_digits(&format!("{}/{:02}", m.year() % 100, m.month()), lang.digits())
    };
    let money_bars: Vec<(String, i64)> = report
        .by_month
        .iter()
        .map(|(m, f)| (month_label(m), f.capital_injected.get() + f.loans_disbursed.get()))
        .collect();
    let job_bars: Vec<(String, i64)> =
        report.by_month.iter().map(|(m, f)| (month_label(m), f.jobs_confirmed_fte_hundredths)).collect();
    let county_job_bars: Vec<(String, i64)> =
        report.by_county.iter().map(|(_, name, f)| (name.clone(), f.jobs_confirmed_fte_hundredths)).collect();
    let money_format = |v: i64| viewer.money(Rials::new(v));
    let job_format = |v: i64| jobs_text(lang, v);
    let (from, to) = (JalaliDate::from_iso(report.from), JalaliDate::from_iso(report.to));
    let unit = viewer.unit_name();
    let body = html! {
        h1 { (lang.t("dashboard")) " · " (Text(&report.title)) }
        (period_form(lang, "/reports", &place, &query, Some(&report)))
        @if report.total.is_empty() { p.notice role="status" { (lang.t("no_data")) } }
        (figures(&viewer, &report.total))
        p.no-print {
            a href={ "/reports/programme?" (q) } { (lang.t("programme_report")) } " · "
            a href={ "/reports/league?" (q) } { (lang.t("league_table")) } " · "
            a href={ "/reports/export?" (q) "&format=csv" } { "CSV" } " · "
            a href={ "/reports/export?" (q) "&format=xlsx" } { "XLSX" } " · "
            a href={ "/reports/jobs?" (q) "&status=due" } { (lang.t("follow_ups_due")) } " · "
            a href={ "/reports/export?" (q) "&format=members" } { (lang.t("members_xlsx")) } " · "
            a href="#" data-print { (lang.t("print")) }
        }
        h2 { (lang.t("by_county")) }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("county")) }
                th.num { (lang.t("funds")) }
                th.num.hide-narrow { (lang.t("members_active")) }
                th.num { (lang.t("capital_injected")) " (" (unit) ")" }
                th.num.hide-narrow { (lang.t("loans_disbursed")) " (" (unit) ")" }
                th.num { (lang.t("jobs_expected")) }
                th.num { (lang.t("jobs_confirmed")) }
                th.num.hide-narrow { (lang.t("par30")) }
            } }
            tbody {
                @for (id, name, f) in &report.by_county {
                    tr {
                        td { a href={ "/reports?place=" (id) "&from=" (from) "&to=" (to) } { (Text(name)) } }
                        td.num { (lang.number(f.funds as i64)) }
                        td.num.hide-narrow { (lang.number(f.members_active as i64)) }
                        td.num { (viewer.amount(f.capital_injected)) }
                        td.num.hide-narrow { (viewer.amount(f.loans_disbursed)) }
                        td.num { (jobs_text(lang, f.jobs_expected_fte_hundredths)) }
                        td.num { (jobs_text(lang, f.jobs_confirmed_fte_hundredths)) }
                        td.num.hide-narrow { (f.par30().map_or_else(|| "—".into(), |p| lang.percent(p))) }
                    }
                }
            }
        } }
        (PreEscaped(bar_chart(lang.t("chart_money_by_month"), &money_bars, &money_format)))
        (PreEscaped(bar_chart(lang.t("chart_jobs_by_month"), &job_bars, &job_format)))
        (PreEscaped(bar_chart(lang.t("chart_jobs_by_county"), &county_job_bars, &job_format)))
    };
    Ok(page(lang, Some(&viewer.user), lang.t("dashboard"), body).into_response())
}

async fn programme(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ReportQuery>) -> PageResult {
    let lang = viewer.lang;
    let (report, place) = match load(&state, &viewer, &query).await? {
        Ok(loaded) => loaded,
        Err(problem) => return problem_page(&viewer, lang.t("programme_report"), &problem),
    };
    let q = query_string(&place, &report);
    let t = &report.total;
    // Every figure links to the records behind it.
    let county_filter =
        place.as_ref().and_then(|p| app::report::county_of(&p.path)).map_or(String::new(), |c| format!("?county={c}"));
    let funds_href = format!("/funds{county_filter}");
    let confirmed_href = format!("/reports/jobs?{q}&status=confirmed");
    let expected_href = format!("/reports/jobs?{q}&status=expected");
    let (confirmed, expected) =
        (jobs_text(lang, t.jobs_confirmed_fte_hundredths), jobs_text(lang, t.jobs_expected_fte_hundredths));
    let per_job = (t.injected_per_confirmed_job(), t.lent_per_confirmed_job());
    let prose = if lang == Lang::Fa {
        if t.is_empty() {
            html! { (Text(&app::report::summary_fa(&report))) }
        } else {
            html! {
                (Text(&report.title)) "، از " (lang.date(report.from)) " تا " (lang.date(report.to)) ": "
                a href=(funds_href) { (lang.number(t.funds as i64)) " صندوق" }
                " در " (lang.number(t.villages as i64)) " روستا با " (lang.number(t.members as i64)) " عضو، "
                a href=(confirmed_href) { (confirmed) " شغل تأییدشده" }
                " (" a href=(expected_href) { (expected) " شغل پیش‌بینی‌شده" } ")، با "
                a href="#funds" { (viewer.money(t.capital_injected)) } " سرمایهٔ تزریقی و "
                a href="#funds" { (viewer.money(t.loans_disbursed)) } " وام پرداختی؛ "
                @match per_job {
                    (Some(i), Some(l)) => { "به ازای هر شغل تأییدشده " (viewer.money(i)) " سرمایه و " (viewer.money(l)) " وام" }
                    _ => { "هنوز شغلی تأیید نشده است" }
                }
                "."
            }
        }
    } else {
        html! {
            (Text(&report.title)) ", " (lang.date(report.from)) " to " (lang.date(report.to)) ": "
            a href=(funds_href) { (t.funds) " funds" }
            " in " (t.villages) " villages with " (t.members) " members, "
            a href=(confirmed_href) { (confirmed) " jobs confirmed" }
            " (" a href=(expected_href) { (expected) " expected" } "), with "
            a href="#funds" { (viewer.money(t.capital_injected)) } " of capital injected and "
            a href="#funds" { (viewer.money(t.loans_disbursed)) } " lent; "
            @match per_job {
                (Some(i), Some(l)) => { (viewer.money(i)) " injected and " (viewer.money(l)) " lent per confirmed job" }
                _ => { "no job confirmed yet" }
            }
            "."
        }
    };
    let unit = viewer.unit_name();
    let body = html! {
        h1 { (lang.t("programme_report")) }
        (period_form(lang, "/reports/programme", &place, &query, Some(&report)))
        p.prose { (prose) }
        (figures(&viewer, t))
        p.no-print {
            a href={ "/reports?" (q) } { (lang.t("dashboard")) } " · "
            a href={ "/reports/export?" (q) "&format=csv" } { "CSV" } " · "
            a href={ "/reports/export?" (q) "&format=xlsx" } { "XLSX" } " · "
            a href="#" data-print { (lang.t("print")) }
        }
        h2 id="funds" { (lang.t("funds")) }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("name")) }
                th.num { (lang.t("capital_injected")) " (" (unit) ")" }
                th.num { (lang.t("loans_disbursed")) " (" (unit) ")" }
                th.num { (lang.t("jobs_expected")) }
                th.num { (lang.t("jobs_confirmed")) }
            } }
            tbody {
                @for f in report.funds.iter().filter(|f| !f.facts.is_empty()) {
                    tr {
                        td { a href={ "/funds/" (f.fund.id) } { (Text(&f.fund.name)) } }
                        td.num { a href={ "/funds/" (f.fund.id) "/capital" } { (viewer.amount(f.facts.capital_injected)) } }
                        td.num { a href={ "/funds/" (f.fund.id) "/loans" } { (viewer.amount(f.facts.loans_disbursed)) } }
                        td.num { (jobs_text(lang, f.facts.jobs_expected_fte_hundredths)) }
                        td.num { (jobs_text(lang, f.facts.jobs_confirmed_fte_hundredths)) }
                    }
                }
            }
        } }
    };
    Ok(page(lang, Some(&viewer.user), lang.t("programme_report"), body).into_response())
}

/// The funds by health, the ones that need a visit first: most principal late, then the lowest
/// repayment rate, then the fewest active members.
async fn league(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ReportQuery>) -> PageResult {
    let lang = viewer.lang;
    let asked = query.place.as_deref().and_then(|p| domain::text::to_latin_digits(p.trim()).parse().ok());
    let place = report_place(&state, &viewer, asked).await?;
    let under: Option<PlacePath> = place.as_ref().map(|p| p.path.clone());
    let list = crate::cached_funds_health(&state, under.as_ref(), crate::today(&state))
        .await
        .map_err(|e| viewer.internal(e))?;
    let mut funds: Vec<&(app::model::Fund, PlacePath, domain::fund::FundHealth)> = list.funds.iter().collect();
    funds.sort_by(|a, b| {
        b.2.par30
            .total_cmp(&a.2.par30)
            .then(a.2.repayment_rate.total_cmp(&b.2.repayment_rate))
            .then(a.2.members_active.cmp(&b.2.members_active))
    });
    let body = html! {
        h1 { (lang.t("league_table")) @if let Some(p) = &place { " · " (Text(&p.name)) } }
        p.muted { (lang.t("league_hint")) }
        div.table-wrap { table {
            thead { tr {
                th.num { "#" }
                th { (lang.t("name")) }
                th.hide-narrow { (lang.t("village")) }
                th.num { (lang.t("par30")) }
                th.num { (lang.t("repayment_rate")) }
                th.num.hide-narrow { (lang.t("members_active")) }
                th.num.hide-narrow { (lang.t("loans_outstanding")) " (" (viewer.unit_name()) ")" }
            } }
            tbody {
                @for (rank, (fund, _, h)) in funds.iter().enumerate() {
                    tr {
                        td.num { (lang.number(rank as i64 + 1)) }
                        td {
                            a href={ "/funds/" (fund.id) } { (Text(&fund.name)) }
                            @if h.par30 > 0.1 || h.repayment_rate < 0.8 { " " span.badge.late { (lang.t("needs_visit")) } }
                        }
                        td.hide-narrow { (Text(list.places.get(&fund.place_id).map_or("", |p| p.name.as_str()))) }
                        td.num { (lang.percent(h.par30)) }
                        td.num { (lang.percent(h.repayment_rate)) }
                        td.num.hide-narrow { (lang.number(i64::from(h.members_active))) }
                        td.num.hide-narrow { (viewer.amount(h.loans_outstanding)) }
                    }
                }
            }
        } }
    };
    Ok(page(lang, Some(&viewer.user), lang.t("league_table"), body).into_response())
}

/// The job records behind a job figure.
async fn jobs(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ReportQuery>) -> PageResult {
    let lang = viewer.lang;
    let (report, _) = match load(&state, &viewer, &query).await? {
        Ok(loaded) => loaded,
        Err(problem) => return problem_page(&viewer, lang.t("jobs"), &problem),
    };
    let status = query.status.as_deref().and_then(domain::jobs::JobStatus::parse);
    // "due": confirmed jobs whose 6- or 12-month follow-up visit has fallen due and not been made.
    let due: Option<std::collections::HashSet<i64>> = if query.status.as_deref() == Some("due") {
        let under = report.place.as_ref().map(|p| p.path.clone());
        let jobs = state
            .store
            .jobs_due_for_follow_up(under.as_ref(), crate::today(&state))
            .await
            .map_err(|e| viewer.internal(e))?;
        Some(jobs.iter().map(|j| j.id).collect())
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut count = 0i64;
    for fund in &report.funds {
        for job in state.store.jobs_of_fund(fund.fund.id).await.map_err(|e| viewer.internal(e))? {
            let in_period = match (&due, status) {
                (Some(due), _) => due.contains(&job.id),
                (None, status) => match status {
                    Some(domain::jobs::JobStatus::Confirmed) => job.confirmed_on.is_some_and(|d| {
                        d >= report.from && d <= report.to && job.lost_on.is_none_or(|l| l > report.to)
                    }),
                    Some(domain::jobs::JobStatus::Lost) => {
                        job.lost_on.is_some_and(|d| d >= report.from && d <= report.to)
                    }
                    _ => job.expected_on >= report.from && job.expected_on <= report.to,
                },
            };
            if !in_period {
                continue;
            }
            count += job.hours.fte_hundredths();
            let activity = domain::jobs::ACTIVITIES.iter().find(|a| a.0 == job.activity).map_or("", |a| match lang {
                Lang::Fa => a.1,
                Lang::En => a.2,
            });
            rows.push(html! {
                tr {
                    td { a href={ "/loans/" (job.source_id) } { (Text(&fund.fund.name)) } }
                    td { (activity) }
                    td { (job.kind.name_fa()) }
                    td.hide-narrow { (job.hours.name_fa()) }
                    td.hide-narrow { (job.sex.name_fa()) }
                    td { (job.status.name_fa()) }
                    td { (lang.date(job.confirmed_on.unwrap_or(job.expected_on))) }
                }
            });
        }
    }
    let body = html! {
        h1 { (lang.t("jobs")) " · " (Text(&report.title)) }
        p.muted { (lang.t("jobs_fte")) ": " (jobs_text(lang, count)) }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("name")) }
                th { (lang.t("activity")) }
                th { (lang.t("kind")) }
                th.hide-narrow { (lang.t("hours")) }
                th.hide-narrow { (lang.t("sex")) }
                th { (lang.t("status")) }
                th { (lang.t("date")) }
            } }
            tbody { @for row in rows { (row) } }
        } }
    };
    Ok(page(lang, Some(&viewer.user), lang.t("jobs"), body).into_response())
}

/// The report as CSV (with a BOM) or XLSX (right-to-left), for Excel.
async fn export(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ReportQuery>) -> PageResult {
    let lang = viewer.lang;
    let (report, _) = match load(&state, &viewer, &query).await? {
        Ok(loaded) => loaded,
        Err(problem) => return problem_page(&viewer, lang.t("programme_report"), &problem),
    };
    let name = format!("abadi-report-{}-{}", JalaliDate::from_iso(report.from), JalaliDate::from_iso(report.to))
        .replace('/', "-");
    match query.format.as_deref() {
        Some("members") => {
            let under = report.place.as_ref().map(|p| p.path.clone());
            let bytes =
                app::report::members_xlsx(&state.store, under.as_ref()).await.map_err(|e| viewer.internal(e))?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"abadi-members.xlsx\"".to_string()),
                ],
                bytes,
            )
                .into_response())
        }
        Some("xlsx") => {
            let bytes = app::report::xlsx_bytes(&report).map_err(|e| viewer.internal(e))?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
                ],
                bytes,
            )
                .into_response())
        }
        _ => {
            let mut bytes = Vec::new();
            app::report::write_csv(&report, &mut bytes)
                .map_err(|e| viewer.internal(app::model::StoreError::Unexpected(e.to_string())))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
                ],
                bytes,
            )
                .into_response())
        }
    }
}

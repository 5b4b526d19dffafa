//! The programme's reports on pages: the province dashboard (figures, counties, months, with charts
//! drawn as SVG on the server), the programme report in Persian prose with every figure a link to
//! the records behind it, the league table of funds (the ones needing a visit first), the jobs behind
//! the job figures, and CSV / XLSX downloads of the same figures.

use super::{PageError, PageResult, Viewer, esc, layout};
use crate::AppState;
use crate::i18n::Lang;
use app::report::{ProgrammeReport, ReportScope};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use domain::report::{ReportFacts, fte_text};
use domain::{IsoDate, JalaliDate, PlacePath, Rials};
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
) -> String {
    let value = |typed: &Option<String>, shown: Option<IsoDate>| {
        typed.clone().unwrap_or_else(|| shown.map_or(String::new(), |d| lang.date(d)))
    };
    format!(
        r##"<form class="search no-print" method="get" action="{action}"><input type="hidden" name="place" value="{place}">
<label for="from">{from_label}</label><input id="from" name="from" value="{from}">
<label for="to">{to_label}</label><input id="to" name="to" value="{to}"><button type="submit">{show}</button></form>"##,
        place = place.as_ref().map_or(String::new(), |p| p.id.to_string()),
        from_label = lang.t("from_date"),
        to_label = lang.t("to_date"),
        from = esc(&value(&query.from, report.map(|r| r.from))),
        to = esc(&value(&query.to, report.map(|r| r.to))),
        show = lang.t("show"),
    )
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

fn figures(viewer: &Viewer, f: &ReportFacts) -> String {
    let lang = viewer.lang;
    let tile = |label: &str, value: String| format!(r##"<li><strong>{value}</strong>{label}</li>"##);
    [
        tile(lang.t("funds"), lang.number(f.funds as i64)),
        tile(lang.t("villages"), lang.number(f.villages as i64)),
        tile(lang.t("members_active"), lang.number(f.members_active as i64)),
        tile(lang.t("savings"), viewer.money(f.savings)),
        tile(lang.t("loans_outstanding"), viewer.money(f.loans_outstanding)),
        tile(lang.t("par30"), f.par30().map_or_else(|| "—".into(), |p| lang.percent(p))),
        tile(lang.t("capital_injected"), viewer.money(f.capital_injected)),
        tile(lang.t("loans_disbursed"), viewer.money(f.loans_disbursed)),
        tile(lang.t("jobs_expected"), jobs_text(lang, f.jobs_expected_fte_hundredths)),
        tile(lang.t("jobs_confirmed"), jobs_text(lang, f.jobs_confirmed_fte_hundredths)),
        tile(lang.t("injected_per_job"), optional_money(viewer, f.injected_per_confirmed_job())),
        tile(lang.t("lent_per_job"), optional_money(viewer, f.lent_per_confirmed_job())),
    ]
    .concat()
}

fn problem_page(viewer: &Viewer, title: &str, problem: &str) -> PageResult {
    let body = format!(r##"<h1>{}</h1><p class="notice error" role="alert">{}</p>"##, esc(title), esc(problem));
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, layout(viewer.lang, Some(&viewer.user), title, &body))
        .into_response())
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ReportQuery>) -> PageResult {
    let lang = viewer.lang;
    let (report, place) = match load(&state, &viewer, &query).await? {
        Ok(loaded) => loaded,
        Err(problem) => return problem_page(&viewer, lang.t("dashboard"), &problem),
    };
    let q = query_string(&place, &report);
    let empty = if report.total.is_empty() {
        format!(r##"<p class="notice" role="status">{}</p>"##, lang.t("no_data"))
    } else {
        String::new()
    };
    let county_rows: String = report
        .by_county
        .iter()
        .map(|(id, name, f)| {
            format!(
                r##"<tr><td><a href="/reports?place={id}&from={from}&to={to}">{name}</a></td><td class="num">{funds}</td><td class="num hide-narrow">{members}</td><td class="num">{capital}</td><td class="num hide-narrow">{lent}</td><td class="num">{expected}</td><td class="num">{confirmed}</td><td class="num hide-narrow">{par30}</td></tr>"##,
                from = JalaliDate::from_iso(report.from),
                to = JalaliDate::from_iso(report.to),
                name = esc(name),
                funds = lang.number(f.funds as i64),
                members = lang.number(f.members_active as i64),
                capital = viewer.amount(f.capital_injected),
                lent = viewer.amount(f.loans_disbursed),
                expected = jobs_text(lang, f.jobs_expected_fte_hundredths),
                confirmed = jobs_text(lang, f.jobs_confirmed_fte_hundredths),
                par30 = f.par30().map_or_else(|| "—".into(), |p| lang.percent(p)),
            )
        })
        .collect();
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
    let body = format!(
        r##"<h1>{title} · {name}</h1>
{form}{empty}
<ul class="figures">{figures}</ul>
<p class="no-print"><a href="/reports/programme?{q}">{programme}</a> · <a href="/reports/league?{q}">{league}</a> · <a href="/reports/export?{q}&format=csv">CSV</a> · <a href="/reports/export?{q}&format=xlsx">XLSX</a> · <a href="/reports/jobs?{q}&status=due">{follow_ups}</a> · <a href="/reports/export?{q}&format=members">{members_xlsx}</a> · <a href="#" data-print>{print}</a></p>
<h2>{by_county}</h2>
<div class="table-wrap"><table><thead><tr><th>{county}</th><th class="num">{funds}</th><th class="num hide-narrow">{members}</th><th class="num">{capital} ({unit})</th><th class="num hide-narrow">{lent} ({unit})</th><th class="num">{expected}</th><th class="num">{confirmed}</th><th class="num hide-narrow">{par30}</th></tr></thead><tbody>{county_rows}</tbody></table></div>
{chart_money}{chart_jobs}{chart_counties}"##,
        title = lang.t("dashboard"),
        name = esc(&report.title),
        form = period_form(lang, "/reports", &place, &query, Some(&report)),
        figures = figures(&viewer, &report.total),
        programme = lang.t("programme_report"),
        league = lang.t("league_table"),
        members_xlsx = lang.t("members_xlsx"),
        follow_ups = lang.t("follow_ups_due"),
        print = lang.t("print"),
        by_county = lang.t("by_county"),
        county = lang.t("county"),
        funds = lang.t("funds"),
        members = lang.t("members_active"),
        capital = lang.t("capital_injected"),
        lent = lang.t("loans_disbursed"),
        unit = viewer.unit_name(),
        expected = lang.t("jobs_expected"),
        confirmed = lang.t("jobs_confirmed"),
        par30 = lang.t("par30"),
        chart_money = bar_chart(lang.t("chart_money_by_month"), &money_bars, &money_format),
        chart_jobs = bar_chart(lang.t("chart_jobs_by_month"), &job_bars, &job_format),
        chart_counties = bar_chart(lang.t("chart_jobs_by_county"), &county_job_bars, &job_format),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("dashboard"), &body).into_response())
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
    let link = |href: String, text: String| format!(r##"<a href="{href}">{text}</a>"##);
    let county_filter =
        place.as_ref().and_then(|p| app::report::county_of(&p.path)).map_or(String::new(), |c| format!("?county={c}"));
    let prose = if lang == Lang::Fa {
        if t.is_empty() {
            app::report::summary_fa(&report)
        } else {
            format!(
                "{title}، از {from} تا {to}: {funds} در {villages} روستا با {members} عضو، {confirmed} ({expected})، با {injected} سرمایهٔ تزریقی و {lent} وام پرداختی؛ {per_job}.",
                title = esc(&report.title),
                from = lang.date(report.from),
                to = lang.date(report.to),
                funds = link(format!("/funds{county_filter}"), format!("{} صندوق", lang.number(t.funds as i64))),
                villages = lang.number(t.villages as i64),
                members = lang.number(t.members as i64),
                confirmed = link(
                    format!("/reports/jobs?{q}&status=confirmed"),
                    format!("{} شغل تأییدشده", jobs_text(lang, t.jobs_confirmed_fte_hundredths))
                ),
                expected = link(
                    format!("/reports/jobs?{q}&status=expected"),
                    format!("{} شغل پیش‌بینی‌شده", jobs_text(lang, t.jobs_expected_fte_hundredths))
                ),
                injected = link("#funds".into(), viewer.money(t.capital_injected)),
                lent = link("#funds".into(), viewer.money(t.loans_disbursed)),
                per_job = match (t.injected_per_confirmed_job(), t.lent_per_confirmed_job()) {
                    (Some(i), Some(l)) =>
                        format!("به ازای هر شغل تأییدشده {} سرمایه و {} وام", viewer.money(i), viewer.money(l)),
                    _ => "هنوز شغلی تأیید نشده است".into(),
                },
            )
        }
    } else {
        format!(
            "{title}, {from} to {to}: {funds} in {villages} villages with {members} members, {confirmed} ({expected}), with {injected} of capital injected and {lent} lent; {per_job}.",
            title = esc(&report.title),
            from = lang.date(report.from),
            to = lang.date(report.to),
            funds = link(format!("/funds{county_filter}"), format!("{} funds", t.funds)),
            villages = t.villages,
            members = t.members,
            confirmed = link(
                format!("/reports/jobs?{q}&status=confirmed"),
                format!("{} jobs confirmed", jobs_text(lang, t.jobs_confirmed_fte_hundredths))
            ),
            expected = link(
                format!("/reports/jobs?{q}&status=expected"),
                format!("{} expected", jobs_text(lang, t.jobs_expected_fte_hundredths))
            ),
            injected = link("#funds".into(), viewer.money(t.capital_injected)),
            lent = link("#funds".into(), viewer.money(t.loans_disbursed)),
            per_job = match (t.injected_per_confirmed_job(), t.lent_per_confirmed_job()) {
                (Some(i), Some(l)) =>
                    format!("{} injected and {} lent per confirmed job", viewer.money(i), viewer.money(l)),
                _ => "no job confirmed yet".into(),
            },
        )
    };
    let fund_rows: String = report
        .funds
        .iter()
        .filter(|f| !f.facts.is_empty())
        .map(|f| {
            format!(
                r##"<tr><td><a href="/funds/{id}">{name}</a></td><td class="num"><a href="/funds/{id}/capital">{capital}</a></td><td class="num"><a href="/funds/{id}/loans">{lent}</a></td><td class="num">{expected}</td><td class="num">{confirmed}</td></tr>"##,
                id = f.fund.id,
                name = esc(&f.fund.name),
                capital = viewer.amount(f.facts.capital_injected),
                lent = viewer.amount(f.facts.loans_disbursed),
                expected = jobs_text(lang, f.facts.jobs_expected_fte_hundredths),
                confirmed = jobs_text(lang, f.facts.jobs_confirmed_fte_hundredths),
            )
        })
        .collect();
    let body = format!(
        r##"<h1>{title}</h1>{form}
<p class="prose">{prose}</p>
<ul class="figures">{figures}</ul>
<p class="no-print"><a href="/reports?{q}">{dashboard}</a> · <a href="/reports/export?{q}&format=csv">CSV</a> · <a href="/reports/export?{q}&format=xlsx">XLSX</a> · <a href="#" data-print>{print}</a></p>
<h2 id="funds">{funds_title}</h2>
<div class="table-wrap"><table><thead><tr><th>{fund}</th><th class="num">{capital} ({unit})</th><th class="num">{lent} ({unit})</th><th class="num">{expected}</th><th class="num">{confirmed}</th></tr></thead><tbody>{fund_rows}</tbody></table></div>"##,
        title = lang.t("programme_report"),
        form = period_form(lang, "/reports/programme", &place, &query, Some(&report)),
        figures = figures(&viewer, t),
        dashboard = lang.t("dashboard"),
        print = lang.t("print"),
        funds_title = lang.t("funds"),
        fund = lang.t("name"),
        capital = lang.t("capital_injected"),
        lent = lang.t("loans_disbursed"),
        unit = viewer.unit_name(),
        expected = lang.t("jobs_expected"),
        confirmed = lang.t("jobs_confirmed"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("programme_report"), &body).into_response())
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
    let rows: String = funds
        .iter()
        .enumerate()
        .map(|(rank, (fund, _, h))| {
            let visit = if h.par30 > 0.1 || h.repayment_rate < 0.8 {
                format!(r##" <span class="badge late">{}</span>"##, lang.t("needs_visit"))
            } else {
                String::new()
            };
            format!(
                r##"<tr><td class="num">{rank}</td><td><a href="/funds/{id}">{name}</a>{visit}</td><td class="hide-narrow">{village}</td><td class="num">{par30}</td><td class="num">{rate}</td><td class="num hide-narrow">{members}</td><td class="num hide-narrow">{loans}</td></tr>"##,
                rank = lang.number(rank as i64 + 1),
                id = fund.id,
                name = esc(&fund.name),
                village = esc(list.places.get(&fund.place_id).map_or("", |p| p.name.as_str())),
                par30 = lang.percent(h.par30),
                rate = lang.percent(h.repayment_rate),
                members = lang.number(i64::from(h.members_active)),
                loans = viewer.amount(h.loans_outstanding),
            )
        })
        .collect();
    let body = format!(
        r##"<h1>{title}{name}</h1><p class="muted">{hint}</p>
<div class="table-wrap"><table><thead><tr><th class="num">#</th><th>{fund}</th><th class="hide-narrow">{village}</th><th class="num">{par30}</th><th class="num">{rate}</th><th class="num hide-narrow">{members}</th><th class="num hide-narrow">{loans} ({unit})</th></tr></thead><tbody>{rows}</tbody></table></div>"##,
        title = lang.t("league_table"),
        name = place.as_ref().map_or(String::new(), |p| format!(" · {}", esc(&p.name))),
        hint = lang.t("league_hint"),
        fund = lang.t("name"),
        village = lang.t("village"),
        par30 = lang.t("par30"),
        rate = lang.t("repayment_rate"),
        members = lang.t("members_active"),
        loans = lang.t("loans_outstanding"),
        unit = viewer.unit_name(),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("league_table"), &body).into_response())
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
    let mut rows = String::new();
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
            rows.push_str(&format!(
                r##"<tr><td><a href="/loans/{loan}">{fund}</a></td><td>{activity}</td><td>{kind}</td><td class="hide-narrow">{hours}</td><td class="hide-narrow">{sex}</td><td>{status}</td><td>{on}</td></tr>"##,
                loan = job.source_id,
                fund = esc(&fund.fund.name),
                kind = job.kind.name_fa(),
                hours = job.hours.name_fa(),
                sex = job.sex.name_fa(),
                status = job.status.name_fa(),
                on = lang.date(job.confirmed_on.unwrap_or(job.expected_on)),
            ));
        }
    }
    let body = format!(
        r##"<h1>{title} · {name}</h1><p class="muted">{total}: {count}</p>
<div class="table-wrap"><table><thead><tr><th>{fund}</th><th>{activity}</th><th>{kind}</th><th class="hide-narrow">{hours}</th><th class="hide-narrow">{sex}</th><th>{status}</th><th>{date}</th></tr></thead><tbody>{rows}</tbody></table></div>"##,
        title = lang.t("jobs"),
        name = esc(&report.title),
        total = lang.t("jobs_fte"),
        count = jobs_text(lang, count),
        fund = lang.t("name"),
        activity = lang.t("activity"),
        kind = lang.t("kind"),
        hours = lang.t("hours"),
        sex = lang.t("sex"),
        status = lang.t("status"),
        date = lang.t("date"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("jobs"), &body).into_response())
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

//! The officer's list of funds (paged, sorted, filtered by county and village) and a fund's home with its figures and who is late.

use super::*;

// ---- the officer's funds ----

#[derive(Deserialize, Default)]
pub(crate) struct FundsQuery {
    pub(crate) county: Option<String>,
    pub(crate) village: Option<String>,
    pub(crate) sort: Option<String>,
    pub(crate) page: Option<String>,
}

/// Rows on one page of the officer's list: a phone shows them without a long wait on a weak link.
pub(crate) const FUNDS_PER_PAGE: usize = 50;

pub(crate) async fn funds_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<FundsQuery>,
) -> PageResult {
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
    let options = |ids: &[i64], selected: Option<i64>| {
        let mut named: Vec<(i64, &str)> = ids.iter().map(|id| (*id, place_name(*id))).collect();
        named.sort_by(|a, b| a.1.cmp(b.1));
        html! { @for (id, name) in named { option value=(id) selected[selected == Some(id)] { (Text(name)) } } }
    };
    let pages = rows.len().div_ceil(FUNDS_PER_PAGE).max(1);
    let page_number = number(&query.page).and_then(|p| usize::try_from(p).ok()).unwrap_or(1).clamp(1, pages);
    // Links keep the filters and the order; sorting starts again at the first page.
    let filters = format!(
        "{}{}",
        county_filter.map_or(String::new(), |c| format!("&county={c}")),
        village_filter.map_or(String::new(), |v| format!("&village={v}"))
    );
    let sort_key = query.sort.as_deref().filter(|s| ["members", "savings", "loans", "par30", "village"].contains(s));
    let sort_link = |key: &str, label: &str| html! { a href={ "/funds?sort=" (key) (filters) } { (label) } };
    let page_link = |to: usize| {
        let sort = sort_key.map_or(String::new(), |s| format!("&sort={s}"));
        format!("/funds?page={to}{sort}{filters}")
    };
    let shown = rows.iter().skip((page_number - 1) * FUNDS_PER_PAGE).take(FUNDS_PER_PAGE);
    let body = html! {
        h1 { (lang.t("funds")) }
        form.search method="get" action="/funds" {
            label.hide-narrow for="county" { (lang.t("county")) }
            select id="county" name="county" { option value="" { (lang.t("all")) } (options(&county_ids, county_filter)) }
            label.hide-narrow for="village" { (lang.t("village")) }
            select id="village" name="village" { option value="" { (lang.t("all")) } (options(&village_ids, village_filter)) }
            button type="submit" { (lang.t("filter")) }
        }
        p.muted { (lang.number(rows.len() as i64)) " " (lang.t("funds_shown")) }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("name")) }
                th.hide-narrow { (sort_link("village", lang.t("village"))) }
                th.num { (sort_link("members", lang.t("members_active"))) }
                th.num.hide-narrow { (sort_link("savings", lang.t("savings"))) " (" (viewer.unit_name()) ")" }
                th.num { (sort_link("loans", lang.t("loans_outstanding"))) " (" (viewer.unit_name()) ")" }
                th.num { (sort_link("par30", lang.t("par30"))) }
            } }
            tbody {
                @for (fund, h) in shown {
                    tr {
                        td { a href={ "/funds/" (fund.id) } { (Text(&fund.name)) } }
                        td.hide-narrow { (Text(place_name(fund.place_id))) }
                        td.num { (lang.number(i64::from(h.members_active))) }
                        td.num.hide-narrow { (viewer.amount(h.savings)) }
                        td.num { (viewer.amount(h.loans_outstanding)) }
                        td.num { (lang.percent(h.par30)) }
                    }
                }
            }
        } }
        (components::pager(lang, page_number, pages, &page_link))
    };
    Ok(page(lang, Some(&viewer.user), lang.t("funds"), body).into_response())
}

// ---- a fund's home ----

pub(crate) async fn fund_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let place = viewer.may(&state, Action::Read, id).await?;
    let lang = viewer.lang;
    let today = crate::today(&state);
    let home = crate::cached_fund_home(&state, id, today).await.map_err(|e| viewer.internal(e))?;
    let (fund, health, late) = (&home.fund, &home.health, &home.late);
    let operate = allows(&viewer.user.grant, Action::Operate, Target { place: &place, fund_id: Some(id) });
    let figure = |label: &str, value: String, late: bool| {
        html! { li class=[late.then_some("late")] { strong { (value) } (label) } }
    };
    let body = html! {
        h1 { (Text(&fund.name)) }
        p.muted { (lang.t("today")) ": " (lang.date(today)) }
        ul.figures {
            (figure(lang.t("cash"), viewer.money(health.cash), false))
            (figure(lang.t("savings"), viewer.money(health.savings), false))
            (figure(lang.t("loans_outstanding"), viewer.money(health.loans_outstanding), false))
            (figure(lang.t("members_active"), lang.number(i64::from(health.members_active)), false))
            (figure(lang.t("par30"), lang.percent(health.par30), health.par30 > 0.0))
            (figure(lang.t("repayment_rate"), lang.percent(health.repayment_rate), false))
        }
        @if operate {
            div.actions {
                a.button href={ "/funds/" (id) "/meeting" } { (lang.t("meeting_sheet")) }
                a.button href={ "/funds/" (id) "/members/new" } { (lang.t("join")) }
            }
        }
        h2 { (lang.t("late_loans")) }
        @if late.is_empty() {
            p.muted { (lang.t("nobody_late")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th { (lang.t("member")) }
                    th.num { (lang.t("days_late")) }
                    th.num { (lang.t("owed_now")) " (" (viewer.unit_name()) ")" }
                } }
                tbody {
                    @for (due, name) in late.iter() {
                        tr {
                            td { a href={ "/members/" (due.member_id) } { (Text(name)) } }
                            td.num { span.badge.late { (lang.number(due.days_past_due)) } }
                            td.num { (viewer.amount(due.due)) }
                        }
                    }
                }
            } }
        }
        p {
            a href={ "/funds/" (id) "/members" } { (lang.t("members")) } " · "
            a href={ "/funds/" (id) "/loans" } { (lang.t("loans")) } " · "
            a href={ "/funds/" (id) "/rules" } { (lang.t("rules")) } " · "
            a href={ "/funds/" (id) "/lottery" } { (lang.t("lottery")) } " · "
            a href={ "/funds/" (id) "/statements" } { (lang.t("statements")) } " · "
            a href={ "/funds/" (id) "/capital" } { (lang.t("capital")) }
        }
    };
    Ok(page(lang, Some(&viewer.user), &fund.name, body).into_response())
}

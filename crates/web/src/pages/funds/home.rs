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

pub(crate) async fn fund_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
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

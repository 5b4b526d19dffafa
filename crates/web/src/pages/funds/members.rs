//! A fund's members: the list with search, the join form, and a member's printable statement.

use super::*;

// ---- members ----

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    pub(crate) q: Option<String>,
}

pub(crate) async fn members_page(
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
pub(crate) struct JoinForm {
    #[serde(default)]
    pub(crate) national_id: String,
    #[serde(default)]
    pub(crate) first_name: String,
    #[serde(default)]
    pub(crate) last_name: String,
    #[serde(default)]
    pub(crate) father_name: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) joined_on: String,
}

pub(crate) fn join_form(lang: Lang, fund_id: i64, form: &JoinForm, errors: &[(&str, String)]) -> String {
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

pub(crate) async fn join_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = app::today_in_iran(state.clock.as_ref());
    let form = JoinForm { joined_on: today.format(viewer.lang.digits()), ..JoinForm::default() };
    let body = join_form(viewer.lang, id, &form, &[]);
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("join"), &body).into_response())
}

pub(crate) async fn join(
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

pub(crate) async fn member_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
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

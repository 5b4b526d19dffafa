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
    let place = viewer.may(&state, Action::Read, id).await?;
    // Only those who may add a member see the way to (an officer or auditor reads the list).
    let operate = allows(&viewer.user.grant, Action::Operate, Target { place: &place, fund_id: Some(id) });
    let lang = viewer.lang;
    let fund = state.store.fund(id).await.map_err(|e| viewer.internal(e))?;
    let q = query.q.unwrap_or_default();
    let members = state.store.find_members(id, Some(&q)).await.map_err(|e| viewer.internal(e))?;
    let body = html! {
        h1 { (lang.t("members")) " · " (Text(&fund.name)) }
        form.search method="get" action={ "/funds/" (id) "/members" } role="search" {
            label.hide-narrow for="q" { (lang.t("search")) }
            input id="q" name="q" value=(Text(&q)) placeholder=(lang.t("search_hint"));
            button type="submit" { (lang.t("search")) }
        }
        @if operate { div.actions { a.button href={ "/funds/" (id) "/members/new" } { (lang.t("join")) } } }
        @if members.is_empty() {
            p.muted { (if q.is_empty() { lang.t("no_members") } else { lang.t("no_results") }) }
        } @else {
            (table(
                &[
                    Column::text(lang.t("name")),
                    Column::with(lang.t("national_id"), "num hide-narrow"),
                    Column::text(lang.t("joined_on")),
                    Column::text(lang.t("status")),
                ],
                html! {
                    @for m in &members {
                        tr {
                            td { a href={ "/members/" (m.id) } { (Text(&m.first_name)) " " (Text(&m.last_name)) } }
                            td.num.hide-narrow { (domain::text::show_digits(&m.national_id, lang.digits())) }
                            td { (lang.date(m.joined_on)) }
                            td { (if m.left_on.is_some() { lang.t("left") } else { lang.t("active") }) }
                        }
                    }
                },
            ))
        }
    };
    Ok(page(lang, Some(&viewer.user), lang.t("members"), body).into_response())
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

pub(crate) fn join_form(lang: Lang, fund_id: i64, form: &JoinForm, errors: &[(&str, String)]) -> Markup {
    html! {
        h1 { (lang.t("join")) }
        @if !errors.is_empty() { (form_problems(lang)) }
        form.stack method="post" action={ "/funds/" (fund_id) "/members/new" } novalidate {
            (Field::new("national_id", lang.t("national_id"), &form.national_id).input(Input::Number).required().errors(errors))
            (Field::new("first_name", lang.t("first_name"), &form.first_name).required().errors(errors))
            (Field::new("last_name", lang.t("last_name"), &form.last_name).required().errors(errors))
            (Field::new("father_name", lang.t("father_name"), &form.father_name).errors(errors))
            (Field::new("phone", lang.t("phone"), &form.phone).input(Input::Phone).errors(errors))
            (Field::new("joined_on", lang.t("joined_on"), &form.joined_on)
                .input(Input::Date).required().hint(lang.t("date_hint")).errors(errors))
            button type="submit" { (lang.t("save")) }
        }
    }
}

pub(crate) async fn join_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = app::today_in_iran(state.clock.as_ref());
    let form = JoinForm { joined_on: today.format(viewer.lang.digits()), ..JoinForm::default() };
    let body = join_form(viewer.lang, id, &form, &[]);
    Ok(page(viewer.lang, Some(&viewer.user), viewer.lang.t("join"), body).into_response())
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
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page(viewer.lang, Some(&viewer.user), viewer.lang.t("join"), body))
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
    let m = &statement.member;
    let body = html! {
        h1 { (lang.t("statement")) ": " (Text(&m.first_name)) " " (Text(&m.last_name)) }
        p.muted {
            (lang.t("national_id")) ": " (domain::text::show_digits(&m.national_id, lang.digits()))
            " · " (lang.t("joined_on")) ": " (lang.date(m.joined_on))
            " · " (lang.t("today")) ": " (lang.date(today))
        }
        div.actions.no-print { button.secondary type="button" data-print { (lang.t("print")) } }
        h2 { (lang.t("savings")) " (" (viewer.unit_name()) ")" }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("month")) }
                th.num { (lang.t("dues")) }
                th.num { (lang.t("deposits")) }
                th.num.hide-narrow { (lang.t("withdrawals")) }
                th.num { (lang.t("balance")) }
                th.num { (lang.t("behind")) }
            } }
            tbody {
                @for month in statement.savings.iter().rev() {
                    tr class=[month.behind.is_positive().then_some("behind")] {
                        td { (month.month.name(lang.digits())) }
                        td.num { (viewer.amount(month.dues)) }
                        td.num { (viewer.amount(month.deposits)) }
                        td.num.hide-narrow { (viewer.amount(month.withdrawals)) }
                        td.num { (viewer.amount(month.balance)) }
                        td.num { (viewer.amount(month.behind)) }
                    }
                }
            }
        } }
        h2 { (lang.t("loans")) " (" (viewer.unit_name()) ")" }
        @for (loan, installments) in &statement.loans {
            h3 { (lang.t("loan")) " " (viewer.money(loan.amount)) " · " (lang.t(loan.status.code())) }
            div.table-wrap { table {
                thead { tr {
                    th.num { (lang.t("installment")) }
                    th { (lang.t("due_on")) }
                    th.num { (lang.t("amount")) }
                    th.num { (lang.t("paid")) }
                    th.num { (lang.t("unpaid")) }
                } }
                tbody {
                    @for i in installments {
                        tr {
                            td.num { (lang.number(i64::from(i.number))) }
                            td { (lang.date(i.due_on)) }
                            td.num { (viewer.amount(Rials::new(i.principal_due.get() + i.fee_due.get() + i.penalty_due.get()))) }
                            td.num { (viewer.amount(Rials::new(i.principal_paid.get() + i.fee_paid.get() + i.penalty_paid.get()))) }
                            td.num { (viewer.amount(i.outstanding())) }
                        }
                    }
                }
            } }
        }
    };
    Ok(page(lang, Some(&viewer.user), lang.t("statement"), body).into_response())
}

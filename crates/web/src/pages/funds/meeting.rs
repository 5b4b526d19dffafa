//! The monthly meeting sheet: every member's savings and installment on one screen, saved in one go.

use super::*;

// ---- the monthly meeting sheet ----

#[derive(Deserialize, Default)]
pub(crate) struct MeetingQuery {
    pub(crate) on: Option<String>,
}

/// One screen with every active member: this month's savings (what they owe by now) and the
/// installment due on their open loan, each prefilled; the treasurer changes what differs and saves
/// once. The form carries a key made when it was drawn, so a second submit posts nothing twice.
pub(crate) async fn meeting_page(
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
    Ok(page(viewer.lang, Some(&viewer.user), viewer.lang.t("meeting_sheet"), body).into_response())
}

pub(crate) async fn meeting_form(
    state: &AppState,
    viewer: &Viewer,
    fund_id: i64,
    on: IsoDate,
    typed: &HashMap<String, String>,
    problem: Option<String>,
) -> Result<Markup, PageError> {
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
    let amount_input = |name: String, default: Rials, label: &str, who: &str| {
        html! {
            input.amount inputmode="numeric" name=(name) value=(Text(&value(name.clone(), default)))
                aria-label={ (label) " " (Text(who)) };
        }
    };
    Ok(html! {
        h1 { (lang.t("meeting_sheet")) " · " (Text(&fund.name)) }
        @if let Some(problem) = &problem { div.notice.error role="alert" { (Text(problem)) } }
        form method="post" action={ "/funds/" (fund_id) "/meeting" } {
            input type="hidden" name="key" value=(Text(&key));
            input type="hidden" name="revision" value=(Text(&revision));
            p { label {
                (lang.t("meeting_date")) " " span.hint { (lang.t("date_hint")) }
                input name="on" value=(Text(&typed.get("on").cloned().unwrap_or_else(|| lang.date(on)))) required;
            } }
            div.table-wrap { table {
                thead { tr {
                    th { (lang.t("member")) }
                    th.num.hide-narrow { (lang.t("behind")) " (" (viewer.unit_name()) ")" }
                    th { (lang.t("savings_paid")) " (" (viewer.unit_name()) ")" }
                    th { (lang.t("installment_paid")) " (" (viewer.unit_name()) ")" }
                } }
                tbody {
                    @for line in &dues_sorted {
                        @let owed = Rials::new(line.month.behind.get().max(line.month.dues.get() - line.month.deposits.get()).max(0));
                        tr class=[line.month.behind.is_positive().then_some("behind")] {
                            td { a href={ "/members/" (line.member_id) } { (Text(&line.name)) } }
                            td.num.hide-narrow { (viewer.amount(line.month.behind)) }
                            td { (amount_input(format!("s{}", line.member_id), owed, lang.t("savings_paid"), &line.name)) }
                            td {
                                @if let Some(loan) = loan_of.get(&line.member_id) {
                                    (amount_input(format!("l{}", loan.loan_id), loan.due, lang.t("installment_paid"), &line.name))
                                }
                            }
                        }
                    }
                }
            } }
            div.actions { button type="submit" { (lang.t("save_sheet")) } }
        }
    })
}

pub(crate) async fn meeting(
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
                (StatusCode::UNPROCESSABLE_ENTITY, page(lang, Some(&viewer.user), lang.t("meeting_sheet"), body))
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
            let body = html! {
                h1 { (lang.t("meeting_sheet")) }
                (notice(Tone::Ok, message))
                p {
                    a href={ "/funds/" (id) } { (lang.t("home")) } " · "
                    a href={ "/funds/" (id) "/meeting" } { (lang.t("meeting_sheet")) }
                }
            };
            Ok(page(lang, Some(&viewer.user), lang.t("meeting_sheet"), body).into_response())
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
            Ok((StatusCode::CONFLICT, page(lang, Some(&viewer.user), lang.t("meeting_sheet"), body)).into_response())
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

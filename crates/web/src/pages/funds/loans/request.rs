//! A loan request on a page: the form, the eligibility answer as it is filled, and the request recorded.

use super::*;

#[derive(Deserialize, Default, Clone)]
pub(crate) struct RequestForm {
    #[serde(default)]
    pub(crate) member_id: String,
    #[serde(default)]
    pub(crate) amount: String,
    #[serde(default)]
    pub(crate) term_months: String,
    #[serde(default)]
    pub(crate) purpose: String,
    #[serde(default)]
    pub(crate) jobs_created: String,
    #[serde(default)]
    pub(crate) jobs_revived: String,
    #[serde(default)]
    pub(crate) guarantor: String,
    #[serde(default)]
    pub(crate) on: String,
}

/// The application a form describes, or each field that is wrong.
pub(crate) fn application_of(
    viewer: &Viewer,
    form: &RequestForm,
    today: IsoDate,
) -> Result<LoanApplication, Vec<(&'static str, String)>> {
    let lang = viewer.lang;
    let mut wrong = Vec::new();
    let whole = |name: &'static str, text: &str, wrong: &mut Vec<(&'static str, String)>| -> u32 {
        let latin = domain::text::to_latin_digits(text.trim());
        if latin.is_empty() {
            return 0;
        }
        latin.parse().unwrap_or_else(|_| {
            wrong.push((name, format!("{}: {text}", lang.t("whole_number"))));
            0
        })
    };
    let member_id = form.member_id.trim().parse::<i64>().unwrap_or_else(|_| {
        wrong.push(("member_id", lang.t("choose_member").to_string()));
        0
    });
    let amount = viewer.parse_amount(&form.amount).unwrap_or_else(|e| {
        wrong.push(("amount", e));
        Rials::ZERO
    });
    let term_months = whole("term_months", &form.term_months, &mut wrong);
    let jobs_created = whole("jobs_created", &form.jobs_created, &mut wrong);
    let jobs_revived = whole("jobs_revived", &form.jobs_revived, &mut wrong);
    let on = match form.on.trim() {
        "" => today,
        text => domain::JalaliDate::parse(text).map(|d| d.to_iso()).unwrap_or_else(|e| {
            wrong.push(("on", crate::pages::date_problem(lang, &e)));
            today
        }),
    };
    let guarantors = match form.guarantor.trim() {
        "" => vec![],
        text => match text.parse::<i64>() {
            Ok(id) => vec![id],
            Err(_) => {
                wrong.push(("guarantor", lang.t("choose_member").to_string()));
                vec![]
            }
        },
    };
    if !wrong.is_empty() {
        return Err(wrong);
    }
    Ok(LoanApplication {
        member_id,
        amount,
        term_months,
        purpose: form.purpose.clone(),
        jobs_created,
        jobs_revived,
        guarantors,
        on,
    })
}

/// The eligibility answer, as the fragment htmx puts under the form.
pub(crate) fn eligibility_html(lang: Lang, refusals: &[domain::fund::Refusal]) -> String {
    if refusals.is_empty() {
        return format!(r#"<p class="notice ok" role="status">{}</p>"#, lang.t("eligible"));
    }
    let items: String = refusals
        .iter()
        .map(|r| {
            let text = match lang {
                Lang::Fa => r.message_fa(),
                Lang::En => r.message_en(),
            };
            format!("<li>{}</li>", esc(&text))
        })
        .collect();
    format!(r#"<div class="notice error" role="alert">{}<ul>{items}</ul></div>"#, lang.t("not_eligible"))
}

pub(crate) async fn request_form(
    state: &AppState,
    viewer: &Viewer,
    fund_id: i64,
    form: &RequestForm,
    errors: &[(&str, String)],
    eligibility: &str,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let members = state.store.members(fund_id).await.map_err(|e| viewer.internal(e))?;
    let options = |selected: &str| -> String {
        members
            .iter()
            .filter(|m| m.left_on.is_none())
            .map(|m| {
                let chosen = if m.id.to_string() == selected { " selected" } else { "" };
                format!(r#"<option value="{}"{chosen}>{} {}</option>"#, m.id, esc(&m.first_name), esc(&m.last_name))
            })
            .collect()
    };
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == name)
            .map_or(String::new(), |(_, e)| format!(r#"<span class="field-error">{}</span>"#, esc(e)))
    };
    let input = |name: &str, label: &str, value: &str, extra: &str| {
        format!(
            r#"<label>{label}<input name="{name}" value="{value}"{extra}>{error}</label>"#,
            value = esc(value),
            error = error_of(name)
        )
    };
    Ok(format!(
        r##"<h1>{title}</h1>
<form class="stack" method="post" action="/funds/{fund_id}/loans/new" hx-post="/funds/{fund_id}/loans/check" hx-trigger="change delay:300ms" hx-target="#eligibility" hx-swap="innerHTML">
<label>{member_label}<select name="member_id" required><option value="">—</option>{members}</select>{member_error}</label>
{amount}{term}{purpose}{created}{revived}
<label>{guarantor_label}<select name="guarantor"><option value="">—</option>{guarantors}</select>{guarantor_error}</label>
{on}
<div id="eligibility" aria-live="polite">{eligibility}</div>
<button type="submit">{submit}</button>
</form>"##,
        title = lang.t("loan_request"),
        member_label = lang.t("member"),
        members = options(&form.member_id),
        member_error = error_of("member_id"),
        amount = input(
            "amount",
            &format!("{} ({})", lang.t("amount"), lang.t("rials")),
            &form.amount,
            r#" class="amount" inputmode="numeric" required"#
        ),
        term = input("term_months", lang.t("term_months"), &form.term_months, r#" inputmode="numeric" required"#),
        purpose = input("purpose", lang.t("purpose"), &form.purpose, ""),
        created = input("jobs_created", lang.t("jobs_created"), &form.jobs_created, r#" inputmode="numeric""#),
        revived = input("jobs_revived", lang.t("jobs_revived"), &form.jobs_revived, r#" inputmode="numeric""#),
        guarantor_label = lang.t("guarantor"),
        guarantors = options(&form.guarantor),
        guarantor_error = error_of("guarantor"),
        on = input("on", lang.t("requested_on"), &form.on, ""),
        submit = lang.t("send_request"),
    ))
}

pub(crate) async fn request_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = app::today_in_iran(state.clock.as_ref());
    let form = RequestForm { on: today.format(viewer.lang.digits()), ..RequestForm::default() };
    let body = request_form(&state, &viewer, id, &form, &[], "").await?;
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan_request"), &body).into_response())
}

/// The eligibility answer for what the form holds so far (htmx), without recording anything.
pub(crate) async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let lang = viewer.lang;
    let fragment = match application_of(&viewer, &form, crate::today(&state)) {
        Err(_) => String::new(),
        Ok(application) => match state.store.check_loan(id, &application).await {
            Ok(refusals) => eligibility_html(lang, &refusals),
            Err(StoreError::NotFound { .. }) => String::new(),
            Err(e) => return Err(viewer.internal(e)),
        },
    };
    Ok(Html(fragment).into_response())
}

pub(crate) async fn request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let lang = viewer.lang;
    let rerender = |errors: Vec<(&'static str, String)>, eligibility: String| {
        let state = state.clone();
        let form = form.clone();
        let viewer = &viewer;
        async move {
            let body = request_form(&state, viewer, id, &form, &errors, &eligibility).await?;
            Ok::<Response, PageError>(
                (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer.user), lang.t("loan_request"), &body))
                    .into_response(),
            )
        }
    };
    let application = match application_of(&viewer, &form, crate::today(&state)) {
        Ok(application) => application,
        Err(errors) => return rerender(errors, String::new()).await,
    };
    let requested =
        app::funds::loans::request(&state.store, state.clock.as_ref(), &viewer.actor(), id, &application).await;
    match requested {
        Ok(loan) => Ok(Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(StoreError::Ineligible(refusals)) => rerender(vec![], eligibility_html(lang, &refusals)).await,
        Err(StoreError::NotFound { .. }) => {
            rerender(vec![("member_id", lang.t("choose_member").to_string())], String::new()).await
        }
        Err(StoreError::Invalid(reason)) => rerender(vec![("amount", reason)], String::new()).await,
        Err(e) => Err(viewer.internal(e)),
    }
}

//! A loan request on a page: the form, the eligibility answer as it is filled, and the request recorded.

use super::*;
use crate::pages::components::{Field, Input};

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
pub(crate) fn eligibility_html(lang: Lang, refusals: &[domain::fund::Refusal]) -> Markup {
    html! {
        @if refusals.is_empty() {
            p.notice.ok role="status" { (lang.t("eligible")) }
        } @else {
            div.notice.error role="alert" {
                (lang.t("not_eligible"))
                ul {
                    @for r in refusals {
                        @let text = match lang {
                            Lang::Fa => r.message_fa(),
                            Lang::En => r.message_en(),
                        };
                        li { (Text(&text)) }
                    }
                }
            }
        }
    }
}

pub(crate) async fn request_form(
    state: &AppState,
    viewer: &Viewer,
    fund_id: i64,
    form: &RequestForm,
    errors: &[(&str, String)],
    eligibility: Markup,
) -> Result<Markup, PageError> {
    let lang = viewer.lang;
    let members = state.store.members(fund_id).await.map_err(|e| viewer.internal(e))?;
    let options = |selected: &str| {
        html! {
            @for m in members.iter().filter(|m| m.left_on.is_none()) {
                option value=(m.id) selected[m.id.to_string() == selected] {
                    (Text(&m.first_name)) " " (Text(&m.last_name))
                }
            }
        }
    };
    let error_of = |name: &str| {
        html! {
            @if let Some((_, error)) = errors.iter().find(|(f, _)| *f == name) { span.field-error { (Text(error)) } }
        }
    };
    // The amount is typed in the reader's unit (rials or tomans), as `application_of` reads it.
    let amount_label = format!("{} ({})", lang.t("amount"), viewer.unit_name());
    Ok(html! {
        h1 { (lang.t("loan_request")) }
        form.stack method="post" action={ "/funds/" (fund_id) "/loans/new" }
            hx-post={ "/funds/" (fund_id) "/loans/check" } hx-trigger="change delay:300ms" hx-target="#eligibility"
            hx-swap="innerHTML" {
            label {
                (lang.t("member"))
                select name="member_id" required { option value="" { "—" } (options(&form.member_id)) }
                (error_of("member_id"))
            }
            (Field::new("amount", &amount_label, &form.amount).input(Input::Money).required().errors(errors))
            (Field::new("term_months", lang.t("term_months"), &form.term_months).input(Input::Number).required().errors(errors))
            (Field::new("purpose", lang.t("purpose"), &form.purpose).errors(errors))
            (Field::new("jobs_created", lang.t("jobs_created"), &form.jobs_created).input(Input::Number).errors(errors))
            (Field::new("jobs_revived", lang.t("jobs_revived"), &form.jobs_revived).input(Input::Number).errors(errors))
            label {
                (lang.t("guarantor"))
                select name="guarantor" { option value="" { "—" } (options(&form.guarantor)) }
                (error_of("guarantor"))
            }
            (Field::new("on", lang.t("requested_on"), &form.on).input(Input::Date).errors(errors))
            div #eligibility aria-live="polite" { (eligibility) }
            button type="submit" { (lang.t("send_request")) }
        }
    })
}

pub(crate) async fn request_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let today = app::today_in_iran(state.clock.as_ref());
    let form = RequestForm { on: today.format(viewer.lang.digits()), ..RequestForm::default() };
    let body = request_form(&state, &viewer, id, &form, &[], html! {}).await?;
    Ok(components::layout(viewer.lang, Some(&viewer.user), viewer.lang.t("loan_request"), body).into_response())
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
        Err(_) => html! {},
        Ok(application) => match state.store.check_loan(id, &application).await {
            Ok(refusals) => eligibility_html(lang, &refusals),
            Err(StoreError::NotFound { .. }) => html! {},
            Err(e) => return Err(viewer.internal(e)),
        },
    };
    Ok(Html(fragment.into_string()).into_response())
}

pub(crate) async fn request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> PageResult {
    viewer.may(&state, Action::Operate, id).await?;
    let lang = viewer.lang;
    let rerender = |errors: Vec<(&'static str, String)>, eligibility: Markup| {
        let state = state.clone();
        let form = form.clone();
        let viewer = &viewer;
        async move {
            let body = request_form(&state, viewer, id, &form, &errors, eligibility).await?;
            let page = components::layout(lang, Some(&viewer.user), lang.t("loan_request"), body);
            Ok::<Response, PageError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    };
    let application = match application_of(&viewer, &form, crate::today(&state)) {
        Ok(application) => application,
        Err(errors) => return rerender(errors, html! {}).await,
    };
    let requested =
        app::funds::loans::request(&state.store, state.clock.as_ref(), &viewer.actor(), id, &application).await;
    match requested {
        Ok(loan) => Ok(Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(StoreError::Ineligible(refusals)) => rerender(vec![], eligibility_html(lang, &refusals)).await,
        Err(StoreError::NotFound { .. }) => {
            rerender(vec![("member_id", lang.t("choose_member").to_string())], html! {}).await
        }
        Err(StoreError::Invalid(reason)) => rerender(vec![("amount", reason)], html! {}).await,
        Err(e) => Err(viewer.internal(e)),
    }
}

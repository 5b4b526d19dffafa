//! A loan's jobs on its page: what was expected, the officer's visits, and a job's description.

use super::*;

/// A job's loan and the fund's place, if the reader may oversee it; otherwise "not found".
pub(crate) async fn job_step(
    state: &AppState,
    viewer: &Viewer,
    job_id: i64,
) -> Result<(Loan, domain::PlacePath), PageError> {
    let (job, _) = app::jobs::job(&state.store, &viewer.user.grant, job_id).await.map_err(|e| viewer.refused(e))?;
    loan_step(state, viewer, job.source_id, Action::Oversee).await
}

/// The jobs a loan promised, with a visit form for an officer above the fund.
pub(crate) async fn jobs_section(
    state: &AppState,
    viewer: &Viewer,
    loan: &Loan,
    place: &domain::PlacePath,
) -> Result<String, PageError> {
    let lang = viewer.lang;
    let jobs = state.store.jobs_of_loan(loan.id).await.map_err(|e| viewer.internal(e))?;
    if jobs.is_empty() {
        return Ok(String::new());
    }
    let oversee = allows(&viewer.user.grant, Action::Oversee, Target { place, fund_id: Some(loan.fund_id) });
    let today = crate::today(state);
    let rows: String = jobs
        .iter()
        .map(|job| {
            let form = if oversee && job.status != domain::jobs::JobStatus::Lost {
                let purpose = if job.status == domain::jobs::JobStatus::Confirmed { "follow_up" } else { "confirmation" };
                format!(
                    r#"<form class="stack no-print" method="post" action="/jobs/{id}/visits"><input type="hidden" name="purpose" value="{purpose}">
<label>{date}<input name="on" value="{today}"></label>
<label>{outcome}<select name="outcome"><option value="working">{working}</option><option value="not_yet">{not_yet}</option><option value="closed">{closed}</option></select></label>
<label>{seen}<input name="seen"></label><label>{insured}<input name="insured_workers" inputmode="numeric" value="0"></label>
<button type="submit">{record}</button></form>"#,
                    id = job.id,
                    date = lang.t("visit_date"),
                    today = lang.date(today),
                    outcome = lang.t("visit_outcome"),
                    working = domain::jobs::VisitOutcome::Working.name_fa(),
                    not_yet = domain::jobs::VisitOutcome::NotYet.name_fa(),
                    closed = domain::jobs::VisitOutcome::Closed.name_fa(),
                    seen = lang.t("visit_seen"),
                    insured = lang.t("insured_workers"),
                    record = lang.t("record_visit"),
                )
            } else {
                String::new()
            };
            let describe = if oversee {
                let options = |all: Vec<(&str, String)>, chosen: &str| -> String {
                    all.iter()
                        .map(|(code, name)| {
                            let mark = if *code == chosen { " selected" } else { "" };
                            format!(r#"<option value="{code}"{mark}>{name}</option>"#)
                        })
                        .collect()
                };
                let activities = domain::jobs::ACTIVITIES
                    .iter()
                    .map(|(code, fa, en)| (*code, if lang == crate::i18n::Lang::Fa { fa.to_string() } else { en.to_string() }))
                    .collect();
                let named = |codes: Vec<(&'static str, &'static str)>| codes.into_iter().map(|(c, n)| (c, n.to_string())).collect();
                format!(
                    r#"<form class="stack no-print" method="post" action="/jobs/{id}/describe">
<label>{activity_label}<select name="activity">{activities}</select></label>
<label>{kind_label}<select name="kind">{kinds}</select></label>
<label>{hours_label}<select name="hours">{hours}</select></label>
<label>{sex_label}<select name="sex">{sexes}</select></label>
<label>{age_label}<select name="age_group">{ages}</select></label>
<button type="submit" class="secondary">{save}</button></form>"#,
                    id = job.id,
                    activity_label = lang.t("activity"),
                    activities = options(activities, &job.activity),
                    kind_label = lang.t("kind"),
                    kinds = options(named(domain::jobs::JobKind::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.kind.code()),
                    hours_label = lang.t("hours"),
                    hours = options(named(domain::jobs::JobHours::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.hours.code()),
                    sex_label = lang.t("sex"),
                    sexes = options(named(domain::jobs::Sex::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.sex.code()),
                    age_label = lang.t("age_group"),
                    ages = options(named(domain::jobs::AgeGroup::ALL.iter().map(|k| (k.code(), k.name_fa())).collect()), job.age_group.code()),
                    save = lang.t("save"),
                )
            } else {
                String::new()
            };
            let form = format!("{form}{describe}");
            format!(
                r#"<tr><td>{kind}</td><td>{hours}</td><td>{status}</td><td>{on}</td><td>{form}</td></tr>"#,
                kind = job.kind.name_fa(),
                hours = job.hours.name_fa(),
                status = job.status.name_fa(),
                on = lang.date(job.confirmed_on.or(job.lost_on).unwrap_or(job.expected_on)),
            )
        })
        .collect();
    Ok(format!(
        r#"<h2>{title}</h2><div class="table-wrap"><table><thead><tr><th>{kind}</th><th>{hours}</th><th>{status}</th><th>{date}</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        title = lang.t("jobs"),
        kind = lang.t("kind"),
        hours = lang.t("hours"),
        status = lang.t("status"),
        date = lang.t("date"),
    ))
}

#[derive(Deserialize)]
pub(crate) struct VisitForm {
    #[serde(default)]
    pub(crate) purpose: String,
    #[serde(default)]
    pub(crate) on: String,
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) seen: String,
    #[serde(default)]
    pub(crate) insured_workers: String,
}

/// An officer records a visit to a job: confirmed once, followed up, or lost; refused with the reason.
pub(crate) async fn record_visit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job_id): Path<i64>,
    Form(form): Form<VisitForm>,
) -> PageResult {
    let (loan, place) = job_step(&state, &viewer, job_id).await?;
    let lang = viewer.lang;
    let refuse = |problem: String| loan_refused(&state, &viewer, &loan, &place, problem);
    let on = match day_of(&state, lang, &form.on) {
        Ok(on) => on,
        Err(e) => return refuse(e.to_string()).await,
    };
    let (Some(purpose), Some(outcome)) =
        (domain::jobs::VisitPurpose::parse(&form.purpose), domain::jobs::VisitOutcome::parse(&form.outcome))
    else {
        return refuse(lang.t("visit_outcome").to_string()).await;
    };
    let visit = app::model::Visit {
        on,
        purpose,
        outcome,
        visitor: viewer.user.display_name.clone(),
        seen: form.seen.clone(),
        insured_workers: domain::text::to_latin_digits(form.insured_workers.trim()).parse().unwrap_or(0),
    };
    let visited = app::jobs::visit(&state.store, state.clock.as_ref(), &viewer.actor(), job_id, &visit).await;
    match visited {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(StoreError::JobRefused(refusal)) => {
            refuse(if lang == crate::i18n::Lang::Fa { refusal.message_fa() } else { refusal.to_string() }).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

#[derive(Deserialize)]
pub(crate) struct DescribeForm {
    #[serde(default)]
    pub(crate) activity: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) hours: String,
    #[serde(default)]
    pub(crate) sex: String,
    #[serde(default)]
    pub(crate) age_group: String,
}

/// An officer says what a job is: activity, created or revived, hours, the person's sex and age group.
pub(crate) async fn describe_job(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job_id): Path<i64>,
    Form(form): Form<DescribeForm>,
) -> PageResult {
    use domain::jobs::{AgeGroup, JobHours, JobKind, Sex};
    let (loan, place) = job_step(&state, &viewer, job_id).await?;
    let lang = viewer.lang;
    let parsed = (
        JobKind::parse(&form.kind),
        JobHours::parse(&form.hours),
        Sex::parse(&form.sex),
        AgeGroup::parse(&form.age_group),
    );
    let (Some(kind), Some(hours), Some(sex), Some(age_group)) = parsed else {
        return loan_refused(&state, &viewer, &loan, &place, lang.t("fix_errors").to_string()).await;
    };
    let description = app::model::JobSpec { activity: form.activity.clone(), kind, hours, sex, age_group, count: 1 };
    let described =
        app::jobs::describe(&state.store, state.clock.as_ref(), &viewer.actor(), job_id, &description).await;
    match described {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/loans/{}", loan.id)).into_response()),
        Err(e @ StoreError::Invalid(_)) => {
            loan_refused(&state, &viewer, &loan, &place, crate::pages::store_problem(lang, &e)).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

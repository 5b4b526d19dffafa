//! A loan's jobs on its page: what was expected, the officer's visits, and a job's description.

use super::*;
use crate::pages::components::Column;

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
) -> Result<Markup, PageError> {
    use domain::jobs::{AgeGroup, JobHours, JobKind, JobStatus, Sex, VisitOutcome};
    let lang = viewer.lang;
    let jobs = state.store.jobs_of_loan(loan.id).await.map_err(|e| viewer.internal(e))?;
    if jobs.is_empty() {
        return Ok(html! {});
    }
    let oversee = allows(&viewer.user.grant, Action::Oversee, Target { place, fund_id: Some(loan.fund_id) });
    let today = crate::today(state);
    let activities: Vec<(&str, &str)> = domain::jobs::ACTIVITIES
        .iter()
        .map(|(code, fa, en)| (*code, if lang == crate::i18n::Lang::Fa { *fa } else { *en }))
        .collect();
    let kinds: Vec<(&str, &str)> = JobKind::ALL.iter().map(|k| (k.code(), k.name_fa())).collect();
    let hours: Vec<(&str, &str)> = JobHours::ALL.iter().map(|k| (k.code(), k.name_fa())).collect();
    let sexes: Vec<(&str, &str)> = Sex::ALL.iter().map(|k| (k.code(), k.name_fa())).collect();
    let ages: Vec<(&str, &str)> = AgeGroup::ALL.iter().map(|k| (k.code(), k.name_fa())).collect();
    let head = [
        Column::text(lang.t("kind")),
        Column::text(lang.t("hours")),
        Column::text(lang.t("status")),
        Column::text(lang.t("date")),
        Column::text(""),
    ];
    let rows = html! {
        @for job in &jobs {
            tr {
                td { (job.kind.name_fa()) }
                td { (job.hours.name_fa()) }
                td { (job.status.name_fa()) }
                td { (lang.date(job.confirmed_on.or(job.lost_on).unwrap_or(job.expected_on))) }
                td {
                    @if oversee && job.status != JobStatus::Lost {
                        @let purpose = if job.status == JobStatus::Confirmed { "follow_up" } else { "confirmation" };
                        form.stack.no-print method="post" action={ "/jobs/" (job.id) "/visits" } {
                            input type="hidden" name="purpose" value=(purpose);
                            label { (lang.t("visit_date")) input name="on" value=(lang.date(today)); }
                            label {
                                (lang.t("visit_outcome"))
                                select name="outcome" {
                                    option value="working" { (VisitOutcome::Working.name_fa()) }
                                    option value="not_yet" { (VisitOutcome::NotYet.name_fa()) }
                                    option value="closed" { (VisitOutcome::Closed.name_fa()) }
                                }
                            }
                            label { (lang.t("visit_seen")) input name="seen"; }
                            label {
                                (lang.t("insured_workers")) input name="insured_workers" inputmode="numeric" value="0";
                            }
                            button type="submit" { (lang.t("record_visit")) }
                        }
                    }
                    @if oversee {
                        form.stack.no-print method="post" action={ "/jobs/" (job.id) "/describe" } {
                            label {
                                (lang.t("activity")) select name="activity" { (choices(&activities, &job.activity)) }
                            }
                            label { (lang.t("kind")) select name="kind" { (choices(&kinds, job.kind.code())) } }
                            label { (lang.t("hours")) select name="hours" { (choices(&hours, job.hours.code())) } }
                            label { (lang.t("sex")) select name="sex" { (choices(&sexes, job.sex.code())) } }
                            label {
                                (lang.t("age_group")) select name="age_group" { (choices(&ages, job.age_group.code())) }
                            }
                            button type="submit" class="secondary" { (lang.t("save")) }
                        }
                    }
                }
            }
        }
    };
    Ok(html! {
        h2 { (lang.t("jobs")) }
        (components::table(&head, rows))
    })
}

/// The options of a list, by code and name, the chosen one selected.
fn choices(all: &[(&str, &str)], chosen: &str) -> Markup {
    html! { @for (code, name) in all { option value=(code) selected[*code == chosen] { (name) } } }
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

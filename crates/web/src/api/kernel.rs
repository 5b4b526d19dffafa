//! The API's shared routes: signing in and out, the caller, passwords, users, jobs, the programme report and the audit trail.

use super::*;

// ---- signing in ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignInBody {
    pub(crate) username: String,
    pub(crate) password: String,
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Body(body): Body<SignInBody>,
) -> ApiResult<Json<Value>> {
    let signed = auth::sign_in(
        &state.store,
        state.clock.as_ref(),
        &body.username,
        &body.password,
        &address,
        SessionKind::ApiToken,
    )
    .await?;
    Ok(Json(json!({ "token": signed.secret, "user": user_json(&signed.user) })))
}

pub(crate) fn user_json(user: &User) -> Value {
    let (place, fund) = match &user.grant.scope {
        domain::access::Scope::Place(p) => (Some(p.as_str().to_string()), None),
        domain::access::Scope::Fund { fund_id, place } => (Some(place.as_str().to_string()), Some(*fund_id)),
        _ => (None, None),
    };
    json!({
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.grant.role.code(),
        "place_path": place,
        "fund_id": fund,
        "language": user.language,
    })
}

pub(crate) async fn sign_out(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    auth::sign_out(&state.store, state.clock.as_ref(), &caller.actor(), &caller.user, &caller.secret).await?;
    state.sessions.forget();
    Ok(Json(json!({ "signed_out": true })))
}

pub(crate) async fn me(caller: Caller) -> Json<Value> {
    Json(user_json(&caller.user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordBody {
    pub(crate) current_password: String,
    pub(crate) new_password: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<PasswordBody>,
) -> ApiResult<Json<Value>> {
    let clock = state.clock.as_ref();
    let (current, new) = (&body.current_password, &body.new_password);
    auth::change_own_password(&state.store, clock, &caller.actor(), &caller.user, current, new, &caller.secret).await?;
    state.sessions.forget();
    Ok(Json(json!({ "changed": true })))
}

pub(crate) async fn users_list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let under = domain::access::users_listed_by(&caller.user.grant)
        .ok_or(ApiError::Store(app::model::StoreError::NotFound { what: "route", id: 0 }))?;
    let users = state.store.users().await?;
    let listed: Vec<Value> = users
        .iter()
        .filter(|u| domain::access::grant_within(&u.grant, under.as_ref()))
        .map(|u| {
            let mut json = user_json(u);
            json["disabled"] = json!(u.disabled);
            json
        })
        .collect();
    Ok(Json(json!({ "users": listed })))
}

pub(crate) fn job_json(job: &app::model::Job) -> Value {
    json!({
        "id": job.id,
        "source": job.source.code(),
        "source_id": job.source_id,
        "fund_id": job.fund_id,
        "activity": job.activity,
        "kind": job.kind.code(),
        "hours": job.hours.code(),
        "fte": domain::report::fte_number(job.hours.fte_hundredths()),
        "sex": job.sex.code(),
        "age_group": job.age_group.code(),
        "status": job.status.code(),
        "expected_on": day_json(job.expected_on),
        "confirmed_on": job.confirmed_on.map(day_json),
        "lost_on": job.lost_on.map(day_json),
    })
}

pub(crate) async fn loan_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    caller.may_on_loan(&state, Action::Read, id).await?;
    let jobs = state.store.jobs_of_loan(id).await?;
    Ok(Json(json!({ "loan_id": id, "jobs": jobs.iter().map(job_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitBody {
    pub(crate) on: Day,
    pub(crate) purpose: String,
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) seen: String,
    #[serde(default)]
    pub(crate) insured_workers: u32,
}

pub(crate) async fn job_visit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<VisitBody>,
) -> ApiResult<Json<Value>> {
    app::jobs::job(&state.store, &caller.user.grant, id).await?;
    let purpose = domain::jobs::VisitPurpose::parse(&body.purpose)
        .ok_or_else(|| ApiError::field("purpose", "confirmation or follow_up"))?;
    let outcome = domain::jobs::VisitOutcome::parse(&body.outcome)
        .ok_or_else(|| ApiError::field("outcome", "working, not_yet or closed"))?;
    let visit = app::model::Visit {
        on: body.on.0,
        purpose,
        outcome,
        visitor: caller.actor().name,
        seen: body.seen,
        insured_workers: body.insured_workers,
    };
    let job = app::jobs::visit(&state.store, state.clock.as_ref(), &caller.actor(), id, &visit).await?;
    Ok(Json(json!({ "job": job_json(&job) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DescriptionBody {
    pub(crate) activity: String,
    pub(crate) kind: String,
    pub(crate) hours: String,
    pub(crate) sex: String,
    pub(crate) age_group: String,
}

pub(crate) async fn describe_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<DescriptionBody>,
) -> ApiResult<Json<Value>> {
    use domain::jobs::{AgeGroup, JobHours, JobKind, Sex};
    app::jobs::job(&state.store, &caller.user.grant, id).await?;
    let mut wrong = Vec::new();
    let kind = JobKind::parse(&body.kind).or_else(|| {
        wrong.push(("kind", "created or revived".to_string()));
        None
    });
    let hours = JobHours::parse(&body.hours).or_else(|| {
        wrong.push(("hours", "full_time or part_time".to_string()));
        None
    });
    let sex = Sex::parse(&body.sex).or_else(|| {
        wrong.push(("sex", "female, male or unknown".to_string()));
        None
    });
    let age_group = AgeGroup::parse(&body.age_group).or_else(|| {
        wrong.push(("age_group", "under_25, 25_44, 45_plus or unknown".to_string()));
        None
    });
    let (Some(kind), Some(hours), Some(sex), Some(age_group)) = (kind, hours, sex, age_group) else {
        return Err(ApiError::fields(wrong));
    };
    let description = app::model::JobSpec { activity: body.activity, kind, hours, sex, age_group, count: 1 };
    let job = app::jobs::describe(&state.store, state.clock.as_ref(), &caller.actor(), id, &description).await?;
    Ok(Json(json!({ "job": job_json(&job) })))
}

#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    pub(crate) place: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
}

pub(crate) async fn programme_report(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ReportQuery>,
) -> ApiResult<Json<Value>> {
    let asked: Option<i64> = match query.place.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => {
            Some(domain::text::to_latin_digits(text).parse().map_err(|_| ApiError::field("place", "a place id"))?)
        }
        None => None,
    };
    let scope = match app::report::place_for(&state.store, &caller.user.grant, asked).await? {
        Some(place) => app::report::ReportScope::Place(place.id),
        None => app::report::ReportScope::Installation,
    };
    let now = today(&state);
    let day = |field: &'static str, text: &Option<String>, default: domain::IsoDate| match text.as_deref() {
        None | Some("") => Ok(default),
        Some(text) => domain::JalaliDate::parse(text).map(|d| d.to_iso()).map_err(|e| ApiError::field(field, e)),
    };
    let (year_start, now) = app::report::this_year_so_far(now);
    let (from, to) = (day("from", &query.from, year_start)?, day("to", &query.to, now)?);
    let report = app::report::programme_report(&state.store, &scope, from, to, now).await?;
    Ok(Json(crate::json::report_json(&report)))
}

// ---- the audit trail ----

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    pub(crate) username: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) limit: Option<u32>,
}

/// The audit trail of the caller's scope, for auditors and administrators.
pub(crate) async fn audit_trail(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let under = match (&caller.user.grant.role, &caller.user.grant.scope) {
        (Role::Administrator, _) => None,
        (Role::Auditor, domain::access::Scope::Place(place)) => Some(place.clone()),
        _ => return Err(ApiError::NotFound("page")),
    };
    let records = state
        .store
        .audit_log(&app::model::AuditFilter {
            under,
            username: query.username,
            action_prefix: query.action,
            from_ms: None,
            until_ms: None,
            limit: query.limit.unwrap_or(100),
        })
        .await?;
    Ok(Json(json!({
        "records": records.iter().map(|r| json!({
            "at_ms": r.at_ms,
            "username": r.username,
            "address": r.address,
            "action": r.action,
            "object": r.object_ref,
            "place_path": r.place_path,
            "before": serde_json::from_str::<Value>(&r.before_state).unwrap_or(Value::Null),
            "after": serde_json::from_str::<Value>(&r.after_state).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    })))
}

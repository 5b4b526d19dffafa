//! Jobs, whichever programme made them: a visit that confirms or follows one up, and a job's
//! description corrected by an officer. Each a command through the one door.

use crate::kernel::access;
use crate::kernel::snapshot::Snapshot;
use crate::{Actor, Audited, Clock, command};
use domain::access::Action;
use store::{Job, JobSpec, Store, StoreError, StoreResult, StoreTx, Visit};

/// A job as its audit record keeps it.
pub fn snapshot(job: &Job) -> Snapshot {
    Snapshot::new()
        .int("id", job.id)
        .text("source", job.source.code())
        .int("source_id", job.source_id)
        .opt_int("fund_id", job.fund_id)
        .text("activity", &job.activity)
        .text("kind", job.kind.code())
        .text("hours", job.hours.code())
        .decimal("fte", job.hours.fte_hundredths(), 2)
        .text("sex", job.sex.code())
        .text("age_group", job.age_group.code())
        .text("status", job.status.code())
        .day("expected_on", job.expected_on)
        .opt_day("confirmed_on", job.confirmed_on)
        .opt_day("lost_on", job.lost_on)
}

/// The job and its place, if the actor may oversee where it was made (its fund, or its place).
async fn job_in(tx: &mut StoreTx, actor: &Actor, job_id: i64) -> StoreResult<(Job, domain::PlacePath)> {
    let job = tx.job(job_id).await?;
    let place = match job.fund_id {
        Some(fund_id) => access::fund_in(tx, actor, Action::Oversee, fund_id).await,
        None => access::place_in(tx, actor, Action::Oversee, job.place_id).await.map(|p| p.path),
    };
    let place = place.map_err(|e| match e {
        StoreError::NotFound { .. } => StoreError::NotFound { what: "job", id: job_id },
        other => other,
    })?;
    Ok((job, place))
}

/// Records a visit to a job, by the actor: it confirms the job, follows it up, or finds it lost.
pub async fn visit(store: &Store, clock: &dyn Clock, actor: &Actor, job_id: i64, visit: &Visit) -> StoreResult<Job> {
    let today = crate::today_in_iran(clock).to_iso();
    command(store, clock, actor, "job.visit", async |tx| {
        let (before, place) = job_in(tx, actor, job_id).await?;
        let visit = Visit { visitor: actor.name.clone(), ..visit.clone() };
        let job = tx.record_visit(job_id, &visit, today, clock.now_ms()).await?;
        Ok((job.clone(), Some(Audited::new(format!("job:{job_id}"), &place, snapshot(&before), snapshot(&job)))))
    })
    .await
}

/// Corrects what a job is (activity, kind, hours, who holds it).
pub async fn describe(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    job_id: i64,
    description: &JobSpec,
) -> StoreResult<Job> {
    command(store, clock, actor, "job.describe", async |tx| {
        let (before, place) = job_in(tx, actor, job_id).await?;
        let job = tx.describe_job(job_id, description).await?;
        Ok((job.clone(), Some(Audited::new(format!("job:{job_id}"), &place, snapshot(&before), snapshot(&job)))))
    })
    .await
}

/// A job readable by `grant` (an officer's, auditor's or administrator's).
pub async fn job(store: &Store, grant: &domain::access::Grant, job_id: i64) -> StoreResult<(Job, domain::PlacePath)> {
    let job = store.job(job_id).await?;
    let place = match job.fund_id {
        Some(fund_id) => access::fund(store, grant, Action::Read, fund_id).await,
        None => access::place(store, grant, Action::Read, job.place_id).await.map(|p| p.path),
    };
    let place = place.map_err(|e| match e {
        StoreError::NotFound { .. } => StoreError::NotFound { what: "job", id: job_id },
        other => other,
    })?;
    Ok((job, place))
}

//! Jobs and their visits (schema 11). A job belongs to its source (a fund loan now; the other
//! programmes later), a place and an activity; a visit confirms it, follows it up or records it lost.

use crate::tx::{read_on_both, write_on_both};
use crate::{Store, StoreError, StoreResult, StoreTx};
use domain::IsoDate;
use domain::jobs::{AgeGroup, JobHours, JobKind, JobSource, JobState, JobStatus, Sex, VisitOutcome, VisitPurpose};
use sqlx::Row;

/// Jobs of one description promised by a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    /// One of `domain::jobs::ACTIVITIES`.
    pub activity: String,
    pub kind: JobKind,
    pub hours: JobHours,
    pub sex: Sex,
    pub age_group: AgeGroup,
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub source: JobSource,
    pub source_id: i64,
    pub fund_id: Option<i64>,
    pub place_id: i64,
    pub activity: String,
    pub kind: JobKind,
    pub hours: JobHours,
    pub sex: Sex,
    pub age_group: AgeGroup,
    pub status: JobStatus,
    pub expected_on: IsoDate,
    pub confirmed_on: Option<IsoDate>,
    pub lost_on: Option<IsoDate>,
}

/// A visit to a job, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub on: IsoDate,
    pub purpose: VisitPurpose,
    pub outcome: VisitOutcome,
    /// Who visited.
    pub visitor: String,
    /// What they saw.
    pub seen: String,
    pub insured_workers: u32,
}

const JOB_COLUMNS: &str = "id, source_kind, source_id, fund_id, place_id, activity, kind, hours, sex, age_group, status, \
     expected_on, confirmed_on, lost_on";

fn corrupt(what: &str, value: &str) -> StoreError {
    crate::books::corrupt(what, value)
}

fn day(text: &str) -> StoreResult<IsoDate> {
    IsoDate::parse_iso(text).map_err(|_| corrupt("date", text))
}

fn job_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Job> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let optional_day = |column: &str| -> StoreResult<Option<IsoDate>> {
        row.try_get::<Option<String>, _>(column)?.as_deref().map(day).transpose()
    };
    let parse = |column: &str| -> StoreResult<String> { Ok(text(column)?) };
    Ok(Job {
        id: row.try_get("id")?,
        source: JobSource::parse(&parse("source_kind")?).ok_or_else(|| corrupt("job source", "?"))?,
        source_id: row.try_get("source_id")?,
        fund_id: row.try_get("fund_id")?,
        place_id: row.try_get("place_id")?,
        activity: text("activity")?,
        kind: JobKind::parse(&parse("kind")?).ok_or_else(|| corrupt("job kind", "?"))?,
        hours: JobHours::parse(&parse("hours")?).ok_or_else(|| corrupt("job hours", "?"))?,
        sex: Sex::parse(&parse("sex")?).ok_or_else(|| corrupt("sex", "?"))?,
        age_group: AgeGroup::parse(&parse("age_group")?).ok_or_else(|| corrupt("age group", "?"))?,
        status: JobStatus::parse(&parse("status")?).ok_or_else(|| corrupt("job status", "?"))?,
        expected_on: day(&text("expected_on")?)?,
        confirmed_on: optional_day("confirmed_on")?,
        lost_on: optional_day("lost_on")?,
    })
}

impl Store {
    /// Records the jobs an approved fund loan promises, as expected from `on`. Refused for a loan that
    /// was never approved (still a request, or refused).
    pub(crate) async fn expect_jobs_of_loan_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        specs: &[JobSpec],
        on: IsoDate,
        now_ms: i64,
    ) -> StoreResult<Vec<i64>> {
        let loan = tx.loan(loan_id).await?;
        if loan.status == crate::LoanStatus::Requested {
            return Err(StoreError::JobRefused(domain::jobs::JobRefusal::LoanNotApproved(loan.status.code())));
        }
        let place_id: i64 = sqlx::query_scalar("SELECT place_id FROM members WHERE id = $1")
            .bind(loan.member_id)
            .fetch_one(tx.conn())
            .await?;
        for spec in specs {
            if domain::jobs::activity(&spec.activity).is_none() {
                return Err(StoreError::Invalid(format!(
                    "{:?} is not an activity: one of {}",
                    spec.activity,
                    domain::jobs::ACTIVITIES.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let mut ids = Vec::new();
        for spec in specs {
            for _ in 0..spec.count {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO jobs (source_kind, source_id, fund_id, place_id, activity, kind, hours, fte_hundredths, \
                     sex, age_group, status, expected_on, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'expected', $11, $12) RETURNING id",
                )
                .bind(JobSource::FundLoan.code())
                .bind(loan.id)
                .bind(loan.fund_id)
                .bind(place_id)
                .bind(spec.activity.trim().to_ascii_lowercase())
                .bind(spec.kind.code())
                .bind(spec.hours.code())
                .bind(spec.hours.fte_hundredths())
                .bind(spec.sex.code())
                .bind(spec.age_group.code())
                .bind(on.to_string())
                .bind(now_ms)
                .fetch_one(tx.conn())
                .await?;
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The jobs of a fund (all funds with `None`), oldest first.
    pub async fn jobs_of_fund(&self, fund_id: i64) -> StoreResult<Vec<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE fund_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(fund_id).fetch_all(&self.pool).await?;
        rows.iter().map(job_from_row).collect()
    }

    /// The jobs counted on a loan's request (created and revived), recorded as expected once the loan
    /// is approved — unless its jobs were already recorded. Full time, activity and person unknown
    /// until an officer's visit says more.
    pub(crate) async fn expect_requested_jobs_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        on: IsoDate,
        now_ms: i64,
    ) -> StoreResult<Vec<i64>> {
        if !tx.jobs_of_loan(loan_id).await?.is_empty() {
            return Ok(Vec::new());
        }
        let row = sqlx::query("SELECT jobs_created, jobs_revived FROM loans WHERE id = $1")
            .bind(loan_id)
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound { what: "loan", id: loan_id })?;
        let count =
            |column: &str| -> StoreResult<u32> { Ok(u32::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0)) };
        let spec = |kind: JobKind, count: u32| JobSpec {
            activity: "other".into(),
            kind,
            hours: JobHours::FullTime,
            sex: Sex::Unknown,
            age_group: AgeGroup::Unknown,
            count,
        };
        let specs = [spec(JobKind::Created, count("jobs_created")?), spec(JobKind::Revived, count("jobs_revived")?)];
        let specs: Vec<JobSpec> = specs.into_iter().filter(|s| s.count > 0).collect();
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        self.expect_jobs_of_loan_in(tx, loan_id, &specs, on, now_ms).await
    }

    /// Confirmed jobs of the funds at or under a place whose follow-up (at 6 or 12 months after
    /// confirmation, `domain::jobs::follow_ups`) has fallen due by `today` without a follow-up visit.
    pub async fn jobs_due_for_follow_up(
        &self,
        under: Option<&domain::PlacePath>,
        today: IsoDate,
    ) -> StoreResult<Vec<Job>> {
        let columns = JOB_COLUMNS.split(", ").map(|c| format!("j.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, (SELECT COUNT(*) FROM job_visits v WHERE v.job_id = j.id AND v.purpose = 'follow_up') AS follow_ups \
             FROM jobs j JOIN places p ON p.id = j.place_id WHERE j.status = 'confirmed' AND p.path LIKE $1 ORDER BY j.confirmed_on, j.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(format!("{}%", under.map_or("/", domain::PlacePath::as_str)))
            .fetch_all(&self.pool)
            .await?;
        let mut due = Vec::new();
        for row in &rows {
            let job = job_from_row(row)?;
            let done = usize::try_from(row.try_get::<i64, _>("follow_ups")?).unwrap_or(0);
            if let Some(confirmed) = job.confirmed_on {
                let owed = domain::jobs::follow_ups(confirmed).iter().filter(|d| **d <= today).count();
                if owed > done {
                    due.push(job);
                }
            }
        }
        Ok(due)
    }

    /// Says what a job is (activity, hours, the person's sex and age group), as an officer learns it —
    /// often at the confirmation visit. Its standing (expected, confirmed, lost) is not touched.
    pub(crate) async fn describe_job_in(
        &self,
        tx: &mut StoreTx,
        job_id: i64,
        description: &JobSpec,
    ) -> StoreResult<Job> {
        let activity = domain::jobs::activity(&description.activity).ok_or_else(|| {
            StoreError::Invalid(format!(
                "{:?} is not an activity: one of {}",
                description.activity,
                domain::jobs::ACTIVITIES.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let changed = sqlx::query(
            "UPDATE jobs SET activity = $1, kind = $2, hours = $3, fte_hundredths = $4, sex = $5, age_group = $6 WHERE id = $7",
        )
        .bind(activity)
        .bind(description.kind.code())
        .bind(description.hours.code())
        .bind(description.hours.fte_hundredths())
        .bind(description.sex.code())
        .bind(description.age_group.code())
        .bind(job_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound { what: "job", id: job_id });
        }
        tx.job(job_id).await
    }

    /// Records a visit and what it does to the job (`domain::jobs::visit`): confirmed once, followed
    /// up, or lost. Refused with the reason, and nothing written, when the visit does not fit.
    pub(crate) async fn record_visit_in(
        &self,
        tx: &mut StoreTx,
        job_id: i64,
        visit: &Visit,
        today: IsoDate,
        now_ms: i64,
    ) -> StoreResult<Job> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job_id)
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound { what: "job", id: job_id })?;
        let job = job_from_row(&row)?;
        let paid_out_on = match job.source {
            JobSource::FundLoan => {
                let paid: Option<String> = sqlx::query_scalar("SELECT disbursed_on FROM loans WHERE id = $1")
                    .bind(job.source_id)
                    .fetch_one(tx.conn())
                    .await?;
                paid.as_deref().map(day).transpose()?
            }
            _ => Some(job.expected_on),
        };
        let state = JobState { status: job.status, confirmed_on: job.confirmed_on, lost_on: job.lost_on, paid_out_on };
        let status = domain::jobs::visit(&state, visit.on, today, visit.purpose, visit.outcome)
            .map_err(StoreError::JobRefused)?;
        sqlx::query(
            "INSERT INTO job_visits (job_id, visited_on, purpose, outcome, visitor, seen, insured_workers, recorded_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(job_id)
        .bind(visit.on.to_string())
        .bind(visit.purpose.code())
        .bind(visit.outcome.code())
        .bind(domain::text::normalize_text(&visit.visitor))
        .bind(domain::text::normalize_text(&visit.seen))
        .bind(i64::from(visit.insured_workers))
        .bind(now_ms)
        .execute(tx.conn())
        .await?;
        let on = visit.on.to_string();
        match (job.status, status) {
            (JobStatus::Expected, JobStatus::Confirmed) => {
                sqlx::query("UPDATE jobs SET status = 'confirmed', confirmed_on = $1 WHERE id = $2")
                    .bind(&on)
                    .bind(job_id)
                    .execute(tx.conn())
                    .await?;
            }
            (_, JobStatus::Lost) => {
                sqlx::query("UPDATE jobs SET status = 'lost', lost_on = $1 WHERE id = $2")
                    .bind(&on)
                    .bind(job_id)
                    .execute(tx.conn())
                    .await?;
            }
            _ => {}
        }
        tx.job(job_id).await
    }

    /// A job's visits, oldest first.
    pub async fn visits(&self, job_id: i64) -> StoreResult<Vec<Visit>> {
        let rows = sqlx::query(
            "SELECT visited_on, purpose, outcome, visitor, seen, insured_workers FROM job_visits WHERE job_id = $1 ORDER BY id",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let purpose: String = row.try_get("purpose")?;
                let outcome: String = row.try_get("outcome")?;
                Ok(Visit {
                    on: day(&row.try_get::<String, _>("visited_on")?)?,
                    purpose: VisitPurpose::parse(&purpose).ok_or_else(|| corrupt("visit purpose", &purpose))?,
                    outcome: VisitOutcome::parse(&outcome).ok_or_else(|| corrupt("visit outcome", &outcome))?,
                    visitor: row.try_get("visitor")?,
                    seen: row.try_get("seen")?,
                    insured_workers: u32::try_from(row.try_get::<i64, _>("insured_workers")?).unwrap_or(0),
                })
            })
            .collect()
    }
}

pub(crate) async fn job_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<Job> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "job", id })?;
    job_from_row(&row)
}

read_on_both!(
    job(id: i64) -> Job = job_on
);

pub(crate) async fn jobs_of_loan_on(conn: &mut sqlx::AnyConnection, loan_id: i64) -> StoreResult<Vec<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE source_kind = 'fund_loan' AND source_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(loan_id).fetch_all(&mut *conn).await?;
    rows.iter().map(job_from_row).collect()
}

read_on_both!(
    /// The jobs a fund loan promised, oldest first.
    jobs_of_loan(loan_id: i64) -> Vec<Job> = jobs_of_loan_on
);

write_on_both!(
    expect_jobs_of_loan = expect_jobs_of_loan_in(loan_id: i64, specs: &[JobSpec], on: IsoDate, now_ms: i64) -> Vec<i64>,
    audit "job.expect", format!("loan:{loan_id}"), now_ms
);

write_on_both!(
    expect_requested_jobs = expect_requested_jobs_in(loan_id: i64, on: IsoDate, now_ms: i64) -> Vec<i64>,
    audit "job.expect", format!("loan:{loan_id}"), now_ms
);

write_on_both!(
    describe_job = describe_job_in(job_id: i64, description: &JobSpec) -> Job,
    audit "job.describe", format!("job:{job_id}"), 0
);

write_on_both!(
    record_visit = record_visit_in(job_id: i64, visit: &Visit, today: IsoDate, now_ms: i64) -> Job,
    audit "job.visit", format!("job:{job_id}"), now_ms
);

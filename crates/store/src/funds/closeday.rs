//! The close of day: marks what is late, how late, and what penalty it has earned by the fund's rule.
//! Safe to run again (a closed day is skipped) and able to catch up on days a village laptop was off.

use crate::tx::write_on_both;
use crate::{Store, StoreResult, StoreTx};
use domain::IsoDate;
use domain::fund::{days_past_due, penalty_for};
use sqlx::Row;
use std::collections::HashMap;

/// Days one catch-up may close at most (about three years).
pub const CATCH_UP_DAYS_MAX: i64 = 1_100;

/// What a close of day did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloseReport {
    pub days_closed: u32,
    pub first: Option<IsoDate>,
    pub last: Option<IsoDate>,
    /// Loans with an installment past due at the last day closed.
    pub loans_late: u32,
}

impl Store {
    /// The last closed day, if any.
    pub async fn last_closed_day(&self) -> StoreResult<Option<IsoDate>> {
        let day: Option<String> = sqlx::query_scalar("SELECT MAX(day) FROM closed_days").fetch_one(&self.pool).await?;
        day.map(|d| IsoDate::parse_iso(&d).map_err(|_| crate::StoreError::Unexpected(format!("stored day {d:?}"))))
            .transpose()
    }

    /// Closes every day after the last closed one up to and including `until`, in order. The first
    /// close starts from the first disbursement.
    pub async fn close_days_until(&self, until: IsoDate, now_ms: i64) -> StoreResult<CloseReport> {
        let start = match self.last_closed_day().await? {
            Some(last) => last.add_days(1),
            None => {
                let first: Option<String> =
                    sqlx::query_scalar("SELECT MIN(disbursed_on) FROM loans").fetch_one(&self.pool).await?;
                match first.as_deref().map(IsoDate::parse_iso) {
                    Some(Ok(day)) => day,
                    _ => until,
                }
            }
        };
        let mut report = CloseReport::default();
        let mut day = start.max(until.add_days(-CATCH_UP_DAYS_MAX));
        while day <= until {
            let mut tx = self.begin().await?;
            report.loans_late = self.close_day_in(&mut tx, day, now_ms).await?;
            let mut record = crate::AuditRecord::system("day.close", &format!("day:{day}"), now_ms);
            record.after_state = format!("{{\"loans_late\": {}}}", report.loans_late);
            tx.audit(&record).await?;
            tx.commit().await?;
            report.days_closed += 1;
            report.first.get_or_insert(day);
            report.last = Some(day);
            day = day.add_days(1);
        }
        Ok(report)
    }

    /// Closes one day: for each disbursed loan, how late it is and the penalties its installments have
    /// earned. Returns how many loans are late. A day closed before is left as it was.
    pub(crate) async fn close_day_in(&self, tx: &mut StoreTx, day: IsoDate, now_ms: i64) -> StoreResult<u32> {
        let closed: Option<i64> = sqlx::query_scalar("SELECT loans_late FROM closed_days WHERE day = $1")
            .bind(day.to_string())
            .fetch_optional(tx.conn())
            .await?;
        if let Some(late) = closed {
            return Ok(u32::try_from(late).unwrap_or(0));
        }
        let rows = sqlx::query(
            "SELECT l.id AS loan_id, l.fund_id AS fund_id, l.fee_rate_basis_points AS rate, i.number AS number, i.due_on AS due_on, \
             i.principal_due_rials, i.fee_due_rials, i.penalty_due_rials, i.principal_paid_rials, i.fee_paid_rials, i.penalty_paid_rials \
             FROM loans l JOIN installments i ON i.loan_id = l.id WHERE l.status = 'disbursed' ORDER BY l.id, i.number",
        )
        .fetch_all(tx.conn())
        .await?;
        let mut rules_cache = HashMap::new();
        let mut by_loan: Vec<(i64, i64, u32, Vec<domain::fund::InstallmentBalance>)> = Vec::new();
        for row in &rows {
            let loan_id: i64 = row.try_get("loan_id")?;
            let installment = crate::loans::installment_from_row(row)?;
            match by_loan.last_mut() {
                Some((id, _, _, list)) if *id == loan_id => list.push(installment),
                _ => by_loan.push((
                    loan_id,
                    row.try_get("fund_id")?,
                    u32::try_from(row.try_get::<i64, _>("rate")?).unwrap_or(0),
                    vec![installment],
                )),
            }
        }
        let mut late_loans = 0;
        for (loan_id, fund_id, rate, installments) in &by_loan {
            if !rules_cache.contains_key(fund_id) {
                rules_cache.insert(*fund_id, tx.fund_rules(*fund_id).await?);
            }
            let rules = rules_cache[fund_id].on(day);
            let rate = domain::loan::FeeRate::from_basis_points(*rate).unwrap_or_default();
            let late = days_past_due(installments, day.add_days(1));
            if late > 0 {
                late_loans += 1;
            }
            sqlx::query("UPDATE loans SET days_past_due = $1 WHERE id = $2 AND days_past_due <> $1")
                .bind(late)
                .bind(*loan_id)
                .execute(tx.conn())
                .await?;
            for installment in installments {
                let earned = penalty_for(installment, rules.late_rule, rate, day.add_days(1));
                // Penalties only grow: payment stops them growing, never shrinks what was earned.
                if earned > installment.penalty_due {
                    sqlx::query("UPDATE installments SET penalty_due_rials = $1 WHERE loan_id = $2 AND number = $3")
                        .bind(earned.get())
                        .bind(*loan_id)
                        .bind(i64::from(installment.number))
                        .execute(tx.conn())
                        .await?;
                }
            }
        }
        sqlx::query("INSERT INTO closed_days (day, closed_at_ms, loans_late) VALUES ($1, $2, $3)")
            .bind(day.to_string())
            .bind(now_ms)
            .bind(i64::from(late_loans))
            .execute(tx.conn())
            .await?;
        Ok(late_loans)
    }
}

write_on_both!(
    close_day = close_day_in(day: IsoDate, now_ms: i64) -> u32,
    audit "day.close", format!("day:{day}"), now_ms
);

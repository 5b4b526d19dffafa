//! A fund's health figures, read from kept balances and the loan tables (no history is scanned).

use crate::{Store, StoreResult};
use domain::fund::{FundHealth, HealthFacts, codes};
use domain::{IsoDate, Rials};
use sqlx::Row;

impl Store {
    pub async fn fund_health(&self, fund_id: i64, on: IsoDate) -> StoreResult<FundHealth> {
        let fund = self.fund(fund_id).await?;
        let counts = sqlx::query(
            "SELECT COUNT(*) AS members, COALESCE(SUM(CASE WHEN left_on IS NULL THEN 1 ELSE 0 END), 0) AS active \
             FROM members WHERE fund_id = $1 AND joined_on <= $2",
        )
        .bind(fund_id)
        .bind(on.to_string())
        .fetch_one(&self.pool)
        .await?;
        let balance = |code: &'static str| {
            let fund = &fund;
            async move {
                let account = self.account(self.fund_account(fund, code).await?).await?;
                StoreResult::Ok(account.kind.normal_balance(account.balance_rials))
            }
        };
        let savings: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(-balance_rials) AS BIGINT) FROM accounts WHERE book_id = $1 AND (code = $2 OR control_code = $2)",
        )
        .bind(fund.book_id.0)
        .bind(codes::SAVINGS)
        .fetch_one(&self.pool)
        .await?;
        let loans = sqlx::query(
            "SELECT a.balance_rials AS principal, l.days_past_due AS late FROM loans l JOIN accounts a ON a.id = l.account_id \
             WHERE l.fund_id = $1 AND l.status = 'disbursed'",
        )
        .bind(fund_id)
        .fetch_all(&self.pool)
        .await?;
        let due = sqlx::query(
            "SELECT CAST(COALESCE(SUM(i.principal_due_rials + i.fee_due_rials), 0) AS BIGINT) AS due, \
             CAST(COALESCE(SUM(i.principal_paid_rials + i.fee_paid_rials), 0) AS BIGINT) AS paid \
             FROM installments i JOIN loans l ON l.id = i.loan_id WHERE l.fund_id = $1 AND i.due_on <= $2",
        )
        .bind(fund_id)
        .bind(on.to_string())
        .fetch_one(&self.pool)
        .await?;
        let facts = HealthFacts {
            members: u32::try_from(counts.try_get::<i64, _>("members")?).unwrap_or(0),
            members_active: u32::try_from(counts.try_get::<i64, _>("active")?).unwrap_or(0),
            savings: Rials::new(savings.unwrap_or(0)),
            cash: Rials::new(balance(codes::CASH).await?),
            loans: loans
                .iter()
                .map(|r| Ok((Rials::new(r.try_get("principal")?), r.try_get("late")?)))
                .collect::<StoreResult<_>>()?,
            due_so_far: Rials::new(due.try_get("due")?),
            paid_of_due: Rials::new(due.try_get("paid")?),
            opened_on: Some(fund.opened_on),
            on: Some(on),
        };
        Ok(FundHealth::compute(&facts))
    }
}

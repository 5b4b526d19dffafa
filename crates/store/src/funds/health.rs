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

impl Store {
    /// A fingerprint of everything a fund's figures are made of: it changes when an entry is posted in
    /// any book, a member joins or leaves, a loan changes, a rule or a draw is recorded, a day is closed
    /// or a fund or place is added. Cheap (a sum over one row per book, each raised by triggers: see
    /// migration 10), so a shell can keep figures until it changes. Read it before reading the figures
    /// it stands for: a change committed in between then only makes the kept figures newer than their
    /// version, never older.
    pub async fn data_version(&self) -> StoreResult<String> {
        let sum: Option<i64> = sqlx::query_scalar("SELECT CAST(SUM(revision) AS BIGINT) FROM data_revisions")
            .fetch_one(&self.pool)
            .await?;
        Ok(sum.unwrap_or(0).to_string())
    }

    /// Every fund at a place or under it (all of them with `None`) with its health figures, in six
    /// grouped queries whatever the number of funds: the officer's list of a province's 445 funds.
    pub async fn funds_health(
        &self,
        under: Option<&domain::PlacePath>,
        on: IsoDate,
    ) -> StoreResult<Vec<(crate::Fund, domain::PlacePath, FundHealth)>> {
        use std::collections::HashMap;
        let funds = self.funds_with_places(under).await?;
        let prefix = format!("{}%", under.map_or("/", domain::PlacePath::as_str));
        let day = on.to_string();
        let scoped = "JOIN funds f ON f.id = x.fund_id JOIN places p ON p.id = f.place_id WHERE p.path LIKE $1";
        let mut facts: HashMap<i64, HealthFacts> = funds
            .iter()
            .map(|(fund, _)| {
                (fund.id, HealthFacts { opened_on: Some(fund.opened_on), on: Some(on), ..HealthFacts::default() })
            })
            .collect();
        let sql = format!(
            "SELECT x.fund_id AS fund_id, COUNT(*) AS members, \
             COALESCE(SUM(CASE WHEN x.left_on IS NULL THEN 1 ELSE 0 END), 0) AS active \
             FROM members x {scoped} AND x.joined_on <= $2 GROUP BY x.fund_id"
        );
        for row in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&prefix).bind(&day).fetch_all(&self.pool).await? {
            if let Some(f) = facts.get_mut(&row.try_get("fund_id")?) {
                f.members = u32::try_from(row.try_get::<i64, _>("members")?).unwrap_or(0);
                f.members_active = u32::try_from(row.try_get::<i64, _>("active")?).unwrap_or(0);
            }
        }
        let sql = "SELECT f.id AS fund_id, \
             CAST(SUM(CASE WHEN a.code = $2 OR a.control_code = $2 THEN -a.balance_rials ELSE 0 END) AS BIGINT) AS savings, \
             CAST(SUM(CASE WHEN a.code = $3 THEN a.balance_rials ELSE 0 END) AS BIGINT) AS cash \
             FROM funds f JOIN places p ON p.id = f.place_id JOIN accounts a ON a.book_id = f.book_id \
             WHERE p.path LIKE $1 AND (a.code IN ($2, $3) OR a.control_code = $2) GROUP BY f.id";
        for row in sqlx::query(sql).bind(&prefix).bind(codes::SAVINGS).bind(codes::CASH).fetch_all(&self.pool).await? {
            if let Some(f) = facts.get_mut(&row.try_get("fund_id")?) {
                f.savings = Rials::new(row.try_get::<Option<i64>, _>("savings")?.unwrap_or(0));
                f.cash = Rials::new(row.try_get::<Option<i64>, _>("cash")?.unwrap_or(0));
            }
        }
        let sql = format!(
            "SELECT x.fund_id AS fund_id, a.balance_rials AS principal, x.days_past_due AS late \
             FROM loans x JOIN accounts a ON a.id = x.account_id {scoped} AND x.status = 'disbursed'"
        );
        for row in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&prefix).fetch_all(&self.pool).await? {
            if let Some(f) = facts.get_mut(&row.try_get("fund_id")?) {
                f.loans.push((Rials::new(row.try_get("principal")?), row.try_get("late")?));
            }
        }
        let sql = format!(
            "SELECT x.fund_id AS fund_id, \
             CAST(COALESCE(SUM(i.principal_due_rials + i.fee_due_rials), 0) AS BIGINT) AS due, \
             CAST(COALESCE(SUM(i.principal_paid_rials + i.fee_paid_rials), 0) AS BIGINT) AS paid \
             FROM installments i JOIN loans x ON x.id = i.loan_id {scoped} AND i.due_on <= $2 GROUP BY x.fund_id"
        );
        for row in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&prefix).bind(&day).fetch_all(&self.pool).await? {
            if let Some(f) = facts.get_mut(&row.try_get("fund_id")?) {
                f.due_so_far = Rials::new(row.try_get("due")?);
                f.paid_of_due = Rials::new(row.try_get("paid")?);
            }
        }
        Ok(funds
            .into_iter()
            .map(|(fund, place)| {
                let health = FundHealth::compute(&facts.remove(&fund.id).unwrap_or_default());
                (fund, place, health)
            })
            .collect())
    }
}

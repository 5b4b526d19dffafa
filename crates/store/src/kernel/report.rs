//! The facts behind the programme's reports, read per fund in a handful of grouped queries whatever
//! the number of funds. The figures are made from them by `domain::report`.

use crate::{Store, StoreError, StoreResult};
use domain::fund::codes;
use domain::report::ReportFacts;
use domain::{IsoDate, PlacePath, Rials};
use sqlx::Row;
use std::collections::HashMap;

/// One fund's facts for a period, with where it lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundFacts {
    pub fund: crate::Fund,
    pub place: PlacePath,
    pub facts: ReportFacts,
}

/// A flow (capital injected, a loan paid out, a job promised or confirmed) on a day: for monthly series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayFlows {
    pub capital_injected: Rials,
    pub loans_disbursed: Rials,
    pub jobs_expected_fte_hundredths: i64,
    pub jobs_confirmed_fte_hundredths: i64,
}

impl Store {
    /// Every fund at or under a place (all with `None`) opened by `to`, with its facts for the period
    /// `from..=to`. Stocks (members, savings, loans outstanding) are at `to`: from the kept balances
    /// when `to` is today or later, otherwise summed from the postings dated up to `to`.
    pub async fn report_facts(
        &self,
        under: Option<&PlacePath>,
        from: IsoDate,
        to: IsoDate,
        today: IsoDate,
        only_fund: Option<i64>,
    ) -> StoreResult<(Vec<FundFacts>, Vec<(IsoDate, DayFlows)>)> {
        let prefix = format!("{}%", under.map_or("/", PlacePath::as_str));
        let (from_text, to_text) = (from.to_string(), to.to_string());
        let scoped = "JOIN funds f ON f.id = x.fund_id JOIN places p ON p.id = f.place_id WHERE p.path LIKE $1";
        let funds: Vec<(crate::Fund, PlacePath)> =
            self.funds_with_places(under).await?.into_iter().filter(|(f, _)| f.opened_on <= to).collect();
        let mut facts: HashMap<i64, ReportFacts> = funds
            .iter()
            .map(|(f, _)| {
                let present = to >= today;
                (
                    f.id,
                    ReportFacts {
                        funds: 1,
                        villages: 0,
                        loans_late_30: if present { Some(Rials::ZERO) } else { None },
                        ..ReportFacts::default()
                    },
                )
            })
            .collect();
        let grouped = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));
        // Members who had joined by `to`, and of them those who had not left by then.
        let rows = grouped(format!(
            "SELECT x.fund_id, COUNT(*) AS members, \
             CAST(SUM(CASE WHEN x.left_on IS NULL OR x.left_on > $2 THEN 1 ELSE 0 END) AS BIGINT) AS active \
             FROM members x {scoped} AND x.joined_on <= $2 GROUP BY x.fund_id"
        ))
        .bind(&prefix)
        .bind(&to_text)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            if let Some(f) = facts.get_mut(&row.try_get::<i64, _>("fund_id")?) {
                f.members = u64::try_from(row.try_get::<i64, _>("members")?).unwrap_or(0);
                f.members_active = u64::try_from(row.try_get::<i64, _>("active")?).unwrap_or(0);
            }
        }
        // Savings and loans outstanding at `to`, one row per fund.
        let sums = "CAST(SUM(CASE WHEN a.code = $2 OR a.control_code = $2 THEN BALANCE ELSE 0 END) AS BIGINT) AS savings, \
                    CAST(SUM(CASE WHEN a.code = $3 OR a.control_code = $3 THEN BALANCE ELSE 0 END) AS BIGINT) AS loans";
        let stock_sql = if to >= today {
            format!(
                "SELECT f.id AS fund_id, {} \
                 FROM accounts a JOIN funds f ON f.book_id = a.book_id JOIN places p ON p.id = f.place_id \
                 WHERE p.path LIKE $1 AND (a.code IN ($2, $3) OR a.control_code IN ($2, $3)) GROUP BY f.id",
                sums.replace("BALANCE", "a.balance_rials")
            )
        } else {
            format!(
                "SELECT f.id AS fund_id, {} \
                 FROM postings x JOIN entries e ON e.book_id = x.book_id AND e.seq = x.entry_seq \
                 JOIN accounts a ON a.id = x.account_id JOIN funds f ON f.book_id = x.book_id \
                 JOIN places p ON p.id = f.place_id \
                 WHERE p.path LIKE $1 AND (a.code IN ($2, $3) OR a.control_code IN ($2, $3)) AND e.effective_on <= $4 \
                 GROUP BY f.id",
                sums.replace("BALANCE", "x.amount_rials")
            )
        };
        let mut query = grouped(stock_sql).bind(&prefix).bind(codes::SAVINGS).bind(codes::LOANS);
        if to < today {
            query = query.bind(&to_text);
        }
        for row in &query.fetch_all(&self.pool).await? {
            let Some(f) = facts.get_mut(&row.try_get::<i64, _>("fund_id")?) else { continue };
            f.savings = Rials::new(-row.try_get::<Option<i64>, _>("savings")?.unwrap_or(0));
            f.loans_outstanding = Rials::new(row.try_get::<Option<i64>, _>("loans")?.unwrap_or(0));
        }
        if to >= today {
            let rows = grouped(format!(
                "SELECT x.fund_id, CAST(SUM(a.balance_rials) AS BIGINT) AS late \
                 FROM loans x JOIN accounts a ON a.id = x.account_id {scoped} \
                 AND x.status = 'disbursed' AND x.days_past_due > 30 GROUP BY x.fund_id"
            ))
            .bind(&prefix)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                if let Some(f) = facts.get_mut(&row.try_get::<i64, _>("fund_id")?) {
                    f.loans_late_30 = Some(Rials::new(row.try_get::<Option<i64>, _>("late")?.unwrap_or(0)));
                }
            }
        }
        // Flows of the period: per fund for the figures, by day for the monthly series.
        for (key, flows) in self.flows(&prefix, &from_text, &to_text, true, None).await? {
            let fund_id: i64 = key.parse().map_err(|_| crate::books::corrupt("fund id", &key))?;
            if let Some(f) = facts.get_mut(&fund_id) {
                f.capital_injected = add_rials(f.capital_injected, flows.capital_injected.get())?;
                f.loans_disbursed = add_rials(f.loans_disbursed, flows.loans_disbursed.get())?;
                f.jobs_expected_fte_hundredths =
                    add(f.jobs_expected_fte_hundredths, flows.jobs_expected_fte_hundredths)?;
                f.jobs_confirmed_fte_hundredths =
                    add(f.jobs_confirmed_fte_hundredths, flows.jobs_confirmed_fte_hundredths)?;
            }
        }
        let funds = funds
            .into_iter()
            .map(|(fund, place)| {
                let facts = facts.remove(&fund.id).unwrap_or_default();
                FundFacts { fund, place, facts }
            })
            .collect();
        let mut by_day = Vec::new();
        for (key, flows) in self.flows(&prefix, &from_text, &to_text, false, only_fund).await? {
            let day = IsoDate::parse_iso(&key).map_err(|_| crate::books::corrupt("date", &key))?;
            by_day.push((day, flows));
        }
        Ok((funds, by_day))
    }

    /// Capital injected, loans paid out and jobs expected and confirmed, summed by a key: the fund
    /// (`by_fund`) or the day (otherwise, for one fund when `fund_id` is given). Grouping in the
    /// database keeps the rows few: one per fund, or one per day with activity.
    async fn flows(
        &self,
        prefix: &str,
        from: &str,
        to: &str,
        by_fund: bool,
        fund_id: Option<i64>,
    ) -> StoreResult<Vec<(String, DayFlows)>> {
        let one_fund = if fund_id.is_some() { " AND f.id = $4" } else { "" };
        // (key for capital, key for the registers, SQL)
        let capital_key = if by_fund { "CAST(f.id AS TEXT)" } else { "e.effective_on" };
        let capital = format!(
            "SELECT {capital_key} AS k, CAST(SUM(CASE WHEN x.amount_rials > 0 THEN x.amount_rials ELSE 0 END) AS BIGINT) AS v \
             FROM entries e JOIN postings x ON x.book_id = e.book_id AND x.entry_seq = e.seq \
             JOIN funds f ON f.book_id = e.book_id JOIN places p ON p.id = f.place_id \
             WHERE e.code IN ('capital.loan', 'capital.grant') AND p.path LIKE $1 \
             AND e.effective_on >= $2 AND e.effective_on <= $3{one_fund} GROUP BY {capital_key}"
        );
        let register = |table: &str, day: &str, value: &str, extra: &str| {
            let key = if by_fund { "CAST(f.id AS TEXT)".to_string() } else { format!("x.{day}") };
            format!(
                "SELECT {key} AS k, CAST(SUM({value}) AS BIGINT) AS v FROM {table} x \
                 JOIN funds f ON f.id = x.fund_id JOIN places p ON p.id = f.place_id WHERE p.path LIKE $1 \
                 AND x.{day} IS NOT NULL AND x.{day} >= $2 AND x.{day} <= $3{extra}{one_fund} GROUP BY {key}"
            )
        };
        let queries = [
            capital,
            register("loans", "disbursed_on", "x.amount_rials", ""),
            register("jobs", "expected_on", "x.fte_hundredths", ""),
            register("jobs", "confirmed_on", "x.fte_hundredths", " AND (x.lost_on IS NULL OR x.lost_on > $3)"),
        ];
        let mut out: std::collections::BTreeMap<String, DayFlows> = Default::default();
        for (kind, sql) in queries.into_iter().enumerate() {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(prefix).bind(from).bind(to);
            if let Some(id) = fund_id {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let key: String = row.try_get("k")?;
                let value = row.try_get::<Option<i64>, _>("v")?.unwrap_or(0);
                let flows = out.entry(key).or_default();
                match kind {
                    0 => flows.capital_injected = add_rials(flows.capital_injected, value)?,
                    1 => flows.loans_disbursed = add_rials(flows.loans_disbursed, value)?,
                    2 => flows.jobs_expected_fte_hundredths = add(flows.jobs_expected_fte_hundredths, value)?,
                    _ => flows.jobs_confirmed_fte_hundredths = add(flows.jobs_confirmed_fte_hundredths, value)?,
                }
            }
        }
        Ok(out.into_iter().collect())
    }
}

/// A roll-up's sum, checked: an overflow is a refusal to report, never a wrapped figure.
fn add(a: i64, b: i64) -> StoreResult<i64> {
    a.checked_add(b).ok_or_else(|| {
        StoreError::Invalid("the figures are too large to add up: an amount somewhere must be mistyped".into())
    })
}

fn add_rials(a: Rials, b: i64) -> StoreResult<Rials> {
    add(a.get(), b).map(Rials::new)
}

//! A member's statement: savings month by month with dues, and each loan with its schedule.

use crate::{Loan, Member, Store, StoreResult};
use domain::IsoDate;
use domain::fund::{InstallmentBalance, SavingsMonth, savings_by_month};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq)]
pub struct MemberStatement {
    pub member: Member,
    pub through: IsoDate,
    pub savings: Vec<SavingsMonth>,
    pub loans: Vec<(Loan, Vec<InstallmentBalance>)>,
}

impl Store {
    pub async fn member_statement(&self, member_id: i64, through: IsoDate) -> StoreResult<MemberStatement> {
        let member = self.member(member_id).await?;
        let fund = self.fund(member.fund_id).await?;
        let rows = sqlx::query(
            "SELECT e.effective_on AS effective_on, p.amount_rials AS amount FROM postings p \
             JOIN entries e ON e.book_id = p.book_id AND e.seq = p.entry_seq \
             WHERE p.book_id = $1 AND p.account_id = $2 AND e.effective_on <= $3 ORDER BY e.effective_on, e.seq",
        )
        .bind(fund.book_id.0)
        .bind(member.savings_account.0)
        .bind(through.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut movements = Vec::with_capacity(rows.len());
        for row in rows {
            let on: String = row.try_get("effective_on")?;
            let on =
                IsoDate::parse_iso(&on).map_err(|_| crate::StoreError::Unexpected(format!("stored date {on:?}")))?;
            // Savings are a liability: a credit (negative) is money the member put in.
            movements.push((on, -row.try_get::<i64, _>("amount")?));
        }
        let rules = self.fund_rules(fund.id).await?;
        let savings = savings_by_month(&movements, member.joined_on, through, &rules);
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM loans WHERE member_id = $1 ORDER BY id")
            .bind(member_id)
            .fetch_all(&self.pool)
            .await?;
        let mut loans = Vec::with_capacity(ids.len());
        for id in ids {
            loans.push((self.loan(id).await?, self.installments(id).await?));
        }
        Ok(MemberStatement { member, through, savings, loans })
    }
}

/// One member's line of a fund's dues for a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuesLine {
    pub member_id: i64,
    pub name: String,
    pub month: domain::fund::SavingsMonth,
}

impl Store {
    /// Every active member's dues, deposits and arrears for the Jalali month containing `on`, the
    /// members furthest behind first.
    pub async fn fund_dues(&self, fund_id: i64, on: IsoDate) -> StoreResult<Vec<DuesLine>> {
        let month_end = on.to_jalali().jalali_month().last_day().to_iso();
        let fund = self.fund(fund_id).await?;
        let rules = self.fund_rules(fund_id).await?;
        // Every member's savings movements in one read: the meeting sheet of a fund with 50 members is
        // one query, not 50 statements.
        let rows = sqlx::query(
            "SELECT p.account_id AS account_id, e.effective_on AS effective_on, p.amount_rials AS amount \
             FROM postings p JOIN entries e ON e.book_id = p.book_id AND e.seq = p.entry_seq \
             WHERE p.book_id = $1 AND e.effective_on <= $2 \
             AND p.account_id IN (SELECT id FROM accounts WHERE book_id = $1 AND control_code = $3)",
        )
        .bind(fund.book_id.0)
        .bind(month_end.to_string())
        .bind(domain::fund::codes::SAVINGS)
        .fetch_all(&self.pool)
        .await?;
        let mut movements: std::collections::HashMap<i64, Vec<(IsoDate, i64)>> = std::collections::HashMap::new();
        for row in rows {
            let on: String = row.try_get("effective_on")?;
            let on =
                IsoDate::parse_iso(&on).map_err(|_| crate::StoreError::Unexpected(format!("stored date {on:?}")))?;
            // Savings are a liability: a credit (negative) is money the member put in.
            movements.entry(row.try_get("account_id")?).or_default().push((on, -row.try_get::<i64, _>("amount")?));
        }
        let mut lines = Vec::new();
        for member in self.members(fund_id).await? {
            if member.left_on.is_some() || member.joined_on > month_end {
                continue;
            }
            let of_member = movements.get(&member.savings_account.0).map(Vec::as_slice).unwrap_or_default();
            if let Some(month) = savings_by_month(of_member, member.joined_on, month_end, &rules).last() {
                lines.push(DuesLine {
                    member_id: member.id,
                    name: format!("{} {}", member.first_name, member.last_name),
                    month: *month,
                });
            }
        }
        lines.sort_by_key(|l| (std::cmp::Reverse(l.month.behind), l.member_id));
        Ok(lines)
    }
}

//! Loans of a village fund: request (with every reason it fails), approval, disbursement with its
//! schedule, repayments split by the fund's order, and reversal of a mistaken repayment. Each step that
//! moves money posts to the fund's books in the same database transaction as its own rows.

use crate::tx::read_on_both;
use crate::tx::write_on_both;
use crate::{Store, StoreError, StoreResult, StoreTx};
use domain::fund::{
    InstallmentBalance, LoanRequest, MemberStanding, PaymentPart, allocate_payment, check_loan_request, codes,
};
use domain::loan::{FeeRate, KarmozdMethod, LoanTerms, schedule};
use domain::{AccountId, AccountKind, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate, PostingDraft, Rials};
use sqlx::Row;
use sqlx::any::AnyRow;

mod import;
mod payout;
mod repay;
mod request;
mod sheet;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{import::*, payout::*, repay::*, request::*, sheet::*};

/// Where a loan stands.
pub use domain::funds::lifecycle::{Approver, LoanStatus};
use domain::funds::lifecycle::{LoanEvent, LoanStep, next_step};

/// What a member asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanApplication {
    pub member_id: i64,
    pub amount: Rials,
    pub term_months: u32,
    pub purpose: String,
    pub jobs_created: u32,
    pub jobs_revived: u32,
    pub guarantors: Vec<i64>,
    pub on: IsoDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loan {
    pub id: i64,
    pub fund_id: i64,
    pub member_id: i64,
    pub amount: Rials,
    pub term_months: u32,
    pub method: KarmozdMethod,
    pub fee_rate: FeeRate,
    pub status: LoanStatus,
    pub requested_on: IsoDate,
    pub approved_by: Option<String>,
    pub second_approved_by: Option<String>,
    /// Who approved, by user id (none for approvals without a user: the system, older records).
    pub approved_by_user_id: Option<i64>,
    pub second_approved_by_user_id: Option<i64>,
    pub written_off_by: Option<String>,
    pub disbursed_on: Option<IsoDate>,
    pub account_id: Option<AccountId>,
    pub upfront_fee: Rials,
    /// How late the loan was at the last close of day.
    pub days_past_due: i64,
}

/// A repayment as posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repayment {
    pub seq: EntrySeq,
    pub already_posted: bool,
    pub lines: Vec<domain::fund::AllocationLine>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Unexpected(format!("stored {what} {value:?} is not valid"))
}

/// A loan's status as it stands inside the transaction.
async fn status_in(tx: &mut StoreTx, loan_id: i64) -> StoreResult<LoanStatus> {
    let status: String =
        sqlx::query_scalar("SELECT status FROM loans WHERE id = $1").bind(loan_id).fetch_one(tx.conn()).await?;
    LoanStatus::parse(&status).ok_or_else(|| corrupt("loan status", &status))
}

/// What the loan's life refused, as the store tells it (naming the loan).
fn lifecycle_conflict(loan_id: i64, refusal: domain::funds::lifecycle::LoanRefusal) -> StoreError {
    use domain::funds::lifecycle::LoanRefusal::*;
    StoreError::Conflict(match refusal {
        NotWaitingForApproval(status) => format!("loan {loan_id} is {}, not waiting for approval", status.code()),
        SameApprover(name) => format!("{name} already approved loan {loan_id}; a second person must approve it"),
        AlreadyApproved => format!("loan {loan_id} is already approved"),
        NotApproved(status) => format!("loan {loan_id} is {}, not approved for payment", status.code()),
        NotDisbursed(status) => format!("loan {loan_id} is {}: payments go to disbursed loans", status.code()),
        NotWrittenOffFrom(status) => {
            format!("loan {loan_id} is {}: only a disbursed loan is written off", status.code())
        }
    })
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

fn loan_from_row(row: &AnyRow) -> StoreResult<Loan> {
    let method: String = row.try_get("karmozd_method")?;
    let status: String = row.try_get("status")?;
    let rate: i64 = row.try_get("fee_rate_basis_points")?;
    let disbursed_on: Option<String> = row.try_get("disbursed_on")?;
    let requested_on: String = row.try_get("requested_on")?;
    Ok(Loan {
        id: row.try_get("id")?,
        fund_id: row.try_get("fund_id")?,
        member_id: row.try_get("member_id")?,
        amount: Rials::new(row.try_get("amount_rials")?),
        term_months: u32::try_from(row.try_get::<i64, _>("term_months")?).map_err(|_| corrupt("term", "?"))?,
        method: KarmozdMethod::parse(&method).map_err(|_| corrupt("method", &method))?,
        fee_rate: FeeRate::from_basis_points(u32::try_from(rate).unwrap_or(u32::MAX))
            .map_err(|_| corrupt("rate", &rate.to_string()))?,
        status: LoanStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        requested_on: IsoDate::parse_iso(&requested_on).map_err(|_| corrupt("date", &requested_on))?,
        approved_by: row.try_get("approved_by")?,
        second_approved_by: row.try_get("second_approved_by")?,
        approved_by_user_id: row.try_get("approved_by_user_id")?,
        second_approved_by_user_id: row.try_get("second_approved_by_user_id")?,
        written_off_by: row.try_get("written_off_by")?,
        disbursed_on: disbursed_on
            .as_deref()
            .map(|d| IsoDate::parse_iso(d).map_err(|_| corrupt("date", d)))
            .transpose()?,
        account_id: row.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
        upfront_fee: Rials::new(row.try_get("upfront_fee_rials")?),
        days_past_due: row.try_get("days_past_due")?,
    })
}

pub(crate) fn installment_from_row(row: &AnyRow) -> StoreResult<InstallmentBalance> {
    let due_on: String = row.try_get("due_on")?;
    let r = |c: &str| row.try_get::<i64, _>(c).map(Rials::new);
    Ok(InstallmentBalance {
        number: u32::try_from(row.try_get::<i64, _>("number")?).map_err(|_| corrupt("number", "?"))?,
        due_on: IsoDate::parse_iso(&due_on).map_err(|_| corrupt("date", &due_on))?,
        principal_due: r("principal_due_rials")?,
        fee_due: r("fee_due_rials")?,
        penalty_due: r("penalty_due_rials")?,
        principal_paid: r("principal_paid_rials")?,
        fee_paid: r("fee_paid_rials")?,
        penalty_paid: r("penalty_paid_rials")?,
    })
}

pub(crate) async fn installments_on(
    conn: &mut sqlx::AnyConnection,
    loan_id: i64,
) -> StoreResult<Vec<InstallmentBalance>> {
    let sql = format!("SELECT {INSTALLMENT_COLUMNS} FROM installments WHERE loan_id = $1 ORDER BY number");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(loan_id).fetch_all(&mut *conn).await?;
    rows.iter().map(installment_from_row).collect()
}

const INSTALLMENT_COLUMNS: &str = "number, due_on, principal_due_rials, fee_due_rials, penalty_due_rials, \
     principal_paid_rials, fee_paid_rials, penalty_paid_rials";

pub(crate) async fn loan_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<Loan> {
    let row = sqlx::query("SELECT * FROM loans WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "loan", id })?;
    loan_from_row(&row)
}

read_on_both!(loan(id: i64) -> Loan = loan_on);

/// The loan, read for a change to it: on PostgreSQL its row is locked first (`FOR UPDATE`), so that
/// two payouts (or repayments, approvals) of one loan take turns and the second sees what the first
/// did — instead of both deciding on the same state and the second failing on a unique key. SQLite's
/// write turn already makes them take turns.
pub(crate) async fn lock_loan(tx: &mut StoreTx, loan_id: i64) -> StoreResult<Loan> {
    if tx.backend == crate::Backend::Postgres {
        sqlx::query("SELECT id FROM loans WHERE id = $1 FOR UPDATE").bind(loan_id).fetch_optional(tx.conn()).await?;
    }
    tx.loan(loan_id).await
}
read_on_both!(installments(loan_id: i64) -> Vec<InstallmentBalance> = installments_on);

/// What one open loan owes at a meeting: everything fallen due by then and not yet paid, and all it
/// still owes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanDue {
    pub loan_id: i64,
    pub member_id: i64,
    pub due: Rials,
    pub outstanding: Rials,
    pub days_past_due: i64,
}

impl Store {
    /// Every disbursed loan of a fund with what has fallen due through `through` and is unpaid — the
    /// repayments half of the meeting sheet — in one query, by loan.
    pub async fn loans_due(&self, fund_id: i64, through: IsoDate) -> StoreResult<Vec<LoanDue>> {
        let rows = sqlx::query(
            "SELECT l.id, l.member_id, l.days_past_due, \
             CAST(SUM(CASE WHEN i.due_on <= $2 THEN i.principal_due_rials + i.fee_due_rials + i.penalty_due_rials \
                 - i.principal_paid_rials - i.fee_paid_rials - i.penalty_paid_rials ELSE 0 END) AS BIGINT) AS due, \
             CAST(SUM(i.principal_due_rials + i.fee_due_rials + i.penalty_due_rials \
                 - i.principal_paid_rials - i.fee_paid_rials - i.penalty_paid_rials) AS BIGINT) AS outstanding \
             FROM loans l JOIN installments i ON i.loan_id = l.id \
             WHERE l.fund_id = $1 AND l.status = 'disbursed' GROUP BY l.id, l.member_id, l.days_past_due ORDER BY l.id",
        )
        .bind(fund_id)
        .bind(through.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LoanDue {
                    loan_id: r.try_get("id")?,
                    member_id: r.try_get("member_id")?,
                    due: Rials::new(r.try_get::<Option<i64>, _>("due")?.unwrap_or(0)),
                    outstanding: Rials::new(r.try_get::<Option<i64>, _>("outstanding")?.unwrap_or(0)),
                    days_past_due: r.try_get("days_past_due")?,
                })
            })
            .collect()
    }
}

/// One repayment of a loan as the books hold it, and whether it was reversed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepaymentRecord {
    pub seq: EntrySeq,
    pub on: IsoDate,
    pub amount: Rials,
    /// The entry that reversed it, if one did.
    pub reversed_by: Option<EntrySeq>,
}

impl Store {
    /// A fund's loans, newest first.
    pub async fn loans_of_fund(&self, fund_id: i64) -> StoreResult<Vec<Loan>> {
        let rows = sqlx::query("SELECT * FROM loans WHERE fund_id = $1 ORDER BY id DESC")
            .bind(fund_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(loan_from_row).collect()
    }

    /// A loan's repayments (and payoffs), oldest first, each with the entry that reversed it if any.
    pub async fn loan_repayments(&self, loan_id: i64) -> StoreResult<Vec<RepaymentRecord>> {
        let loan = self.loan(loan_id).await?;
        let fund = self.fund(loan.fund_id).await?;
        let rows = sqlx::query(
            "SELECT e.seq, e.effective_on, \
             (SELECT CAST(SUM(p.amount_rials) AS BIGINT) FROM postings p WHERE p.book_id = e.book_id AND p.entry_seq = e.seq \
              AND p.amount_rials > 0) AS amount, \
             (SELECT r.seq FROM entries r WHERE r.book_id = e.book_id AND r.reverses_seq = e.seq) AS reversed_by \
             FROM entries e WHERE e.book_id = $1 AND e.object_ref = $2 AND e.code = 'loan.repay' ORDER BY e.seq",
        )
        .bind(fund.book_id.0)
        .bind(format!("loan:{loan_id}"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let on: String = r.try_get("effective_on")?;
                Ok(RepaymentRecord {
                    seq: EntrySeq(r.try_get("seq")?),
                    on: IsoDate::parse_iso(&on).map_err(|_| corrupt("date", &on))?,
                    amount: Rials::new(r.try_get::<Option<i64>, _>("amount")?.unwrap_or(0)),
                    reversed_by: r.try_get::<Option<i64>, _>("reversed_by")?.map(EntrySeq),
                })
            })
            .collect()
    }
}

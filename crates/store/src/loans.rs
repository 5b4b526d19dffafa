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

/// What the repayments of one fund on one day share.
struct PayContext {
    fund: crate::Fund,
    cash: AccountId,
    fee_income: AccountId,
    penalty_income: AccountId,
    payment_order: [PaymentPart; 3],
}

/// A sheet's lines checked, with what the write transaction needs.
struct PreparedSheet {
    context: PayContext,
    payments: Vec<(i64, Rials)>,
    keys: Vec<IdempotencyKey>,
    loans: std::collections::HashMap<i64, Loan>,
}

fn line_error(index: usize, loan_id: i64, error: StoreError) -> StoreError {
    StoreError::SheetLine { index, loan_id, error: Box::new(error) }
}

/// What a meeting sheet posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingOutcome {
    pub deposits: Vec<crate::PostOutcome>,
    pub repayments: Vec<Repayment>,
    /// Entries posted now (zero when the same sheet came again).
    pub posted: usize,
}

/// How many loans of a sheet are read and written together (bind limits stay far away).
const SHEET_CHUNK: usize = 500;

impl PayContext {
    /// The entry of one repayment: cash in, split over principal, fee and penalty as allocated.
    fn repayment_draft(
        &self,
        loan_id: i64,
        loan_account: AccountId,
        key: IdempotencyKey,
        amount: Rials,
        on: IsoDate,
        lines: &[domain::fund::AllocationLine],
    ) -> StoreResult<EntryDraft> {
        let sum = |part: PaymentPart| -> i64 {
            lines
                .iter()
                .map(|l| match part {
                    PaymentPart::Penalty => l.penalty.get(),
                    PaymentPart::Fee => l.fee.get(),
                    PaymentPart::Principal => l.principal.get(),
                })
                .sum()
        };
        let mut postings = vec![PostingDraft::debit(self.cash, amount)];
        for (part, account) in [
            (PaymentPart::Principal, loan_account),
            (PaymentPart::Fee, self.fee_income),
            (PaymentPart::Penalty, self.penalty_income),
        ] {
            if sum(part) > 0 {
                postings.push(PostingDraft::credit(account, Rials::new(sum(part))));
            }
        }
        Ok(EntryDraft {
            idempotency_key: key,
            code: EntryCode::parse(domain::fund::codes::entries::LOAN_REPAY).map_err(invalid)?,
            object_ref: format!("loan:{loan_id}"),
            effective_on: on,
            memo: String::new(),
            reverses: None,
            postings,
        })
    }
}

/// One repayment inside a write transaction: posted now, or posted before under the same key.
enum PayStep {
    Posted(Repayment),
    Retried(EntrySeq),
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
read_on_both!(installments(loan_id: i64) -> Vec<InstallmentBalance> = installments_on);

impl Store {
    /// Checks a loan request against the fund's rules on its date: every reason it fails (none: it may
    /// be recorded). Reads only, in a transaction that takes no write turn (the form asks as it is typed).
    pub async fn check_loan(
        &self,
        fund_id: i64,
        application: &LoanApplication,
    ) -> StoreResult<Vec<domain::fund::Refusal>> {
        let mut tx = self.begin_read().await?;
        let refusals = self.check_loan_in(&mut tx, fund_id, application).await;
        tx.rollback().await?;
        refusals
    }
}
write_on_both!(
    /// Records a loan request when every rule holds, and otherwise answers [`StoreError::Ineligible`]
    /// with every reason.
    request_loan = request_loan_in(fund_id: i64, application: &LoanApplication) -> Loan,
    audit "loan.request", format!("fund:{fund_id}"), 0
);
impl Store {
    /// Approves a requested loan in the name of `approver` (no user id: tests, the workload).
    pub async fn approve_loan(&self, loan_id: i64, approver: &str) -> StoreResult<Loan> {
        let mut tx = self.begin().await?;
        let approver = Approver { user_id: None, name: approver.to_string() };
        let loan = self.approve_loan_in(&mut tx, loan_id, &approver).await?;
        tx.commit().await?;
        Ok(loan)
    }
}

impl StoreTx {
    /// Approves a requested loan; above the fund's threshold a second, different user must approve too.
    pub async fn approve_loan(&mut self, loan_id: i64, approver: &Approver) -> StoreResult<Loan> {
        let store = self.store.clone();
        store.approve_loan_in(self, loan_id, approver).await
    }
}
write_on_both!(
    /// Pays an approved loan out: its schedule, its receivable sub-account and one entry.
    disburse_loan = disburse_loan_in(loan_id: i64, on: IsoDate, idempotency_key: &str, now_ms: i64) -> Loan,
    audit "loan.disburse", format!("loan:{loan_id}"), now_ms
);
write_on_both!(
    /// Records a repayment, split over the installments by the fund's order.
    repay_loan = repay_loan_in(loan_id: i64, amount: Rials, on: IsoDate, idempotency_key: &str, now_ms: i64) -> Repayment,
    audit "loan.repay", format!("loan:{loan_id}"), now_ms
);
write_on_both!(
    /// Pays a loan off early (the fee of months not reached waived under simple and annuity).
    payoff_loan = payoff_loan_in(loan_id: i64, on: IsoDate, idempotency_key: &str, now_ms: i64) -> Repayment,
    audit "loan.payoff", format!("loan:{loan_id}"), now_ms
);
write_on_both!(
    /// A meeting's repayments, all or none.
    repay_sheet = repay_sheet_all_in(fund_id: i64, payments: &[(i64, Rials)], on: IsoDate, key_prefix: &str, now_ms: i64) -> Vec<Repayment>,
    audit "loan.repay_sheet", format!("fund:{fund_id}"), now_ms
);
write_on_both!(
    /// Reverses a mistaken repayment.
    reverse_repayment = reverse_repayment_in(loan_id: i64, seq: EntrySeq, idempotency_key: &str, reason: &str, on: IsoDate, now_ms: i64) -> EntrySeq,
    audit "loan.reverse", format!("loan:{loan_id}"), now_ms
);
write_on_both!(
    /// Writes what remains of a loan's principal off.
    write_off_loan = write_off_loan_in(loan_id: i64, approver: &str, on: IsoDate, idempotency_key: &str, now_ms: i64) -> Loan,
    audit "loan.write_off", format!("loan:{loan_id}"), now_ms
);

impl Store {
    /// The revision of a fund's data (raised by triggers whenever its book, members, loans, rules or
    /// draws change: migration 10). A form carries it, so that saving can tell whether the fund changed
    /// since the form was loaded.
    pub async fn fund_revision(&self, fund_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT r.revision FROM data_revisions r JOIN funds f ON f.book_id = r.book_id WHERE f.id = $1",
        )
        .bind(fund_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "fund", id: fund_id })
    }

    /// What paying the loan off on a date would cost, and the fee that would be waived.
    pub async fn payoff_quote(&self, loan_id: i64, on: IsoDate) -> StoreResult<domain::fund::PayoffQuote> {
        let loan = self.loan(loan_id).await?;
        Ok(domain::fund::payoff_quote(&self.installments(loan_id).await?, loan.method, on))
    }
}

impl Store {
    /// What the eligibility rules need to know of a member on a date.
    async fn standing(&self, tx: &mut StoreTx, member_id: i64, on: IsoDate) -> StoreResult<MemberStanding> {
        let member = tx.member(member_id).await?;
        let savings = tx.account(member.savings_account).await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM loans WHERE member_id = $1 AND status IN ('requested', 'approved', 'disbursed')",
        )
        .bind(member_id)
        .fetch_one(tx.conn())
        .await?;
        let overdue: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM installments i JOIN loans l ON l.id = i.loan_id WHERE l.member_id = $1 \
             AND i.due_on < $2 AND i.principal_paid_rials + i.fee_paid_rials + i.penalty_paid_rials \
             < i.principal_due_rials + i.fee_due_rials + i.penalty_due_rials",
        )
        .bind(member_id)
        .bind(on.to_string())
        .fetch_one(tx.conn())
        .await?;
        let guaranteed: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(l.amount_rials) AS BIGINT) FROM loan_guarantors g JOIN loans l ON l.id = g.loan_id \
             WHERE g.member_id = $1 AND l.status IN ('requested', 'approved', 'disbursed')",
        )
        .bind(member_id)
        .fetch_one(tx.conn())
        .await?;
        Ok(MemberStanding {
            member_id,
            active: member.left_on.is_none(),
            joined_on: member.joined_on,
            savings: Rials::new(savings.kind.normal_balance(savings.balance_rials)),
            has_open_loan: open > 0,
            overdue_installments: u32::try_from(overdue).unwrap_or(u32::MAX),
            guaranteed: Rials::new(guaranteed.unwrap_or(0)),
        })
    }

    /// Checks a loan request against the fund's rules on its date; records it when every rule holds,
    /// and otherwise answers [`StoreError::Ineligible`] with every reason.
    pub(crate) async fn check_loan_in(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        application: &LoanApplication,
    ) -> StoreResult<Vec<domain::fund::Refusal>> {
        let fund = tx.fund(fund_id).await?;
        let borrower = tx.member(application.member_id).await?;
        if borrower.fund_id != fund_id {
            return Err(StoreError::NotFound { what: "member", id: application.member_id });
        }
        let history = tx.fund_rules(fund_id).await?;
        let rules = history.on(application.on);
        let standing = self.standing(tx, application.member_id, application.on).await?;
        let mut guarantors = Vec::with_capacity(application.guarantors.len());
        for id in &application.guarantors {
            let g = tx.member(*id).await?;
            if g.fund_id != fund_id {
                return Err(StoreError::NotFound { what: "member", id: *id });
            }
            guarantors.push(self.standing(tx, *id, application.on).await?);
        }
        let cash_account = tx.fund_account(&fund, codes::CASH).await?;
        let cash = tx.account(cash_account).await?;
        let request =
            LoanRequest { amount: application.amount, term_months: application.term_months, on: application.on };
        Ok(check_loan_request(rules, &standing, &request, &guarantors, Rials::new(cash.balance_rials)))
    }

    pub(crate) async fn request_loan_in(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        application: &LoanApplication,
    ) -> StoreResult<Loan> {
        let refusals = self.check_loan_in(tx, fund_id, application).await?;
        if !refusals.is_empty() {
            return Err(StoreError::Ineligible(refusals));
        }
        let rules = tx.fund_rules(fund_id).await?.on(application.on).clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO loans (fund_id, member_id, amount_rials, term_months, karmozd_method, fee_rate_basis_points, \
             rounding_unit_rials, purpose, jobs_created, jobs_revived, status, requested_on, upfront_fee_rials) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'requested', $11, 0) RETURNING id",
        )
        .bind(fund_id)
        .bind(application.member_id)
        .bind(application.amount.get())
        .bind(i64::from(application.term_months))
        .bind(rules.karmozd_method.code())
        .bind(i64::from(rules.fee_rate.basis_points()))
        .bind(rules.rounding_unit.get())
        .bind(domain::text::normalize_text(&application.purpose))
        .bind(i64::from(application.jobs_created))
        .bind(i64::from(application.jobs_revived))
        .bind(application.on.to_string())
        .fetch_one(tx.conn())
        .await?;
        for g in &application.guarantors {
            sqlx::query("INSERT INTO loan_guarantors (loan_id, member_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*g)
                .execute(tx.conn())
                .await?;
        }
        tx.loan(id).await
    }

    /// Approves a requested loan. Above the fund's threshold a second, different user must approve
    /// too (told apart by user id; by name only for approvals without one). Two people approving at the
    /// same moment: one approval counts, the other is told so.
    pub(crate) async fn approve_loan_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        approver: &Approver,
    ) -> StoreResult<Loan> {
        let name = approver.name.trim();
        if name.is_empty() {
            return Err(invalid("an approval needs the approver's name"));
        }
        let loan = tx.loan(loan_id).await?;
        let rules = tx.fund_rules(loan.fund_id).await?;
        let needs_two = loan.amount > rules.on(loan.requested_on).second_approval_above;
        let first = loan
            .approved_by
            .as_ref()
            .map(|first_name| Approver { user_id: loan.approved_by_user_id, name: first_name.clone() });
        let event = LoanEvent::Approve { by: approver, first: first.as_ref(), needs_two };
        let step = next_step(loan.status, &event).map_err(|refusal| lifecycle_conflict(loan_id, refusal))?;
        // The compare-and-set: only the row as it was read changes.
        let sql = match step {
            LoanStep::Approved { second: false } => {
                "UPDATE loans SET approved_by = $1, approved_by_user_id = $2, status = 'approved' \
                 WHERE id = $3 AND status = 'requested' AND approved_by IS NULL"
            }
            LoanStep::FirstApproval => {
                "UPDATE loans SET approved_by = $1, approved_by_user_id = $2 \
                 WHERE id = $3 AND status = 'requested' AND approved_by IS NULL"
            }
            LoanStep::Approved { second: true } => {
                "UPDATE loans SET second_approved_by = $1, second_approved_by_user_id = $2, status = 'approved' \
                 WHERE id = $3 AND status = 'requested' AND second_approved_by IS NULL"
            }
            other => return Err(StoreError::Unexpected(format!("approval answered {other:?}"))),
        };
        let changed =
            sqlx::query(sql).bind(name).bind(approver.user_id).bind(loan_id).execute(tx.conn()).await?.rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "loan {loan_id} was approved by someone else at the same moment"
            )));
        }
        tx.loan(loan_id).await
    }

    /// Pays an approved loan out: its schedule, its receivable sub-account and one entry (loan up, cash
    /// down, and the fee at disbursement under the upfront method), all in one transaction.
    pub(crate) async fn disburse_loan_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Loan> {
        let loan = tx.loan(loan_id).await?;
        let fund = tx.fund(loan.fund_id).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        if let Err(refusal) = next_step(loan.status, &LoanEvent::Disburse) {
            let stored_key: Option<String> = sqlx::query_scalar("SELECT disbursement_key FROM loans WHERE id = $1")
                .bind(loan_id)
                .fetch_one(tx.conn())
                .await?;
            if stored_key.as_deref() == Some(key.as_str()) {
                return Ok(loan); // a retry of the same disbursement
            }
            return Err(lifecycle_conflict(loan_id, refusal));
        }
        let rules = tx.fund_rules(loan.fund_id).await?.on(on).clone();
        let terms = LoanTerms {
            principal: loan.amount,
            term_months: loan.term_months,
            fee_rate: loan.fee_rate,
            method: loan.method,
            rounding_unit: rules.rounding_unit,
            start: on.to_jalali(),
        };
        let plan = schedule(&terms).map_err(invalid)?;
        let cash = tx.fund_account(&fund, codes::CASH).await?;
        let fee_income = tx.fund_account(&fund, codes::FEE_INCOME).await?;
        let member = tx.member(loan.member_id).await?;
        let account: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials, control_code) \
             VALUES ($1, $2, $3, $4, 1, 0, $5) RETURNING id",
        )
        .bind(fund.book_id.0)
        .bind(format!("{}-L{loan_id}", codes::LOANS))
        .bind(format!("وام {} {}", member.first_name, member.last_name))
        .bind(AccountKind::Asset.code())
        .bind(codes::LOANS)
        .fetch_one(tx.conn())
        .await?;
        let mut postings = vec![
            PostingDraft::debit(AccountId(account), loan.amount),
            PostingDraft::credit(cash, Rials::new(loan.amount.get() - plan.upfront_fee.get())),
        ];
        if plan.upfront_fee.is_positive() {
            postings.push(PostingDraft::credit(fee_income, plan.upfront_fee));
        }
        let draft = EntryDraft {
            idempotency_key: key.clone(),
            code: EntryCode::parse(domain::fund::codes::entries::LOAN_DISBURSE).map_err(invalid)?,
            object_ref: format!("loan:{loan_id}"),
            effective_on: on,
            memo: String::new(),
            reverses: None,
            postings,
        };
        tx.post_entries(fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        for i in &plan.installments {
            sqlx::query(
                "INSERT INTO installments (loan_id, number, due_on, principal_due_rials, fee_due_rials, penalty_due_rials, \
                 principal_paid_rials, fee_paid_rials, penalty_paid_rials) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0)",
            )
            .bind(loan_id)
            .bind(i64::from(i.number))
            .bind(i.due_on.to_iso().to_string())
            .bind(i.principal.get())
            .bind(i.fee.get())
            .execute(tx.conn())
            .await?;
        }
        let changed = sqlx::query(
            "UPDATE loans SET status = 'disbursed', disbursed_on = $1, disbursement_key = $2, account_id = $3, \
             upfront_fee_rials = $4, rounding_unit_rials = $5 WHERE id = $6 AND status = 'approved'",
        )
        .bind(on.to_string())
        .bind(key.as_str())
        .bind(account)
        .bind(plan.upfront_fee.get())
        .bind(rules.rounding_unit.get())
        .bind(loan_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict(format!("loan {loan_id} changed while it was being paid out")));
        }
        tx.loan(loan_id).await
    }

    /// Records a repayment: split over the installments by the fund's order, posted as one entry, the
    /// installments updated in the same transaction. A retry with the same key posts nothing new; an
    /// amount above what is owed is refused.
    pub(crate) async fn repay_loan_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        amount: Rials,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        self.pay(tx, loan_id, Some(amount), on, idempotency_key, now_ms).await
    }

    /// Pays a loan off early: everything owed on installments already due, the principal of the rest,
    /// and under the simple and annuity methods none of the fee of months not reached (it is waived).
    pub(crate) async fn payoff_loan_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        self.pay(tx, loan_id, None, on, idempotency_key, now_ms).await
    }

    /// A repayment of `amount`, or with `None` the early payoff.
    async fn pay(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        amount: Option<Rials>,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        let loan = tx.loan(loan_id).await?;
        let context = self.pay_context(tx, loan.fund_id, on).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        let step = self.pay_in(tx, &context, &loan, amount, on, &key, now_ms).await?;
        match step {
            PayStep::Posted(repayment) => Ok(repayment),
            PayStep::Retried(seq) => self.answer_retried_repayment(tx, &context.fund, loan_id, amount, &key, seq).await,
        }
    }

    /// The repayments of a meeting: one line per loan, all posted in one database transaction or none
    /// (a refused line names its place in the sheet and nothing is written). Each line is its own entry,
    /// keyed `KEY/lLOAN`, so a sheet submitted twice posts each repayment once; a line already posted is
    /// answered as it was, and a key reused with another amount is refused before anything is written.
    /// The whole sheet takes a fixed number of round trips, whatever its length.
    pub(crate) async fn repay_sheet_all_in(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        payments: &[(i64, Rials)],
        on: IsoDate,
        key_prefix: &str,
        now_ms: i64,
    ) -> StoreResult<Vec<Repayment>> {
        let sheet = self.prepare_repayments(tx, fund_id, payments, key_prefix, on).await?;
        let results = self.repay_sheet_in(tx, &sheet, on, now_ms).await?;
        self.answer_sheet(tx, &sheet, results).await
    }

    /// The monthly meeting in one database transaction: every member's savings deposit and every
    /// loan's repayment, all or none. Deposits are keyed `KEY/mMEMBER`, repayments `KEY/r/lLOAN`: the
    /// same sheet sent twice posts nothing the second time.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_meeting_in(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        on: IsoDate,
        key: &str,
        deposits: &[(i64, Rials)],
        repayments: &[(i64, Rials)],
        loaded_at_revision: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<MeetingOutcome> {
        let fund = tx.fund(fund_id).await?;
        let drafts = tx.savings_deposit_drafts(&fund, deposits, on, key).await?;
        let sheet = self.prepare_repayments(tx, fund_id, repayments, &format!("{key}/r"), on).await?;
        let (outcomes, results) = {
            if let Some(expected) = loaded_at_revision {
                let keys: Vec<&str> = drafts
                    .iter()
                    .map(|d| d.idempotency_key.as_str())
                    .chain(sheet.keys.iter().map(|k| k.as_str()))
                    .collect();
                self.check_fresh_in(tx, &fund, expected, &keys).await?;
            }
            let outcomes = tx.post_entries(fund.book_id, &drafts, now_ms).await?;
            let results = self.repay_sheet_in(tx, &sheet, on, now_ms).await?;
            (outcomes, results)
        };
        let repayments = self.answer_sheet(tx, &sheet, results).await?;
        let posted = outcomes.iter().filter(|o| o.status == crate::PostStatus::Posted).count()
            + repayments.iter().filter(|r| !r.already_posted).count();
        Ok(MeetingOutcome { deposits: outcomes, repayments, posted })
    }

    /// Inside a write transaction: refuses with `Stale` when the fund changed since `expected` — unless
    /// one of the form's own keys is already in the book, which makes this a resubmission of the same
    /// form (a double click, a retry after a lost answer) that the keys answer idempotently.
    pub(crate) async fn check_fresh_in(
        &self,
        tx: &mut StoreTx,
        fund: &crate::Fund,
        expected: i64,
        keys: &[&str],
    ) -> StoreResult<()> {
        if self.backend == crate::Backend::Postgres {
            // Writers of this book wait here, so nothing changes it between the check and the posting.
            sqlx::query("SELECT id FROM books WHERE id = $1 FOR UPDATE")
                .bind(fund.book_id.0)
                .fetch_one(tx.conn())
                .await?;
        }
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM data_revisions WHERE book_id = $1")
            .bind(fund.book_id.0)
            .fetch_one(tx.conn())
            .await?;
        if revision == expected {
            return Ok(());
        }
        for chunk in keys.chunks(500) {
            let list = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT COUNT(*) FROM entries WHERE book_id = $1 AND idempotency_key IN ({list})");
            let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(fund.book_id.0);
            for key in chunk {
                query = query.bind(*key);
            }
            if query.fetch_one(tx.conn()).await? > 0 {
                return Ok(());
            }
        }
        Err(StoreError::Stale { what: "fund", id: fund.id })
    }

    /// Checks a sheet's lines and reads what does not change under the write lock: the fund's context
    /// and the loans themselves.
    async fn prepare_repayments(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        payments: &[(i64, Rials)],
        key_prefix: &str,
        on: IsoDate,
    ) -> StoreResult<PreparedSheet> {
        use crate::books::in_list;
        let context = self.pay_context(tx, fund_id, on).await?;
        let mut seen = std::collections::HashSet::new();
        let mut keys = Vec::with_capacity(payments.len());
        for (index, (loan_id, amount)) in payments.iter().enumerate() {
            if !seen.insert(*loan_id) {
                return Err(line_error(index, *loan_id, invalid("the loan appears twice in the sheet")));
            }
            if !amount.is_positive() {
                return Err(line_error(index, *loan_id, invalid("the amount must be more than zero")));
            }
            keys.push(
                IdempotencyKey::parse(&format!("{key_prefix}/l{loan_id}"))
                    .map_err(|e| line_error(index, *loan_id, invalid(e)))?,
            );
        }
        let b = self.backend;
        let mut loans = std::collections::HashMap::new();
        for chunk in payments.chunks(SHEET_CHUNK) {
            let sql = format!("SELECT * FROM loans WHERE id IN ({})", in_list(b, 1, chunk.len()));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, _) in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(tx.conn()).await? {
                let loan = loan_from_row(&row)?;
                loans.insert(loan.id, loan);
            }
        }
        for (index, (loan_id, _)) in payments.iter().enumerate() {
            if loans.get(loan_id).is_none_or(|loan: &Loan| loan.fund_id != fund_id) {
                return Err(line_error(
                    index,
                    *loan_id,
                    StoreError::NotFound { what: "loan of this fund", id: *loan_id },
                ));
            }
        }
        Ok(PreparedSheet { context, payments: payments.to_vec(), keys, loans })
    }

    /// Answers the lines already posted before (with the lines first posted).
    async fn answer_sheet(
        &self,
        tx: &mut StoreTx,
        sheet: &PreparedSheet,
        results: Vec<Option<Repayment>>,
    ) -> StoreResult<Vec<Repayment>> {
        let mut repayments = Vec::with_capacity(results.len());
        for result in results {
            let mut repayment = result.ok_or_else(|| StoreError::Unexpected("a sheet line was not answered".into()))?;
            if repayment.already_posted {
                repayment.lines = self.repayment_lines(tx, &sheet.context.fund, repayment.seq).await?;
            }
            repayments.push(repayment);
        }
        Ok(repayments)
    }

    /// The sheet's repayments inside an open write transaction.
    async fn repay_sheet_in(
        &self,
        tx: &mut StoreTx,
        sheet: &PreparedSheet,
        on: IsoDate,
        now_ms: i64,
    ) -> StoreResult<Vec<Option<Repayment>>> {
        use crate::books::{Bind, WriteBatch, in_list, param, placeholders};
        let b = self.backend;
        let (context, payments, keys, loans) = (&sheet.context, &sheet.payments, &sheet.keys, &sheet.loans);
        let mut results: Vec<Option<Repayment>> = vec![None; payments.len()];
        for (chunk_index, chunk) in payments.chunks(SHEET_CHUNK).enumerate() {
            let first = chunk_index * SHEET_CHUNK;
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            // Statuses under the write lock (PostgreSQL locks the rows, in id order).
            let lock = if b == crate::Backend::Postgres { " ORDER BY id FOR UPDATE" } else { "" };
            let sql = format!("SELECT id, status FROM loans WHERE id IN ({}){lock}", in_list(b, 1, ids.len()));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                query = query.bind(*id);
            }
            let statuses: std::collections::HashMap<i64, String> = query
                .fetch_all(tx.conn())
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("status")?)))
                .collect::<StoreResult<_>>()?;
            // Keys already used, with what they paid and for which loan.
            let chunk_keys = &keys[first..first + chunk.len()];
            let sql = format!(
                "SELECT e.idempotency_key, e.seq, e.object_ref, (SELECT CAST(SUM(p.amount_rials) AS BIGINT) FROM postings p \
                 WHERE p.book_id = e.book_id AND p.entry_seq = e.seq AND p.amount_rials > 0) AS paid \
                 FROM entries e WHERE e.book_id = {} AND e.idempotency_key IN ({})",
                param(b, 1),
                in_list(b, 2, chunk_keys.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(context.fund.book_id.0);
            for key in chunk_keys {
                query = query.bind(key.as_str());
            }
            let mut earlier: std::collections::HashMap<String, (i64, String, Option<i64>)> =
                std::collections::HashMap::new();
            for row in query.fetch_all(tx.conn()).await? {
                earlier.insert(
                    row.try_get("idempotency_key")?,
                    (row.try_get("seq")?, row.try_get("object_ref")?, row.try_get("paid")?),
                );
            }
            // Every installment of the chunk's loans in one read.
            let sql = format!(
                "SELECT loan_id, {INSTALLMENT_COLUMNS} FROM installments WHERE loan_id IN ({}) ORDER BY loan_id, number",
                in_list(b, 1, ids.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                query = query.bind(*id);
            }
            let mut installments: std::collections::HashMap<i64, Vec<InstallmentBalance>> =
                std::collections::HashMap::new();
            for row in query.fetch_all(tx.conn()).await? {
                installments.entry(row.try_get("loan_id")?).or_default().push(installment_from_row(&row)?);
            }

            let mut drafts = Vec::new();
            let mut planned = Vec::new();
            for (offset, ((loan_id, amount), key)) in chunk.iter().zip(chunk_keys).enumerate() {
                let index = first + offset;
                if let Some((seq, object_ref, paid)) = earlier.get(key.as_str()) {
                    if *object_ref != format!("loan:{loan_id}") || *paid != Some(amount.get()) {
                        let error = domain::LedgerError::IdempotencyConflict {
                            key: key.to_string(),
                            existing_seq: EntrySeq(*seq),
                        };
                        return Err(line_error(
                            index,
                            *loan_id,
                            StoreError::Rejected { index: 0, key: key.to_string(), error },
                        ));
                    }
                    results[index] = Some(Repayment { seq: EntrySeq(*seq), already_posted: true, lines: Vec::new() });
                    continue;
                }
                let status = statuses.get(loan_id).map(String::as_str).unwrap_or("?");
                let status = LoanStatus::parse(status).ok_or_else(|| corrupt("loan status", status))?;
                let loan = loans.get(loan_id).ok_or(StoreError::NotFound { what: "loan", id: *loan_id })?;
                let schedule = installments.get(loan_id).map(Vec::as_slice).unwrap_or_default();
                let owed: i64 = schedule.iter().map(|i| i.outstanding().get()).sum();
                let event = LoanEvent::Repay { owed_after_rials: owed - amount.get() };
                if let Err(refusal) = next_step(status, &event) {
                    return Err(line_error(index, *loan_id, lifecycle_conflict(*loan_id, refusal)));
                }
                let lines = allocate_payment(schedule, *amount, context.payment_order)
                    .map_err(|e| line_error(index, *loan_id, invalid(e)))?;
                let account =
                    loan.account_id.ok_or_else(|| StoreError::Unexpected(format!("loan {loan_id} has no account")))?;
                drafts.push(context.repayment_draft(*loan_id, account, key.clone(), *amount, on, &lines)?);
                planned.push((index, *loan_id, lines, owed - amount.get()));
            }
            if drafts.is_empty() {
                continue;
            }
            let outcomes =
                tx.post_entries(context.fund.book_id, &drafts, now_ms).await.map_err(|error| match error {
                    StoreError::Rejected { index, key, error } => {
                        let (line, loan_id, ..) = &planned[index];
                        line_error(*line, *loan_id, StoreError::Rejected { index: 0, key, error })
                    }
                    other => other,
                })?;
            // The installments, the repayment lines and the loans that close: three statements.
            let mut paid_rows = Vec::new();
            let mut closed = Vec::new();
            for ((index, loan_id, lines, owed_after), outcome) in planned.into_iter().zip(&outcomes) {
                for line in &lines {
                    paid_rows.push((loan_id, outcome.seq, *line));
                }
                if owed_after == 0 {
                    closed.push(loan_id);
                }
                results[index] = Some(Repayment { seq: outcome.seq, already_posted: false, lines });
            }
            let mut writes = WriteBatch::new(b);
            let mut binds = Vec::with_capacity(paid_rows.len() * 5);
            for (loan_id, _, line) in &paid_rows {
                binds.extend([
                    Bind::Int(*loan_id),
                    Bind::Int(i64::from(line.number)),
                    Bind::Int(line.penalty.get()),
                    Bind::Int(line.fee.get()),
                    Bind::Int(line.principal.get()),
                ]);
            }
            writes.push(
                format!(
                    "UPDATE installments SET penalty_paid_rials = penalty_paid_rials + v.column3, \
                     fee_paid_rials = fee_paid_rials + v.column4, principal_paid_rials = principal_paid_rials + v.column5 \
                     FROM (VALUES {}) AS v WHERE installments.loan_id = v.column1 AND installments.number = v.column2",
                    placeholders(b, 1, paid_rows.len(), 5)
                ),
                binds,
            );
            let mut binds = Vec::with_capacity(paid_rows.len() * 7);
            for (loan_id, seq, line) in &paid_rows {
                binds.extend([
                    Bind::Int(context.fund.book_id.0),
                    Bind::Int(seq.0),
                    Bind::Int(*loan_id),
                    Bind::Int(i64::from(line.number)),
                    Bind::Int(line.penalty.get()),
                    Bind::Int(line.fee.get()),
                    Bind::Int(line.principal.get()),
                ]);
            }
            writes.push(
                format!(
                    "INSERT INTO repayment_lines (book_id, entry_seq, loan_id, number, penalty_rials, fee_rials, principal_rials) \
                     VALUES {}",
                    placeholders(b, 1, paid_rows.len(), 7)
                ),
                binds,
            );
            if !closed.is_empty() {
                writes.push(
                    format!("UPDATE loans SET status = 'closed' WHERE id IN ({})", in_list(b, 1, closed.len())),
                    closed.iter().map(|id| Bind::Int(*id)).collect(),
                );
            }
            writes.run(tx.conn()).await?;
        }
        Ok(results)
    }

    /// What every repayment of a fund on a date needs: the fund, its rules that day and its accounts.
    async fn pay_context(&self, tx: &mut StoreTx, fund_id: i64, on: IsoDate) -> StoreResult<PayContext> {
        let fund = tx.fund(fund_id).await?;
        let rules = tx.fund_rules(fund_id).await?.on(on).clone();
        let chart = tx.fund_accounts(&fund).await?;
        let account_of = |code: &str| {
            chart
                .get(code)
                .copied()
                .ok_or_else(|| StoreError::Unexpected(format!("fund {} has no account {code}", fund.id)))
        };
        Ok(PayContext {
            cash: account_of(codes::CASH)?,
            fee_income: account_of(codes::FEE_INCOME)?,
            penalty_income: account_of(codes::PENALTY_INCOME)?,
            payment_order: rules.payment_order,
            fund,
        })
    }

    /// One repayment inside an open write transaction: reads the loan's installments there, posts the
    /// entry and updates the installments. A key already used answers `Retried` and changes nothing.
    #[allow(clippy::too_many_arguments)]
    async fn pay_in(
        &self,
        tx: &mut StoreTx,
        context: &PayContext,
        loan: &Loan,
        amount: Option<Rials>,
        on: IsoDate,
        key: &IdempotencyKey,
        now_ms: i64,
    ) -> StoreResult<PayStep> {
        let loan_id = loan.id;
        let fund = &context.fund;
        // Everything below reads inside the write transaction: two payments on one loan queue up
        // (PostgreSQL locks the loan's row; SQLite holds its one writer), and a retried request answers
        // the first one before anything is recomputed.
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT id FROM loans WHERE id = $1 FOR UPDATE").bind(loan_id).fetch_one(tx.conn()).await?;
        }
        let earlier: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM entries WHERE idempotency_key = $1 AND book_id = $2")
                .bind(key.as_str())
                .bind(fund.book_id.0)
                .fetch_optional(tx.conn())
                .await?;
        if let Some(seq) = earlier {
            // Checked here, before anything else in the same transaction is committed: a key reused for
            // another loan or another amount is a conflict, not a retry.
            let row = sqlx::query(
                "SELECT e.object_ref, (SELECT CAST(SUM(p.amount_rials) AS BIGINT) FROM postings p \
                 WHERE p.book_id = e.book_id AND p.entry_seq = e.seq AND p.amount_rials > 0) AS paid \
                 FROM entries e WHERE e.book_id = $1 AND e.seq = $2",
            )
            .bind(fund.book_id.0)
            .bind(seq)
            .fetch_one(tx.conn())
            .await?;
            let object_ref: String = row.try_get("object_ref")?;
            let paid: Option<i64> = row.try_get("paid")?;
            if object_ref != format!("loan:{loan_id}") || amount.is_some_and(|a| Some(a.get()) != paid) {
                return Err(StoreError::Rejected {
                    index: 0,
                    key: key.to_string(),
                    error: domain::LedgerError::IdempotencyConflict {
                        key: key.to_string(),
                        existing_seq: EntrySeq(seq),
                    },
                });
            }
            return Ok(PayStep::Retried(EntrySeq(seq)));
        }
        let status = status_in(tx, loan_id).await?;
        // Whether a payment may go to the loan at all (what it leaves owing is known further on; the
        // closing is written with the installments).
        next_step(status, &LoanEvent::Repay { owed_after_rials: 1 }).map_err(|r| lifecycle_conflict(loan_id, r))?;
        let mut installments = installments_on(tx.conn(), loan_id).await?;
        let amount = match amount {
            Some(amount) => amount,
            None => {
                let quote = domain::fund::payoff_quote(&installments, loan.method, on);
                if quote.fee_waived.is_positive() {
                    for i in installments.iter_mut().filter(|i| i.due_on > on) {
                        i.fee_due = i.fee_paid;
                    }
                    sqlx::query(
                        "UPDATE installments SET fee_due_rials = fee_paid_rials WHERE loan_id = $1 AND due_on > $2",
                    )
                    .bind(loan_id)
                    .bind(on.to_string())
                    .execute(tx.conn())
                    .await?;
                }
                quote.amount
            }
        };
        let lines = allocate_payment(&installments, amount, context.payment_order).map_err(invalid)?;
        let loan_account =
            loan.account_id.ok_or_else(|| StoreError::Unexpected(format!("loan {loan_id} has no account")))?;
        let draft = context.repayment_draft(loan_id, loan_account, key.clone(), amount, on, &lines)?;
        let outcome = tx.post_entries(fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        let seq = outcome.first().map(|o| o.seq).ok_or_else(|| StoreError::Unexpected("no outcome".into()))?;
        let owed_before: i64 = installments.iter().map(|i| i.outstanding().get()).sum();
        self.apply_lines(tx, fund, loan_id, seq, &lines, 1, owed_before - amount.get()).await?;
        Ok(PayStep::Posted(Repayment { seq, already_posted: false, lines }))
    }

    /// Reverses a mistaken repayment: a reversing entry, and the installments as they were before it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn reverse_repayment_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        seq: EntrySeq,
        idempotency_key: &str,
        reason: &str,
        on: IsoDate,
        now_ms: i64,
    ) -> StoreResult<EntrySeq> {
        let loan = tx.loan(loan_id).await?;
        let fund = tx.fund(loan.fund_id).await?;
        let original = tx.entry(fund.book_id, seq).await?;
        if original.draft.code.as_str() != domain::fund::codes::entries::LOAN_REPAY
            || original.draft.object_ref != format!("loan:{loan_id}")
        {
            return Err(invalid(format!("entry {seq} is not a repayment of loan {loan_id}")));
        }
        let lines = self.repayment_lines(tx, &fund, seq).await?;
        let owed_before: i64 = tx.installments(loan_id).await?.iter().map(|i| i.outstanding().get()).sum();
        let taken_back: i64 = lines.iter().map(|l| l.total().get()).sum();
        let draft = EntryDraft {
            idempotency_key: IdempotencyKey::parse(idempotency_key).map_err(invalid)?,
            code: EntryCode::parse(domain::fund::codes::entries::REVERSAL).map_err(invalid)?,
            object_ref: original.draft.object_ref.clone(),
            effective_on: on,
            memo: domain::text::normalize_text(reason),
            reverses: Some(seq),
            postings: EntryDraft::mirror_postings(&original.draft.postings),
        };
        let outcome = tx.post_entries(fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        let first = outcome.first().ok_or_else(|| StoreError::Unexpected("no outcome".into()))?;
        if first.status == crate::PostStatus::Posted {
            self.apply_lines(tx, &fund, loan_id, first.seq, &lines, -1, owed_before + taken_back).await?;
        }
        Ok(first.seq)
    }

    /// Writes off what remains of a loan's principal as a loss (5020), with the approver's name; the
    /// unpaid fee and penalties are dropped with it. The loan ends as written off.
    pub(crate) async fn write_off_loan_in(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        approver: &str,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Loan> {
        let approver = domain::text::normalize_text(approver);
        if approver.is_empty() {
            return Err(invalid("a write-off needs the approver's name"));
        }
        let loan = tx.loan(loan_id).await?;
        let fund = tx.fund(loan.fund_id).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        let loan_account = loan.account_id.ok_or_else(|| invalid(format!("loan {loan_id} was never paid out")))?;
        let write_offs = tx.fund_account(&fund, codes::WRITE_OFFS).await?;
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT id FROM loans WHERE id = $1 FOR UPDATE").bind(loan_id).fetch_one(tx.conn()).await?;
        }
        let status = status_in(tx, loan_id).await?;
        match next_step(status, &LoanEvent::WriteOff) {
            Ok(LoanStep::AlreadyDone) => return tx.loan(loan_id).await, // a retried write-off
            Ok(_) => {}
            Err(refusal) => return Err(lifecycle_conflict(loan_id, refusal)),
        }
        let principal: i64 = sqlx::query_scalar("SELECT balance_rials FROM accounts WHERE id = $1")
            .bind(loan_account.0)
            .fetch_one(tx.conn())
            .await?;
        if principal > 0 {
            let draft = EntryDraft {
                idempotency_key: key,
                code: EntryCode::parse(domain::fund::codes::entries::LOAN_WRITE_OFF).map_err(invalid)?,
                object_ref: format!("loan:{loan_id}"),
                effective_on: on,
                memo: format!("approved by {approver}"),
                reverses: None,
                postings: vec![
                    PostingDraft::debit(write_offs, Rials::new(principal)),
                    PostingDraft::credit(loan_account, Rials::new(principal)),
                ],
            };
            tx.post_entries(fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        }
        sqlx::query("UPDATE loans SET status = 'written_off', written_off_by = $1 WHERE id = $2")
            .bind(approver.as_str())
            .bind(loan_id)
            .execute(tx.conn())
            .await?;
        tx.loan(loan_id).await
    }

    /// The answer to a repayment sent again with a key already used: the first repayment if it was
    /// the same payment on the same loan, otherwise a conflict.
    async fn answer_retried_repayment(
        &self,
        tx: &mut StoreTx,
        fund: &crate::Fund,
        loan_id: i64,
        amount: Option<Rials>,
        key: &IdempotencyKey,
        seq: EntrySeq,
    ) -> StoreResult<Repayment> {
        let original = tx.entry(fund.book_id, seq).await?;
        let paid: i64 =
            original.draft.postings.iter().filter(|p| p.side == domain::Side::Debit).map(|p| p.amount.get()).sum();
        if original.draft.object_ref != format!("loan:{loan_id}") || amount.is_some_and(|a| a.get() != paid) {
            return Err(StoreError::Rejected {
                index: 0,
                key: key.to_string(),
                error: domain::LedgerError::IdempotencyConflict { key: key.to_string(), existing_seq: seq },
            });
        }
        Ok(Repayment { seq, already_posted: true, lines: self.repayment_lines(tx, fund, seq).await? })
    }

    async fn repayment_lines(
        &self,
        tx: &mut StoreTx,
        fund: &crate::Fund,
        seq: EntrySeq,
    ) -> StoreResult<Vec<domain::fund::AllocationLine>> {
        let rows = sqlx::query(
            "SELECT number, penalty_rials, fee_rials, principal_rials FROM repayment_lines WHERE book_id = $1 AND entry_seq = $2 ORDER BY number",
        )
        .bind(fund.book_id.0)
        .bind(seq.0)
        .fetch_all(tx.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(domain::fund::AllocationLine {
                    number: u32::try_from(r.try_get::<i64, _>("number")?).unwrap_or(0),
                    penalty: Rials::new(r.try_get("penalty_rials")?),
                    fee: Rials::new(r.try_get("fee_rials")?),
                    principal: Rials::new(r.try_get("principal_rials")?),
                })
            })
            .collect()
    }

    /// Adds (`sign` 1) or takes back (`sign` −1) a repayment's lines on the installments, records the
    /// lines of a new repayment, and closes or reopens the loan to match — in one round trip on SQLite.
    /// `owed_after` is what the loan still owes once the lines are applied.
    #[allow(clippy::too_many_arguments)]
    async fn apply_lines(
        &self,
        tx: &mut StoreTx,
        fund: &crate::Fund,
        loan_id: i64,
        seq: EntrySeq,
        lines: &[domain::fund::AllocationLine],
        sign: i64,
        owed_after: i64,
    ) -> StoreResult<()> {
        use crate::books::{Bind, WriteBatch, param};
        let b = self.backend;
        let p = |n| param(b, n);
        let mut writes = WriteBatch::new(b);
        for line in lines {
            writes.push(
                format!(
                    "UPDATE installments SET penalty_paid_rials = penalty_paid_rials + {}, fee_paid_rials = fee_paid_rials + {}, \
                     principal_paid_rials = principal_paid_rials + {} WHERE loan_id = {} AND number = {}",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5)
                ),
                vec![
                    Bind::Int(sign * line.penalty.get()),
                    Bind::Int(sign * line.fee.get()),
                    Bind::Int(sign * line.principal.get()),
                    Bind::Int(loan_id),
                    Bind::Int(i64::from(line.number)),
                ],
            );
            if sign > 0 {
                writes.push(
                    format!(
                        "INSERT INTO repayment_lines (book_id, entry_seq, loan_id, number, penalty_rials, fee_rials, principal_rials) \
                         VALUES ({}, {}, {}, {}, {}, {}, {})",
                        p(1),
                        p(2),
                        p(3),
                        p(4),
                        p(5),
                        p(6),
                        p(7)
                    ),
                    vec![
                        Bind::Int(fund.book_id.0),
                        Bind::Int(seq.0),
                        Bind::Int(loan_id),
                        Bind::Int(i64::from(line.number)),
                        Bind::Int(line.penalty.get()),
                        Bind::Int(line.fee.get()),
                        Bind::Int(line.principal.get()),
                    ],
                );
            }
        }
        let status = if owed_after == 0 { LoanStatus::Closed } else { LoanStatus::Disbursed }.code();
        writes.push(
            format!("UPDATE loans SET status = {} WHERE id = {}", p(1), p(2)),
            vec![Bind::Text(status), Bind::Int(loan_id)],
        );
        writes.run(tx.conn()).await
    }
}

/// An open loan of an import: a loan made on paper before the fund came to Abadi, and what has been
/// repaid on it so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedLoan {
    pub national_id: domain::NationalId,
    pub amount: Rials,
    pub term_months: u32,
    pub disbursed_on: IsoDate,
    /// Everything repaid so far (fee and principal), applied to the schedule by the fund's order.
    pub repaid: Rials,
    pub purpose: String,
    pub jobs_created: u32,
    pub jobs_revived: u32,
}

/// An imported loan as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedLoan {
    pub loan_id: i64,
    pub member_id: i64,
    /// What the loan still owes: principal and fee of the remaining schedule.
    pub outstanding: Rials,
    /// The principal not yet repaid: the loan's balance on the books.
    pub principal_outstanding: Rials,
}

impl Store {
    /// Records open loans; see [`StoreTx::import_open_loans`]. With `dry_run` everything is checked and
    /// rolled back.
    pub async fn import_open_loans(
        &self,
        fund_id: i64,
        rows: &[ImportedLoan],
        as_of: IsoDate,
        key_prefix: &str,
        now_ms: i64,
        dry_run: bool,
    ) -> StoreResult<Vec<OpenedLoan>> {
        let mut tx = self.begin().await?;
        let opened = self.import_open_loans_in(&mut tx, fund_id, rows, as_of, key_prefix, now_ms).await?;
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit_as_system("loan.import", &format!("fund:{fund_id}"), now_ms).await?;
        }
        Ok(opened)
    }

    /// The monthly meeting in one transaction; see [`StoreTx::record_meeting`].
    #[allow(clippy::too_many_arguments)]
    pub async fn record_meeting(
        &self,
        fund_id: i64,
        on: IsoDate,
        key: &str,
        deposits: &[(i64, Rials)],
        repayments: &[(i64, Rials)],
        loaded_at_revision: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<MeetingOutcome> {
        let mut tx = self.begin().await?;
        let outcome =
            self.record_meeting_in(&mut tx, fund_id, on, key, deposits, repayments, loaded_at_revision, now_ms).await?;
        tx.commit_as_system("meeting.sheet", &format!("fund:{fund_id}"), now_ms).await?;
        Ok(outcome)
    }
}

impl StoreTx {
    /// Records open loans made on paper; all or none (the caller rolls back on an error).
    pub async fn import_open_loans(
        &mut self,
        fund_id: i64,
        rows: &[ImportedLoan],
        as_of: IsoDate,
        key_prefix: &str,
        now_ms: i64,
    ) -> StoreResult<Vec<OpenedLoan>> {
        let store = self.store.clone();
        store.import_open_loans_in(self, fund_id, rows, as_of, key_prefix, now_ms).await
    }

    /// The monthly meeting: every member's savings deposit and every loan's repayment, all or none.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_meeting(
        &mut self,
        fund_id: i64,
        on: IsoDate,
        key: &str,
        deposits: &[(i64, Rials)],
        repayments: &[(i64, Rials)],
        loaded_at_revision: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<MeetingOutcome> {
        let store = self.store.clone();
        store.record_meeting_in(self, fund_id, on, key, deposits, repayments, loaded_at_revision, now_ms).await
    }
}

impl Store {
    /// Records open loans with what remains of their schedules, in one transaction: all of them or
    /// none. Each loan is rebuilt on the fund's rules of its disbursement date (method, rate,
    /// rounding), what was repaid is applied to its schedule by the fund's order, and its unpaid
    /// principal is booked on `as_of` as an opening entry (loan up, cash down: the money was lent
    /// out of the fund's cash, which the opening savings brought in). With `dry_run` everything is
    /// checked, the books included, and the transaction is rolled back. A refused row is named by its
    /// position (`index`), counted from 0.
    pub(crate) async fn import_open_loans_in(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        rows: &[ImportedLoan],
        as_of: IsoDate,
        key_prefix: &str,
        now_ms: i64,
    ) -> StoreResult<Vec<OpenedLoan>> {
        let fund = tx.fund(fund_id).await?;
        let history = tx.fund_rules(fund_id).await?;
        let cash = tx.fund_account(&fund, codes::CASH).await?;
        let row_error = |index: usize, error: StoreError| StoreError::ImportRow { index, error: Box::new(error) };
        let mut opened = Vec::with_capacity(rows.len());
        let mut drafts = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let refuse = |reason: String| row_error(index, StoreError::Invalid(reason));
            if !row.amount.is_positive() {
                return Err(refuse("the amount must be more than zero".into()));
            }
            if row.disbursed_on > as_of {
                return Err(refuse(format!("paid out on {}, after the import date", row.disbursed_on.to_jalali())));
            }
            if row.disbursed_on < fund.opened_on {
                return Err(refuse(format!("paid out before the fund opened ({})", fund.opened_on.to_jalali())));
            }
            let member = sqlx::query(
                "SELECT id, first_name, last_name, left_on FROM members WHERE fund_id = $1 AND national_id = $2",
            )
            .bind(fund_id)
            .bind(row.national_id.as_str())
            .fetch_optional(tx.conn())
            .await?
            .ok_or_else(|| refuse(format!("no member of this fund has national ID {}", row.national_id)))?;
            let member_id: i64 = member.try_get("id")?;
            if member.try_get::<Option<String>, _>("left_on")?.is_some() {
                return Err(refuse(format!("member {} has left the fund", row.national_id)));
            }
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM loans WHERE member_id = $1 AND status IN ('requested', 'approved', 'disbursed')",
            )
            .bind(member_id)
            .fetch_one(tx.conn())
            .await?;
            if open > 0 {
                return Err(refuse(format!("member {} already has an open loan", row.national_id)));
            }
            let rules = history.on(row.disbursed_on);
            let terms = LoanTerms {
                principal: row.amount,
                term_months: row.term_months,
                fee_rate: rules.fee_rate,
                method: rules.karmozd_method,
                rounding_unit: rules.rounding_unit,
                start: row.disbursed_on.to_jalali(),
            };
            let plan = schedule(&terms).map_err(|e| refuse(e.to_string()))?;
            let mut installments: Vec<InstallmentBalance> = plan
                .installments
                .iter()
                .map(|i| InstallmentBalance {
                    number: i.number,
                    due_on: i.due_on.to_iso(),
                    principal_due: i.principal,
                    fee_due: i.fee,
                    penalty_due: Rials::ZERO,
                    principal_paid: Rials::ZERO,
                    fee_paid: Rials::ZERO,
                    penalty_paid: Rials::ZERO,
                })
                .collect();
            let total: i64 = installments.iter().map(|i| i.outstanding().get()).sum();
            if row.repaid.get() >= total {
                return Err(refuse(format!(
                    "repaid {} of {} owed: the loan is not open; leave it out",
                    row.repaid.get(),
                    total
                )));
            }
            if row.repaid.is_negative() {
                return Err(refuse("what was repaid cannot be negative".into()));
            }
            if row.repaid.is_positive() {
                let lines = allocate_payment(&installments, row.repaid, rules.payment_order)
                    .map_err(|e| refuse(e.to_string()))?;
                for line in lines {
                    if let Some(i) = installments.iter_mut().find(|i| i.number == line.number) {
                        i.fee_paid = Rials::new(i.fee_paid.get() + line.fee.get());
                        i.principal_paid = Rials::new(i.principal_paid.get() + line.principal.get());
                    }
                }
            }
            let principal_outstanding =
                Rials::new(installments.iter().map(|i| i.principal_due.get() - i.principal_paid.get()).sum());
            let key = IdempotencyKey::parse(&format!("{key_prefix}/{}", row.national_id)).map_err(invalid)?;
            let loan_id: i64 = sqlx::query_scalar(
                "INSERT INTO loans (fund_id, member_id, amount_rials, term_months, karmozd_method, fee_rate_basis_points, \
                 rounding_unit_rials, purpose, jobs_created, jobs_revived, status, requested_on, approved_by, \
                 disbursed_on, disbursement_key, upfront_fee_rials) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'disbursed', $11, 'import', $11, $12, $13) RETURNING id",
            )
            .bind(fund_id)
            .bind(member_id)
            .bind(row.amount.get())
            .bind(i64::from(row.term_months))
            .bind(rules.karmozd_method.code())
            .bind(i64::from(rules.fee_rate.basis_points()))
            .bind(rules.rounding_unit.get())
            .bind(domain::text::normalize_text(&row.purpose))
            .bind(i64::from(row.jobs_created))
            .bind(i64::from(row.jobs_revived))
            .bind(row.disbursed_on.to_string())
            .bind(key.as_str())
            .bind(plan.upfront_fee.get())
            .fetch_one(tx.conn())
            .await?;
            let first_name: String = member.try_get("first_name")?;
            let last_name: String = member.try_get("last_name")?;
            let account: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials, control_code) \
                 VALUES ($1, $2, $3, $4, 1, 0, $5) RETURNING id",
            )
            .bind(fund.book_id.0)
            .bind(format!("{}-L{loan_id}", codes::LOANS))
            .bind(format!("وام {first_name} {last_name}"))
            .bind(AccountKind::Asset.code())
            .bind(codes::LOANS)
            .fetch_one(tx.conn())
            .await?;
            sqlx::query("UPDATE loans SET account_id = $1 WHERE id = $2")
                .bind(account)
                .bind(loan_id)
                .execute(tx.conn())
                .await?;
            for i in &installments {
                sqlx::query(
                    "INSERT INTO installments (loan_id, number, due_on, principal_due_rials, fee_due_rials, penalty_due_rials, \
                     principal_paid_rials, fee_paid_rials, penalty_paid_rials) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, 0)",
                )
                .bind(loan_id)
                .bind(i64::from(i.number))
                .bind(i.due_on.to_string())
                .bind(i.principal_due.get())
                .bind(i.fee_due.get())
                .bind(i.principal_paid.get())
                .bind(i.fee_paid.get())
                .execute(tx.conn())
                .await?;
            }
            drafts.push(EntryDraft {
                idempotency_key: key,
                code: EntryCode::parse(domain::fund::codes::entries::LOAN_OPENING).map_err(invalid)?,
                object_ref: format!("loan:{loan_id}"),
                effective_on: as_of,
                memo: String::new(),
                reverses: None,
                postings: vec![
                    PostingDraft::debit(AccountId(account), principal_outstanding),
                    PostingDraft::credit(cash, principal_outstanding),
                ],
            });
            opened.push(OpenedLoan {
                loan_id,
                member_id,
                outstanding: Rials::new(installments.iter().map(|i| i.outstanding().get()).sum()),
                principal_outstanding,
            });
        }
        let drafts: Vec<EntryDraft> = drafts.into_iter().filter(|d| d.postings[0].amount.is_positive()).collect();
        tx.post_entries(fund.book_id, &drafts, now_ms).await.map_err(|error| match error {
            StoreError::Rejected { index, key, error } => {
                let row = rows.iter().position(|r| key.ends_with(&format!("/{}", r.national_id))).unwrap_or(index);
                row_error(row, StoreError::Rejected { index: 0, key, error })
            }
            other => other,
        })?;
        Ok(opened)
    }
}

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

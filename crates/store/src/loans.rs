//! Loans of a village fund: request (with every reason it fails), approval, disbursement with its
//! schedule, repayments split by the fund's order, and reversal of a mistaken repayment. Each step that
//! moves money posts to the fund's books in the same database transaction as its own rows.

use crate::{Store, StoreError, StoreResult};
use domain::fund::{
    InstallmentBalance, LoanRequest, MemberStanding, PaymentPart, allocate_payment, check_loan_request, codes,
};
use domain::loan::{FeeRate, KarmozdMethod, LoanTerms, schedule};
use domain::{AccountId, AccountKind, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate, PostingDraft, Rials};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a loan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoanStatus {
    Requested,
    Approved,
    Disbursed,
    Closed,
    WrittenOff,
}

impl LoanStatus {
    pub fn code(self) -> &'static str {
        match self {
            LoanStatus::Requested => "requested",
            LoanStatus::Approved => "approved",
            LoanStatus::Disbursed => "disbursed",
            LoanStatus::Closed => "closed",
            LoanStatus::WrittenOff => "written_off",
        }
    }
    fn parse(code: &str) -> Option<LoanStatus> {
        [LoanStatus::Requested, LoanStatus::Approved, LoanStatus::Disbursed, LoanStatus::Closed, LoanStatus::WrittenOff]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

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

async fn installments_on(conn: &mut sqlx::AnyConnection, loan_id: i64) -> StoreResult<Vec<InstallmentBalance>> {
    let sql = format!("SELECT {INSTALLMENT_COLUMNS} FROM installments WHERE loan_id = $1 ORDER BY number");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(loan_id).fetch_all(&mut *conn).await?;
    rows.iter().map(installment_from_row).collect()
}

const INSTALLMENT_COLUMNS: &str = "number, due_on, principal_due_rials, fee_due_rials, penalty_due_rials, \
     principal_paid_rials, fee_paid_rials, penalty_paid_rials";

impl Store {
    pub async fn loan(&self, id: i64) -> StoreResult<Loan> {
        let row = sqlx::query("SELECT * FROM loans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { what: "loan", id })?;
        loan_from_row(&row)
    }

    pub async fn installments(&self, loan_id: i64) -> StoreResult<Vec<InstallmentBalance>> {
        let mut conn = self.pool.acquire().await?;
        installments_on(&mut conn, loan_id).await
    }

    /// What the eligibility rules need to know of a member on a date.
    async fn standing(&self, member_id: i64, on: IsoDate) -> StoreResult<MemberStanding> {
        let member = self.member(member_id).await?;
        let savings = self.account(member.savings_account).await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM loans WHERE member_id = $1 AND status IN ('requested', 'approved', 'disbursed')",
        )
        .bind(member_id)
        .fetch_one(&self.pool)
        .await?;
        let overdue: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM installments i JOIN loans l ON l.id = i.loan_id WHERE l.member_id = $1 \
             AND i.due_on < $2 AND i.principal_paid_rials + i.fee_paid_rials + i.penalty_paid_rials \
             < i.principal_due_rials + i.fee_due_rials + i.penalty_due_rials",
        )
        .bind(member_id)
        .bind(on.to_string())
        .fetch_one(&self.pool)
        .await?;
        let guaranteed: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(l.amount_rials) AS BIGINT) FROM loan_guarantors g JOIN loans l ON l.id = g.loan_id \
             WHERE g.member_id = $1 AND l.status IN ('requested', 'approved', 'disbursed')",
        )
        .bind(member_id)
        .fetch_one(&self.pool)
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
    pub async fn check_loan(
        &self,
        fund_id: i64,
        application: &LoanApplication,
    ) -> StoreResult<Vec<domain::fund::Refusal>> {
        let fund = self.fund(fund_id).await?;
        let borrower = self.member(application.member_id).await?;
        if borrower.fund_id != fund_id {
            return Err(StoreError::NotFound { what: "member", id: application.member_id });
        }
        let history = self.fund_rules(fund_id).await?;
        let rules = history.on(application.on);
        let standing = self.standing(application.member_id, application.on).await?;
        let mut guarantors = Vec::with_capacity(application.guarantors.len());
        for id in &application.guarantors {
            let g = self.member(*id).await?;
            if g.fund_id != fund_id {
                return Err(StoreError::NotFound { what: "member", id: *id });
            }
            guarantors.push(self.standing(*id, application.on).await?);
        }
        let cash = self.account(self.fund_account(&fund, codes::CASH).await?).await?;
        let request =
            LoanRequest { amount: application.amount, term_months: application.term_months, on: application.on };
        Ok(check_loan_request(rules, &standing, &request, &guarantors, Rials::new(cash.balance_rials)))
    }

    pub async fn request_loan(&self, fund_id: i64, application: &LoanApplication) -> StoreResult<Loan> {
        let refusals = self.check_loan(fund_id, application).await?;
        if !refusals.is_empty() {
            return Err(StoreError::Ineligible(refusals));
        }
        let rules = self.fund_rules(fund_id).await?.on(application.on).clone();
        let mut tx = self.begin_write().await?;
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
        .fetch_one(&mut *tx)
        .await?;
        for g in &application.guarantors {
            sqlx::query("INSERT INTO loan_guarantors (loan_id, member_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*g)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.loan(id).await
    }

    /// Approves a requested loan. Above the fund's threshold a second, different person must approve
    /// too. Two people approving at the same moment: one approval counts, the other is told so.
    pub async fn approve_loan(&self, loan_id: i64, approver: &str) -> StoreResult<Loan> {
        let approver = approver.trim();
        if approver.is_empty() {
            return Err(invalid("an approval needs the approver's name"));
        }
        let loan = self.loan(loan_id).await?;
        if loan.status != LoanStatus::Requested {
            return Err(StoreError::Conflict(format!(
                "loan {loan_id} is {}, not waiting for approval",
                loan.status.code()
            )));
        }
        let rules = self.fund_rules(loan.fund_id).await?;
        let needs_two = loan.amount > rules.on(loan.requested_on).second_approval_above;
        let sql = match (&loan.approved_by, needs_two) {
            (None, false) => {
                "UPDATE loans SET approved_by = $1, status = 'approved' WHERE id = $2 AND status = 'requested' AND approved_by IS NULL"
            }
            (None, true) => {
                "UPDATE loans SET approved_by = $1 WHERE id = $2 AND status = 'requested' AND approved_by IS NULL"
            }
            (Some(first), true) if first == approver => {
                return Err(StoreError::Conflict(format!(
                    "{approver} already approved loan {loan_id}; a second person must approve it"
                )));
            }
            (Some(_), true) => {
                "UPDATE loans SET second_approved_by = $1, status = 'approved' WHERE id = $2 AND status = 'requested' AND second_approved_by IS NULL"
            }
            (Some(_), false) => return Err(StoreError::Conflict(format!("loan {loan_id} is already approved"))),
        };
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(sql).bind(approver).bind(loan_id).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "loan {loan_id} was approved by someone else at the same moment"
            )));
        }
        self.loan(loan_id).await
    }

    /// Pays an approved loan out: its schedule, its receivable sub-account and one entry (loan up, cash
    /// down, and the fee at disbursement under the upfront method), all in one transaction.
    pub async fn disburse_loan(
        &self,
        loan_id: i64,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Loan> {
        let loan = self.loan(loan_id).await?;
        let fund = self.fund(loan.fund_id).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        if loan.status != LoanStatus::Approved {
            let stored_key: Option<String> = sqlx::query_scalar("SELECT disbursement_key FROM loans WHERE id = $1")
                .bind(loan_id)
                .fetch_one(&self.pool)
                .await?;
            if stored_key.as_deref() == Some(key.as_str()) {
                return Ok(loan); // a retry of the same disbursement
            }
            return Err(StoreError::Conflict(format!(
                "loan {loan_id} is {}, not approved for payment",
                loan.status.code()
            )));
        }
        let rules = self.fund_rules(loan.fund_id).await?.on(on).clone();
        let terms = LoanTerms {
            principal: loan.amount,
            term_months: loan.term_months,
            fee_rate: loan.fee_rate,
            method: loan.method,
            rounding_unit: rules.rounding_unit,
            start: on.to_jalali(),
        };
        let plan = schedule(&terms).map_err(invalid)?;
        let cash = self.fund_account(&fund, codes::CASH).await?;
        let fee_income = self.fund_account(&fund, codes::FEE_INCOME).await?;
        begin_posting!(self, writer, tx);
        let member = self.member(loan.member_id).await?;
        let account: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials, control_code) \
             VALUES ($1, $2, $3, $4, 1, 0, $5) RETURNING id",
        )
        .bind(fund.book_id.0)
        .bind(format!("{}-L{loan_id}", codes::LOANS))
        .bind(format!("وام {} {}", member.first_name, member.last_name))
        .bind(AccountKind::Asset.code())
        .bind(codes::LOANS)
        .fetch_one(&mut *tx)
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
            code: EntryCode::parse("loan.disburse").map_err(invalid)?,
            object_ref: format!("loan:{loan_id}"),
            effective_on: on,
            memo: String::new(),
            reverses: None,
            postings,
        };
        self.post_entries_in(&mut tx, fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
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
            .execute(&mut *tx)
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
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict(format!("loan {loan_id} changed while it was being paid out")));
        }
        tx.commit().await?;
        drop(writer);
        self.loan(loan_id).await
    }

    /// Records a repayment: split over the installments by the fund's order, posted as one entry, the
    /// installments updated in the same transaction. A retry with the same key posts nothing new; an
    /// amount above what is owed is refused.
    pub async fn repay_loan(
        &self,
        loan_id: i64,
        amount: Rials,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        self.pay(loan_id, Some(amount), on, idempotency_key, now_ms).await
    }

    /// What paying the loan off on a date would cost, and the fee that would be waived.
    pub async fn payoff_quote(&self, loan_id: i64, on: IsoDate) -> StoreResult<domain::fund::PayoffQuote> {
        let loan = self.loan(loan_id).await?;
        Ok(domain::fund::payoff_quote(&self.installments(loan_id).await?, loan.method, on))
    }

    /// Pays a loan off early: everything owed on installments already due, the principal of the rest,
    /// and under the simple and annuity methods none of the fee of months not reached (it is waived).
    pub async fn payoff_loan(
        &self,
        loan_id: i64,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        self.pay(loan_id, None, on, idempotency_key, now_ms).await
    }

    /// A repayment of `amount`, or with `None` the early payoff.
    async fn pay(
        &self,
        loan_id: i64,
        amount: Option<Rials>,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        let loan = self.loan(loan_id).await?;
        let fund = self.fund(loan.fund_id).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        let rules = self.fund_rules(loan.fund_id).await?.on(on).clone();
        begin_posting!(self, writer, tx);
        // Everything below reads inside the write transaction: two payments on one loan queue up
        // (PostgreSQL locks the loan's row; SQLite holds its one writer), and a retried request answers
        // the first one before anything is recomputed.
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT id FROM loans WHERE id = $1 FOR UPDATE").bind(loan_id).fetch_one(&mut *tx).await?;
        }
        let earlier: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM entries WHERE idempotency_key = $1 AND book_id = $2")
                .bind(key.as_str())
                .bind(fund.book_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(seq) = earlier {
            drop(tx);
            drop(writer);
            return self.answer_retried_repayment(&fund, loan_id, amount, &key, EntrySeq(seq)).await;
        }
        let status: String =
            sqlx::query_scalar("SELECT status FROM loans WHERE id = $1").bind(loan_id).fetch_one(&mut *tx).await?;
        if status != LoanStatus::Disbursed.code() {
            return Err(StoreError::Conflict(format!("loan {loan_id} is {status}: payments go to disbursed loans")));
        }
        let mut installments = installments_on(&mut tx, loan_id).await?;
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
                    .execute(&mut *tx)
                    .await?;
                }
                quote.amount
            }
        };
        let lines = allocate_payment(&installments, amount, rules.payment_order).map_err(invalid)?;
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
        let loan_account =
            loan.account_id.ok_or_else(|| StoreError::Unexpected(format!("loan {loan_id} has no account")))?;
        let chart = self.fund_accounts(&fund).await?;
        let account_of = |code: &str| {
            chart
                .get(code)
                .copied()
                .ok_or_else(|| StoreError::Unexpected(format!("fund {} has no account {code}", fund.id)))
        };
        let mut postings = vec![PostingDraft::debit(account_of(codes::CASH)?, amount)];
        for (part, account) in [
            (PaymentPart::Principal, loan_account),
            (PaymentPart::Fee, account_of(codes::FEE_INCOME)?),
            (PaymentPart::Penalty, account_of(codes::PENALTY_INCOME)?),
        ] {
            if sum(part) > 0 {
                postings.push(PostingDraft::credit(account, Rials::new(sum(part))));
            }
        }
        let draft = EntryDraft {
            idempotency_key: key,
            code: EntryCode::parse("loan.repay").map_err(invalid)?,
            object_ref: format!("loan:{loan_id}"),
            effective_on: on,
            memo: String::new(),
            reverses: None,
            postings,
        };
        let outcome = self.post_entries_in(&mut tx, fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        let seq = outcome.first().map(|o| o.seq).ok_or_else(|| StoreError::Unexpected("no outcome".into()))?;
        let owed_before: i64 = installments.iter().map(|i| i.outstanding().get()).sum();
        self.apply_lines(&mut tx, &fund, loan_id, seq, &lines, 1, owed_before - amount.get()).await?;
        tx.commit().await?;
        drop(writer);
        Ok(Repayment { seq, already_posted: false, lines })
    }

    /// Reverses a mistaken repayment: a reversing entry, and the installments as they were before it.
    pub async fn reverse_repayment(
        &self,
        loan_id: i64,
        seq: EntrySeq,
        idempotency_key: &str,
        reason: &str,
        on: IsoDate,
        now_ms: i64,
    ) -> StoreResult<EntrySeq> {
        let loan = self.loan(loan_id).await?;
        let fund = self.fund(loan.fund_id).await?;
        let original = self.entry(fund.book_id, seq).await?;
        if original.draft.code.as_str() != "loan.repay" || original.draft.object_ref != format!("loan:{loan_id}") {
            return Err(invalid(format!("entry {seq} is not a repayment of loan {loan_id}")));
        }
        let lines = self.repayment_lines(&fund, seq).await?;
        let owed_before: i64 = self.installments(loan_id).await?.iter().map(|i| i.outstanding().get()).sum();
        let taken_back: i64 = lines.iter().map(|l| l.total().get()).sum();
        let draft = EntryDraft {
            idempotency_key: IdempotencyKey::parse(idempotency_key).map_err(invalid)?,
            code: EntryCode::parse("reversal").map_err(invalid)?,
            object_ref: original.draft.object_ref.clone(),
            effective_on: on,
            memo: domain::text::normalize_text(reason),
            reverses: Some(seq),
            postings: EntryDraft::mirror_postings(&original.draft.postings),
        };
        begin_posting!(self, writer, tx);
        let outcome = self.post_entries_in(&mut tx, fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        let first = outcome.first().ok_or_else(|| StoreError::Unexpected("no outcome".into()))?;
        if first.status == crate::PostStatus::Posted {
            self.apply_lines(&mut tx, &fund, loan_id, first.seq, &lines, -1, owed_before + taken_back).await?;
        }
        tx.commit().await?;
        drop(writer);
        Ok(first.seq)
    }

    /// Writes off what remains of a loan's principal as a loss (5020), with the approver's name; the
    /// unpaid fee and penalties are dropped with it. The loan ends as written off.
    pub async fn write_off_loan(
        &self,
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
        let loan = self.loan(loan_id).await?;
        let fund = self.fund(loan.fund_id).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        let loan_account = loan.account_id.ok_or_else(|| invalid(format!("loan {loan_id} was never paid out")))?;
        let write_offs = self.fund_account(&fund, codes::WRITE_OFFS).await?;
        begin_posting!(self, writer, tx);
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT id FROM loans WHERE id = $1 FOR UPDATE").bind(loan_id).fetch_one(&mut *tx).await?;
        }
        let status: String =
            sqlx::query_scalar("SELECT status FROM loans WHERE id = $1").bind(loan_id).fetch_one(&mut *tx).await?;
        if status == LoanStatus::WrittenOff.code() {
            drop(tx);
            drop(writer);
            return self.loan(loan_id).await; // a retried write-off
        }
        if status != LoanStatus::Disbursed.code() {
            return Err(StoreError::Conflict(format!(
                "loan {loan_id} is {status}: only a disbursed loan is written off"
            )));
        }
        let principal: i64 = sqlx::query_scalar("SELECT balance_rials FROM accounts WHERE id = $1")
            .bind(loan_account.0)
            .fetch_one(&mut *tx)
            .await?;
        if principal > 0 {
            let draft = EntryDraft {
                idempotency_key: key,
                code: EntryCode::parse("loan.write_off").map_err(invalid)?,
                object_ref: format!("loan:{loan_id}"),
                effective_on: on,
                memo: format!("approved by {approver}"),
                reverses: None,
                postings: vec![
                    PostingDraft::debit(write_offs, Rials::new(principal)),
                    PostingDraft::credit(loan_account, Rials::new(principal)),
                ],
            };
            self.post_entries_in(&mut tx, fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        }
        sqlx::query("UPDATE loans SET status = 'written_off', written_off_by = $1 WHERE id = $2")
            .bind(approver.as_str())
            .bind(loan_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        drop(writer);
        self.loan(loan_id).await
    }

    /// The answer to a repayment sent again with a key already used: the first repayment if it was
    /// the same payment on the same loan, otherwise a conflict.
    async fn answer_retried_repayment(
        &self,
        fund: &crate::Fund,
        loan_id: i64,
        amount: Option<Rials>,
        key: &IdempotencyKey,
        seq: EntrySeq,
    ) -> StoreResult<Repayment> {
        let original = self.entry(fund.book_id, seq).await?;
        let paid: i64 =
            original.draft.postings.iter().filter(|p| p.side == domain::Side::Debit).map(|p| p.amount.get()).sum();
        if original.draft.object_ref != format!("loan:{loan_id}") || amount.is_some_and(|a| a.get() != paid) {
            return Err(StoreError::Rejected {
                index: 0,
                key: key.to_string(),
                error: domain::LedgerError::IdempotencyConflict { key: key.to_string(), existing_seq: seq },
            });
        }
        Ok(Repayment { seq, already_posted: true, lines: self.repayment_lines(fund, seq).await? })
    }

    async fn repayment_lines(
        &self,
        fund: &crate::Fund,
        seq: EntrySeq,
    ) -> StoreResult<Vec<domain::fund::AllocationLine>> {
        let rows = sqlx::query(
            "SELECT number, penalty_rials, fee_rials, principal_rials FROM repayment_lines WHERE book_id = $1 AND entry_seq = $2 ORDER BY number",
        )
        .bind(fund.book_id.0)
        .bind(seq.0)
        .fetch_all(&self.pool)
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
        tx: &mut sqlx::AnyConnection,
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
        let status = if owed_after == 0 { "closed" } else { "disbursed" };
        writes.push(
            format!("UPDATE loans SET status = {} WHERE id = {}", p(1), p(2)),
            vec![Bind::Text(status), Bind::Int(loan_id)],
        );
        writes.run(tx).await
    }
}

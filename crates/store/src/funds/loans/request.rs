//! A loan request checked against the fund's rules, recorded, and approved (once, or twice above the fund's limit).

use super::*;

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

impl Store {
    /// What the eligibility rules need to know of a member on a date.
    pub(crate) async fn standing(&self, tx: &mut StoreTx, member_id: i64, on: IsoDate) -> StoreResult<MemberStanding> {
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
        let loan = lock_loan(tx, loan_id).await?;
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
}

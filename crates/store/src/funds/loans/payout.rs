//! Paying an approved loan out: its schedule, its receivable sub-account and one entry.

use super::*;

write_on_both!(
    /// Pays an approved loan out: its schedule, its receivable sub-account and one entry.
    disburse_loan = disburse_loan_in(loan_id: i64, on: IsoDate, idempotency_key: &str, now_ms: i64) -> Loan,
    audit "loan.disburse", format!("loan:{loan_id}"), now_ms
);
impl Store {
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
        let loan = lock_loan(tx, loan_id).await?;
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
}

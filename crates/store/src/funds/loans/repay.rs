//! Repayments split by the fund's order, the early payoff, a mistaken repayment reversed, and the write-off.

use super::*;

/// What the repayments of one fund on one day share.
pub(crate) struct PayContext {
    pub(crate) fund: crate::Fund,
    pub(crate) cash: AccountId,
    pub(crate) fee_income: AccountId,
    pub(crate) penalty_income: AccountId,
    pub(crate) payment_order: [PaymentPart; 3],
}

impl PayContext {
    /// The entry of one repayment: cash in, split over principal, fee and penalty as allocated.
    pub(crate) fn repayment_draft(
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
pub(crate) enum PayStep {
    Posted(Repayment),
    Retried(EntrySeq),
}

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
    /// What paying the loan off on a date would cost, and the fee that would be waived.
    pub async fn payoff_quote(&self, loan_id: i64, on: IsoDate) -> StoreResult<domain::fund::PayoffQuote> {
        let loan = self.loan(loan_id).await?;
        Ok(domain::fund::payoff_quote(&self.installments(loan_id).await?, loan.method, on))
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
    pub(crate) async fn pay(
        &self,
        tx: &mut StoreTx,
        loan_id: i64,
        amount: Option<Rials>,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Repayment> {
        let loan = lock_loan(tx, loan_id).await?;
        let context = self.pay_context(tx, loan.fund_id, on).await?;
        let key = IdempotencyKey::parse(idempotency_key).map_err(invalid)?;
        let step = self.pay_in(tx, &context, &loan, amount, on, &key, now_ms).await?;
        match step {
            PayStep::Posted(repayment) => Ok(repayment),
            PayStep::Retried(seq) => self.answer_retried_repayment(tx, &context.fund, loan_id, amount, &key, seq).await,
        }
    }

    /// What every repayment of a fund on a date needs: the fund, its rules that day and its accounts.
    pub(crate) async fn pay_context(&self, tx: &mut StoreTx, fund_id: i64, on: IsoDate) -> StoreResult<PayContext> {
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
    pub(crate) async fn pay_in(
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
        let loan = lock_loan(tx, loan_id).await?;
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
        let loan = lock_loan(tx, loan_id).await?;
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
    pub(crate) async fn answer_retried_repayment(
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

    pub(crate) async fn repayment_lines(
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
    pub(crate) async fn apply_lines(
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

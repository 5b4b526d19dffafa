//! Open loans made on paper, imported with what remains of their schedules: all or none.

use super::*;

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

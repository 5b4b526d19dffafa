//! The meeting: a sheet of repayments, or every member's savings and installment at once, all or none, refused when stale.

use super::*;

/// A sheet's lines checked, with what the write transaction needs.
pub(crate) struct PreparedSheet {
    pub(crate) context: PayContext,
    pub(crate) payments: Vec<(i64, Rials)>,
    pub(crate) keys: Vec<IdempotencyKey>,
    pub(crate) loans: std::collections::HashMap<i64, Loan>,
}

pub(crate) fn line_error(index: usize, loan_id: i64, error: StoreError) -> StoreError {
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
pub(crate) const SHEET_CHUNK: usize = 500;

write_on_both!(
    /// A meeting's repayments, all or none.
    repay_sheet = repay_sheet_all_in(fund_id: i64, payments: &[(i64, Rials)], on: IsoDate, key_prefix: &str, now_ms: i64) -> Vec<Repayment>,
    audit "loan.repay_sheet", format!("fund:{fund_id}"), now_ms
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
    pub(crate) async fn prepare_repayments(
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
    pub(crate) async fn answer_sheet(
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
    pub(crate) async fn repay_sheet_in(
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

//! A loan's commands, from request to payoff: each authorised, decided by the store's
//! compare-and-set on the loan's state (the rules in `domain::funds::lifecycle`) and audited in the
//! same transaction. A retry with the same key posts nothing and is not audited twice.

use super::snapshots;
use crate::kernel::access;
use crate::kernel::snapshot::{NOTHING, Snapshot};
use crate::{Actor, Audited, Clock, command};
use domain::access::Action;
use domain::{EntrySeq, IsoDate, Rials};
use store::{Approver, Loan, LoanApplication, LoanStatus, Repayment, Store, StoreResult};

/// Records a loan request when every rule of the fund holds (otherwise `Ineligible` with every reason).
pub async fn request(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    application: &LoanApplication,
) -> StoreResult<Loan> {
    command(store, clock, actor, "loan.request", async |tx| {
        let place = access::fund_in(tx, actor, Action::Operate, fund_id).await?;
        let loan = tx.request_loan(fund_id, application).await?;
        let audited = Audited::new(format!("loan:{}", loan.id), &place, NOTHING, snapshots::loan(&loan));
        Ok((loan, Some(audited)))
    })
    .await
}

/// Approves a loan (or gives it its second approval) as the actor; once approved, the jobs the
/// request counted become expected from today, in the same transaction.
pub async fn approve(store: &Store, clock: &dyn Clock, actor: &Actor, loan_id: i64) -> StoreResult<Loan> {
    let today = crate::today_in_iran(clock).to_iso();
    command(store, clock, actor, "loan.approve", async |tx| {
        let (before, place) = access::loan_in(tx, actor, Action::Approve, loan_id).await?;
        let approver = Approver { user_id: actor.user_id, name: actor.name.clone() };
        let loan = tx.approve_loan(loan_id, &approver).await?;
        if loan.status == LoanStatus::Approved {
            let jobs = tx.expect_requested_jobs(loan_id, today, clock.now_ms()).await?;
            if !jobs.is_empty() {
                let after = Snapshot::new().int("loan", loan_id).ints("jobs", jobs);
                let audited = Audited::new(format!("loan:{loan_id}"), &place, NOTHING, after);
                tx.audit(&actor.record(clock, "jobs.expect", &audited)).await?;
            }
        }
        Ok((loan.clone(), Some(loan_change(loan_id, &place, &before, &loan))))
    })
    .await
}

/// Pays an approved loan out on `on`: its schedule and one entry. Paying it out again with the same
/// key answers the loan as it is.
pub async fn disburse(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    loan_id: i64,
    on: IsoDate,
    key: &str,
) -> StoreResult<Loan> {
    command(store, clock, actor, "loan.disburse", async |tx| {
        let (before, place) = access::loan_in(tx, actor, Action::Operate, loan_id).await?;
        let loan = tx.disburse_loan(loan_id, on, key, clock.now_ms()).await?;
        let audited = tx.has_posted().then(|| loan_change(loan_id, &place, &before, &loan));
        Ok((loan, audited))
    })
    .await
}

/// A repayment of `amount` (split over the installments by the fund's order), or with `None` the
/// early payoff of everything left.
pub async fn repay(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    loan_id: i64,
    amount: Option<Rials>,
    on: IsoDate,
    key: &str,
) -> StoreResult<Repayment> {
    let action = if amount.is_some() { "loan.repay" } else { "loan.payoff" };
    command(store, clock, actor, action, async |tx| {
        let (before, place) = access::loan_in(tx, actor, Action::Operate, loan_id).await?;
        let repayment = match amount {
            Some(amount) => tx.repay_loan(loan_id, amount, on, key, clock.now_ms()).await?,
            None => tx.payoff_loan(loan_id, on, key, clock.now_ms()).await?,
        };
        let after = snapshots::repayment(loan_id, amount, &repayment);
        let audited = (!repayment.already_posted)
            .then(|| Audited::new(format!("loan:{loan_id}"), &place, snapshots::loan(&before), after));
        Ok((repayment, audited))
    })
    .await
}

/// A meeting's repayments of one fund, all or none; each line posted once per key.
pub async fn repayment_sheet(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    payments: &[(i64, Rials)],
    on: IsoDate,
    key: &str,
) -> StoreResult<Vec<Repayment>> {
    command(store, clock, actor, "loan.repayment_sheet", async |tx| {
        let place = access::fund_in(tx, actor, Action::Operate, fund_id).await?;
        let repayments = tx.repay_sheet(fund_id, payments, on, key, clock.now_ms()).await?;
        let after = Snapshot::new().text("key", key).day("on", on).list(
            "lines",
            payments.iter().zip(&repayments).map(|((loan, amount), r)| {
                Snapshot::new()
                    .int("loan_id", *loan)
                    .int("amount_rials", amount.get())
                    .int("entry_seq", r.seq.0)
                    .bool("already_posted", r.already_posted)
            }),
        );
        let audited = repayments
            .iter()
            .any(|r| !r.already_posted)
            .then(|| Audited::new(format!("fund:{fund_id}"), &place, NOTHING, after));
        Ok((repayments, audited))
    })
    .await
}

/// Reverses a mistaken repayment (entry `seq` of the loan), with the reason kept.
#[allow(clippy::too_many_arguments)]
pub async fn reverse_repayment(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    loan_id: i64,
    seq: EntrySeq,
    reason: &str,
    on: IsoDate,
    key: &str,
) -> StoreResult<EntrySeq> {
    command(store, clock, actor, "loan.reverse_repayment", async |tx| {
        let (before, place) = access::loan_in(tx, actor, Action::Operate, loan_id).await?;
        if reason.trim().is_empty() {
            return Err(store::StoreError::Invalid("say why the repayment is reversed".into()));
        }
        let reversal = tx.reverse_repayment(loan_id, seq, key, reason, on, clock.now_ms()).await?;
        let after = Snapshot::new()
            .int("loan_id", loan_id)
            .int("reversed_seq", seq.0)
            .int("entry_seq", reversal.0)
            .text("reason", reason);
        Ok((reversal, Some(Audited::new(format!("loan:{loan_id}"), &place, snapshots::loan(&before), after))))
    })
    .await
}

/// Writes what remains of a loan's principal off, as the actor.
pub async fn write_off(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    loan_id: i64,
    on: IsoDate,
    key: &str,
) -> StoreResult<Loan> {
    command(store, clock, actor, "loan.write_off", async |tx| {
        let (before, place) = access::loan_in(tx, actor, Action::Approve, loan_id).await?;
        let loan = tx.write_off_loan(loan_id, &actor.name, on, key, clock.now_ms()).await?;
        let audited = tx.has_posted().then(|| loan_change(loan_id, &place, &before, &loan));
        Ok((loan, audited))
    })
    .await
}

fn loan_change(loan_id: i64, place: &domain::PlacePath, before: &Loan, after: &Loan) -> Audited {
    Audited::new(format!("loan:{loan_id}"), place, snapshots::loan(before), snapshots::loan(after))
}

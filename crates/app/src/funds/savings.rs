//! Savings: a member's deposit or withdrawal, the savings sheet of a meeting, and the balance.

use super::snapshots;
use crate::kernel::access;
use crate::kernel::snapshot::{NOTHING, Snapshot};
use crate::{Actor, Audited, Clock, command};
use domain::access::Action;
use domain::fund::codes;
use domain::{EntryCode, EntryDraft, IdempotencyKey, IsoDate, PostingDraft, Rials};
use store::{MeetingOutcome, PostOutcome, PostStatus, Store, StoreError, StoreResult, StoreTx};

pub(crate) fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// Which way savings move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavingsMove {
    /// The member pays in: cash up, the member's savings (the fund's debt to them) up.
    Deposit,
    /// The fund pays savings out: refused by the books if it would take the member below zero.
    Withdrawal,
}

/// Records a savings deposit or withdrawal for a member, as one entry in the fund's books. Safe to
/// retry with the same key: a double click posts once.
pub async fn move_savings(
    store: &Store,
    clock: &dyn Clock,
    member_id: i64,
    direction: SavingsMove,
    amount: Rials,
    on: IsoDate,
    idempotency_key: &str,
) -> StoreResult<PostOutcome> {
    let mut tx = store.begin().await?;
    let outcome = move_savings_in(&mut tx, clock, member_id, direction, amount, on, idempotency_key).await?;
    tx.commit_as_system("savings.move", &format!("member:{member_id}"), clock.now_ms()).await?;
    Ok(outcome)
}

/// [`move_savings`] inside a command's transaction.
pub async fn move_savings_in(
    tx: &mut StoreTx,
    clock: &dyn Clock,
    member_id: i64,
    direction: SavingsMove,
    amount: Rials,
    on: IsoDate,
    idempotency_key: &str,
) -> StoreResult<PostOutcome> {
    if !amount.is_positive() {
        return Err(invalid("the amount must be more than zero"));
    }
    let member = tx.member(member_id).await?;
    if on < member.joined_on {
        return Err(invalid(format!("the member joined on {}; nothing can be recorded before", member.joined_on)));
    }
    if let Some(left) = member.left_on {
        return Err(invalid(format!("the member left the fund on {left}")));
    }
    let fund = tx.fund(member.fund_id).await?;
    let cash = tx.fund_account(&fund, codes::CASH).await?;
    let (code, postings) = match direction {
        SavingsMove::Deposit => (
            codes::entries::SAVINGS_DEPOSIT,
            vec![PostingDraft::debit(cash, amount), PostingDraft::credit(member.savings_account, amount)],
        ),
        SavingsMove::Withdrawal => (
            codes::entries::SAVINGS_WITHDRAW,
            vec![PostingDraft::debit(member.savings_account, amount), PostingDraft::credit(cash, amount)],
        ),
    };
    let draft = EntryDraft {
        idempotency_key: IdempotencyKey::parse(idempotency_key).map_err(invalid)?,
        code: EntryCode::parse(code).map_err(invalid)?,
        object_ref: format!("member:{member_id}"),
        effective_on: on,
        memo: String::new(),
        reverses: None,
        postings,
    };
    first_outcome(tx.post_entries(fund.book_id, std::slice::from_ref(&draft), clock.now_ms()).await?)
}

/// A member's savings balance, read from the books.
pub async fn savings_balance(store: &Store, member_id: i64) -> StoreResult<Rials> {
    let member = store.member(member_id).await?;
    let account = store.account(member.savings_account).await?;
    Ok(Rials::new(account.kind.normal_balance(account.balance_rials)))
}

/// Records a month's savings for many members of one fund in one database transaction — what the
/// treasurer collects at the monthly meeting. Each line keeps its own key (`{key_prefix}/m{member}`), so
/// submitting the sheet twice posts each deposit once. All or nothing.
pub async fn record_savings_sheet(
    store: &Store,
    clock: &dyn Clock,
    fund_id: i64,
    deposits: &[(i64, Rials)],
    on: IsoDate,
    key_prefix: &str,
) -> StoreResult<Vec<PostOutcome>> {
    let mut tx = store.begin().await?;
    let outcomes = record_savings_sheet_in(&mut tx, clock, fund_id, deposits, on, key_prefix).await?;
    tx.commit_as_system("savings.sheet", &format!("fund:{fund_id}"), clock.now_ms()).await?;
    Ok(outcomes)
}

/// [`record_savings_sheet`] inside a command's transaction.
pub async fn record_savings_sheet_in(
    tx: &mut StoreTx,
    clock: &dyn Clock,
    fund_id: i64,
    deposits: &[(i64, Rials)],
    on: IsoDate,
    key_prefix: &str,
) -> StoreResult<Vec<PostOutcome>> {
    let fund = tx.fund(fund_id).await?;
    let drafts = tx.savings_deposit_drafts(&fund, deposits, on, key_prefix).await?;
    tx.post_entries(fund.book_id, &drafts, clock.now_ms()).await
}

/// The one outcome of posting one entry.
pub(crate) fn first_outcome(mut outcomes: Vec<PostOutcome>) -> StoreResult<PostOutcome> {
    outcomes.pop().ok_or_else(|| store::StoreError::Unexpected("posting returned no outcome".into()))
}

/// A fund's balance sheet at the end of a Jalali period and its income statement for the period, both
/// derived from the books.
pub async fn fund_statements(
    store: &Store,
    fund_id: i64,
    first: IsoDate,
    last: IsoDate,
) -> StoreResult<domain::books::FinancialStatements> {
    let fund = store.fund(fund_id).await?;
    let at_date = store.trial_balance_of_book_between(fund.book_id, None, last).await?;
    let period = store.trial_balance_of_book_between(fund.book_id, Some(first), last).await?;
    let mut statements = domain::books::FinancialStatements::build(&at_date, &period);
    // The loans and the savings are summed over their sub-accounts (one per loan, one per member),
    // whose lines carry no name of their own: the chart's names, then.
    for lines in [
        &mut statements.assets,
        &mut statements.liabilities,
        &mut statements.equity,
        &mut statements.income,
        &mut statements.expenses,
    ] {
        for (code, name, _) in lines.iter_mut() {
            if name.trim().is_empty()
                && let Some((_, chart_name, _, _)) = domain::fund::FUND_CHART.iter().find(|(c, ..)| c == code)
            {
                *name = (*chart_name).to_string();
            }
        }
    }
    Ok(statements)
}

/// The savings sheet of a meeting, as a command: every line posted once per key, all or nothing,
/// audited when something was posted.
pub async fn savings_sheet(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    deposits: &[(i64, Rials)],
    on: IsoDate,
    key: &str,
) -> StoreResult<Vec<PostOutcome>> {
    command(store, clock, actor, "savings.sheet", async |tx| {
        let place = access::fund_in(tx, actor, Action::Operate, fund_id).await?;
        let outcomes = record_savings_sheet_in(tx, clock, fund_id, deposits, on, key).await?;
        let posted = outcomes.iter().filter(|o| o.status == PostStatus::Posted).count();
        let after = Snapshot::new()
            .text("key", key)
            .day("on", on)
            .list("lines", snapshots::sheet_lines("member_id", deposits))
            .int("posted", i64::try_from(posted).unwrap_or(i64::MAX));
        let audited = (posted > 0).then(|| Audited::new(format!("fund:{fund_id}"), &place, NOTHING, after));
        Ok((outcomes, audited))
    })
    .await
}

/// The monthly meeting sheet: every member's savings and every loan's installment in one
/// transaction, refused as stale when the fund changed since the sheet was loaded (`loaded_at`).
#[allow(clippy::too_many_arguments)]
pub async fn meeting_sheet(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    on: IsoDate,
    key: &str,
    deposits: &[(i64, Rials)],
    repayments: &[(i64, Rials)],
    loaded_at: Option<i64>,
) -> StoreResult<MeetingOutcome> {
    command(store, clock, actor, "meeting.sheet", async |tx| {
        let place = access::fund_in(tx, actor, Action::Operate, fund_id).await?;
        let meeting = tx.record_meeting(fund_id, on, key, deposits, repayments, loaded_at, clock.now_ms()).await?;
        let after = Snapshot::new()
            .text("key", key)
            .day("on", on)
            .list("deposits", snapshots::sheet_lines("member_id", deposits))
            .list("repayments", snapshots::sheet_lines("loan_id", repayments))
            .int("posted", i64::try_from(meeting.posted).unwrap_or(i64::MAX));
        let audited = (meeting.posted > 0).then(|| Audited::new(format!("fund:{fund_id}"), &place, NOTHING, after));
        Ok((meeting, audited))
    })
    .await
}

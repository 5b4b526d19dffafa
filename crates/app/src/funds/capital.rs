//! The organisation's capital: money put into a fund (a loan to it or a grant), and capital loans paid back.

use super::savings::{first_outcome, invalid};
use crate::kernel::access;
use crate::kernel::snapshot::{NOTHING, Snapshot};
use crate::{Actor, Audited, Clock, command};
use domain::access::Action;
use domain::fund::codes;
use domain::{EntryCode, EntryDraft, IdempotencyKey, IsoDate, PostingDraft, Rials};
use store::{PostOutcome, PostStatus, Store, StoreResult, StoreTx};

/// What the organisation's money is to the fund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectionKind {
    /// Owed back to the organisation (a liability of the fund).
    Loan,
    /// Given for good (the fund's equity).
    Grant,
}

/// The organisation's money moving into a fund, or a capital loan paid back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapitalMove<'a> {
    pub fund_id: i64,
    pub kind: InjectionKind,
    pub amount: Rials,
    /// Where the money comes from (programme and year), or what the repayment settles.
    pub source: &'a str,
    pub on: IsoDate,
}

/// Records the organisation's money put into a fund, with its source, as one entry.
pub async fn inject_capital(
    store: &Store,
    clock: &dyn Clock,
    injection: &CapitalMove<'_>,
    idempotency_key: &str,
) -> StoreResult<PostOutcome> {
    let mut tx = store.begin().await?;
    let outcome = capital_entry(&mut tx, clock, injection, idempotency_key, false).await?;
    tx.commit_as_system("capital.move", &format!("fund:{}", injection.fund_id), clock.now_ms()).await?;
    Ok(outcome)
}

/// [`inject_capital`] (or with `repayment`, [`repay_capital`]) inside a command's transaction.
pub async fn move_capital_in(
    tx: &mut StoreTx,
    clock: &dyn Clock,
    movement: &CapitalMove<'_>,
    idempotency_key: &str,
    repayment: bool,
) -> StoreResult<PostOutcome> {
    if repayment {
        let repayment = CapitalMove { kind: InjectionKind::Loan, ..movement.clone() };
        capital_entry(tx, clock, &repayment, idempotency_key, true).await
    } else {
        capital_entry(tx, clock, movement, idempotency_key, false).await
    }
}

/// Records the fund paying back part of a capital loan. Refused by the books beyond what is owed.
pub async fn repay_capital(
    store: &Store,
    clock: &dyn Clock,
    repayment: &CapitalMove<'_>,
    idempotency_key: &str,
) -> StoreResult<PostOutcome> {
    let mut tx = store.begin().await?;
    let outcome = move_capital_in(&mut tx, clock, repayment, idempotency_key, true).await?;
    tx.commit_as_system("capital.move", &format!("fund:{}", repayment.fund_id), clock.now_ms()).await?;
    Ok(outcome)
}

async fn capital_entry(
    tx: &mut StoreTx,
    clock: &dyn Clock,
    movement: &CapitalMove<'_>,
    idempotency_key: &str,
    repayment: bool,
) -> StoreResult<PostOutcome> {
    let CapitalMove { fund_id, kind, amount, source, on } = *movement;
    if !amount.is_positive() {
        return Err(invalid("the amount must be more than zero"));
    }
    let source = domain::text::normalize_text(source);
    if source.is_empty() {
        return Err(invalid("say where the money comes from (the source), such as the programme and year"));
    }
    let fund = tx.fund(fund_id).await?;
    if on < fund.opened_on {
        return Err(invalid(format!("the fund opened on {}", fund.opened_on)));
    }
    let cash = tx.fund_account(&fund, codes::CASH).await?;
    let (code, object, other) = match kind {
        InjectionKind::Loan => (codes::entries::CAPITAL_LOAN, "injection:loan", codes::CAPITAL),
        InjectionKind::Grant => (codes::entries::CAPITAL_GRANT, "injection:grant", codes::GRANTS),
    };
    let other = tx.fund_account(&fund, other).await?;
    let (code, postings) = if repayment {
        (codes::entries::CAPITAL_REPAY, vec![PostingDraft::debit(other, amount), PostingDraft::credit(cash, amount)])
    } else {
        (code, vec![PostingDraft::debit(cash, amount), PostingDraft::credit(other, amount)])
    };
    let draft = EntryDraft {
        idempotency_key: IdempotencyKey::parse(idempotency_key).map_err(invalid)?,
        code: EntryCode::parse(code).map_err(invalid)?,
        object_ref: object.to_string(),
        effective_on: on,
        memo: source,
        reverses: None,
        postings,
    };
    first_outcome(tx.post_entries(fund.book_id, std::slice::from_ref(&draft), clock.now_ms()).await?)
}

/// The programme's money moved into a fund or a capital loan paid back (`repayment`), as a command:
/// posted once per key, audited when posted.
pub async fn move_capital(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    movement: &CapitalMove<'_>,
    key: &str,
    repayment: bool,
) -> StoreResult<PostOutcome> {
    command(store, clock, actor, "capital.move", async |tx| {
        let place = access::fund_in(tx, actor, Action::Oversee, movement.fund_id).await?;
        let outcome = move_capital_in(tx, clock, movement, key, repayment).await?;
        let kind = match (repayment, movement.kind) {
            (true, _) => "repayment",
            (false, InjectionKind::Loan) => "loan",
            (false, InjectionKind::Grant) => "grant",
        };
        let after = Snapshot::new()
            .text("kind", kind)
            .int("amount_rials", movement.amount.get())
            .text("source", movement.source)
            .day("on", movement.on)
            .int("entry_seq", outcome.seq.0);
        let audited = (outcome.status == PostStatus::Posted)
            .then(|| Audited::new(format!("fund:{}", movement.fund_id), &place, NOTHING, after));
        Ok((outcome, audited))
    })
    .await
}

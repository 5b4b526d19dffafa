//! Use cases of a village fund: savings deposits and withdrawals, on the fund's books.

use crate::Clock;
use domain::fund::codes;
use domain::{EntryCode, EntryDraft, IdempotencyKey, IsoDate, PostingDraft, Rials};
use store::{PostOutcome, Store, StoreError, StoreResult};

fn invalid(e: impl std::fmt::Display) -> StoreError {
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
    if !amount.is_positive() {
        return Err(invalid("the amount must be more than zero"));
    }
    let member = store.member(member_id).await?;
    if on < member.joined_on {
        return Err(invalid(format!("the member joined on {}; nothing can be recorded before", member.joined_on)));
    }
    if let Some(left) = member.left_on {
        return Err(invalid(format!("the member left the fund on {left}")));
    }
    let fund = store.fund(member.fund_id).await?;
    let cash = store.fund_account(&fund, codes::CASH).await?;
    let (code, postings) = match direction {
        SavingsMove::Deposit => (
            "savings.deposit",
            vec![PostingDraft::debit(cash, amount), PostingDraft::credit(member.savings_account, amount)],
        ),
        SavingsMove::Withdrawal => (
            "savings.withdraw",
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
    store.post_entry(fund.book_id, &draft, clock.now_ms()).await
}

/// A member's savings balance, read from the books.
pub async fn savings_balance(store: &Store, member_id: i64) -> StoreResult<Rials> {
    let member = store.member(member_id).await?;
    let account = store.account(member.savings_account).await?;
    Ok(Rials::new(account.kind.normal_balance(account.balance_rials)))
}

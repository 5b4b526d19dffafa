//! Use cases of a village fund: savings deposits and withdrawals, on the fund's books.

use crate::Clock;
use domain::fund::codes;
use domain::{EntryCode, EntryDraft, IdempotencyKey, IsoDate, PostingDraft, Rials};
use store::{NewMember, PostOutcome, Store, StoreError, StoreResult, StoreTx};

/// A membership form as a person typed it (any digits, a Jalali date).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemberInput<'a> {
    pub national_id: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub father_name: &'a str,
    pub phone: &'a str,
    pub joined_on: &'a str,
}

/// A wrong field of a form, with its reason in English and in Persian.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub en: String,
    pub fa: String,
}

impl FieldProblem {
    pub fn new(field: &'static str, en: impl Into<String>, fa: impl Into<String>) -> FieldProblem {
        FieldProblem { field, en: en.into(), fa: fa.into() }
    }

    /// The reason in Persian (`persian`) or English.
    pub fn message(&self, persian: bool) -> &str {
        if persian { &self.fa } else { &self.en }
    }
}

/// Checks every field of a membership form at once: the member to add, or each wrong field with its
/// reason in both languages. The one check the pages and the API share.
pub fn new_member(input: &MemberInput<'_>, place_id: i64) -> Result<NewMember, Vec<FieldProblem>> {
    let mut wrong = Vec::new();
    let national_id = domain::NationalId::parse(input.national_id)
        .map_err(|e| wrong.push(FieldProblem::new("national_id", e.to_string(), e.message_fa())))
        .ok();
    for (field, value) in [("first_name", input.first_name), ("last_name", input.last_name)] {
        if value.trim().is_empty() {
            wrong.push(FieldProblem::new(field, "required", "این خانه را پر کنید"));
        }
    }
    let phone = match input.phone.trim() {
        "" => None,
        text => domain::PhoneNumber::parse(text)
            .map_err(|e| wrong.push(FieldProblem::new("phone", e.to_string(), e.message_fa())))
            .ok(),
    };
    let joined_on = domain::JalaliDate::parse(input.joined_on)
        .map_err(|e| wrong.push(FieldProblem::new("joined_on", e.to_string(), e.message_fa())))
        .ok();
    match (national_id, joined_on) {
        (Some(national_id), Some(joined_on)) if wrong.is_empty() => Ok(NewMember {
            national_id,
            first_name: input.first_name.trim().to_string(),
            last_name: input.last_name.trim().to_string(),
            father_name: input.father_name.trim().to_string(),
            phone,
            place_id,
            joined_on: joined_on.to_iso(),
        }),
        _ => Err(wrong),
    }
}

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
    first_outcome(tx.post_entries(fund.book_id, std::slice::from_ref(&draft), clock.now_ms()).await?)
}

/// A member's savings balance, read from the books.
pub async fn savings_balance(store: &Store, member_id: i64) -> StoreResult<Rials> {
    let member = store.member(member_id).await?;
    let account = store.account(member.savings_account).await?;
    Ok(Rials::new(account.kind.normal_balance(account.balance_rials)))
}

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
fn first_outcome(mut outcomes: Vec<PostOutcome>) -> StoreResult<PostOutcome> {
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
    Ok(domain::books::FinancialStatements::build(&at_date, &period))
}

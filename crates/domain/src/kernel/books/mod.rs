//! The double-entry books.
//!
//! Each accounting entity (a fund, a programme) keeps its own book. A book has ledger accounts; an
//! entry is two or more postings to accounts of that book that balance exactly. Entries are never
//! changed: a correction is a reversing entry that names the one it reverses. Every entry carries an
//! idempotency key and a content hash, and the book's entries form a hash chain.
//!
//! Signs: a posting's signed amount is positive for a debit and negative for a credit, so an entry
//! balances when its signed amounts sum to zero, and an account's balance is debit-positive.

use crate::money::{MoneyError, Rials};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// The most postings one entry may have.
pub const POSTINGS_PER_ENTRY_MAX: usize = 1_000;
/// The longest idempotency key, in bytes.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 128;
/// The longest memo or business-object reference, in bytes.
pub const ENTRY_TEXT_BYTES_MAX: usize = 1_000;
/// The hash that stands before a book's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}
id_type!(
    /// A book: one accounting entity's ledger.
    BookId
);
id_type!(
    /// A ledger account, unique across all books.
    AccountId
);
id_type!(
    /// An entry's number within its book: 1, 2, 3, … without gaps.
    EntrySeq
);

/// Debit or credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Debit,
    Credit,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Debit => Side::Credit,
            Side::Credit => Side::Debit,
        }
    }
}

/// What an account is; its normal side follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountKind {
    pub const ALL: [AccountKind; 5] =
        [AccountKind::Asset, AccountKind::Liability, AccountKind::Equity, AccountKind::Income, AccountKind::Expense];

    pub fn normal_side(self) -> Side {
        match self {
            AccountKind::Asset | AccountKind::Expense => Side::Debit,
            AccountKind::Liability | AccountKind::Equity | AccountKind::Income => Side::Credit,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }

    pub fn parse(code: &str) -> Result<AccountKind, LedgerError> {
        AccountKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| LedgerError::UnknownAccountKind(code.to_string()))
    }

    /// A debit-positive balance seen from the account's normal side.
    pub fn normal_balance(self, debit_positive_rials: i64) -> i64 {
        match self.normal_side() {
            Side::Debit => debit_positive_rials,
            Side::Credit => debit_positive_rials.saturating_neg(),
        }
    }
}

/// Errors of the books, most fundamental first. None of them is helped by retrying the same request,
/// except `WouldGoNegative` once money has come in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("unknown account kind {0:?}: expected asset, liability, equity, income or expense")]
    UnknownAccountKind(String),
    #[error("{field} is invalid: {reason}")]
    InvalidText { field: &'static str, reason: String },
    #[error("an entry needs at least two postings; this one has {count}")]
    TooFewPostings { count: usize },
    #[error("an entry may have at most {max} postings; this one has {count}")]
    TooManyPostings { count: usize, max: usize },
    #[error("posting {line} has amount {amount_rials}: every posting amount must be more than zero")]
    NonPositiveAmount { line: usize, amount_rials: i64 },
    #[error("the amounts overflow")]
    Overflow,
    #[error("posting {line} has amount {amount_rials}: more than any one amount may be ({max_rials} rials)")]
    AmountTooLarge { line: usize, amount_rials: i64, max_rials: i64 },
    #[error("the entry does not balance: debits {debits_rials} ≠ credits {credits_rials}")]
    Unbalanced { debits_rials: i64, credits_rials: i64 },
    #[error("account {account_id} does not exist")]
    UnknownAccount { account_id: AccountId },
    #[error("account {account_id} belongs to book {account_book_id}, not to book {book_id}")]
    AccountInOtherBook { account_id: AccountId, account_book_id: BookId, book_id: BookId },
    #[error("account {account_id} must not go negative; this entry would leave it at {balance_after_rials}")]
    WouldGoNegative { account_id: AccountId, balance_after_rials: i64 },
    #[error("entry {seq} does not exist in this book, so it cannot be reversed")]
    ReversedEntryUnknown { seq: EntrySeq },
    #[error("entry {seq} was already reversed by entry {reversed_by}")]
    AlreadyReversed { seq: EntrySeq, reversed_by: EntrySeq },
    #[error("entry {seq} is itself a reversal; post the original again instead of reversing the reversal")]
    ReversalOfReversal { seq: EntrySeq },
    #[error("a reversal of entry {seq} must post the same amounts to the same accounts on the opposite sides")]
    ReversalMismatch { seq: EntrySeq },
    #[error("key {key:?} was already used for entry {existing_seq} with different content")]
    IdempotencyConflict { key: String, existing_seq: EntrySeq },
}

impl From<MoneyError> for LedgerError {
    fn from(_: MoneyError) -> LedgerError {
        LedgerError::Overflow
    }
}

fn check_code(field: &'static str, text: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<(), LedgerError> {
    let invalid = |reason: String| LedgerError::InvalidText { field, reason };
    if text.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if text.len() > max {
        return Err(invalid(format!("it is longer than {max} bytes")));
    }
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        return Err(invalid(format!("{c:?} is not allowed")));
    }
    Ok(())
}

/// An account's code within its book, such as `1010` or `2100-savings`: ASCII letters, digits, `-`,
/// `.`; it names the account in exported journals, so it stays plain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountCode(String);

impl AccountCode {
    pub fn parse(text: &str) -> Result<AccountCode, LedgerError> {
        check_code("account code", text, 32, |c| c.is_ascii_alphanumeric() || c == '-' || c == '.')?;
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(LedgerError::InvalidText {
                field: "account code",
                reason: "it must start with a letter or digit".into(),
            });
        }
        Ok(AccountCode(text.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an entry was made, such as `deposit`, `loan.disburse`, `reversal`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntryCode(String);

impl EntryCode {
    pub fn parse(text: &str) -> Result<EntryCode, LedgerError> {
        check_code("entry code", text, 40, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))?;
        Ok(EntryCode(text.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The client's key for an entry: the same key twice posts once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<IdempotencyKey, LedgerError> {
        check_code("idempotency key", text, IDEMPOTENCY_KEY_BYTES_MAX, |c| c.is_ascii_graphic())?;
        Ok(IdempotencyKey(text.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One line of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PostingDraft {
    pub account_id: AccountId,
    pub side: Side,
    pub amount: Rials,
}

impl PostingDraft {
    pub fn debit(account_id: AccountId, amount: Rials) -> PostingDraft {
        PostingDraft { account_id, side: Side::Debit, amount }
    }
    pub fn credit(account_id: AccountId, amount: Rials) -> PostingDraft {
        PostingDraft { account_id, side: Side::Credit, amount }
    }
    /// Debit positive, credit negative: the stored form.
    pub fn signed_rials(&self) -> i64 {
        match self.side {
            Side::Debit => self.amount.get(),
            Side::Credit => -self.amount.get(),
        }
    }
    /// Rebuilds a posting from its stored signed amount (never zero).
    pub fn from_signed(account_id: AccountId, signed_rials: i64) -> PostingDraft {
        let side = if signed_rials >= 0 { Side::Debit } else { Side::Credit };
        PostingDraft { account_id, side, amount: Rials::new(signed_rials.saturating_abs()) }
    }
}

/// An entry as a client asks for it, before it has a number in its book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryDraft {
    pub idempotency_key: IdempotencyKey,
    pub code: EntryCode,
    /// The business object the entry belongs to, such as `loan:42`; empty when none.
    pub object_ref: String,
    /// The business date the entry takes effect.
    pub effective_on: crate::date::IsoDate,
    pub memo: String,
    /// The entry this one reverses.
    pub reverses: Option<EntrySeq>,
    pub postings: Vec<PostingDraft>,
}

impl EntryDraft {
    /// Checks the entry on its own: counts, amounts, texts and balance. Accounts and the book's state
    /// are checked by [`BookState::apply`].
    pub fn check(&self) -> Result<(), LedgerError> {
        let count = self.postings.len();
        if count < 2 {
            return Err(LedgerError::TooFewPostings { count });
        }
        if count > POSTINGS_PER_ENTRY_MAX {
            return Err(LedgerError::TooManyPostings { count, max: POSTINGS_PER_ENTRY_MAX });
        }
        for (field, text) in [("memo", &self.memo), ("object reference", &self.object_ref)] {
            if text.len() > ENTRY_TEXT_BYTES_MAX {
                return Err(LedgerError::InvalidText {
                    field,
                    reason: format!("it is longer than {ENTRY_TEXT_BYTES_MAX} bytes"),
                });
            }
        }
        let mut debits = Rials::ZERO;
        let mut credits = Rials::ZERO;
        for (index, posting) in self.postings.iter().enumerate() {
            if !posting.amount.is_positive() {
                return Err(LedgerError::NonPositiveAmount { line: index + 1, amount_rials: posting.amount.get() });
            }
            if posting.amount > Rials::ONE_AMOUNT_MAX {
                return Err(LedgerError::AmountTooLarge {
                    line: index + 1,
                    amount_rials: posting.amount.get(),
                    max_rials: Rials::ONE_AMOUNT_MAX.get(),
                });
            }
            match posting.side {
                Side::Debit => debits = debits.checked_add(posting.amount)?,
                Side::Credit => credits = credits.checked_add(posting.amount)?,
            }
        }
        if debits != credits {
            return Err(LedgerError::Unbalanced { debits_rials: debits.get(), credits_rials: credits.get() });
        }
        Ok(())
    }

    /// The postings that undo `original`: same accounts and amounts, opposite sides.
    pub fn mirror_postings(original: &[PostingDraft]) -> Vec<PostingDraft> {
        original.iter().map(|p| PostingDraft { side: p.side.opposite(), ..*p }).collect()
    }

    /// A hash of everything the entry says except its key: two requests with one key are "the same"
    /// exactly when these agree.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"abadi-entry-content-v1\0");
        let texts = [self.code.as_str(), self.object_ref.as_str(), &self.effective_on.to_string(), self.memo.as_str()];
        for text in texts {
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        hasher.update(self.reverses.map_or(0, |s| s.0).to_le_bytes());
        hasher.update((self.postings.len() as u64).to_le_bytes());
        for posting in &self.postings {
            hasher.update(posting.account_id.0.to_le_bytes());
            hasher.update(posting.signed_rials().to_le_bytes());
        }
        hex(&hasher.finalize())
    }
}

/// The link of an entry in its book's hash chain: covers the book, the number, the booked time, the
/// key, the content and the previous link.
pub fn chain_hash(
    book_id: BookId,
    seq: EntrySeq,
    booked_at_ms: i64,
    idempotency_key: &str,
    content_hash: &str,
    previous_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"abadi-entry-chain-v1\0");
    hasher.update(book_id.0.to_le_bytes());
    hasher.update(seq.0.to_le_bytes());
    hasher.update(booked_at_ms.to_le_bytes());
    for text in [idempotency_key, content_hash, previous_hash] {
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// What the books need to know of an account to post to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountState {
    pub id: AccountId,
    pub book_id: BookId,
    pub kind: AccountKind,
    pub must_not_go_negative: bool,
    /// Debit-positive balance.
    pub balance_rials: i64,
}

/// A book's head and the accounts an operation touches: the state entries are applied to, in order.
#[derive(Clone, Debug)]
pub struct BookState {
    pub book_id: BookId,
    pub head_seq: EntrySeq,
    pub head_hash: String,
    pub accounts: HashMap<AccountId, AccountState>,
    /// Accounts that exist in other books, for a precise error.
    pub foreign_accounts: HashMap<AccountId, BookId>,
}

/// An entry that [`BookState::apply`] accepted: its number and chain link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedEntry {
    pub seq: EntrySeq,
    pub content_hash: String,
    pub hash: String,
}

impl BookState {
    /// Applies one entry: checks it, its accounts and each "must not go negative" rule, then moves the
    /// balances and the head. On an error nothing changes.
    pub fn apply(&mut self, draft: &EntryDraft, booked_at_ms: i64) -> Result<AppliedEntry, LedgerError> {
        draft.check()?;
        let mut deltas: Vec<(AccountId, i64)> = Vec::with_capacity(draft.postings.len());
        for posting in &draft.postings {
            if !self.accounts.contains_key(&posting.account_id) {
                return Err(match self.foreign_accounts.get(&posting.account_id) {
                    Some(other) => LedgerError::AccountInOtherBook {
                        account_id: posting.account_id,
                        account_book_id: *other,
                        book_id: self.book_id,
                    },
                    None => LedgerError::UnknownAccount { account_id: posting.account_id },
                });
            }
            match deltas.iter_mut().find(|(id, _)| *id == posting.account_id) {
                Some((_, delta)) => *delta = delta.checked_add(posting.signed_rials()).ok_or(LedgerError::Overflow)?,
                None => deltas.push((posting.account_id, posting.signed_rials())),
            }
        }
        let mut new_balances: Vec<(AccountId, i64)> = Vec::with_capacity(deltas.len());
        for (account_id, delta) in deltas {
            let Some(account) = self.accounts.get(&account_id) else {
                return Err(LedgerError::UnknownAccount { account_id });
            };
            let after = account.balance_rials.checked_add(delta).ok_or(LedgerError::Overflow)?;
            if account.must_not_go_negative && account.kind.normal_balance(after) < 0 {
                return Err(LedgerError::WouldGoNegative {
                    account_id,
                    balance_after_rials: account.kind.normal_balance(after),
                });
            }
            new_balances.push((account_id, after));
        }
        for (account_id, after) in new_balances {
            if let Some(account) = self.accounts.get_mut(&account_id) {
                account.balance_rials = after;
            }
        }
        let seq = EntrySeq(self.head_seq.0 + 1);
        let content_hash = draft.content_hash();
        let hash =
            chain_hash(self.book_id, seq, booked_at_ms, draft.idempotency_key.as_str(), &content_hash, &self.head_hash);
        self.head_seq = seq;
        self.head_hash.clone_from(&hash);
        Ok(AppliedEntry { seq, content_hash, hash })
    }
}

/// One account's line in a trial balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrialBalanceLine {
    pub code: String,
    pub name: String,
    pub kind: AccountKind,
    /// Debit-positive balance.
    pub balance_rials: i64,
}

impl TrialBalanceLine {
    pub fn debit_rials(&self) -> i64 {
        self.balance_rials.max(0)
    }
    pub fn credit_rials(&self) -> i64 {
        (-self.balance_rials).max(0)
    }
}

/// A trial balance: every account's balance; debits equal credits when the books are whole.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TrialBalance {
    pub lines: Vec<TrialBalanceLine>,
}

impl TrialBalance {
    /// Total debits and credits, in i128 so that a country's books cannot overflow the sum.
    pub fn totals(&self) -> (i128, i128) {
        self.lines.iter().fold((0, 0), |(d, c), l| (d + i128::from(l.debit_rials()), c + i128::from(l.credit_rials())))
    }
    pub fn is_balanced(&self) -> bool {
        let (d, c) = self.totals();
        d == c
    }
}

/// What the books know of an entry that a draft wants to reverse.
#[derive(Clone, Debug)]
pub struct ReversalTarget<'a> {
    pub postings: &'a [PostingDraft],
    /// The entry the target itself reverses, if it is a reversal.
    pub reverses: Option<EntrySeq>,
    /// The entry that already reversed the target, if any.
    pub reversed_by: Option<EntrySeq>,
}

/// Checks a reversing draft against its target: the target exists, is not itself a reversal, has not
/// been reversed, and the draft posts its mirror image.
pub fn check_reversal(
    seq: EntrySeq,
    target: Option<ReversalTarget<'_>>,
    draft: &EntryDraft,
) -> Result<(), LedgerError> {
    let Some(target) = target else {
        return Err(LedgerError::ReversedEntryUnknown { seq });
    };
    if let Some(reversed_by) = target.reversed_by {
        return Err(LedgerError::AlreadyReversed { seq, reversed_by });
    }
    if target.reverses.is_some() {
        return Err(LedgerError::ReversalOfReversal { seq });
    }
    if EntryDraft::mirror_postings(target.postings) != draft.postings {
        return Err(LedgerError::ReversalMismatch { seq });
    }
    Ok(())
}

/// The balance sheet at a date and the income statement for a period, made from trial-balance lines
/// (at the date, and for the period).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FinancialStatements {
    /// (code, name, amount on the normal side)
    pub assets: Vec<(String, String, i64)>,
    pub liabilities: Vec<(String, String, i64)>,
    pub equity: Vec<(String, String, i64)>,
    /// Income less expenses of everything up to the balance-sheet date, shown under equity.
    pub retained_earnings: i64,
    pub income: Vec<(String, String, i64)>,
    pub expenses: Vec<(String, String, i64)>,
    /// Income less expenses of the period.
    pub net_income: i64,
}

impl FinancialStatements {
    pub fn build(at_date: &TrialBalance, for_period: &TrialBalance) -> FinancialStatements {
        let mut out = FinancialStatements::default();
        for line in &at_date.lines {
            let item = (line.code.clone(), line.name.clone(), line.kind.normal_balance(line.balance_rials));
            match line.kind {
                AccountKind::Asset => out.assets.push(item),
                AccountKind::Liability => out.liabilities.push(item),
                AccountKind::Equity => out.equity.push(item),
                AccountKind::Income => out.retained_earnings += item.2,
                AccountKind::Expense => out.retained_earnings -= item.2,
            }
        }
        for line in &for_period.lines {
            let item = (line.code.clone(), line.name.clone(), line.kind.normal_balance(line.balance_rials));
            match line.kind {
                AccountKind::Income => {
                    out.net_income += item.2;
                    out.income.push(item);
                }
                AccountKind::Expense => {
                    out.net_income -= item.2;
                    out.expenses.push(item);
                }
                _ => {}
            }
        }
        out
    }

    pub fn total_assets(&self) -> i64 {
        self.assets.iter().map(|a| a.2).sum()
    }

    /// Liabilities, equity and retained earnings: equal to the assets when the books balance.
    pub fn total_liabilities_and_equity(&self) -> i64 {
        self.liabilities.iter().map(|a| a.2).sum::<i64>()
            + self.equity.iter().map(|a| a.2).sum::<i64>()
            + self.retained_earnings
    }
}

#[cfg(test)]
mod tests;

//! Use cases of the books themselves: post, reverse, report.

use crate::Clock;
use domain::books::TrialBalance;
use domain::{BookId, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate};
use store::{PostOutcome, Store, StoreResult};

/// What a trial balance covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrialBalanceScope {
    /// Every book in the installation.
    All,
    Book(BookId),
    /// Every book at or under a place.
    Place(i64),
}

pub async fn trial_balance(store: &Store, scope: TrialBalanceScope) -> StoreResult<TrialBalance> {
    match scope {
        TrialBalanceScope::All => store.trial_balance_all().await,
        TrialBalanceScope::Book(id) => store.trial_balance_of_book(id).await,
        TrialBalanceScope::Place(id) => store.trial_balance_under_place(id).await,
    }
}

/// Posts one entry with the clock's time as its booked time.
pub async fn post(store: &Store, clock: &dyn Clock, book_id: BookId, draft: &EntryDraft) -> StoreResult<PostOutcome> {
    store.post_entry(book_id, draft, clock.now_ms()).await
}

/// Reverses a stored entry: posts its mirror image, naming it. Safe to retry with the same key.
pub async fn reverse(
    store: &Store,
    clock: &dyn Clock,
    book_id: BookId,
    seq: EntrySeq,
    idempotency_key: IdempotencyKey,
    effective_on: IsoDate,
    reason: &str,
) -> StoreResult<PostOutcome> {
    let original = store.entry(book_id, seq).await?;
    let draft = EntryDraft {
        idempotency_key,
        code: EntryCode::parse(domain::fund::codes::entries::REVERSAL)
            .map_err(|e| store::StoreError::Invalid(e.to_string()))?,
        object_ref: original.draft.object_ref.clone(),
        effective_on,
        memo: domain::text::normalize_text(reason),
        reverses: Some(seq),
        postings: EntryDraft::mirror_postings(&original.draft.postings),
    };
    store.post_entry(book_id, &draft, clock.now_ms()).await
}

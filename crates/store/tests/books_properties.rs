//! Property test of the books: random entries, retries and reversals, on the real store. After every
//! step the trial balance sums to zero and every balance equals the model's; at the end `verify` finds
//! every invariant intact.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use domain::{
    AccountCode, AccountId, AccountKind, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate, PlaceKind,
    PostingDraft, Rials,
};
use proptest::prelude::*;
use std::collections::HashMap;
use store::testing::TestDatabase;
use store::{PostStatus, Store, StoreError};

#[derive(Clone, Debug)]
enum Op {
    /// Move `amount` from account `from` to account `to` (credit from, debit to).
    Transfer { from: usize, to: usize, amount: i64 },
    /// Three-way split.
    Split { from: usize, to_a: usize, to_b: usize, amount: i64 },
    /// Reverse the n-th successful entry so far (mod count).
    Reverse { nth: usize },
    /// Send the n-th draft again with the same key.
    Retry { nth: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..4, 0usize..4, 1i64..5_000_000).prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        1 => (0usize..4, 0usize..4, 0usize..4, 2i64..5_000_000).prop_map(|(from, to_a, to_b, amount)| Op::Split { from, to_a, to_b, amount }),
        2 => (0usize..64).prop_map(|nth| Op::Reverse { nth }),
        1 => (0usize..64).prop_map(|nth| Op::Retry { nth }),
    ]
}

fn cases() -> u32 {
    if store::testing::postgres_test_url().is_some() { 8 } else { 24 }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]
    #[test]
    fn random_entries_and_reversals_keep_the_books_whole(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops));
    }
}

async fn run(ops: Vec<Op>) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let book = store.add_book(country.id, "fund", "صندوق", 0).await.unwrap().id;
    let mut accounts: Vec<(AccountId, bool)> = Vec::new();
    for (code, kind, never_negative) in [
        ("1010", AccountKind::Asset, true),
        ("1200", AccountKind::Asset, false),
        ("2010", AccountKind::Liability, false),
        ("4010", AccountKind::Income, false),
    ] {
        let a = store.add_account(book, &AccountCode::parse(code).unwrap(), code, kind, never_negative).await.unwrap();
        accounts.push((a.id, never_negative));
    }
    let mut model: HashMap<AccountId, i64> = accounts.iter().map(|(id, _)| (*id, 0)).collect();
    let mut drafts: Vec<EntryDraft> = Vec::new();
    let mut posted: Vec<(EntrySeq, EntryDraft)> = Vec::new();
    let mut reversed: Vec<EntrySeq> = Vec::new();
    let make = |key: usize, postings: Vec<PostingDraft>, reverses: Option<EntrySeq>| EntryDraft {
        idempotency_key: IdempotencyKey::parse(&format!("k{key}")).unwrap(),
        code: EntryCode::parse(if reverses.is_some() { "reversal" } else { "transfer" }).unwrap(),
        object_ref: String::new(),
        effective_on: IsoDate::parse_iso("2025-01-01").unwrap(),
        memo: String::new(),
        reverses,
        postings,
    };
    for (step, op) in ops.into_iter().enumerate() {
        let draft = match op {
            Op::Transfer { from, to, amount } => make(
                step,
                vec![
                    PostingDraft::debit(accounts[to].0, Rials::new(amount)),
                    PostingDraft::credit(accounts[from].0, Rials::new(amount)),
                ],
                None,
            ),
            Op::Split { from, to_a, to_b, amount } => make(
                step,
                vec![
                    PostingDraft::debit(accounts[to_a].0, Rials::new(amount / 2)),
                    PostingDraft::debit(accounts[to_b].0, Rials::new(amount - amount / 2)),
                    PostingDraft::credit(accounts[from].0, Rials::new(amount)),
                ],
                None,
            ),
            Op::Reverse { nth } => {
                if posted.is_empty() {
                    continue;
                }
                let (seq, original) = posted[nth % posted.len()].clone();
                make(step, EntryDraft::mirror_postings(&original.postings), Some(seq))
            }
            Op::Retry { nth } => {
                if drafts.is_empty() {
                    continue;
                }
                drafts[nth % drafts.len()].clone()
            }
        };
        drafts.push(draft.clone());
        let before = store.trial_balance_of_book(book).await.unwrap();
        match store.post_entry(book, &draft, step as i64).await {
            Ok(outcome) if outcome.status == PostStatus::Posted => {
                for p in &draft.postings {
                    *model.get_mut(&p.account_id).unwrap() += p.signed_rials();
                }
                if let Some(target) = draft.reverses {
                    assert!(!reversed.contains(&target), "reversed twice");
                    reversed.push(target);
                }
                if draft.reverses.is_none() {
                    posted.push((outcome.seq, draft.clone()));
                } else {
                    // A reversal itself cannot be reversed; keep it out of the candidates.
                }
            }
            Ok(_) => assert_eq!(store.trial_balance_of_book(book).await.unwrap(), before, "a retry changes nothing"),
            Err(StoreError::Rejected { .. }) => {
                assert_eq!(store.trial_balance_of_book(book).await.unwrap(), before, "a refusal changes nothing")
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
        let tb = store.trial_balance_of_book(book).await.unwrap();
        assert!(tb.is_balanced(), "trial balance sums to zero");
        for (id, never_negative) in &accounts {
            let balance = store.account(*id).await.unwrap().balance_rials;
            assert_eq!(balance, model[id], "balance of {id} equals its postings");
            if *never_negative {
                assert!(balance >= 0);
            }
        }
    }
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    store.close().await;
}

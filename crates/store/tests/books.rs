//! The storage contract of the books. Runs on SQLite, and on PostgreSQL when
//! `ABADI_TEST_DATABASE_URL` names a server (CI runs both).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use domain::{
    AccountCode, AccountId, AccountKind, BookId, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate, LedgerError,
    PlaceKind, PostingDraft, Rials,
};
use store::testing::TestDatabase;
use store::{PostStatus, Store, StoreError};

struct Fund {
    book: BookId,
    cash: AccountId,
    savings: AccountId,
    fees: AccountId,
}

async fn fund(store: &Store, place: i64, name: &str) -> Fund {
    let book = store.add_book(place, "fund", name, 0).await.unwrap();
    let account = |code: &str, kind, never_negative| {
        let code = AccountCode::parse(code).unwrap();
        async move { store.add_account(book.id, &code, "حساب", kind, never_negative).await.unwrap().id }
    };
    Fund {
        book: book.id,
        cash: account("1010", AccountKind::Asset, true).await,
        savings: account("2010", AccountKind::Liability, false).await,
        fees: account("4010", AccountKind::Income, false).await,
    }
}

fn draft(key: &str, postings: Vec<PostingDraft>) -> EntryDraft {
    EntryDraft {
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
        code: EntryCode::parse("deposit").unwrap(),
        object_ref: "member:1".into(),
        effective_on: IsoDate::parse_iso("2024-05-02").unwrap(),
        memo: "پس‌انداز ماهانه".into(),
        reverses: None,
        postings,
    }
}

fn deposit(f: &Fund, key: &str, amount: i64) -> EntryDraft {
    draft(
        key,
        vec![PostingDraft::debit(f.cash, Rials::new(amount)), PostingDraft::credit(f.savings, Rials::new(amount))],
    )
}

fn reversal(key: &str, of: EntrySeq, original: &EntryDraft) -> EntryDraft {
    EntryDraft {
        code: EntryCode::parse("reversal").unwrap(),
        reverses: Some(of),
        postings: EntryDraft::mirror_postings(&original.postings),
        ..draft(key, vec![])
    }
}

async fn setup() -> (TestDatabase, Store, Fund) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let f = fund(&store, country.id, "صندوق").await;
    (db, store, f)
}

fn rejected(result: Result<impl std::fmt::Debug, StoreError>) -> LedgerError {
    match result {
        Err(StoreError::Rejected { error, .. }) => error,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn balance(store: &Store, id: AccountId) -> i64 {
    store.account(id).await.unwrap().balance_rials
}

#[tokio::test]
async fn posting_moves_balances_and_the_head() {
    let (_db, store, f) = setup().await;
    let outcome = store.post_entry(f.book, &deposit(&f, "d1", 500_000), 1).await.unwrap();
    assert_eq!(outcome.seq, EntrySeq(1));
    assert_eq!(outcome.status, PostStatus::Posted);
    assert_eq!(balance(&store, f.cash).await, 500_000);
    assert_eq!(balance(&store, f.savings).await, -500_000);
    let book = store.book(f.book).await.unwrap();
    assert_eq!(book.head_seq, EntrySeq(1));
    let stored = store.entry(f.book, EntrySeq(1)).await.unwrap();
    assert_eq!(stored.draft, deposit(&f, "d1", 500_000));
    assert_eq!(stored.hash, book.head_hash);
    let tb = store.trial_balance_of_book(f.book).await.unwrap();
    assert!(tb.is_balanced());
    assert_eq!(tb.totals(), (500_000, 500_000));
}

#[tokio::test]
async fn same_key_same_content_posts_once() {
    let (_db, store, f) = setup().await;
    let first = store.post_entry(f.book, &deposit(&f, "d1", 100), 1).await.unwrap();
    let again = store.post_entry(f.book, &deposit(&f, "d1", 100), 2).await.unwrap();
    assert_eq!(again.seq, first.seq);
    assert_eq!(again.status, PostStatus::AlreadyPosted);
    assert_eq!(balance(&store, f.cash).await, 100);
    assert_eq!(store.book(f.book).await.unwrap().head_seq, EntrySeq(1));
}

#[tokio::test]
async fn same_key_other_content_is_a_conflict_and_posts_nothing() {
    let (_db, store, f) = setup().await;
    store.post_entry(f.book, &deposit(&f, "d1", 100), 1).await.unwrap();
    let error = rejected(store.post_entry(f.book, &deposit(&f, "d1", 999), 2).await);
    assert_eq!(error, LedgerError::IdempotencyConflict { key: "d1".into(), existing_seq: EntrySeq(1) });
    assert_eq!(balance(&store, f.cash).await, 100);
}

#[tokio::test]
async fn double_click_from_two_tasks_posts_once() {
    let (_db, store, f) = setup().await;
    let d = deposit(&f, "pay-once", 7_000);
    let (a, b) = tokio::join!(store.post_entry(f.book, &d, 1), store.post_entry(f.book, &d, 1));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.seq, b.seq);
    let mut statuses = [a.status, b.status];
    statuses.sort_by_key(|s| *s == PostStatus::AlreadyPosted);
    assert_eq!(statuses, [PostStatus::Posted, PostStatus::AlreadyPosted]);
    assert_eq!(balance(&store, f.cash).await, 7_000);
}

#[tokio::test]
async fn bad_entries_are_refused_precisely_and_change_nothing() {
    let (_db, store, f) = setup().await;
    let other = fund(&store, store.book(f.book).await.unwrap().place_id, "دیگر").await;
    store.post_entry(f.book, &deposit(&f, "d0", 1_000), 1).await.unwrap();
    let r = Rials::new;
    let cases: Vec<(EntryDraft, LedgerError)> = vec![
        (
            draft("unbalanced", vec![PostingDraft::debit(f.cash, r(10)), PostingDraft::credit(f.savings, r(9))]),
            LedgerError::Unbalanced { debits_rials: 10, credits_rials: 9 },
        ),
        (draft("one", vec![PostingDraft::debit(f.cash, r(10))]), LedgerError::TooFewPostings { count: 1 }),
        (
            draft("zero", vec![PostingDraft::debit(f.cash, r(0)), PostingDraft::credit(f.savings, r(0))]),
            LedgerError::NonPositiveAmount { line: 1, amount_rials: 0 },
        ),
        (
            draft("foreign", vec![PostingDraft::debit(other.cash, r(10)), PostingDraft::credit(f.savings, r(10))]),
            LedgerError::AccountInOtherBook { account_id: other.cash, account_book_id: other.book, book_id: f.book },
        ),
        (
            draft(
                "unknown",
                vec![PostingDraft::debit(AccountId(999_999), r(10)), PostingDraft::credit(f.savings, r(10))],
            ),
            LedgerError::UnknownAccount { account_id: AccountId(999_999) },
        ),
        (
            draft(
                "overflow",
                vec![PostingDraft::debit(f.cash, Rials::MAX), PostingDraft::credit(f.savings, Rials::MAX)],
            ),
            // A deposit of 2^63 - 1 used to be taken and to break every roll-up above it (issue 13).
            LedgerError::AmountTooLarge { line: 1, amount_rials: i64::MAX, max_rials: Rials::ONE_AMOUNT_MAX.get() },
        ),
        (
            draft("negative-cash", vec![PostingDraft::credit(f.cash, r(1_001)), PostingDraft::debit(f.fees, r(1_001))]),
            LedgerError::WouldGoNegative { account_id: f.cash, balance_after_rials: -1 },
        ),
        (
            EntryDraft { reverses: Some(EntrySeq(42)), ..deposit(&f, "rev-unknown", 1) },
            LedgerError::ReversedEntryUnknown { seq: EntrySeq(42) },
        ),
    ];
    let before = store.trial_balance_of_book(f.book).await.unwrap();
    for (d, expected) in cases {
        assert_eq!(rejected(store.post_entry(f.book, &d, 2).await), expected, "{}", d.idempotency_key);
        assert_eq!(store.trial_balance_of_book(f.book).await.unwrap(), before);
        assert_eq!(store.book(f.book).await.unwrap().head_seq, EntrySeq(1));
    }
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_reversal_undoes_once_and_only_once() {
    let (_db, store, f) = setup().await;
    let original = deposit(&f, "d1", 5_000);
    store.post_entry(f.book, &original, 1).await.unwrap();
    // A reversal must mirror the original.
    let wrong =
        EntryDraft { postings: deposit(&f, "x", 5_000).postings, ..reversal("r-wrong", EntrySeq(1), &original) };
    assert_eq!(rejected(store.post_entry(f.book, &wrong, 2).await), LedgerError::ReversalMismatch { seq: EntrySeq(1) });
    let undo = store.post_entry(f.book, &reversal("r1", EntrySeq(1), &original), 2).await.unwrap();
    assert_eq!(undo.seq, EntrySeq(2));
    assert_eq!(balance(&store, f.cash).await, 0);
    assert_eq!(
        rejected(store.post_entry(f.book, &reversal("r2", EntrySeq(1), &original), 3).await),
        LedgerError::AlreadyReversed { seq: EntrySeq(1), reversed_by: EntrySeq(2) }
    );
    let reversal_entry = store.entry(f.book, EntrySeq(2)).await.unwrap().draft;
    assert_eq!(
        rejected(store.post_entry(f.book, &reversal("r3", EntrySeq(2), &reversal_entry), 3).await),
        LedgerError::ReversalOfReversal { seq: EntrySeq(2) }
    );
    // Retrying the same reversal is idempotent.
    let retry = store.post_entry(f.book, &reversal("r1", EntrySeq(1), &original), 4).await.unwrap();
    assert_eq!(retry.status, PostStatus::AlreadyPosted);
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_bulk_post_with_a_bad_entry_in_the_middle_writes_nothing() {
    let (_db, store, f) = setup().await;
    let mut drafts: Vec<EntryDraft> = (0..1_500).map(|i| deposit(&f, &format!("bulk-{i}"), 10 + i)).collect();
    drafts[800].postings[1].amount = Rials::new(1);
    match store.post_entries(f.book, &drafts, 1).await {
        Err(StoreError::Rejected { index, key, .. }) => {
            assert_eq!((index, key.as_str()), (800, "bulk-800"))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(store.book(f.book).await.unwrap().head_seq, EntrySeq(0));
    drafts[800] = deposit(&f, "bulk-800", 5);
    let outcomes = store.post_entries(f.book, &drafts, 1).await.unwrap();
    assert_eq!(outcomes.len(), 1_500);
    assert_eq!(outcomes[1_499].seq, EntrySeq(1_500));
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!((report.entries, report.postings), (1_500, 3_000));
}

#[tokio::test]
async fn places_roll_up_trial_balances() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let qazvin = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await.unwrap();
    let tehran = store.add_place(Some(country.id), PlaceKind::Province, "تهران").await.unwrap();
    let takestan = store.add_place(Some(qazvin.id), PlaceKind::County, "تاکستان").await.unwrap();
    let village = store.add_place(Some(takestan.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    assert!(store.add_place(Some(village.id), PlaceKind::County, "x").await.is_err());
    assert!(store.add_place(None, PlaceKind::Province, "x").await.is_err());
    let a = fund(&store, village.id, "الف").await;
    let b = fund(&store, takestan.id, "ب").await;
    let c = fund(&store, tehran.id, "ج").await;
    store.post_entry(a.book, &deposit(&a, "1", 100), 1).await.unwrap();
    store.post_entry(b.book, &deposit(&b, "1", 20), 1).await.unwrap();
    store.post_entry(c.book, &deposit(&c, "1", 3), 1).await.unwrap();
    let cash = |tb: &domain::books::TrialBalance| tb.lines.iter().find(|l| l.code == "1010").map(|l| l.balance_rials);
    assert_eq!(cash(&store.trial_balance_under_place(qazvin.id).await.unwrap()), Some(120));
    assert_eq!(cash(&store.trial_balance_under_place(takestan.id).await.unwrap()), Some(120));
    assert_eq!(cash(&store.trial_balance_under_place(village.id).await.unwrap()), Some(100));
    assert_eq!(cash(&store.trial_balance_under_place(country.id).await.unwrap()), Some(123));
    assert!(store.trial_balance_under_place(country.id).await.unwrap().is_balanced());
}

#[tokio::test]
async fn the_books_are_append_only_in_the_database_too() {
    let (db, store, f) = setup().await;
    store.post_entry(f.book, &deposit(&f, "d1", 100), 1).await.unwrap();
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    for sql in [
        "UPDATE postings SET amount_rials = 5",
        "DELETE FROM postings",
        "UPDATE entries SET memo = 'x'",
        "DELETE FROM entries",
    ] {
        let error = sqlx::query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
}

#[tokio::test]
async fn verify_names_the_entry_that_was_tampered_with() {
    let (db, store, f) = setup().await;
    for i in 0..5 {
        store.post_entry(f.book, &deposit(&f, &format!("d{i}"), 100), 1).await.unwrap();
    }
    assert!(store.verify().await.unwrap().is_clean());
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let drops: &[&str] = if db.is_postgres() {
        &["DROP TRIGGER postings_append_only ON postings"]
    } else {
        &["DROP TRIGGER postings_append_only"]
    };
    for sql in drops {
        sqlx::query(*sql).execute(&mut conn).await.unwrap();
    }
    sqlx::query("UPDATE postings SET amount_rials = amount_rials * 2 WHERE entry_seq = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    let store = Store::open(&db.url).await.unwrap();
    let report = store.verify().await.unwrap();
    assert!(!report.is_clean());
    assert!(
        report.problems.iter().any(|p| p.seq == Some(EntrySeq(3)) && p.message.contains("content")),
        "{:?}",
        report.problems
    );
    assert!(report.problems.iter().any(|p| p.account_id == Some(f.cash)), "{:?}", report.problems);
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_left_alone() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), store::SCHEMA_VERSION);
    store.close().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    sqlx::query("INSERT INTO abadi_schema_version (version) VALUES (99)").execute(&mut conn).await.unwrap();
    match Store::open(&db.url).await {
        Err(StoreError::SchemaTooNew { found: 99, supported }) => assert_eq!(supported, store::SCHEMA_VERSION),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_urls_and_files_that_are_not_sqlite_are_refused() {
    assert!(matches!(Store::open("mysql://root@localhost/x").await, Err(StoreError::UnknownScheme(_))));
    assert!(matches!(Store::open("abadi.db").await, Err(StoreError::UnknownScheme(_))));
    let dir = std::env::temp_dir().join(format!("abadi-notsqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notes.db");
    std::fs::write(&path, "these are a treasurer's notes, not a database\n".repeat(100)).unwrap();
    let before = std::fs::read(&path).unwrap();
    match Store::open(&format!("sqlite://{}", path.display())).await {
        Err(StoreError::NotSqlite(_)) => {}
        other => panic!("expected NotSqlite, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file is left as it was");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database() {
    let (db, store, f) = setup().await;
    store.post_entry(f.book, &deposit(&f, "d1", 100), 1).await.unwrap();
    let path = db.scratch_dir().join("backup.db");
    let path = path.to_str().unwrap();
    if db.is_postgres() {
        assert!(matches!(store.backup_to(path).await, Err(StoreError::Unsupported(_))));
        return;
    }
    store.backup_to(path).await.unwrap();
    assert!(matches!(store.backup_to(path).await, Err(StoreError::Conflict(_))));
    let copy = Store::open(&format!("sqlite://{path}")).await.unwrap();
    assert_eq!(copy.account(f.cash).await.unwrap().balance_rials, 100);
    assert!(copy.verify().await.unwrap().is_clean());
}

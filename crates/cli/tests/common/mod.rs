//! Helpers shared by the CLI tests.
#![allow(dead_code, clippy::unwrap_used)]

use app::Store;
use domain::{
    AccountCode, AccountKind, BookId, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate, PlaceKind,
    PostingDraft, Rials,
};
use std::process::{Command, Output};

pub fn abadi(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abadi"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("ABADI_DATABASE_URL")
        .output()
        .expect("abadi runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A peer tool (hledger, bean-check) that `check` needs: `false` means skip the check (it has said so
/// loudly); with `ABADI_REQUIRE_ALL=1`, as in CI, a missing tool fails the test instead.
pub fn peer_tool(check: &str, program: &str, install: &str) -> bool {
    app::testing::outside_tools(check, [&[program]], install).is_some()
}

/// Two small fund books with deposits, a loan, a fee, Persian memos and a reversal.
pub async fn sample_books(store: &Store) -> Vec<BookId> {
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let province = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await.unwrap();
    let mut books = Vec::new();
    for (b, village) in ["اسفرورین", "خرم‌آباد"].iter().enumerate() {
        let place = store.add_place(Some(province.id), PlaceKind::Village, village).await.unwrap();
        let book = store.add_book(place.id, "fund", &format!("صندوق {village}"), 0).await.unwrap();
        let mut acct = Vec::new();
        for (code, name, kind) in [
            ("1010", "صندوق", AccountKind::Asset),
            ("1200", "وام‌ها", AccountKind::Asset),
            ("2010", "پس‌انداز اعضا", AccountKind::Liability),
            ("4010", "کارمزد", AccountKind::Income),
            ("fee.late", "جریمه \"دیرکرد\"", AccountKind::Income),
        ] {
            acct.push(
                store.add_account(book.id, &AccountCode::parse(code).unwrap(), name, kind, false).await.unwrap().id,
            );
        }
        let date = |d: &str| IsoDate::parse_iso(d).unwrap();
        let entry = |key: &str, code: &str, memo: &str, on: &str, postings: Vec<PostingDraft>| EntryDraft {
            idempotency_key: IdempotencyKey::parse(key).unwrap(),
            code: EntryCode::parse(code).unwrap(),
            object_ref: "member:1".into(),
            effective_on: date(on),
            memo: memo.into(),
            reverses: None,
            postings,
        };
        let r = |v: i64| Rials::new(v * (b as i64 + 1));
        let drafts = vec![
            entry(
                "d1",
                "deposit",
                "پس‌انداز فروردین",
                "2024-03-25",
                vec![PostingDraft::debit(acct[0], r(5_000_000)), PostingDraft::credit(acct[2], r(5_000_000))],
            ),
            entry(
                "d2",
                "deposit",
                "",
                "2024-04-25",
                vec![PostingDraft::debit(acct[0], r(5_000_000)), PostingDraft::credit(acct[2], r(5_000_000))],
            ),
            entry(
                "l1",
                "loan.disburse",
                "وام \"گاو شیری\"; ۱۲ قسط",
                "2024-05-01",
                vec![PostingDraft::debit(acct[1], r(3_000_000)), PostingDraft::credit(acct[0], r(3_000_000))],
            ),
            entry(
                "p1",
                "loan.repay",
                "قسط اول",
                "2024-06-01",
                vec![
                    PostingDraft::debit(acct[0], r(700_000)),
                    PostingDraft::credit(acct[1], r(666_667)),
                    PostingDraft::credit(acct[3], r(30_000)),
                    PostingDraft::credit(acct[4], r(3_333)),
                ],
            ),
        ];
        store.post_entries(book.id, &drafts, 1_700_000_000_000).await.unwrap();
        let reversal = EntryDraft {
            idempotency_key: IdempotencyKey::parse("rev-d2").unwrap(),
            code: EntryCode::parse("reversal").unwrap(),
            reverses: Some(EntrySeq(2)),
            postings: EntryDraft::mirror_postings(&drafts[1].postings),
            ..drafts[1].clone()
        };
        store.post_entry(book.id, &reversal, 1_700_000_000_001).await.unwrap();
        books.push(book.id);
    }
    books
}

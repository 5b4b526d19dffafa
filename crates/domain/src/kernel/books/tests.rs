//! The tests of the module above.

#![allow(clippy::unwrap_used)]

use super::*;

mod ledger_tests {
    use super::*;
    use crate::date::IsoDate;
    use proptest::prelude::*;

    fn draft(postings: Vec<PostingDraft>) -> EntryDraft {
        EntryDraft {
            idempotency_key: IdempotencyKey::parse("k1").unwrap_or_else(|e| panic!("{e}")),
            code: EntryCode::parse("deposit").unwrap_or_else(|e| panic!("{e}")),
            object_ref: String::new(),
            effective_on: IsoDate::parse_iso("2024-03-20").unwrap_or_else(|e| panic!("{e}")),
            memo: String::new(),
            reverses: None,
            postings,
        }
    }

    fn state() -> BookState {
        let mut accounts = HashMap::new();
        accounts.insert(
            AccountId(1),
            AccountState {
                id: AccountId(1),
                book_id: BookId(1),
                kind: AccountKind::Asset,
                must_not_go_negative: true,
                balance_rials: 0,
            },
        );
        accounts.insert(
            AccountId(2),
            AccountState {
                id: AccountId(2),
                book_id: BookId(1),
                kind: AccountKind::Liability,
                must_not_go_negative: false,
                balance_rials: 0,
            },
        );
        let mut foreign_accounts = HashMap::new();
        foreign_accounts.insert(AccountId(9), BookId(2));
        BookState {
            book_id: BookId(1),
            head_seq: EntrySeq(0),
            head_hash: GENESIS_HASH.into(),
            accounts,
            foreign_accounts,
        }
    }

    #[test]
    fn refusals_in_order() {
        let r = |v| Rials::new(v);
        let cases: Vec<(Vec<PostingDraft>, LedgerError)> = vec![
            (vec![PostingDraft::debit(AccountId(1), r(5))], LedgerError::TooFewPostings { count: 1 }),
            (
                vec![PostingDraft::debit(AccountId(1), r(0)), PostingDraft::credit(AccountId(2), r(0))],
                LedgerError::NonPositiveAmount { line: 1, amount_rials: 0 },
            ),
            (
                vec![PostingDraft::debit(AccountId(1), r(5)), PostingDraft::credit(AccountId(2), r(4))],
                LedgerError::Unbalanced { debits_rials: 5, credits_rials: 4 },
            ),
            (
                // Beyond the one-amount ceiling: refused before any sum could overflow (issue 13).
                vec![
                    PostingDraft::debit(AccountId(1), Rials::MAX),
                    PostingDraft::debit(AccountId(1), r(1)),
                    PostingDraft::credit(AccountId(2), r(1)),
                ],
                LedgerError::AmountTooLarge { line: 1, amount_rials: i64::MAX, max_rials: Rials::ONE_AMOUNT_MAX.get() },
            ),
            (
                vec![PostingDraft::debit(AccountId(9), r(5)), PostingDraft::credit(AccountId(2), r(5))],
                LedgerError::AccountInOtherBook {
                    account_id: AccountId(9),
                    account_book_id: BookId(2),
                    book_id: BookId(1),
                },
            ),
            (
                vec![PostingDraft::debit(AccountId(7), r(5)), PostingDraft::credit(AccountId(2), r(5))],
                LedgerError::UnknownAccount { account_id: AccountId(7) },
            ),
            (
                vec![PostingDraft::credit(AccountId(1), r(5)), PostingDraft::debit(AccountId(2), r(5))],
                LedgerError::WouldGoNegative { account_id: AccountId(1), balance_after_rials: -5 },
            ),
        ];
        for (postings, expected) in cases {
            let mut s = state();
            assert_eq!(s.apply(&draft(postings), 0), Err(expected.clone()), "{expected}");
            assert_eq!(s.head_seq, EntrySeq(0), "a refused entry leaves the head");
            assert!(s.accounts.values().all(|a| a.balance_rials == 0), "a refused entry leaves balances");
        }
    }

    #[test]
    fn chain_links_each_entry_to_the_last() {
        let mut s = state();
        let d = draft(vec![
            PostingDraft::debit(AccountId(1), Rials::new(5)),
            PostingDraft::credit(AccountId(2), Rials::new(5)),
        ]);
        let first = s.apply(&d, 10).unwrap_or_else(|e| panic!("{e}"));
        let second = s.apply(&d, 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.seq, EntrySeq(1));
        assert_eq!(second.seq, EntrySeq(2));
        assert_ne!(first.hash, second.hash);
        assert_eq!(second.hash, chain_hash(BookId(1), EntrySeq(2), 10, "k1", &second.content_hash, &first.hash));
        assert_eq!(s.accounts[&AccountId(1)].balance_rials, 10);
    }

    #[test]
    fn content_hash_ignores_nothing_but_the_key() {
        let base = draft(vec![
            PostingDraft::debit(AccountId(1), Rials::new(5)),
            PostingDraft::credit(AccountId(2), Rials::new(5)),
        ]);
        let mut other_key = base.clone();
        other_key.idempotency_key = IdempotencyKey::parse("k2").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(base.content_hash(), other_key.content_hash());
        let mut other_amount = base.clone();
        other_amount.postings[0].amount = Rials::new(6);
        other_amount.postings[1].amount = Rials::new(6);
        assert_ne!(base.content_hash(), other_amount.content_hash());
        let mut other_memo = base.clone();
        other_memo.memo = "x".into();
        assert_ne!(base.content_hash(), other_memo.content_hash());
    }

    #[test]
    fn codes() {
        assert!(AccountCode::parse("1010").is_ok());
        assert!(AccountCode::parse("2100-savings").is_ok());
        assert!(AccountCode::parse("-x").is_err());
        assert!(AccountCode::parse("صندوق").is_err());
        assert!(EntryCode::parse("loan.disburse").is_ok());
        assert!(EntryCode::parse("Loan").is_err());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("a b").is_err());
        assert!(IdempotencyKey::parse(&"x".repeat(129)).is_err());
    }

    proptest! {
        #[test]
        fn applied_entries_keep_balances_summing_to_zero(amounts in proptest::collection::vec((1i64..1_000_000, any::<bool>()), 1..50)) {
            let mut s = state();
            if let Some(a) = s.accounts.get_mut(&AccountId(1)) { a.must_not_go_negative = false; }
            for (amount, direction) in amounts {
                let (a, b) = if direction { (AccountId(1), AccountId(2)) } else { (AccountId(2), AccountId(1)) };
                let d = draft(vec![PostingDraft::debit(a, Rials::new(amount)), PostingDraft::credit(b, Rials::new(amount))]);
                prop_assert!(s.apply(&d, 0).is_ok());
                let total: i64 = s.accounts.values().map(|a| a.balance_rials).sum();
                prop_assert_eq!(total, 0);
            }
        }
    }
}

mod statement_tests {
    use super::*;

    #[test]
    fn the_balance_sheet_balances_and_the_period_has_its_own_income() {
        let line = |code: &str, kind, balance| TrialBalanceLine {
            code: code.into(),
            name: code.into(),
            kind,
            balance_rials: balance,
        };
        let at = TrialBalance {
            lines: vec![
                line("1010", AccountKind::Asset, 700),
                line("1200", AccountKind::Asset, 400),
                line("2010", AccountKind::Liability, -1_000),
                line("4010", AccountKind::Income, -150),
                line("5010", AccountKind::Expense, 50),
            ],
        };
        let period = TrialBalance {
            lines: vec![line("4010", AccountKind::Income, -60), line("5010", AccountKind::Expense, 10)],
        };
        let s = FinancialStatements::build(&at, &period);
        assert_eq!(s.total_assets(), 1_100);
        assert_eq!(s.retained_earnings, 100);
        assert_eq!(s.total_liabilities_and_equity(), 1_100);
        assert_eq!(s.net_income, 50);
    }
}

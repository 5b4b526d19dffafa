//! Model-based test: a random workload of joins, deposits, withdrawals, loans, repayments, reversals
//! and closes of day runs through the use cases, checked step by step against a simple in-memory model
//! of what each balance should be. On SQLite, and on PostgreSQL with ABADI_TEST_DATABASE_URL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::funds::{SavingsMove, move_savings, savings_balance};
use domain::fund::{FundRules, codes};
use domain::{EntrySeq, IsoDate, JalaliDate, NationalId, PlaceKind, Rials};
use proptest::prelude::*;
use std::collections::HashMap;
use store::testing::TestDatabase;
use store::{LoanApplication, NewMember, Store, StoreError};

#[derive(Clone, Debug)]
enum Op {
    Join,
    Deposit { member: usize, amount: i64 },
    Withdraw { member: usize, amount: i64 },
    Borrow { member: usize, amount: i64, term_months: u32 },
    Repay { loan: usize, amount: i64 },
    ReverseLastRepayment { loan: usize },
    RetryLastDeposit,
    CloseDays { days: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Join),
        5 => (0usize..8, 1i64..5_000_000).prop_map(|(member, amount)| Op::Deposit { member, amount }),
        2 => (0usize..8, 1i64..6_000_000).prop_map(|(member, amount)| Op::Withdraw { member, amount }),
        3 => (0usize..8, 1i64..12_000_000, 6u32..=24).prop_map(|(member, amount, term_months)| Op::Borrow { member, amount, term_months }),
        4 => (0usize..8, 1i64..4_000_000).prop_map(|(loan, amount)| Op::Repay { loan, amount }),
        1 => (0usize..8).prop_map(|loan| Op::ReverseLastRepayment { loan }),
        1 => Just(Op::RetryLastDeposit),
        1 => (1i64..60).prop_map(|days| Op::CloseDays { days }),
    ]
}

const NATIONAL_IDS: [&str; 8] =
    ["0499370899", "0084575948", "0013542419", "0067749828", "0062148672", "0017839475", "0043217818", "0057314322"];

/// A loan in the model: its id, what is still owed, and the repayments not reversed (seq, amount).
type ModelLoan = (i64, i64, Vec<(EntrySeq, i64)>);

#[derive(Default)]
struct Model {
    cash: i64,
    savings: Vec<i64>,
    /// loan id → (outstanding, repayments still standing: (seq, amount))
    loans: Vec<ModelLoan>,
    last_deposit: Option<(i64, i64, IsoDate, String)>,
}

/// Cases per run; `ABADI_MODEL_CASES=500` for a longer hunt.
fn cases() -> u32 {
    let default = if store::testing::postgres_test_url().is_some() { 4 } else { 12 };
    std::env::var("ABADI_MODEL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]
    #[test]
    fn the_fund_matches_its_model_step_by_step(ops in proptest::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops));
    }
}

async fn run(ops: Vec<Op>) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(0);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "ده").await.unwrap();
    let opened = JalaliDate::parse("1402/01/01").unwrap().to_iso();
    let rules = FundRules { min_membership_months: 0, guarantors_required: 0, ..FundRules::usual() };
    let fund = store.create_fund(village.id, "صندوق", opened, &rules, 0).await.unwrap();
    let cash_account = store.fund_account(&fund, codes::CASH).await.unwrap();
    let mut model = Model::default();
    let mut members: Vec<i64> = Vec::new();
    let mut today: IsoDate = JalaliDate::parse("1403/01/01").unwrap().to_iso();
    for (step, op) in ops.into_iter().enumerate() {
        let key = format!("k{step}");
        match op {
            Op::Join => {
                if members.len() == NATIONAL_IDS.len() {
                    continue;
                }
                let new = NewMember {
                    national_id: NationalId::parse(NATIONAL_IDS[members.len()]).unwrap(),
                    first_name: format!("عضو {}", members.len()),
                    last_name: "آزمون".into(),
                    father_name: String::new(),
                    phone: None,
                    place_id: village.id,
                    joined_on: opened,
                };
                members.push(store.add_member(fund.id, &new).await.unwrap().id);
                model.savings.push(0);
            }
            Op::Deposit { member, amount } => {
                let Some(&id) = members.get(member) else { continue };
                move_savings(&store, &clock, id, SavingsMove::Deposit, Rials::new(amount), today, &key).await.unwrap();
                model.savings[member] += amount;
                model.cash += amount;
                model.last_deposit = Some((id, amount, today, key));
            }
            Op::RetryLastDeposit => {
                let Some((id, amount, on, key)) = model.last_deposit.clone() else { continue };
                move_savings(&store, &clock, id, SavingsMove::Deposit, Rials::new(amount), on, &key).await.unwrap();
            }
            Op::Withdraw { member, amount } => {
                let Some(&id) = members.get(member) else { continue };
                let result =
                    move_savings(&store, &clock, id, SavingsMove::Withdrawal, Rials::new(amount), today, &key).await;
                if amount <= model.savings[member] && amount <= model.cash {
                    result.unwrap();
                    model.savings[member] -= amount;
                    model.cash -= amount;
                } else {
                    assert!(matches!(result, Err(StoreError::Rejected { .. })), "{result:?}");
                }
            }
            Op::Borrow { member, amount, term_months } => {
                let Some(&id) = members.get(member) else { continue };
                let application = LoanApplication {
                    member_id: id,
                    amount: Rials::new(amount),
                    term_months,
                    purpose: "آزمون".into(),
                    jobs_created: 0,
                    jobs_revived: 0,
                    guarantors: vec![],
                    on: today,
                };
                match store.request_loan(fund.id, &application).await {
                    Ok(loan) => {
                        store.approve_loan(loan.id, "الف").await.unwrap();
                        if store.loan(loan.id).await.unwrap().status != store::LoanStatus::Approved {
                            store.approve_loan(loan.id, "ب").await.unwrap();
                        }
                        store.disburse_loan(loan.id, today, &key, 0).await.unwrap();
                        let owed: i64 =
                            store.installments(loan.id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
                        assert!(owed >= amount);
                        model.cash -= amount;
                        model.loans.push((loan.id, owed, Vec::new()));
                    }
                    Err(StoreError::Ineligible(refusals)) => assert!(!refusals.is_empty()),
                    Err(other) => panic!("unexpected: {other}"),
                }
            }
            Op::Repay { loan, amount } => {
                let Some((id, outstanding, standing)) = model.loans.get_mut(loan) else { continue };
                let result = store.repay_loan(*id, Rials::new(amount), today, &key, 0).await;
                if *outstanding == 0 {
                    assert!(result.is_err(), "a closed loan takes no payment");
                } else if amount <= *outstanding {
                    let repayment = result.unwrap();
                    *outstanding -= amount;
                    model.cash += amount;
                    standing.push((repayment.seq, amount));
                } else {
                    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
                }
            }
            Op::ReverseLastRepayment { loan } => {
                let Some((id, outstanding, standing)) = model.loans.get_mut(loan) else { continue };
                let Some((seq, amount)) = standing.last().copied() else { continue };
                let result = store.reverse_repayment(*id, seq, &key, "اشتباه", today, 0).await;
                if amount <= model.cash {
                    result.unwrap();
                    standing.pop();
                    *outstanding += amount;
                    model.cash -= amount;
                } else {
                    assert!(matches!(result, Err(StoreError::Rejected { .. })), "{result:?}");
                }
            }
            Op::CloseDays { days } => {
                today = today.add_days(days);
                store.close_days_until(today.add_days(-1), 0).await.unwrap();
            }
        }
        // Step by step, the store says what the model says.
        let cash = store.account(cash_account).await.unwrap().balance_rials;
        assert_eq!(cash, model.cash, "cash after step {step}");
        for (i, id) in members.iter().enumerate() {
            assert_eq!(savings_balance(&store, *id).await.unwrap().get(), model.savings[i], "savings of member {i}");
        }
        let mut loans_owed: HashMap<i64, i64> = HashMap::new();
        for (id, outstanding, _) in &model.loans {
            let owed: i64 = store.installments(*id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
            assert_eq!(owed, *outstanding, "loan {id}");
            loans_owed.insert(*id, owed);
            let status = store.loan(*id).await.unwrap().status;
            assert_eq!(status == store::LoanStatus::Closed, owed == 0, "loan {id} is closed exactly when paid off");
        }
        assert!(store.trial_balance_of_book(fund.book_id).await.unwrap().is_balanced());
    }
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
}

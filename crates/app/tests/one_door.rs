//! The one door: a change and its audit record commit together or not at all; `verify` proves every
//! entry has its audit record; many simultaneous disbursements (in different funds, and of one loan)
//! each get an answer without a second connection. On SQLite, and on PostgreSQL with
//! ABADI_TEST_DATABASE_URL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::funds::{SavingsMove, move_savings_in};
use app::{Actor, Audited, FixedClock, command};
use domain::fund::FundRules;
use domain::{IsoDate, JalaliDate, PlaceKind, PlacePath, Rials};
use store::testing::TestDatabase;
use store::{AuditFilter, LoanApplication, LoanStatus, NewMember, Store, StoreError};

fn day(jalali: &str) -> IsoDate {
    JalaliDate::parse(jalali).unwrap().to_iso()
}

/// A fund with one member holding savings, the programme's capital in its cash, and an approved loan.
async fn fund_with_approved_loan(store: &Store, village: i64, n: u64) -> i64 {
    let clock = FixedClock(0);
    let rules = FundRules { guarantors_required: 0, ..FundRules::usual() };
    let fund = store.create_fund(village, &format!("صندوق {n}"), day("1402/01/01"), &rules, 0).await.unwrap();
    let member = store
        .add_member(
            fund.id,
            &NewMember {
                national_id: app::workload::synthetic_national_id(n),
                first_name: format!("عضو {n}"),
                last_name: "کریمی".into(),
                father_name: String::new(),
                phone: None,
                place_id: village,
                joined_on: day("1402/01/01"),
            },
        )
        .await
        .unwrap();
    app::funds::move_savings(
        &store.clone(),
        &clock,
        member.id,
        SavingsMove::Deposit,
        Rials::new(20_000_000),
        day("1402/02/01"),
        &format!("s{n}"),
    )
    .await
    .unwrap();
    let application = LoanApplication {
        member_id: member.id,
        amount: Rials::new(10_000_000),
        term_months: 10,
        purpose: String::new(),
        jobs_created: 0,
        jobs_revived: 0,
        guarantors: vec![],
        on: day("1403/01/10"),
    };
    let loan = store.request_loan(fund.id, &application).await.unwrap();
    store.approve_loan(loan.id, "هیئت مدیره").await.unwrap();
    loan.id
}

async fn audit_count(store: &Store) -> usize {
    store.audit_log(&AuditFilter { limit: 1000, ..AuditFilter::default() }).await.unwrap().len()
}

#[tokio::test]
async fn a_change_refused_late_leaves_neither_the_change_nor_its_audit_record() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "ده").await.unwrap();
    let loan_id = fund_with_approved_loan(&store, village.id, 1).await;
    let loan = store.loan(loan_id).await.unwrap();
    let member = store.member(loan.member_id).await.unwrap();
    let before = audit_count(&store).await;
    let clock = FixedClock(1);
    let actor = Actor::system();
    // A deposit posts, then a withdrawal beyond the savings is refused by the books: all rolled back.
    let outcome = command(&store, &clock, &actor, "savings.move", async |tx| {
        move_savings_in(tx, &clock, member.id, SavingsMove::Deposit, Rials::new(1_000), day("1403/02/01"), "d1")
            .await?;
        tx.audit(&actor.record(
            &clock,
            "savings.move",
            &Audited::new("member:1", &PlacePath::from_stored("/".into()), "null", "null"),
        ))
        .await?;
        move_savings_in(
            tx,
            &clock,
            member.id,
            SavingsMove::Withdrawal,
            Rials::new(999_000_000),
            day("1403/02/01"),
            "w1",
        )
        .await?;
        Ok::<_, StoreError>(((), None))
    })
    .await;
    assert!(matches!(outcome, Err(StoreError::Rejected { .. })), "{outcome:?}");
    assert_eq!(audit_count(&store).await, before, "no audit record of a change that did not happen");
    assert_eq!(app::funds::savings_balance(&store, member.id).await.unwrap(), Rials::new(20_000_000));

    // Entries without an audit record are refused at commit: nothing is saved.
    let mut tx = store.begin().await.unwrap();
    move_savings_in(&mut tx, &clock, member.id, SavingsMove::Deposit, Rials::new(1_000), day("1403/02/01"), "d2")
        .await
        .unwrap();
    assert!(matches!(tx.commit().await, Err(StoreError::Unexpected(_))));
    assert_eq!(app::funds::savings_balance(&store, member.id).await.unwrap(), Rials::new(20_000_000));
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert!(report.audit_links > 0);
}

#[tokio::test]
async fn verify_names_an_entry_without_its_audit_record() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "ده").await.unwrap();
    fund_with_approved_loan(&store, village.id, 2).await;
    assert!(store.verify().await.unwrap().is_clean());
    // Someone with the database file removes the links (past the triggers that forbid it).
    sqlx::any::install_default_drivers();
    let url = if db.is_postgres() { db.url.clone() } else { format!("{}?mode=rw", db.url) };
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let statements: &[&str] = if db.is_postgres() {
        &["ALTER TABLE audit_entries DISABLE TRIGGER ALL", "DELETE FROM audit_entries"]
    } else {
        &["DROP TRIGGER audit_entries_no_delete", "DELETE FROM audit_entries"]
    };
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(*sql)).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let report = store.verify().await.unwrap();
    assert!(report.problems.iter().any(|p| p.message.contains("no audit record")), "{:?}", report.problems);
}

/// 50 loans of 50 funds paid out at once, and 50 payments of one loan at once: every caller gets an
/// answer (paid, or already paid, or a clear refusal), never a pool timeout; the books agree after.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_disbursements_each_get_an_answer() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "ده").await.unwrap();
    let mut loans = Vec::new();
    for n in 0..50 {
        loans.push(fund_with_approved_loan(&store, village.id, 100 + n).await);
    }
    let disburse = |store: Store, loan_id: i64, key: String| async move {
        let clock = FixedClock(5);
        let started = std::time::Instant::now();
        let outcome = command(&store, &clock, &Actor::system(), "loan.disburse", async |tx| {
            let loan = tx.disburse_loan(loan_id, day("1403/01/15"), &key, 5).await?;
            let audited = tx
                .has_posted()
                .then(|| Audited::new(format!("loan:{loan_id}"), &PlacePath::from_stored("/".into()), "null", "null"));
            Ok::<_, StoreError>((loan, audited))
        })
        .await;
        (outcome, started.elapsed())
    };
    let mut tasks = Vec::new();
    for loan in &loans {
        tasks.push(tokio::spawn(disburse(store.clone(), *loan, format!("pay-{loan}"))));
    }
    // The same loan from 50 callers: one key (a retried request) for half, another key for the rest.
    let same = loans[0];
    for i in 0..50 {
        tasks.push(tokio::spawn(disburse(store.clone(), same, format!("same-{}", i % 2))));
    }
    let mut paid = 0;
    let mut refused = 0;
    for task in tasks {
        let (outcome, took) = task.await.unwrap();
        assert!(took < std::time::Duration::from_secs(10), "an answer took {took:?}");
        match outcome {
            Ok(loan) => {
                assert_eq!(loan.status, LoanStatus::Disbursed);
                paid += 1;
            }
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains("not approved"), "{message}");
                refused += 1;
            }
            Err(other) => panic!("a disbursement answered {other:?}"),
        }
    }
    assert_eq!(paid + refused, 100);
    for loan in &loans {
        assert_eq!(store.loan(*loan).await.unwrap().status, LoanStatus::Disbursed);
    }
    let disbursed = store
        .audit_log(&AuditFilter { action_prefix: Some("loan.disburse".into()), limit: 1000, ..AuditFilter::default() })
        .await
        .unwrap();
    assert_eq!(disbursed.len(), 50, "one audit record per loan paid out, none for the retries");
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
}

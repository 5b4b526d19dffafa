//! Funds, members and savings through the use cases, on SQLite and (with ABADI_TEST_DATABASE_URL) on
//! PostgreSQL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::funds::{SavingsMove, move_savings, savings_balance};
use domain::fund::FundRules;
use domain::{IsoDate, JalaliDate, LedgerError, NationalId, PhoneNumber, PlaceKind, Rials};
use store::testing::TestDatabase;
use store::{NewMember, PostStatus, Store, StoreError};

fn day(jalali: &str) -> IsoDate {
    JalaliDate::parse(jalali).unwrap().to_iso()
}

fn person(national_id: &str, first: &str, last: &str, place_id: i64) -> NewMember {
    NewMember {
        national_id: NationalId::parse(national_id).unwrap(),
        first_name: first.into(),
        last_name: last.into(),
        father_name: "حسن".into(),
        phone: Some(PhoneNumber::parse("09121234567").unwrap()),
        place_id,
        joined_on: day("1403/01/15"),
    }
}

async fn setup() -> (TestDatabase, Store, store::Fund, i64) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    let fund =
        store.create_fund(village.id, "صندوق زنان اسفرورین", day("1403/01/01"), &FundRules::usual(), 0).await.unwrap();
    (db, store, fund, village.id)
}

#[tokio::test]
async fn a_fund_opens_with_its_chart_and_dated_rules() {
    let (_db, store, fund, _) = setup().await;
    let accounts = store.accounts(fund.book_id).await.unwrap();
    assert_eq!(accounts.len(), domain::fund::FUND_CHART.len());
    let history = store.fund_rules(fund.id).await.unwrap();
    assert_eq!(history.on(day("1403/06/01")), &FundRules::usual());
    let stricter = FundRules { min_membership_months: 6, ..FundRules::usual() };
    store.change_fund_rules(fund.id, day("1404/01/01"), &stricter, 1).await.unwrap();
    let history = store.fund_rules(fund.id).await.unwrap();
    assert_eq!(history.on(day("1403/12/29")).min_membership_months, 3);
    assert_eq!(history.on(day("1404/01/01")).min_membership_months, 6);
    let bad = FundRules { term_months_min: 12, term_months_max: 6, ..FundRules::usual() };
    assert!(matches!(store.change_fund_rules(fund.id, day("1404/02/01"), &bad, 1).await, Err(StoreError::Invalid(_))));
    assert!(matches!(
        store.change_fund_rules(fund.id, day("1402/01/01"), &stricter, 1).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn one_membership_per_person_and_search_finds_names_however_typed() {
    let (_db, store, fund, village) = setup().await;
    let ali = store.add_member(fund.id, &person("0499370899", "علي", "كريمي", village)).await.unwrap();
    store.add_member(fund.id, &person("0084575948", "فاطمه", "محمد\u{200C}زاده", village)).await.unwrap();
    assert_eq!(ali.first_name, "علی", "letters are stored in their Persian form");
    match store.add_member(fund.id, &person("499370899", "علی", "کریمی", village)).await {
        Err(StoreError::Conflict(message)) => assert!(message.contains("0499370899"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    for query in ["علی", "علي", "کریمی", "كريمي", "علی کریمی", "0499370899", "۰۴۹۹۳۷"] {
        let found = store.search_members(fund.id, query).await.unwrap();
        assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ali.id], "{query}");
    }
    for query in ["محمدزاده", "محمد زاده", "محمد\u{200C}زاده"] {
        assert_eq!(store.search_members(fund.id, query).await.unwrap().len(), 1, "{query}");
    }
    assert!(store.search_members(fund.id, "%").await.unwrap().is_empty(), "LIKE wildcards are literal");
    assert!(store.search_members(fund.id, "  ").await.unwrap().is_empty());
    let early = NewMember { joined_on: day("1402/12/01"), ..person("0084575948", "x", "y", village) };
    assert!(matches!(store.add_member(fund.id, &early).await, Err(StoreError::Invalid(_))));
}

#[tokio::test]
async fn savings_post_once_and_never_go_negative() {
    let (_db, store, fund, village) = setup().await;
    let clock = FixedClock(1_000);
    let ali = store.add_member(fund.id, &person("0499370899", "علی", "کریمی", village)).await.unwrap();
    let sara = store.add_member(fund.id, &person("0084575948", "سارا", "احمدی", village)).await.unwrap();
    let amount = Rials::parse("۱٬۰۰۰٬۰۰۰").unwrap();
    let first = move_savings(&store, &clock, ali.id, SavingsMove::Deposit, amount, day("1403/02/01"), "dep-ali-1")
        .await
        .unwrap();
    let again = move_savings(&store, &clock, ali.id, SavingsMove::Deposit, amount, day("1403/02/01"), "dep-ali-1")
        .await
        .unwrap();
    assert_eq!((first.status, again.status, first.seq), (PostStatus::Posted, PostStatus::AlreadyPosted, again.seq));
    move_savings(&store, &clock, sara.id, SavingsMove::Deposit, Rials::new(3_000_000), day("1403/02/01"), "dep-sara-1")
        .await
        .unwrap();
    assert_eq!(savings_balance(&store, ali.id).await.unwrap(), Rials::new(1_000_000));

    // Ali cannot take out more than he saved, even though the fund has the cash.
    match move_savings(
        &store,
        &clock,
        ali.id,
        SavingsMove::Withdrawal,
        Rials::new(1_000_001),
        day("1403/03/01"),
        "wd-1",
    )
    .await
    {
        Err(StoreError::Rejected { error: LedgerError::WouldGoNegative { account_id, .. }, .. }) => {
            assert_eq!(account_id, ali.savings_account)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        move_savings(&store, &clock, ali.id, SavingsMove::Deposit, Rials::ZERO, day("1403/03/01"), "zero").await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        move_savings(&store, &clock, ali.id, SavingsMove::Deposit, amount, day("1403/01/01"), "before-joining").await,
        Err(StoreError::Invalid(_))
    ));
    move_savings(&store, &clock, ali.id, SavingsMove::Withdrawal, Rials::new(400_000), day("1403/03/01"), "wd-2")
        .await
        .unwrap();
    assert_eq!(savings_balance(&store, ali.id).await.unwrap(), Rials::new(600_000));

    // The fund's trial balance shows members' savings summed under 2010.
    let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
    let line = |code: &str| tb.lines.iter().find(|l| l.code == code).unwrap().balance_rials;
    assert_eq!(line("2010"), -3_600_000);
    assert_eq!(line("1010"), 3_600_000);
    assert_eq!(tb.lines.iter().find(|l| l.code == "2010").unwrap().name, "پس‌انداز اعضا");
    assert!(tb.lines.iter().all(|l| !l.code.contains("-M")), "sub-accounts are not listed one by one");
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn capital_comes_in_as_a_loan_or_a_grant_and_health_figures_follow() {
    use app::funds::{CapitalMove, InjectionKind, inject_capital, repay_capital};
    let (_db, store, fund, village) = setup().await;
    let clock = FixedClock(0);
    let on = day("1403/02/01");
    let capital = |kind, amount: i64, source: &'static str, on| CapitalMove {
        fund_id: fund.id,
        kind,
        amount: Rials::new(amount),
        source,
        on,
    };
    inject_capital(&store, &clock, &capital(InjectionKind::Loan, 50_000_000, "تبصره ۱۶ سال ۱۴۰۳", on), "inj-1")
        .await
        .unwrap();
    inject_capital(&store, &clock, &capital(InjectionKind::Grant, 10_000_000, "کمک بلاعوض بنیاد", on), "inj-2")
        .await
        .unwrap();
    assert!(matches!(
        inject_capital(&store, &clock, &capital(InjectionKind::Grant, 1, "  ", on), "inj-3").await,
        Err(StoreError::Invalid(_))
    ));
    let back = |amount, on| capital(InjectionKind::Loan, amount, "بازپرداخت", on);
    repay_capital(&store, &clock, &back(20_000_000, day("1403/06/01")), "back-1").await.unwrap();
    match repay_capital(&store, &clock, &back(30_000_001, day("1403/07/01")), "back-2").await {
        Err(StoreError::Rejected { error: LedgerError::WouldGoNegative { .. }, .. }) => {}
        other => panic!("more than is owed must be refused, got {other:?}"),
    }
    let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
    let line = |code: &str| tb.lines.iter().find(|l| l.code == code).unwrap().balance_rials;
    assert_eq!((line("2100"), line("3100"), line("1010")), (-30_000_000, -10_000_000, 40_000_000));

    let ali = store.add_member(fund.id, &person("0499370899", "علی", "کریمی", village)).await.unwrap();
    move_savings(&store, &clock, ali.id, SavingsMove::Deposit, Rials::new(8_000_000), day("1403/02/01"), "d")
        .await
        .unwrap();
    let health = store.fund_health(fund.id, day("1403/08/01")).await.unwrap();
    assert_eq!((health.members, health.members_active), (1, 1));
    assert_eq!(health.savings, Rials::new(8_000_000));
    assert_eq!(health.cash, Rials::new(48_000_000));
    assert_eq!(health.liquidity, 6.0);
    assert_eq!(health.par30, 0.0);
    assert_eq!(health.repayment_rate, 1.0, "nothing fell due yet");
    assert_eq!(health.age_months, 7);
}

#[tokio::test]
async fn the_monthly_sheet_posts_every_line_once_or_nothing() {
    use app::funds::record_savings_sheet;
    let (_db, store, fund, village) = setup().await;
    let clock = FixedClock(0);
    let ali = store.add_member(fund.id, &person("0499370899", "علی", "کریمی", village)).await.unwrap();
    let sara = store.add_member(fund.id, &person("0084575948", "سارا", "احمدی", village)).await.unwrap();
    let on = day("1403/02/05");
    let sheet = [(ali.id, Rials::new(1_000_000)), (sara.id, Rials::new(2_000_000))];
    let first = record_savings_sheet(&store, &clock, fund.id, &sheet, on, "sheet-1403-02").await.unwrap();
    let again = record_savings_sheet(&store, &clock, fund.id, &sheet, on, "sheet-1403-02").await.unwrap();
    assert!(first.iter().all(|o| o.status == PostStatus::Posted));
    assert!(again.iter().all(|o| o.status == PostStatus::AlreadyPosted), "a double submit posts nothing");
    assert_eq!(savings_balance(&store, sara.id).await.unwrap(), Rials::new(2_000_000));
    // Who is behind this month: dues are 1,000,000 a month from Farvardin (joined 1403/01/15).
    let dues = store.fund_dues(fund.id, on).await.unwrap();
    let view: Vec<(i64, i64, i64)> =
        dues.iter().map(|l| (l.member_id, l.month.deposits.get(), l.month.behind.get())).collect();
    assert_eq!(view, vec![(ali.id, 1_000_000, 1_000_000), (sara.id, 2_000_000, 0)]);
    // A bad line in the middle: nothing of the sheet is written.
    let bad = [(ali.id, Rials::new(1_000_000)), (999, Rials::new(5)), (sara.id, Rials::new(1))];
    assert!(matches!(
        record_savings_sheet(&store, &clock, fund.id, &bad, day("1403/03/05"), "sheet-1403-03").await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(savings_balance(&store, ali.id).await.unwrap(), Rials::new(1_000_000));
}

#[tokio::test]
async fn leaving_pays_savings_out_once_open_loans_are_settled() {
    let (_db, store, fund, village) = setup().await;
    let clock = FixedClock(0);
    let ali = store.add_member(fund.id, &person("0499370899", "علی", "کریمی", village)).await.unwrap();
    let sara = store.add_member(fund.id, &person("0084575948", "سارا", "احمدی", village)).await.unwrap();
    move_savings(&store, &clock, ali.id, SavingsMove::Deposit, Rials::new(5_000_000), day("1403/02/01"), "a")
        .await
        .unwrap();
    move_savings(&store, &clock, sara.id, SavingsMove::Deposit, Rials::new(9_000_000), day("1403/02/01"), "s")
        .await
        .unwrap();
    // Sara guarantees Ali's loan: she cannot leave while it is open.
    let loan = store
        .request_loan(
            fund.id,
            &store::LoanApplication {
                member_id: ali.id,
                amount: Rials::new(6_000_000),
                term_months: 6,
                purpose: "کارگاه".into(),
                jobs_created: 1,
                jobs_revived: 0,
                guarantors: vec![sara.id],
                on: day("1403/05/01"),
            },
        )
        .await
        .unwrap();
    assert!(matches!(store.leave_fund(sara.id, day("1403/05/02"), "leave-s", 0).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.leave_fund(ali.id, day("1403/05/02"), "leave-a", 0).await, Err(StoreError::Conflict(_))));
    store.approve_loan(loan.id, "مریم").await.unwrap();
    store.disburse_loan(loan.id, day("1403/05/02"), "out", 0).await.unwrap();
    // Early payoff on the third month: the fee of the months not reached is waived.
    let quote = store.payoff_quote(loan.id, day("1403/07/15")).await.unwrap();
    assert!(quote.fee_waived.is_positive());
    let paid = store.payoff_loan(loan.id, day("1403/07/15"), "payoff", 0).await.unwrap();
    let total: i64 = paid.lines.iter().map(|l| l.total().get()).sum();
    assert_eq!(total, quote.amount.get());
    assert_eq!(store.loan(loan.id).await.unwrap().status, store::LoanStatus::Closed);
    let again = store.payoff_loan(loan.id, day("1403/07/15"), "payoff", 0).await.unwrap();
    assert!(again.already_posted);

    let left = store.leave_fund(sara.id, day("1403/08/01"), "leave-s", 0).await.unwrap();
    assert_eq!(left.left_on, Some(day("1403/08/01")));
    assert_eq!(savings_balance(&store, sara.id).await.unwrap(), Rials::ZERO);
    assert!(matches!(store.leave_fund(sara.id, day("1403/08/02"), "leave-s2", 0).await, Err(StoreError::Conflict(_))));
    assert!(matches!(
        move_savings(&store, &clock, sara.id, SavingsMove::Deposit, Rials::new(1), day("1403/09/01"), "late").await,
        Err(StoreError::Invalid(_))
    ));
    let health = store.fund_health(fund.id, day("1403/09/01")).await.unwrap();
    assert_eq!((health.members, health.members_active), (2, 1));
    assert!(store.verify().await.unwrap().is_clean());
}

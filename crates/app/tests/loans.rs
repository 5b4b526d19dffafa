//! A loan's life through the store, on SQLite and (with ABADI_TEST_DATABASE_URL) on PostgreSQL:
//! request with every reason it fails, two approvals, disbursement with its schedule, repayments split
//! by the fund's order, a double submit, an over-payment, a reversal, and payoff.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::funds::{SavingsMove, move_savings};
use domain::fund::{FundRules, Refusal};
use domain::{IsoDate, JalaliDate, LedgerError, NationalId, PlaceKind, Rials};
use store::testing::TestDatabase;
use store::{LoanApplication, LoanStatus, NewMember, Store, StoreError};

fn day(jalali: &str) -> IsoDate {
    JalaliDate::parse(jalali).unwrap().to_iso()
}

#[tokio::test]
async fn a_loan_from_request_to_payoff() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(0);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    let rules = FundRules {
        second_approval_above: Rials::new(20_000_000),
        rounding_unit: Rials::new(10_000),
        ..FundRules::usual()
    };
    let fund = store.create_fund(village.id, "صندوق اسفرورین", day("1402/01/01"), &rules, 0).await.unwrap();
    let mut members = Vec::new();
    for (i, national_id) in ["0499370899", "0084575948", "0013542419"].iter().enumerate() {
        let m = store
            .add_member(
                fund.id,
                &NewMember {
                    national_id: NationalId::parse(national_id).unwrap(),
                    first_name: format!("عضو {i}"),
                    last_name: "کریمی".into(),
                    father_name: "حسن".into(),
                    phone: None,
                    place_id: village.id,
                    joined_on: day("1402/01/01"),
                },
            )
            .await
            .unwrap();
        move_savings(
            &store,
            &clock,
            m.id,
            SavingsMove::Deposit,
            Rials::new(20_000_000),
            day("1402/02/01"),
            &format!("s{i}"),
        )
        .await
        .unwrap();
        members.push(m);
    }
    let (borrower, guarantor) = (members[0].id, members[1].id);
    let application = |amount: i64, guarantors: Vec<i64>| LoanApplication {
        member_id: borrower,
        amount: Rials::new(amount),
        term_months: 12,
        purpose: "پرورش گوسفند".into(),
        jobs_created: 1,
        jobs_revived: 0,
        guarantors,
        on: day("1403/01/10"),
    };

    // Every reason at once: over three times savings, no guarantor, the borrower as guarantor.
    match store.request_loan(fund.id, &application(70_000_000, vec![borrower])).await {
        Err(StoreError::Ineligible(refusals)) => {
            assert!(
                refusals.contains(&Refusal::OverSavingsCeiling { ceiling: Rials::new(60_000_000) }),
                "{refusals:?}"
            );
            assert!(refusals.contains(&Refusal::GuarantorIsBorrower { member_id: borrower }), "{refusals:?}");
            assert!(refusals.contains(&Refusal::NotEnoughCash { cash: Rials::new(60_000_000) }), "{refusals:?}");
        }
        other => panic!("expected refusals, got {other:?}"),
    }
    let loan = store.request_loan(fund.id, &application(30_000_000, vec![guarantor])).await.unwrap();
    assert_eq!(loan.status, LoanStatus::Requested);
    assert!(matches!(
        store.request_loan(fund.id, &application(10_000_000, vec![guarantor])).await,
        Err(StoreError::Ineligible(r)) if r.contains(&Refusal::OpenLoan)
    ));

    // Above 20,000,000 rials two different people approve.
    let loan = store.approve_loan(loan.id, "مریم").await.unwrap();
    assert_eq!(loan.status, LoanStatus::Requested);
    assert!(matches!(store.approve_loan(loan.id, "مریم").await, Err(StoreError::Conflict(_))));
    assert!(matches!(
        store.disburse_loan(loan.id, day("1403/01/15"), "pay-out", 1).await,
        Err(StoreError::Conflict(_))
    ));
    let loan = store.approve_loan(loan.id, "رضا").await.unwrap();
    assert_eq!(loan.status, LoanStatus::Approved);

    let loan = store.disburse_loan(loan.id, day("1403/01/15"), "pay-out", 1).await.unwrap();
    assert_eq!(loan.status, LoanStatus::Disbursed);
    let again = store.disburse_loan(loan.id, day("1403/01/15"), "pay-out", 2).await.unwrap();
    assert_eq!(again, loan, "a retried disbursement changes nothing");
    let installments = store.installments(loan.id).await.unwrap();
    assert_eq!(installments.len(), 12);
    let owed: i64 = installments.iter().map(|i| i.outstanding().get()).sum();
    // Simple karmozd at 4 %: 30,000,000 × 4 × 13 / 2400 = 650,000.
    assert_eq!(owed, 30_650_000);
    assert_eq!(installments[0].due_on, day("1403/02/15"));
    let cash_line = |store: Store| async move {
        let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
        tb.lines.iter().find(|l| l.code == "1010").unwrap().balance_rials
    };
    assert_eq!(cash_line(store.clone()).await, 30_000_000);

    // A payment of two installments and a bit; the double submit posts once.
    let first_two = installments[0].outstanding().get() + installments[1].outstanding().get();
    let pay = store.repay_loan(loan.id, Rials::new(first_two + 1_000), day("1403/02/15"), "pay-1", 3).await.unwrap();
    assert!(!pay.already_posted);
    assert_eq!(pay.lines.len(), 3);
    assert_eq!(pay.lines[0].fee, installments[0].fee_due, "fee before principal");
    let twice = store.repay_loan(loan.id, Rials::new(first_two + 1_000), day("1403/02/15"), "pay-1", 4).await.unwrap();
    assert!(twice.already_posted);
    assert_eq!(twice.seq, pay.seq);
    assert!(matches!(
        store.repay_loan(loan.id, Rials::new(5), day("1403/02/15"), "pay-1", 4).await,
        Err(StoreError::Rejected { error: LedgerError::IdempotencyConflict { .. }, .. })
    ));
    let left: i64 = store.installments(loan.id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
    assert_eq!(left, owed - first_two - 1_000);

    // An over-payment is refused and changes nothing.
    assert!(matches!(
        store.repay_loan(loan.id, Rials::new(left + 1), day("1403/03/15"), "pay-too-much", 5).await,
        Err(StoreError::Invalid(m)) if m.contains("more than")
    ));

    // A mistaken repayment is reversed; the installments follow.
    store.reverse_repayment(loan.id, pay.seq, "undo-pay-1", "مبلغ اشتباه ثبت شد", day("1403/02/16"), 6).await.unwrap();
    let restored: i64 = store.installments(loan.id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
    assert_eq!(restored, owed);
    assert!(matches!(
        store.reverse_repayment(loan.id, pay.seq, "undo-again", "x", day("1403/02/16"), 6).await,
        Err(StoreError::Rejected { error: LedgerError::AlreadyReversed { .. }, .. })
    ));

    // Two payments at the same moment queue up; the same payment sent twice at once posts once.
    let (a, b) = tokio::join!(
        store.repay_loan(loan.id, Rials::new(1_000), day("1403/02/17"), "c1", 6),
        store.repay_loan(loan.id, Rials::new(2_000), day("1403/02/17"), "c2", 6)
    );
    a.unwrap();
    b.unwrap();
    let (c, d) = tokio::join!(
        store.repay_loan(loan.id, Rials::new(500), day("1403/02/17"), "c3", 6),
        store.repay_loan(loan.id, Rials::new(500), day("1403/02/17"), "c3", 6)
    );
    let (c, d) = (c.unwrap(), d.unwrap());
    assert_eq!(c.seq, d.seq);
    assert!(c.already_posted != d.already_posted);
    let now: i64 = store.installments(loan.id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
    assert_eq!(now, owed - 3_500);
    let paid_on_first = store.installments(loan.id).await.unwrap()[0];
    assert!(
        paid_on_first.principal_paid <= paid_on_first.principal_due && paid_on_first.fee_paid <= paid_on_first.fee_due
    );
    let owed = now;

    // Paying everything closes the loan, and the member may ask again.
    store.repay_loan(loan.id, Rials::new(owed), day("1403/03/01"), "pay-all", 7).await.unwrap();
    assert_eq!(store.loan(loan.id).await.unwrap().status, LoanStatus::Closed);
    assert_eq!(cash_line(store.clone()).await, 60_650_000);
    let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
    assert_eq!(tb.lines.iter().find(|l| l.code == "1200").unwrap().balance_rials, 0);
    assert_eq!(tb.lines.iter().find(|l| l.code == "4010").unwrap().balance_rials, -650_000);
    assert!(store.check_loan(fund.id, &application(10_000_000, vec![guarantor])).await.unwrap().is_empty());

    // The member's statement: savings by month and the loan with its schedule, all paid.
    let statement = store.member_statement(borrower, day("1403/03/01")).await.unwrap();
    assert_eq!(statement.savings.first().unwrap().month, JalaliDate::parse("1402/01/01").unwrap().jalali_month());
    assert_eq!(statement.savings.len(), 15, "1402/01 through 1403/03");
    assert_eq!(statement.savings[1].deposits, Rials::new(20_000_000));
    assert_eq!(statement.savings.last().unwrap().balance, Rials::new(20_000_000));
    assert_eq!(statement.loans.len(), 1);
    assert!(statement.loans[0].1.iter().all(|i| i.outstanding() == Rials::ZERO));
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
}

#[tokio::test]
async fn the_close_of_day_marks_arrears_and_penalties_once_and_catches_up() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(0);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "زیاران").await.unwrap();
    let rules = FundRules {
        late_rule: domain::fund::LateRule::Daily,
        guarantors_required: 0,
        savings_multiple_hundredths: 1_000,
        ..FundRules::usual()
    };
    let fund = store.create_fund(village.id, "صندوق زیاران", day("1402/01/01"), &rules, 0).await.unwrap();
    let member = store
        .add_member(
            fund.id,
            &NewMember {
                national_id: NationalId::parse("0499370899").unwrap(),
                first_name: "زهرا".into(),
                last_name: "رحیمی".into(),
                father_name: "علی".into(),
                phone: None,
                place_id: village.id,
                joined_on: day("1402/01/01"),
            },
        )
        .await
        .unwrap();
    move_savings(&store, &clock, member.id, SavingsMove::Deposit, Rials::new(150_000_000), day("1402/02/01"), "s")
        .await
        .unwrap();
    let loan = store
        .request_loan(
            fund.id,
            &LoanApplication {
                member_id: member.id,
                amount: Rials::new(120_000_000),
                term_months: 12,
                purpose: "قالی‌بافی".into(),
                jobs_created: 1,
                jobs_revived: 0,
                guarantors: vec![],
                on: day("1403/01/10"),
            },
        )
        .await
        .unwrap();
    store.approve_loan(loan.id, "مریم").await.unwrap();
    store.disburse_loan(loan.id, day("1403/01/15"), "out", 0).await.unwrap();
    let first = store.installments(loan.id).await.unwrap()[0];
    assert_eq!(first.due_on, day("1403/02/15"));
    assert_eq!(first.outstanding(), Rials::new(10_220_000));

    // Nothing is late the day it falls due; 29 days later it is 30 days late.
    let report = store.close_days_until(first.due_on.add_days(29), 1).await.unwrap();
    assert_eq!(report.first, Some(day("1403/01/15")));
    assert_eq!(report.days_closed, 61);
    assert_eq!(report.loans_late, 1);
    let loan_now = store.loan(loan.id).await.unwrap();
    assert_eq!(loan_now.days_past_due, 30);
    assert_eq!(domain::fund::AgingBucket::of(loan_now.days_past_due), domain::fund::AgingBucket::Days1To30);
    // 10,220,000 × (4 + 6) × 30 / 36,000
    assert_eq!(store.installments(loan.id).await.unwrap()[0].penalty_due, Rials::new(85_166));

    // Running again closes nothing and changes nothing.
    let again = store.close_days_until(first.due_on.add_days(29), 2).await.unwrap();
    assert_eq!(again.days_closed, 0);
    assert_eq!(store.installments(loan.id).await.unwrap()[0].penalty_due, Rials::new(85_166));
    assert_eq!(store.last_closed_day().await.unwrap(), Some(first.due_on.add_days(29)));

    let health = store.fund_health(fund.id, first.due_on.add_days(29)).await.unwrap();
    assert_eq!(health.par30, 1.0, "the only loan is 30 days late");
    assert_eq!(health.repayment_rate, 0.0);
    assert_eq!(health.loans_outstanding, Rials::new(120_000_000));

    // A payment goes to the penalty first.
    let pay = store.repay_loan(loan.id, Rials::new(100_000), first.due_on.add_days(30), "p", 3).await.unwrap();
    assert_eq!(pay.lines[0].penalty, Rials::new(85_166));
    assert_eq!(pay.lines[0].fee, Rials::new(100_000 - 85_166));
    let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
    assert_eq!(tb.lines.iter().find(|l| l.code == "4020").unwrap().balance_rials, -85_166);

    // The statements for Khordad 1403 show the income of the month; the balance sheet balances.
    let (first, last) = domain::date::parse_jalali_period("1403/03").unwrap();
    let statements = app::funds::fund_statements(&store, fund.id, first.to_iso(), last.to_iso()).await.unwrap();
    assert_eq!(statements.net_income, 100_000);
    assert_eq!(statements.total_assets(), statements.total_liabilities_and_equity());
    let (first, last) = domain::date::parse_jalali_period("1403/02").unwrap();
    let earlier = app::funds::fund_statements(&store, fund.id, first.to_iso(), last.to_iso()).await.unwrap();
    assert_eq!(earlier.net_income, 0);
    assert_eq!(earlier.total_assets(), 150_000_000, "before the payment: the savings, half lent out");
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_loan_is_written_off_with_approval_and_the_loss_is_booked() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(0);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "ده").await.unwrap();
    let rules = FundRules { guarantors_required: 0, ..FundRules::usual() };
    let fund = store.create_fund(village.id, "صندوق", day("1402/01/01"), &rules, 0).await.unwrap();
    let member = store
        .add_member(
            fund.id,
            &NewMember {
                national_id: NationalId::parse("0499370899").unwrap(),
                first_name: "حسین".into(),
                last_name: "نوری".into(),
                father_name: String::new(),
                phone: None,
                place_id: village.id,
                joined_on: day("1402/01/01"),
            },
        )
        .await
        .unwrap();
    move_savings(&store, &clock, member.id, SavingsMove::Deposit, Rials::new(10_000_000), day("1402/02/01"), "s")
        .await
        .unwrap();
    let application = LoanApplication {
        member_id: member.id,
        amount: Rials::new(6_000_000),
        term_months: 6,
        purpose: "گلخانه".into(),
        jobs_created: 1,
        jobs_revived: 0,
        guarantors: vec![],
        on: day("1403/01/10"),
    };
    let loan = store.request_loan(fund.id, &application).await.unwrap();
    assert!(matches!(
        store.write_off_loan(loan.id, "مدیر", day("1403/09/01"), "wo", 0).await,
        Err(StoreError::Invalid(_))
    ));
    store.approve_loan(loan.id, "مریم").await.unwrap();
    store.disburse_loan(loan.id, day("1403/01/15"), "out", 0).await.unwrap();
    store.repay_loan(loan.id, Rials::new(1_000_000), day("1403/02/15"), "p1", 0).await.unwrap();
    assert!(matches!(
        store.write_off_loan(loan.id, "  ", day("1403/09/01"), "wo", 0).await,
        Err(StoreError::Invalid(_))
    ));
    let written = store.write_off_loan(loan.id, "هیئت مدیره", day("1403/09/01"), "wo", 0).await.unwrap();
    assert_eq!(written.status, LoanStatus::WrittenOff);
    assert_eq!(written.written_off_by.as_deref(), Some("هیئت مدیره"));
    let again = store.write_off_loan(loan.id, "هیئت مدیره", day("1403/09/01"), "wo", 0).await.unwrap();
    assert_eq!(again, written);
    let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
    let line = |code: &str| tb.lines.iter().find(|l| l.code == code).unwrap().balance_rials;
    assert_eq!(line("1200"), 0);
    assert!(line("5020") > 0 && line("5020") < 6_000_000, "the unpaid principal is the loss");
    assert!(matches!(
        store.repay_loan(loan.id, Rials::new(1), day("1403/09/02"), "late", 0).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_meeting_sheet_of_repayments_posts_all_or_nothing_and_once() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(0);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "زرشک").await.unwrap();
    let rules = FundRules { guarantors_required: 0, ..FundRules::usual() };
    let fund = store.create_fund(village.id, "صندوق زرشک", day("1402/01/01"), &rules, 0).await.unwrap();
    let other = store.create_fund(village.id, "صندوق دیگر", day("1402/01/01"), &rules, 0).await.unwrap();
    let mut loans = Vec::new();
    for (i, (fund_id, national_id)) in
        [(fund.id, "0499370899"), (fund.id, "0084575948"), (fund.id, "0013542419"), (other.id, "0499370899")]
            .into_iter()
            .enumerate()
    {
        let member = store
            .add_member(
                fund_id,
                &NewMember {
                    national_id: NationalId::parse(national_id).unwrap(),
                    first_name: format!("عضو {i}"),
                    last_name: "احمدی".into(),
                    father_name: "علی".into(),
                    phone: None,
                    place_id: village.id,
                    joined_on: day("1402/01/01"),
                },
            )
            .await
            .unwrap();
        let deposit = Rials::new(10_000_000);
        move_savings(&store, &clock, member.id, SavingsMove::Deposit, deposit, day("1402/02/01"), &format!("s{i}"))
            .await
            .unwrap();
        let application = LoanApplication {
            member_id: member.id,
            amount: Rials::new(6_000_000),
            term_months: 6,
            purpose: "قالی‌بافی".into(),
            jobs_created: 1,
            jobs_revived: 0,
            guarantors: vec![],
            on: day("1403/01/10"),
        };
        let loan = store.request_loan(fund_id, &application).await.unwrap();
        store.approve_loan(loan.id, "مریم").await.unwrap();
        store.disburse_loan(loan.id, day("1403/01/10"), &format!("out-{i}"), 0).await.unwrap();
        loans.push(loan.id);
    }
    let first_due = |loan: i64| {
        let store = store.clone();
        async move { store.installments(loan).await.unwrap()[0].outstanding() }
    };
    let owed = |loan: i64| {
        let store = store.clone();
        async move { store.installments(loan).await.unwrap().iter().map(|i| i.outstanding().get()).sum::<i64>() }
    };
    let head = store.book(fund.book_id).await.unwrap();
    let on = day("1403/02/12");
    // The sheet's repayments half: each open loan of the fund with its first installment due.
    let due = store.loans_due(fund.id, on).await.unwrap();
    assert_eq!(
        due.iter().map(|d| d.loan_id).collect::<Vec<_>>(),
        loans[..3].to_vec(),
        "the other fund's loan is not here"
    );
    for d in &due {
        assert_eq!(d.due, first_due(d.loan_id).await);
        assert_eq!(d.outstanding.get(), owed(d.loan_id).await);
    }
    assert!(store.loans_due(fund.id, day("1403/02/09")).await.unwrap().iter().all(|d| d.due == Rials::ZERO));

    // An over-payment in the middle of the sheet: nothing of the sheet is posted, and the error names the line.
    let too_much = Rials::new(owed(loans[1]).await + 1);
    let sheet = [(loans[0], first_due(loans[0]).await), (loans[1], too_much), (loans[2], first_due(loans[2]).await)];
    match store.repay_sheet(fund.id, &sheet, on, "meeting-1402-02", 1).await {
        Err(StoreError::SheetLine { index: 1, loan_id, .. }) => assert_eq!(loan_id, loans[1]),
        other => panic!("expected line 2 refused, got {other:?}"),
    }
    assert_eq!(store.book(fund.book_id).await.unwrap(), head, "nothing of the sheet was posted");

    // A loan of another fund, or the same loan twice, is refused the same way.
    let foreign = [(loans[0], first_due(loans[0]).await), (loans[3], first_due(loans[3]).await)];
    assert!(matches!(
        store.repay_sheet(fund.id, &foreign, on, "meeting-x", 1).await,
        Err(StoreError::SheetLine { index: 1, error, .. }) if matches!(*error, StoreError::NotFound { .. })
    ));
    let twice = [(loans[0], Rials::new(1_000)), (loans[0], Rials::new(1_000))];
    assert!(matches!(
        store.repay_sheet(fund.id, &twice, on, "meeting-x", 1).await,
        Err(StoreError::SheetLine { index: 1, .. })
    ));

    // The corrected sheet posts every line; submitted again it posts nothing new.
    let sheet =
        [(loans[0], first_due(loans[0]).await), (loans[1], Rials::new(500_000)), (loans[2], first_due(loans[2]).await)];
    let before: Vec<i64> = [owed(loans[0]).await, owed(loans[1]).await, owed(loans[2]).await].into();
    let version_before = store.data_version().await.unwrap();
    let posted = store.repay_sheet(fund.id, &sheet, on, "meeting-1402-02", 2).await.unwrap();
    assert!(posted.iter().all(|r| !r.already_posted));
    let version_after = store.data_version().await.unwrap();
    assert_ne!(version_before, version_after, "posting changes the data's version");
    let again = store.repay_sheet(fund.id, &sheet, on, "meeting-1402-02", 3).await.unwrap();
    assert!(again.iter().all(|r| r.already_posted));
    assert_eq!(store.data_version().await.unwrap(), version_after, "a retry that posts nothing changes nothing");
    assert_eq!(posted.iter().map(|r| r.seq).collect::<Vec<_>>(), again.iter().map(|r| r.seq).collect::<Vec<_>>());
    for (i, (loan, amount)) in sheet.iter().enumerate() {
        assert_eq!(owed(*loan).await, before[i] - amount.get());
    }
    // The same key with a different amount is a conflict, not a second payment.
    let changed = [(loans[1], Rials::new(400_000))];
    assert!(matches!(
        store.repay_sheet(fund.id, &changed, on, "meeting-1402-02", 4).await,
        Err(StoreError::SheetLine { index: 0, error, .. })
            if matches!(*error, StoreError::Rejected { error: LedgerError::IdempotencyConflict { .. }, .. })
    ));
    assert_eq!(again[1].lines, posted[1].lines, "a retried line answers with the lines first posted");

    // A sheet that pays a loan off closes it; a later sheet with that loan is refused by name.
    let rest = [(loans[2], Rials::new(owed(loans[2]).await))];
    store.repay_sheet(fund.id, &rest, day("1403/03/12"), "meeting-1402-03", 5).await.unwrap();
    assert_eq!(store.loan(loans[2]).await.unwrap().status, LoanStatus::Closed);
    assert!(matches!(
        store.repay_sheet(fund.id, &[(loans[2], Rials::new(1_000))], day("1403/04/12"), "meeting-1402-04", 6).await,
        Err(StoreError::SheetLine { index: 0, error, .. }) if matches!(*error, StoreError::Conflict(_))
    ));
    // The officer's list computes every fund's health in a few grouped queries: the same figures.
    for on in [day("1403/02/12"), day("1403/06/01")] {
        let version = store.data_version().await.unwrap();
        store.close_days_until(on, 7).await.unwrap();
        assert_ne!(store.data_version().await.unwrap(), version, "closing days changes the data's version");
        let all = store.funds_health(None, on).await.unwrap();
        assert_eq!(all.len(), 2);
        for (f, _, health) in &all {
            assert_eq!(*health, store.fund_health(f.id, on).await.unwrap(), "fund {} on {on}", f.id);
        }
        let county = store.place(village.id).await.unwrap().path;
        assert_eq!(store.funds_health(Some(&county), on).await.unwrap().len(), 2);
    }
    assert!(store.verify().await.unwrap().is_clean());
}

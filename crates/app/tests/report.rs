//! The programme report on a small province built by hand, every figure computed by hand here; and
//! the rules of jobs (confirmed once, never before the loan, never on an unapproved loan). SQLite and
//! (with ABADI_TEST_DATABASE_URL) PostgreSQL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::funds::{CapitalMove, InjectionKind, SavingsMove, inject_capital, move_savings};
use app::report::{ReportScope, programme_report, summary_fa};
use domain::fund::FundRules;
use domain::jobs::{AgeGroup, JobHours, JobKind, JobRefusal, JobStatus, Sex, VisitOutcome, VisitPurpose};
use domain::{IsoDate, JalaliDate, NationalId, PlaceKind, Rials};
use store::testing::TestDatabase;
use store::{JobSpec, LoanApplication, NewMember, Store, StoreError, Visit};

fn day(jalali: &str) -> IsoDate {
    JalaliDate::parse(jalali).unwrap().to_iso()
}

fn spec(kind: JobKind, hours: JobHours, count: u32) -> JobSpec {
    JobSpec { activity: "livestock".into(), kind, hours, sex: Sex::Female, age_group: AgeGroup::From25To44, count }
}

fn visit(on: &str, purpose: VisitPurpose, outcome: VisitOutcome) -> Visit {
    Visit {
        on: day(on),
        purpose,
        outcome,
        visitor: "کارشناس شهرستان".into(),
        seen: "۱۲ رأس گوسفند".into(),
        insured_workers: 1,
    }
}

#[tokio::test]
async fn every_figure_of_the_report_matches_the_hand_count() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(0);
    let today = day("1405/09/06");
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let province = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await.unwrap();
    let county_a = store.add_place(Some(province.id), PlaceKind::County, "تاکستان").await.unwrap();
    let county_b = store.add_place(Some(province.id), PlaceKind::County, "آبیک").await.unwrap();
    let village_a = store.add_place(Some(county_a.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    let village_b = store.add_place(Some(county_b.id), PlaceKind::Village, "زیاران").await.unwrap();
    let rules = FundRules { guarantors_required: 0, min_membership_months: 0, ..FundRules::usual() };
    let fund_a = store.create_fund(village_a.id, "صندوق اسفرورین", day("1402/01/01"), &rules, 0).await.unwrap();
    let fund_b = store.create_fund(village_b.id, "صندوق زیاران", day("1402/01/01"), &rules, 0).await.unwrap();
    let mut members = Vec::new();
    for (i, (fund, village, national_id, savings)) in [
        (&fund_a, &village_a, "0499370899", 10_000_000),
        (&fund_a, &village_a, "0084575948", 5_000_000),
        (&fund_b, &village_b, "0013542419", 2_000_000),
    ]
    .into_iter()
    .enumerate()
    {
        let new = NewMember {
            national_id: NationalId::parse(national_id).unwrap(),
            first_name: format!("عضو {i}"),
            last_name: "کریمی".into(),
            father_name: String::new(),
            phone: None,
            place_id: village.id,
            joined_on: day("1402/01/01"),
        };
        let m = store.add_member(fund.id, &new).await.unwrap();
        move_savings(
            &store,
            &clock,
            m.id,
            SavingsMove::Deposit,
            Rials::new(savings),
            day("1402/02/01"),
            &format!("s{i}"),
        )
        .await
        .unwrap();
        members.push(m);
    }
    for (fund, kind, amount, on, key) in [
        (fund_a.id, InjectionKind::Grant, 100_000_000, "1402/03/01", "c1"),
        (fund_b.id, InjectionKind::Loan, 50_000_000, "1402/04/01", "c2"),
    ] {
        let movement =
            CapitalMove {
                fund_id: fund, kind, amount: Rials::new(amount), source: "برنامه ۱۴۰۲", on: day(on)
            };
        inject_capital(&store, &clock, &movement, key).await.unwrap();
    }
    // A loan of 20 million in fund A promises two full-time jobs and one part-time: 2.5 jobs.
    let application = LoanApplication {
        member_id: members[0].id,
        amount: Rials::new(20_000_000),
        term_months: 12,
        purpose: "دامداری".into(),
        jobs_created: 2,
        jobs_revived: 1,
        guarantors: vec![],
        on: day("1402/03/05"),
    };
    let loan = store.request_loan(fund_a.id, &application).await.unwrap();
    // No jobs on a loan that was never approved.
    assert!(matches!(
        store
            .expect_jobs_of_loan(loan.id, &[spec(JobKind::Created, JobHours::FullTime, 1)], day("1402/03/05"), 0)
            .await,
        Err(StoreError::JobRefused(JobRefusal::LoanNotApproved(_)))
    ));
    store.approve_loan(loan.id, "مریم").await.unwrap();
    let jobs = store
        .expect_jobs_of_loan(
            loan.id,
            &[spec(JobKind::Created, JobHours::FullTime, 2), spec(JobKind::Revived, JobHours::PartTime, 1)],
            day("1402/03/06"),
            0,
        )
        .await
        .unwrap();
    assert_eq!(jobs.len(), 3);
    // Not before the money is paid out.
    assert!(matches!(
        store
            .record_visit(jobs[0], &visit("1402/03/08", VisitPurpose::Confirmation, VisitOutcome::Working), today, 0)
            .await,
        Err(StoreError::JobRefused(JobRefusal::LoanNotPaidOut))
    ));
    store.disburse_loan(loan.id, day("1402/03/10"), "out", 0).await.unwrap();
    assert!(matches!(
        store
            .record_visit(jobs[0], &visit("1402/03/09", VisitPurpose::Confirmation, VisitOutcome::Working), today, 0)
            .await,
        Err(StoreError::JobRefused(JobRefusal::VisitBeforeLoan { .. }))
    ));
    // One full-time and the part-time job confirmed; the second full-time one not yet.
    let confirmed = store
        .record_visit(jobs[0], &visit("1402/06/01", VisitPurpose::Confirmation, VisitOutcome::Working), today, 0)
        .await
        .unwrap();
    assert_eq!(confirmed.status, JobStatus::Confirmed);
    store
        .record_visit(jobs[2], &visit("1402/06/01", VisitPurpose::Confirmation, VisitOutcome::Working), today, 0)
        .await
        .unwrap();
    store
        .record_visit(jobs[1], &visit("1402/06/01", VisitPurpose::Confirmation, VisitOutcome::NotYet), today, 0)
        .await
        .unwrap();
    // Confirmed twice: refused, nothing recorded.
    assert!(matches!(
        store
            .record_visit(jobs[0], &visit("1402/07/01", VisitPurpose::Confirmation, VisitOutcome::Working), today, 0)
            .await,
        Err(StoreError::JobRefused(JobRefusal::AlreadyConfirmed(_)))
    ));
    assert_eq!(store.visits(jobs[0]).await.unwrap().len(), 1);
    // Both follow-ups (6 and 12 months) are due for the two confirmed jobs; one made leaves one owed.
    let due = store.jobs_due_for_follow_up(None, today).await.unwrap();
    assert_eq!(due.iter().map(|j| j.id).collect::<Vec<_>>(), vec![jobs[0], jobs[2]]);
    store
        .record_visit(jobs[0], &visit("1402/12/01", VisitPurpose::FollowUp, VisitOutcome::Working), today, 0)
        .await
        .unwrap();
    assert_eq!(store.jobs_due_for_follow_up(None, today).await.unwrap().len(), 2, "the 12-month one is still owed");
    assert!(store.jobs_due_for_follow_up(None, day("1402/09/01")).await.unwrap().is_empty(), "not due yet then");

    // The year 1402, by hand.
    let (from, to) = (day("1402/01/01"), day("1402/12/29"));
    let report = programme_report(&store, &ReportScope::Place(province.id), from, to, today).await.unwrap();
    let t = &report.total;
    assert_eq!((t.funds, t.villages, t.members, t.members_active), (2, 2, 3, 3));
    assert_eq!(t.savings, Rials::new(17_000_000), "10 + 5 + 2 million");
    assert_eq!(t.loans_outstanding, Rials::new(20_000_000));
    assert_eq!(t.par30(), None, "days late are known for the present only");
    assert_eq!(t.capital_injected, Rials::new(150_000_000));
    assert_eq!(t.loans_disbursed, Rials::new(20_000_000));
    assert_eq!(t.jobs_expected_fte_hundredths, 250, "two full-time and one part-time");
    assert_eq!(t.jobs_confirmed_fte_hundredths, 150, "one full-time and one part-time");
    assert_eq!(t.injected_per_confirmed_job(), Some(Rials::new(100_000_000)), "150 million / 1.5 jobs");
    assert_eq!(t.lent_per_confirmed_job(), Some(Rials::new(13_333_333)), "20 million / 1.5 jobs");
    assert_eq!(report.by_county.len(), 2);
    let abyek = report.by_county.iter().find(|c| c.0 == county_b.id).unwrap();
    assert_eq!(abyek.1, "آبیک");
    assert_eq!((abyek.2.funds, abyek.2.capital_injected), (1, Rials::new(50_000_000)));
    assert_eq!(abyek.2.injected_per_confirmed_job(), None, "no confirmed job there: no division by zero");
    let months: Vec<(u32, i64)> =
        report.by_month.iter().map(|(m, f)| (m.month(), f.capital_injected.get())).filter(|m| m.1 > 0).collect();
    assert_eq!(months, vec![(3, 100_000_000), (4, 50_000_000)]);
    let summary = summary_fa(&report);
    assert!(summary.contains("۲ صندوق در ۲ روستا"), "{summary}");
    assert!(summary.contains("۱.۵ شغل تأییدشده (۲.۵ شغل پیش‌بینی‌شده)"), "{summary}");

    // Up to today the kept balances are used and PAR30 is known (nothing late: no close of day).
    let present = programme_report(&store, &ReportScope::Installation, from, today, today).await.unwrap();
    assert_eq!(present.total.savings, Rials::new(17_000_000));
    assert_eq!(present.total.par30(), Some(0.0));
    // One fund alone.
    let one = programme_report(&store, &ReportScope::Fund(fund_b.id), from, to, today).await.unwrap();
    assert_eq!((one.total.funds, one.total.members, one.total.savings), (1, 1, Rials::new(2_000_000)));
    // A period with nothing in it: zeros, said so, never a division by zero.
    let empty = programme_report(&store, &ReportScope::Place(province.id), day("1390/01/01"), day("1390/12/29"), today)
        .await
        .unwrap();
    assert!(empty.total.is_empty());
    assert_eq!(empty.total.injected_per_confirmed_job(), None);
    assert!(summary_fa(&empty).contains("داده‌ای ثبت نشده است"));
    // The report's jobs equal the job records counted directly.
    let direct = store.jobs_of_fund(fund_a.id).await.unwrap();
    let confirmed_direct: i64 =
        direct.iter().filter(|j| j.status == JobStatus::Confirmed).map(|j| j.hours.fte_hundredths()).sum();
    assert_eq!(confirmed_direct, t.jobs_confirmed_fte_hundredths);
    // The CSV starts with a byte-order mark and holds a row per county and per fund.
    let mut csv = Vec::new();
    app::report::write_csv(&report, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{FEFF}'));
    assert_eq!(text.lines().count(), 1 + 1 + 2 + 2);
    assert!(text.contains("صندوق زیاران"));
    let xlsx = app::report::xlsx_bytes(&report).unwrap();
    assert!(xlsx.starts_with(b"PK"), "a zip container");
}

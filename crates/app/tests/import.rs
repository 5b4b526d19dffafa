//! Importing members from CSV: Persian headers and digits, Jalali dates, every bad row reported, all or
//! nothing, and a dry run that writes nothing.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::funds::savings_balance;
use app::import::{ImportError, import_members, import_open_loans};
use domain::fund::FundRules;
use domain::{JalaliDate, PlaceKind, Rials};
use store::Store;
use store::testing::TestDatabase;

async fn setup() -> (TestDatabase, Store, store::Fund) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    let opened = JalaliDate::parse("1398/01/01").unwrap().to_iso();
    let fund = store.create_fund(village.id, "صندوق", opened, &FundRules::usual(), 0).await.unwrap();
    (db, store, fund)
}

const GOOD: &str = "\u{feff}کد ملی,نام,نام خانوادگي,نام پدر,موبایل,تاریخ عضویت,پس‌انداز
۰۴۹۹۳۷۰۸۹۹,علي,كريمي,حسن,۰۹۱۲۱۲۳۴۵۶۷,۱۳۹۸/۰۲/۰۱,\"۱۲٬۰۰۰٬۰۰۰\"
84575948,فاطمه,احمدی,,,1399-1-15,0

0013542419,زهرا,رحیمی,علی,+98 935 111 2233,1400/06/31,500000
";

#[tokio::test]
async fn a_good_file_imports_with_opening_savings_and_a_dry_run_writes_nothing() {
    let (_db, store, fund) = setup().await;
    let clock = FixedClock(0);
    let as_of = JalaliDate::parse("1403/01/01").unwrap().to_iso();
    let dry = import_members(&store, &clock, fund.id, GOOD.as_bytes(), as_of, true).await.unwrap();
    assert_eq!((dry.rows, dry.booked, dry.dry_run), (3, Rials::new(12_500_000), true));
    assert!(store.members(fund.id).await.unwrap().is_empty(), "a dry run writes nothing");
    let done = import_members(&store, &clock, fund.id, GOOD.as_bytes(), as_of, false).await.unwrap();
    assert_eq!(done.rows, 3);
    let members = store.members(fund.id).await.unwrap();
    assert_eq!(members[0].first_name, "علی");
    assert_eq!(members[0].national_id, "0499370899");
    assert_eq!(members[1].national_id, "0084575948", "leading zeros lost by Excel come back");
    assert_eq!(members[2].phone, "09351112233");
    assert_eq!(savings_balance(&store, members[0].id).await.unwrap(), Rials::new(12_000_000));
    // Importing the same file again: everyone is already a member.
    match import_members(&store, &clock, fund.id, GOOD.as_bytes(), as_of, false).await {
        Err(ImportError::Rows(errors)) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].row, 2);
            assert!(errors[0].reason.contains("already"), "{}", errors[0].reason);
        }
        other => panic!("expected row 2 refused, got {other:?}"),
    }
    assert_eq!(store.members(fund.id).await.unwrap().len(), 3);
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    let (_db, store, fund) = setup().await;
    let clock = FixedClock(0);
    let as_of = JalaliDate::parse("1403/01/01").unwrap().to_iso();
    let bad = "national id,first name,last name,joined,savings,phone
0499370899,Ali,Karimi,1399/01/01,1000,
0499370898,Reza,Ahmadi,1399/01/01,1000,
0084575948,,Rahimi,1399/13/01,12.5,0912
0499370899,Sara,Nouri,1397/01/01,-5,
";
    match import_members(&store, &clock, fund.id, bad.as_bytes(), as_of, false).await {
        Err(ImportError::Rows(errors)) => {
            let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
            assert_eq!(
                found,
                vec![
                    (3, "national_id"),
                    (4, "first_name"),
                    (4, "phone"),
                    (4, "joined_on"),
                    (4, "savings"),
                    (5, "national_id"),
                    (5, "savings"),
                ]
            );
            assert!(errors[0].reason.contains("check digit"), "{}", errors[0].reason);
            assert!(errors[5].reason.contains("row 2"), "{}", errors[5].reason);
        }
        other => panic!("expected row errors, got {other:?}"),
    }
    assert!(store.members(fund.id).await.unwrap().is_empty(), "nothing is half-written");

    let headers = "کد ملی,نام,رنگ مو\n0499370899,علی,سیاه\n";
    match import_members(&store, &clock, fund.id, headers.as_bytes(), as_of, true).await {
        Err(ImportError::Rows(errors)) => {
            let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
            assert_eq!(columns, vec!["رنگ مو", "last_name", "joined_on"]);
            assert!(errors.iter().all(|e| e.row == 1));
        }
        other => panic!("expected header errors, got {other:?}"),
    }
    let early = "کد ملی,نام,نام خانوادگی,تاریخ عضویت\n0499370899,علی,کریمی,1397/01/01\n";
    match import_members(&store, &clock, fund.id, early.as_bytes(), as_of, true).await {
        Err(ImportError::Rows(errors)) => assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "joined_on")),
        other => panic!("expected a date error, got {other:?}"),
    }
}

/// A workbook as a treasurer's Excel would hold it: a right-to-left sheet, Persian headers, a national
/// ID typed as a number (its leading zero lost), a join date as an Excel date, amounts as numbers.
fn members_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_right_to_left(true);
    for (col, header) in ["کد ملی", "نام", "نام خانوادگی", "تاریخ عضویت", "پس‌انداز"].iter().enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_number(1, 0, 84_575_948.0).unwrap();
    sheet.write_string(1, 1, "فاطمه").unwrap();
    sheet.write_string(1, 2, "احمدي").unwrap();
    // 2019-04-21 is 1398/02/01.
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(2019, 4, 21).unwrap(), &date_format).unwrap();
    sheet.write_number(1, 4, 40_000_000.0).unwrap();
    sheet.write_string(2, 0, "۰۴۹۹۳۷۰۸۹۹").unwrap();
    sheet.write_string(2, 1, "علی").unwrap();
    sheet.write_string(2, 2, "کریمی").unwrap();
    sheet.write_string(2, 3, "۱۳۹۸/۰۳/۰۱").unwrap();
    sheet.write_string(2, 4, "۲۰٬۰۰۰٬۰۰۰").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn members_and_open_loans_import_from_xlsx_with_what_remains_of_their_schedules() {
    let (_db, store, fund) = setup().await;
    let clock = FixedClock(0);
    let as_of = JalaliDate::parse("1403/01/01").unwrap().to_iso();
    let members = import_members(&store, &clock, fund.id, &members_workbook(), as_of, false).await.unwrap();
    assert_eq!((members.rows, members.booked), (2, Rials::new(60_000_000)));
    let all = store.members(fund.id).await.unwrap();
    assert_eq!(all[0].national_id, "0084575948");
    assert_eq!(all[0].last_name, "احمدی");
    assert_eq!(all[0].joined_on, JalaliDate::parse("1398/02/01").unwrap().to_iso(), "the Excel date, in Jalali");

    // Fatemeh borrowed 30,000,000 over 12 months on 1402/06/15 and has paid the first three installments.
    let usual = FundRules::usual();
    let terms = domain::loan::LoanTerms {
        principal: Rials::new(30_000_000),
        term_months: 12,
        fee_rate: usual.fee_rate,
        method: usual.karmozd_method,
        rounding_unit: usual.rounding_unit,
        start: JalaliDate::parse("1402/06/15").unwrap(),
    };
    let plan = domain::loan::schedule(&terms).unwrap();
    let first_three: i64 = plan.installments[..3].iter().map(|i| i.amount.get()).sum();
    let unpaid_principal: i64 = plan.installments[3..].iter().map(|i| i.principal.get()).sum();
    let loans = {
        use rust_xlsxwriter::Workbook;
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, header) in
            ["کد ملی", "مبلغ وام", "تعداد اقساط", "تاریخ پرداخت", "پرداخت شده", "موضوع"].iter().enumerate()
        {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        sheet.write_number(1, 0, 84_575_948.0).unwrap();
        sheet.write_number(1, 1, 30_000_000.0).unwrap();
        sheet.write_string(1, 2, "۱۲").unwrap();
        sheet.write_string(1, 3, "1402/6/15").unwrap();
        sheet.write_number(1, 4, first_three as f64).unwrap();
        sheet.write_string(1, 5, "خیاطی").unwrap();
        workbook.save_to_buffer().unwrap()
    };
    let head = store.book(fund.book_id).await.unwrap();
    let dry = import_open_loans(&store, &clock, fund.id, &loans, as_of, true).await.unwrap();
    assert_eq!((dry.rows, dry.booked, dry.dry_run), (1, Rials::new(unpaid_principal), true));
    assert_eq!(store.book(fund.book_id).await.unwrap(), head, "a dry run keeps nothing");
    assert!(store.member_statement(all[0].id, as_of).await.unwrap().loans.is_empty());

    let done = import_open_loans(&store, &clock, fund.id, &loans, as_of, false).await.unwrap();
    assert_eq!(done.booked, Rials::new(unpaid_principal));
    let statement = store.member_statement(all[0].id, as_of).await.unwrap();
    let (loan, installments) = &statement.loans[0];
    assert_eq!(loan.status, store::LoanStatus::Disbursed);
    assert_eq!(installments.len(), 12);
    assert!(installments[..3].iter().all(|i| i.outstanding() == Rials::ZERO));
    assert!(installments[3..].iter().all(|i| i.principal_paid == Rials::ZERO && i.fee_paid == Rials::ZERO));
    let tb = store.trial_balance_of_book(fund.book_id).await.unwrap();
    let line = |code: &str| tb.lines.iter().find(|l| l.code == code).map_or(0, |l| l.balance_rials);
    assert_eq!(line("1200"), unpaid_principal);
    assert_eq!(line("1010"), 60_000_000 - unpaid_principal, "the loan was lent out of the fund's cash");

    // The imported loan is a loan like any other: the next installment is paid on it.
    let next = installments[3].outstanding();
    store.repay_loan(loan.id, next, as_of, "after-import", 1).await.unwrap();
    // The same file again: Fatemeh already has an open loan; nothing is written.
    match import_open_loans(&store, &clock, fund.id, &loans, as_of, false).await {
        Err(ImportError::Rows(errors)) => {
            assert_eq!((errors[0].row, errors.len()), (2, 1));
            assert!(errors[0].reason.contains("open loan"), "{}", errors[0].reason);
        }
        other => panic!("expected row 2 refused, got {other:?}"),
    }
    assert!(store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_bad_open_loan_is_named_by_row_and_nothing_is_written() {
    let (_db, store, fund) = setup().await;
    let clock = FixedClock(0);
    let as_of = JalaliDate::parse("1403/01/01").unwrap().to_iso();
    import_members(&store, &clock, fund.id, GOOD.as_bytes(), as_of, false).await.unwrap();
    let head = store.book(fund.book_id).await.unwrap();

    // What the sheet itself gets wrong, every row at once.
    let bad = "national id,amount,term,disbursed,repaid
0499370899,0,12,1402/01/01,
0084575948,5000000,twelve,1402/13/01,
0084575948,5000000,12,1402/01/01,-1
";
    match import_open_loans(&store, &clock, fund.id, bad.as_bytes(), as_of, false).await {
        Err(ImportError::Rows(errors)) => {
            let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
            assert_eq!(
                found,
                vec![(2, "amount"), (3, "term_months"), (3, "disbursed_on"), (4, "national_id"), (4, "repaid")]
            );
        }
        other => panic!("expected row errors, got {other:?}"),
    }

    // What only the fund can tell: a stranger, a loan already repaid, more than the cash — each named.
    for (sheet, row, reason) in [
        (
            "کد ملی,مبلغ وام,مدت,تاریخ پرداخت\n0499370899,1000000,6,1402/01/01\n0013542427,1000000,6,1402/01/01\n",
            3,
            "no member",
        ),
        ("کد ملی,مبلغ وام,مدت,تاریخ پرداخت,پرداخت شده\n0499370899,1000000,6,1402/01/01,2000000\n", 2, "not open"),
        ("کد ملی,مبلغ وام,مدت,تاریخ پرداخت\n0499370899,900000000,6,1402/01/01\n", 2, "negative"),
        ("کد ملی,مبلغ وام,مدت,تاریخ پرداخت\n0499370899,1000000,6,1404/01/01\n", 2, "after the import date"),
    ] {
        match import_open_loans(&store, &clock, fund.id, sheet.as_bytes(), as_of, false).await {
            Err(ImportError::Rows(errors)) => {
                assert_eq!(errors[0].row, row, "{errors:?}");
                assert!(errors[0].reason.contains(reason), "{}", errors[0].reason);
            }
            other => panic!("expected row {row} refused ({reason}), got {other:?}"),
        }
        assert_eq!(store.book(fund.book_id).await.unwrap(), head, "nothing is written");
    }
    assert!(store.verify().await.unwrap().is_clean());
}

/// A 1.7 KB workbook declaring one cell at `XFD1048576` aborted the process (a 512 GiB allocation);
/// one at `AZ1048000` took 1.7 GB and 25 s. A sheet beyond the import's rows and columns is refused
/// before any cell is laid out, with the cell named.
#[test]
fn a_tiny_workbook_with_a_far_away_cell_is_refused_at_once() {
    use rust_xlsxwriter::Workbook;
    for (row, column, named) in
        [(1_048_575_u32, 16_383_u16, "row 1048576 column 16384"), (1_047_999, 51, "row 1048000")]
    {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "کد ملی").unwrap();
        sheet.write_string(row, column, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000, "a small file: {}", bytes.len());
        let started = std::time::Instant::now();
        let errors = app::import::read_table(&bytes).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused at once");
        assert!(errors[0].reason.contains(named), "{:?}", errors[0].reason);
        assert!(errors[0].reason.contains("at most"), "{:?}", errors[0].reason);
    }
    // Just inside the limits is read as usual.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "کد ملی").unwrap();
    sheet.write_string(3, 2, "x").unwrap();
    let table = app::import::read_table(&book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(table.headers[0], "کد ملی");
}

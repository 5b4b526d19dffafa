//! Importing members from CSV: Persian headers and digits, Jalali dates, every bad row reported, all or
//! nothing, and a dry run that writes nothing.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::funds::savings_balance;
use app::import::{ImportError, import_members};
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
    assert_eq!((dry.members, dry.opening_savings, dry.dry_run), (3, Rials::new(12_500_000), true));
    assert!(store.members(fund.id).await.unwrap().is_empty(), "a dry run writes nothing");
    let done = import_members(&store, &clock, fund.id, GOOD.as_bytes(), as_of, false).await.unwrap();
    assert_eq!(done.members, 3);
    let members = store.members(fund.id).await.unwrap();
    assert_eq!(members[0].first_name, "علی");
    assert_eq!(members[0].national_id, "0499370899");
    assert_eq!(members[1].national_id, "0084575948", "leading zeros lost by Excel come back");
    assert_eq!(members[2].phone, "09351112233");
    assert_eq!(savings_balance(&store, members[0].id).await.unwrap(), Rials::new(12_000_000));
    // Importing the same file again: everyone is already a member.
    match import_members(&store, &clock, fund.id, GOOD.as_bytes(), as_of, false).await {
        Err(ImportError::Store(store::StoreError::Conflict(m))) => assert!(m.contains("row 2"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
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

//! The exported journals are read by hledger and beancount, and hledger's balances equal Abadi's.
//! Without hledger or bean-check a check is skipped loudly; `ABADI_REQUIRE_ALL=1` (CI) makes it fail.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use app::Store;
use app::testing::TestDatabase;
use common::*;
use std::collections::BTreeMap;

fn hledger_balances(journal: &std::path::Path) -> BTreeMap<String, i64> {
    let output = std::process::Command::new("hledger")
        .args(["-f"])
        .arg(journal)
        .args(["balance", "--flat", "--depth", "3", "-E", "--no-total", "-O", "csv"])
        .output()
        .expect("hledger runs");
    assert!(output.status.success(), "hledger failed: {}", stderr(&output));
    let mut balances = BTreeMap::new();
    for line in stdout(&output).lines().skip(1) {
        let fields: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
        let amount = fields[1].trim_end_matches(" IRR").trim_end_matches("IRR").trim();
        let amount: i64 = if amount == "0" { 0 } else { amount.parse().unwrap_or_else(|e| panic!("{line}: {e}")) };
        balances.insert(fields[0].to_string(), amount);
    }
    balances
}

#[tokio::test]
async fn hledger_balance_equals_abadi_trial_balance() {
    if !peer_tool("hledger's balances of the export equal Abadi's", "hledger", "apt-get install hledger") {
        return;
    }
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let books = sample_books(&store).await;
    store.close().await;

    let export = abadi(&db.url, &["export", "journal", "--format", "hledger"]);
    assert!(export.status.success(), "{}", stderr(&export));
    let path = db.scratch_dir().join("abadi.journal");
    std::fs::write(&path, &export.stdout).unwrap();
    let from_hledger = hledger_balances(&path);

    let mut from_abadi = BTreeMap::new();
    for book in &books {
        let report = abadi(&db.url, &["report", "trial-balance", "--book", &book.0.to_string(), "--json"]);
        assert!(report.status.success(), "{}", stderr(&report));
        let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        assert_eq!(json["balanced"], true);
        for line in json["lines"].as_array().unwrap() {
            from_abadi
                .insert(line["journal_account"].as_str().unwrap().to_string(), line["balance_rials"].as_i64().unwrap());
        }
    }
    assert_eq!(from_hledger, from_abadi);
    assert_eq!(from_abadi.len(), 10);
}

#[tokio::test]
async fn beancount_reads_the_export_without_error() {
    if !peer_tool("beancount reads the export", "bean-check", "pip install beancount") {
        return;
    }
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    sample_books(&store).await;
    store.close().await;
    let export = abadi(&db.url, &["export", "journal", "--format", "beancount"]);
    assert!(export.status.success(), "{}", stderr(&export));
    let path = db.scratch_dir().join("abadi.beancount");
    std::fs::write(&path, &export.stdout).unwrap();
    let check = std::process::Command::new("bean-check").arg(&path).output().expect("bean-check runs");
    assert!(check.status.success(), "bean-check: {}{}\n{}", stdout(&check), stderr(&check), stdout(&export));
}

/// The demo province's books are real books: `verify` passes, hledger's balances equal Abadi's trial
/// balances, the report's jobs are the job records counted directly, and a seed builds the same province.
#[tokio::test]
async fn the_demo_province_balances_in_hledger_and_its_report_counts_its_jobs() {
    if !peer_tool("the demo province balances in hledger", "hledger", "apt-get install hledger") {
        return;
    }
    let db = TestDatabase::new().await;
    let built = abadi(&db.url, &["demo", "--scale", "small", "--seed", "7", "--today", "1405/09/06"]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(stdout(&built).contains("password officer-demo-1405"), "{}", stdout(&built));
    let verify = abadi(&db.url, &["verify"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    // A second build into the same database is refused: nothing is mixed in.
    let again = abadi(&db.url, &["demo", "--scale", "small"]);
    assert!(!again.status.success());

    let export = abadi(&db.url, &["export", "journal", "--format", "hledger"]);
    assert!(export.status.success(), "{}", stderr(&export));
    let path = db.scratch_dir().join("demo.journal");
    std::fs::write(&path, &export.stdout).unwrap();
    let mut from_hledger = hledger_balances(&path);
    let store = Store::open(&db.url).await.unwrap();
    let mut from_abadi = BTreeMap::new();
    for book in store.books().await.unwrap() {
        let report = abadi(&db.url, &["report", "trial-balance", "--book", &book.id.0.to_string(), "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        assert_eq!(json["balanced"], true);
        for line in json["lines"].as_array().unwrap() {
            from_abadi
                .insert(line["journal_account"].as_str().unwrap().to_string(), line["balance_rials"].as_i64().unwrap());
        }
    }
    from_hledger.retain(|_, v| *v != 0);
    from_abadi.retain(|_, v| *v != 0);
    assert_eq!(from_hledger, from_abadi);

    // A wrong date or a fund report without its fund: a clear error, exit 1.
    let bad = abadi(&db.url, &["report", "province", "--from", "1405/13/01"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("month 13") && stderr(&bad).contains("ماه ۱۳"), "{}", stderr(&bad));
    assert_eq!(abadi(&db.url, &["report", "fund"]).status.code(), Some(1));
    let report = abadi(&db.url, &["report", "province", "--place", "2", "--to", "1405/09/06", "--json"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let (mut expected, mut confirmed) = (0i64, 0i64);
    for (fund, _) in store.funds_with_places(None).await.unwrap() {
        for job in store.jobs_of_fund(fund.id).await.unwrap() {
            expected += job.hours.fte_hundredths();
            if job.status == domain::jobs::JobStatus::Confirmed {
                confirmed += job.hours.fte_hundredths();
            }
        }
    }
    assert!(expected > 0 && confirmed > 0);
    assert_eq!((json["jobs_expected"].as_f64().unwrap() * 100.0).round() as i64, expected);
    assert_eq!((json["jobs_confirmed"].as_f64().unwrap() * 100.0).round() as i64, confirmed);
    assert_eq!(json["funds"], 12);
    assert_eq!(json["capital_injected_rials"], 290_000_000_000i64 * 12 / 445);
    store.close().await;

    // The same seed and day build the same province.
    let twin = TestDatabase::new().await;
    assert!(abadi(&twin.url, &["demo", "--scale", "small", "--seed", "7", "--today", "1405/09/06"]).status.success());
    let twin_report = abadi(&twin.url, &["report", "province", "--place", "2", "--to", "1405/09/06", "--json"]);
    let twin_json: serde_json::Value = serde_json::from_slice(&twin_report.stdout).unwrap();
    for key in ["members", "savings_rials", "loans_outstanding_rials", "loans_disbursed_rials", "jobs_confirmed"] {
        assert_eq!(json[key], twin_json[key], "{key}");
    }
}

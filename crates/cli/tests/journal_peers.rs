//! The exported journals are read by hledger and beancount, and hledger's balances equal Abadi's.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::*;
use std::collections::BTreeMap;
use store::Store;
use store::testing::TestDatabase;

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
    if !require_tool("hledger", "apt-get install hledger") {
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
    if !require_tool("bean-check", "pip install beancount") {
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

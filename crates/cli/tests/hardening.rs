//! The `abadi` binary hardened (issue 13): a closed pipe, Persian digits on the command line, users
//! shut out and let in again.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use app::testing::TestDatabase;
use common::*;
use std::process::{Command, Stdio};

fn calc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_abadi")).arg("calc").arg("loan").args(args).output().unwrap()
}

/// `abadi … | head` panicked on the broken pipe and printed a backtrace: it ends quietly now.
#[test]
fn a_reader_that_stops_early_gets_no_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args(["calc", "loan", "--amount", "900000000", "--months", "300", "--fee-rate", "4", "--method", "annuity"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is printed (as `| head -0` would): every write fails.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!said.contains("panicked") && !said.contains("backtrace"), "{said}");
    assert!(matches!(output.status.code(), Some(0 | 141)), "{:?}", output.status);
}

/// `--months ۱۲ --fee-rate ۴` was refused: every number a person types is taken in either digit set.
#[test]
fn calc_loan_takes_persian_digits_everywhere() {
    let persian = calc(&[
        "--amount",
        "۱۰۰٬۰۰۰٬۰۰۰",
        "--months",
        "۱۲",
        "--fee-rate",
        "۴٫۵",
        "--method",
        "simple",
        "--start",
        "۱۴۰۳/۰۶/۳۱",
    ]);
    assert!(persian.status.success(), "{}", stderr(&persian));
    let latin = calc(&[
        "--amount",
        "100000000",
        "--months",
        "12",
        "--fee-rate",
        "4.5",
        "--method",
        "simple",
        "--start",
        "1403/06/31",
    ]);
    assert_eq!(stdout(&persian), stdout(&latin));
}

/// `abadi user disable`, `enable` and `revoke`: said plainly, and a user who is not there is named.
#[tokio::test]
async fn users_can_be_disabled_enabled_and_revoked_from_the_command_line() {
    use std::io::Write;
    let db = TestDatabase::new().await;
    let mut add = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args([
            "--database",
            &db.url,
            "user",
            "add",
            "--username",
            "maryam",
            "--role",
            "administrator",
            "--password-stdin",
        ])
        .env_remove("ABADI_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(b"a long passphrase here\n").unwrap();
    assert!(add.wait_with_output().unwrap().status.success());
    let disabled = abadi(&db.url, &["user", "disable", "--username", "maryam"]);
    assert!(disabled.status.success(), "{}", stderr(&disabled));
    assert!(stdout(&disabled).contains("disabled"), "{}", stdout(&disabled));
    let enabled = abadi(&db.url, &["user", "enable", "--username", "maryam"]);
    assert!(stdout(&enabled).contains("enabled"), "{}", stdout(&enabled));
    let revoked = abadi(&db.url, &["user", "revoke", "--username", "maryam"]);
    assert!(stdout(&revoked).contains("has ended"), "{}", stdout(&revoked));
    let ghost = abadi(&db.url, &["user", "disable", "--username", "ghost"]);
    assert_eq!(ghost.status.code(), Some(1));
    assert!(stderr(&ghost).contains("no user named ghost"), "{}", stderr(&ghost));
}

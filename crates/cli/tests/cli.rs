//! The `abadi` binary: golden output, refusals, exit codes, a crash in the middle of a bulk post.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use app::Store;
use app::testing::TestDatabase;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn trial_balance_table_is_golden() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let books = sample_books(&store).await;
    store.close().await;
    let out = abadi(&db.url, &["report", "trial-balance", "--book", &books[0].0.to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = "\
code       kind                debit (rials)         credit (rials)  name
1010       asset                   2,700,000                      0  صندوق
1200       asset                   2,333,333                      0  وام‌ها
2010       liability                       0              5,000,000  پس‌انداز اعضا
4010       income                          0                 30,000  کارمزد
fee.late   income                          0                  3,333  جریمه \"دیرکرد\"
total                              5,033,333              5,033,333
";
    assert_eq!(stdout(&out), expected);
    let persian = abadi(&db.url, &["report", "trial-balance", "--digits", "persian"]);
    assert!(stdout(&persian).contains("۸٬۱۰۰٬۰۰۰"), "{}", stdout(&persian));
    let json = abadi(&db.url, &["report", "trial-balance", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["total_debit_rials"], 15_099_999);
    assert_eq!(json["balanced"], true);
}

#[tokio::test]
async fn verify_passes_on_good_books_and_names_a_broken_entry() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let books = sample_books(&store).await;
    store.close().await;
    let out = abadi(&db.url, &["verify"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        "checked 2 books, 10 accounts, 10 entries, 24 postings: balances, stored balances and hash chains\nok: every invariant holds\n"
    );

    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let drop = if db.is_postgres() {
        "DROP TRIGGER entries_append_only ON entries"
    } else {
        "DROP TRIGGER entries_append_only"
    };
    sqlx::query(drop).execute(&mut conn).await.unwrap();
    let sql = format!("UPDATE entries SET memo = 'دستکاری' WHERE book_id = {} AND seq = 3", books[1].0);
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    let out = abadi(&db.url, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(&format!("BROKEN book {} entry 3: its content does not match", books[1].0)), "{text}");
    // Forging the content hash as well breaks the chain.
    let sql = format!("UPDATE entries SET content_hash = 'forged' WHERE book_id = {} AND seq = 3", books[1].0);
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    let text = stdout(&abadi(&db.url, &["verify"]));
    assert!(text.contains(&format!("BROKEN book {} entry 3: the hash chain breaks", books[1].0)), "{text}");
}

#[test]
fn unknown_database_schemes_are_refused() {
    let out = abadi("mysql://root@127.0.0.1/x", &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "abadi: unknown database URL \"mysql://root@127.0.0.1/x\": use sqlite://PATH or postgres://USER@HOST/DATABASE"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_kept() {
    let dir = std::env::temp_dir().join(format!("abadi-cli-notdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("members.xlsx");
    std::fs::write(&path, b"PK\x03\x04 this is a spreadsheet").unwrap();
    let url = format!("sqlite://{}", path.display());
    let out = abadi(&url, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not an SQLite database"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), b"PK\x03\x04 this is a spreadsheet");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn database_is_accepted_before_or_after_the_subcommand_and_help_has_examples() {
    let dir = std::env::temp_dir().join(format!("abadi-cli-pos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("a.db").display());
    let after = Command::new(env!("CARGO_BIN_EXE_abadi")).args(["verify", "--database", &url]).output().unwrap();
    assert!(after.status.success(), "{}", stderr(&after));
    let env = Command::new(env!("CARGO_BIN_EXE_abadi")).arg("verify").env("ABADI_DATABASE_URL", &url).output().unwrap();
    assert!(env.status.success(), "{}", stderr(&env));
    let help = Command::new(env!("CARGO_BIN_EXE_abadi")).arg("--help").output().unwrap();
    assert!(stdout(&help).contains("تراز آزمایشی"));
    for sub in ["serve", "verify", "backup", "bench"] {
        let h = Command::new(env!("CARGO_BIN_EXE_abadi")).args([sub, "--help"]).output().unwrap();
        assert!(h.status.success(), "{sub} --help");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn backup_writes_a_verifiable_copy() {
    let db = TestDatabase::new().await;
    if db.is_postgres() {
        let out = abadi(&db.url, &["backup", "/tmp/never.db"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("pg_dump"));
        return;
    }
    let store = Store::open(&db.url).await.unwrap();
    sample_books(&store).await;
    store.close().await;
    let copy = db.scratch_dir().join("copy.db");
    let out = abadi(&db.url, &["backup", copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = abadi(&db.url, &["backup", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "an existing file is never overwritten");
    let verify = abadi(&format!("sqlite://{}", copy.display()), &["verify"]);
    assert!(stdout(&verify).contains("10 entries"), "{}", stdout(&verify));
}

/// Kill the process in the middle of a bulk post: after a restart nothing is half-posted.
#[tokio::test]
async fn a_crash_in_the_middle_of_a_bulk_post_leaves_whole_entries() {
    let db = TestDatabase::new().await;
    Store::open(&db.url).await.unwrap().close().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args(["--database", &db.url, "bench", "--bulk-only", "2000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    // Wait until a few batches have committed, then kill it without warning (SIGKILL).
    let mut committed = 0;
    while let Some(Ok(line)) = lines.next() {
        if let Some(n) = line.strip_prefix("posted ") {
            committed = n.parse::<u64>().unwrap();
            if committed >= 5_000 {
                break;
            }
        }
    }
    assert!(committed >= 5_000, "the bulk post started");
    child.kill().unwrap();
    child.wait().unwrap();

    let out = abadi(&db.url, &["verify"]);
    assert!(out.status.success(), "{}", stdout_of(&out));
    let text = stdout_of(&out);
    let entries: u64 = text.split(" entries").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(entries >= committed, "{text}");
    assert_eq!(entries % 1_000, 0, "only whole batches are in the books: {text}");
    let postings: u64 = text.split(" postings").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(postings, entries * 2);
}

fn stdout_of(out: &std::process::Output) -> String {
    stdout(out)
}

/// The README's first command: `abadi serve` starts, answers, and creates its SQLite file.
#[tokio::test]
async fn serve_starts_and_answers() {
    use std::io::{Read, Write};
    let db = TestDatabase::new().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", &db.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.split("http://").nth(1).unwrap().split('/').next().unwrap().to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""status":"ok""#), "{response}");
}

fn calc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_abadi")).args(["calc", "loan"]).args(args).output().unwrap()
}

#[test]
fn calc_loan_prints_the_domain_figures() {
    let out = calc(&[
        "--amount",
        "۱۰۰٬۰۰۰٬۰۰۰",
        "--months",
        "12",
        "--fee-rate",
        "4",
        "--method",
        "simple",
        "--start",
        "1403/06/31",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("100,000,000 rials, 12 months, karmozd 4% (simple, ساده), from 1403/06/31\n"), "{text}");
    assert!(text.contains("   1  1403/07/30         8,513,889         8,333,334         180,555\n"), "{text}");
    assert!(text.contains("  12  1404/06/31         8,513,888         8,333,326         180,562\n"), "{text}");
    assert!(text.ends_with("total fee: 2,166,667\ntotal repaid: 102,166,667\n"), "{text}");

    let out = calc(&[
        "--amount",
        "500000000",
        "--months",
        "60",
        "--fee-rate",
        "4",
        "--method",
        "annuity",
        "--start",
        "1403/01/01",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &json["installments"][0];
    assert_eq!(first["number"], 1);
    assert_eq!(first["due_on"], "1403/02/01");
    assert_eq!(first["amount_rials"], 9_208_261);
    assert_eq!(first["principal_rials"].as_i64().unwrap() + first["fee_rials"].as_i64().unwrap(), 9_208_261);
    let total_fee = json["total_fee_rials"].as_i64().unwrap();
    assert!((total_fee - 52_495_662).abs() <= 60, "{total_fee}");
    assert_eq!(json["total_rials"].as_i64().unwrap(), 500_000_000 + total_fee);
    assert_eq!(json["installments"].as_array().unwrap().len(), 60);

    let out = calc(&["--amount", "500000000", "--months", "60", "--fee-rate", "4", "--method", "simple", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["total_fee_rials"], 50_833_333);
    assert_eq!(json["installments"][0]["amount_rials"], 9_180_556);
}

#[test]
fn calc_loan_refuses_bad_input_clearly() {
    let cases: &[(&[&str], &str)] = &[
        (&["--amount", "12.5", "--months", "12", "--fee-rate", "4", "--method", "simple"], "whole rials"),
        (
            &["--amount", "0", "--months", "12", "--fee-rate", "4", "--method", "simple"],
            "principal must be more than zero",
        ),
        (
            &["--amount", "1000", "--months", "0", "--fee-rate", "4", "--method", "simple"],
            "term must be between 1 and 360",
        ),
        (&["--amount", "1000", "--months", "12", "--fee-rate", "4,5", "--method", "simple"], "not a fee rate"),
        (&["--amount", "1000", "--months", "12", "--fee-rate", "4", "--method", "flat"], "invalid value 'flat'"),
        (
            &["--amount", "1000", "--months", "12", "--fee-rate", "4", "--method", "simple", "--start", "1403/12/31"],
            "day 31 does not exist",
        ),
    ];
    for (args, expected) in cases {
        let out = calc(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
}

#[tokio::test]
async fn unknown_books_and_places_are_named_in_the_error() {
    let db = TestDatabase::new().await;
    Store::open(&db.url).await.unwrap().close().await;
    let cases: &[(&[&str], &str)] = &[
        (&["report", "trial-balance", "--book", "999"], "abadi: book 999 does not exist"),
        (&["report", "trial-balance", "--place", "77"], "abadi: place 77 does not exist"),
        (&["export", "journal", "--format", "hledger", "--book", "5"], "abadi: book 5 does not exist"),
    ];
    for (args, expected) in cases {
        let out = abadi(&db.url, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out).trim_end(), *expected, "{args:?}");
        assert!(stdout(&out).is_empty(), "nothing half-written to stdout: {args:?}");
    }
    let out = abadi(&db.url, &["report", "trial-balance", "--book", "1", "--place", "1"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses conflicting scopes");
}

#[tokio::test]
async fn close_day_says_what_it_closed_and_is_safe_to_repeat() {
    let db = TestDatabase::new().await;
    Store::open(&db.url).await.unwrap().close().await;
    let out = abadi(&db.url, &["close-day", "--until", "1403/05/12"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "closed 1 day(s), 1403/05/12 to 1403/05/12: 0 loan(s) late\n");
    let again = abadi(&db.url, &["close-day", "--until", "1403/05/12"]);
    assert_eq!(stdout(&again), "every day up to 1403/05/12 was already closed\n");
    let bad = abadi(&db.url, &["close-day", "--until", "1403/13/01"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("month 13 does not exist"), "{}", stderr(&bad));
}

/// A draw anyone can check: `abadi lottery verify` recomputes it; a tampered record fails.
#[tokio::test]
async fn a_lottery_draw_can_be_verified_and_a_forged_one_is_caught() {
    use domain::fund::FundRules;
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, domain::PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), domain::PlaceKind::Village, "ده").await.unwrap();
    let start = domain::JalaliDate::parse("1402/01/01").unwrap().to_iso();
    let fund = store.create_fund(village.id, "صندوق", start, &FundRules::usual(), 0).await.unwrap();
    for (i, id) in ["0499370899", "0084575948", "0013542419"].iter().enumerate() {
        let new = app::model::NewMember {
            national_id: domain::NationalId::parse(id).unwrap(),
            first_name: format!("عضو{i}"),
            last_name: "کریمی".into(),
            father_name: String::new(),
            phone: None,
            place_id: village.id,
            joined_on: start,
        };
        store.add_member(fund.id, &new).await.unwrap();
    }
    store.close().await;
    let fund_id = fund.id.to_string();
    let draw =
        |seed: &str| abadi(&db.url, &["lottery", "draw", "--fund", &fund_id, "--seed", seed, "--on", "1403/05/12"]);
    let out = draw("۱۴۰۳/۰۵/۱۲ گندم باران کوه");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("entrants (3): 1, 2, 3"), "{}", stdout(&out));
    let verify = abadi(&db.url, &["lottery", "verify", "1"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("verified"));
    // Each member wins at most once per cycle.
    assert!(stdout(&draw("دوم")).contains("entrants (2)"));
    assert!(stdout(&draw("سوم")).contains("entrants (1)"));
    let none = draw("چهارم");
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no member is eligible"), "{}", stderr(&none));

    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE lottery_draws SET seed = 'forged' WHERE id = 1").execute(&mut conn).await.unwrap();
    let forged = abadi(&db.url, &["lottery", "verify", "1"]);
    assert_eq!(forged.status.code(), Some(1));
    assert!(stdout(&forged).contains("MISMATCH"), "{}", stdout(&forged));
}

#[tokio::test]
async fn the_funds_benchmark_runs_through_the_use_cases_and_leaves_whole_books() {
    let db = TestDatabase::new().await;
    Store::open(&db.url).await.unwrap().close().await;
    let out = abadi(&db.url, &["bench", "--funds", "--quick"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("4 funds, 32 members, 192 savings entries, 8 loans"), "{}", stdout(&out));
    for timed in ["a month of meeting sheets:", "fund home page:", "meeting sheet page:", "officer's list of funds:"] {
        assert!(stdout(&out).contains(timed), "{timed} missing: {}", stdout(&out));
    }
    let verify = abadi(&db.url, &["verify"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    let report = abadi(&db.url, &["report", "statements", "--fund", "1", "--period", "۱۳۹۹/۰۶", "--json"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let sheet = &json["balance_sheet"];
    assert_eq!(sheet["total_assets_rials"], sheet["total_liabilities_and_equity_rials"]);
    assert_eq!(sheet["total_assets_rials"], 48_000_000, "by the end of Shahrivar: 8 members × 6 months × 1,000,000");
    let dues = abadi(&db.url, &["report", "dues", "--fund", "1", "--month", "1399/08"]);
    assert!(stdout(&dues).starts_with("dues of fund 1 for Aban 1399 (rials)\n"), "{}", stdout(&dues));
    assert!(
        stdout(&dues).contains("      1       1,000,000       1,000,000       1,000,000  علی کریمی"),
        "{}",
        stdout(&dues)
    );
    let bad = abadi(&db.url, &["report", "statements", "--fund", "1", "--period", "1403/13"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("month 13 does not exist"), "{}", stderr(&bad));
}

#[tokio::test]
async fn import_members_reports_each_bad_row_and_writes_nothing() {
    use domain::fund::FundRules;
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, domain::PlaceKind::Country, "ایران").await.unwrap();
    let village = store.add_place(Some(country.id), domain::PlaceKind::Village, "ده").await.unwrap();
    let opened = domain::JalaliDate::parse("1398/01/01").unwrap().to_iso();
    let fund = store.create_fund(village.id, "صندوق", opened, &FundRules::usual(), 0).await.unwrap();
    store.close().await;
    let dir = db.scratch_dir();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "کد ملی,نام,نام خانوادگی,تاریخ عضویت\n0499370899,علی,کریمی,1399/01/01\n123,سارا,,1399/01/01\n",
    )
    .unwrap();
    let fund_id = fund.id.to_string();
    let out = abadi(&db.url, &["import", "members", "--fund", &fund_id, "--file", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "row 3, national_id: a national ID has 10 digits; this one has 3\nrow 3, last_name: empty\n"
    );
    assert!(stderr(&out).contains("2 problem(s)"), "{}", stderr(&out));
    let good = dir.join("good.csv");
    std::fs::write(&good, "کد ملی,نام,نام خانوادگی,تاریخ عضویت,پس‌انداز\n0499370899,علی,کریمی,1399/01/01,۵٬۰۰۰٬۰۰۰\n")
        .unwrap();
    let dry = abadi(&db.url, &["import", "members", "--fund", &fund_id, "--file", good.to_str().unwrap(), "--dry-run"]);
    assert_eq!(stdout(&dry), "would import 1 member(s) with 5,000,000 rials of opening savings\n");
    let done = abadi(
        &db.url,
        &["import", "members", "--fund", &fund_id, "--file", good.to_str().unwrap(), "--as-of", "1403/01/01"],
    );
    assert_eq!(stdout(&done), "imported 1 member(s) with 5,000,000 rials of opening savings\n");

    // Open loans: a stranger's loan is named by its row; then the member's loan with two installments paid.
    let loans = dir.join("loans.csv");
    std::fs::write(&loans, "کد ملی,مبلغ وام,مدت,تاریخ پرداخت,پرداخت شده\n0084575948,1000000,6,1402/01/01,\n").unwrap();
    let args = ["import", "loans", "--fund", &fund_id, "--file", loans.to_str().unwrap(), "--as-of", "1403/01/01"];
    let out = abadi(&db.url, &args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "row 2: no member of this fund has national ID 0084575948\n");
    std::fs::write(&loans, "کد ملی,مبلغ وام,مدت,تاریخ پرداخت,پرداخت شده\n0499370899,3000000,6,1402/01/01,۱٬۰۲۰٬۰۰۰\n")
        .unwrap();
    let done = abadi(&db.url, &args);
    // Simple karmozd: 3,000,000 × 4 × 7 / 2400 = 35,000; installments of 510,000, each 504,167 of principal
    // (`abadi calc loan` shows it): two paid leave 3,000,000 − 1,008,334 = 1,991,666 unpaid.
    assert_eq!(stdout(&done), "imported 1 open loan(s) with 1,991,666 rials of principal unpaid\n");
    assert!(abadi(&db.url, &["verify"]).status.success());
}

#[test]
fn solar_estimate_gives_monthly_energy_and_refuses_impossible_plants() {
    let weather = concat!(env!("CARGO_MANIFEST_DIR"), "/../solar/tests/reference/weather_qazvin.csv");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_abadi")).args(args).output().expect("abadi runs")
    };
    let base = ["solar", "estimate", "--lat", "36.27", "--lon", "50.00", "--altitude", "1300", "--kwp", "5"];
    let out = run(&[&base[..], &["--tilt", "30", "--azimuth", "180", "--weather", weather, "--json"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["monthly_kwh"].as_array().unwrap().len(), 12);
    assert_eq!(json["monthly_kwh_jalali"].as_array().unwrap().len(), 12);
    let annual = json["annual_kwh"].as_f64().unwrap();
    assert!((annual - 8784.5).abs() < 0.2, "pvlib's figure for this weather: {annual}");
    let jalali: f64 = json["monthly_kwh_jalali"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).sum();
    assert!((jalali - annual).abs() < 1.0);
    assert!((json["specific_yield_kwh_per_kwp"].as_f64().unwrap() - annual / 5.0).abs() < 0.2);
    let text = run(&[&base[..], &["--weather", weather]].concat());
    assert!(String::from_utf8_lossy(&text.stdout).contains("فروردین"));
    // The chain's models are options: Faiman's cell temperature gives pvlib's figure for it too.
    let faiman = run(&[&base[..], &["--weather", weather, "--cell-temperature", "faiman", "--json"]].concat());
    let faiman: serde_json::Value = serde_json::from_slice(&faiman.stdout).unwrap();
    assert!((faiman["annual_kwh"].as_f64().unwrap() - 9394.9).abs() < 0.2, "{faiman}");
    let isotropic = run(&[&base[..], &["--weather", weather, "--sky", "isotropic", "--json"]].concat());
    let isotropic: serde_json::Value = serde_json::from_slice(&isotropic.stdout).unwrap();
    assert!(isotropic["annual_kwh"].as_f64().unwrap() < annual, "the isotropic sky misses the circumsolar light");
    for (bad, says) in [
        (vec!["--tilt", "95"], "tilt 95"),
        (vec!["--losses", "120"], "losses of 120"),
        (vec!["--lat", "91"], "latitude 91"),
    ] {
        let mut args = base.to_vec();
        if bad[0] == "--lat" {
            args[3] = bad[1];
        } else {
            args.extend(bad.iter());
        }
        args.extend(["--weather", weather]);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(message.contains(says) && message.contains(" / "), "{message}");
    }
}

#[test]
fn solar_estimate_without_weather_uses_the_built_in_typical_year_of_the_place() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_abadi")).args(args).output().expect("abadi runs")
    };
    let estimate = |place: &[&str], extra: &[&str]| -> serde_json::Value {
        let out = run(&[&["solar", "estimate", "--kwp", "5", "--json"], place, extra].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let qazvin = ["--lat", "36.27", "--lon", "50.00", "--altitude", "1300"];
    let built_in = estimate(&qazvin, &[]);
    assert!(built_in["weather_source"].as_str().unwrap().contains("MERRA-2"));
    let specific = built_in["specific_yield_kwh_per_kwp"].as_f64().unwrap();
    // A south-facing 30° plant on the Iranian plateau: 1,500–1,900 kWh per kWp a year.
    assert!((1500.0..1900.0).contains(&specific), "{specific}");
    // The place's own climate: the Caspian coast (Rasht) is cloudier than the desert (Zahedan).
    let rasht = estimate(&["--lat", "37.28", "--lon", "49.58", "--altitude", "0"], &[]);
    let zahedan = estimate(&["--lat", "29.50", "--lon", "60.86", "--altitude", "1385"], &[]);
    assert!(
        rasht["annual_kwh"].as_f64().unwrap() < built_in["annual_kwh"].as_f64().unwrap()
            && built_in["annual_kwh"].as_f64().unwrap() < zahedan["annual_kwh"].as_f64().unwrap(),
        "{rasht} {built_in} {zahedan}"
    );
    // The same year written out as CSV gives the same energy when read back as a weather file.
    let csv = run(&["solar", "weather", "--lat", "36.27", "--lon", "50.00", "--altitude", "1300"]);
    assert!(csv.status.success());
    let path = std::env::temp_dir().join(format!("abadi-typical-year-{}.csv", std::process::id()));
    std::fs::write(&path, &csv.stdout).unwrap();
    let from_file = estimate(&qazvin, &["--weather", path.to_str().unwrap()]);
    let (a, b) = (built_in["annual_kwh"].as_f64().unwrap(), from_file["annual_kwh"].as_f64().unwrap());
    let _ = std::fs::remove_file(&path);
    assert!((a - b).abs() / a < 1e-4, "{a} vs {b}");
    // Outside Iran there is no built-in year: a precise refusal in both languages.
    let paris = run(&["solar", "estimate", "--lat", "48.85", "--lon", "2.35", "--kwp", "5"]);
    assert_eq!(paris.status.code(), Some(1));
    let message = String::from_utf8_lossy(&paris.stderr);
    assert!(message.contains("--weather") && message.contains("ایران"), "{message}");
    // The same for the year printed as CSV, and an impossible latitude is named first; nothing printed.
    for (lat, says) in [("48.85", "only for Iran"), ("91", "latitude 91")] {
        let out = run(&["solar", "weather", "--lat", lat, "--lon", "2.35"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(message.contains(says) && message.contains(" / "), "{message}");
    }
}

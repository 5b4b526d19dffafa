//! Faults of the process: `abadi serve` killed without warning (SIGKILL) in the middle of a burst of
//! savings sheets from several clients. Afterwards `abadi verify` passes, the audit check included:
//! every sheet that was posted has its audit record, and no record names a sheet that is not there.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::Store;
use app::testing::TestDatabase;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A fund with ten members and a treasurer's API token.
async fn fund_with_members(url: &str) -> (i64, Vec<i64>, String) {
    use domain::PlaceKind;
    let store = Store::open(url).await.unwrap();
    let clock = app::FixedClock(1_795_780_800_000);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let province = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await.unwrap();
    let village = store.add_place(Some(province.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    let opened = domain::JalaliDate::parse("1402/01/01").unwrap().to_iso();
    let fund =
        store.create_fund(village.id, "صندوق اسفرورین", opened, &domain::fund::FundRules::usual(), 0).await.unwrap();
    let mut members = Vec::new();
    for i in 0..10 {
        let new = app::model::NewMember {
            national_id: app::workload::synthetic_national_id(i),
            first_name: format!("عضو {i}"),
            last_name: "آزمایشی".into(),
            father_name: String::new(),
            phone: None,
            place_id: village.id,
            joined_on: opened,
        };
        members.push(store.add_member(fund.id, &new).await.unwrap().id);
    }
    let request = app::auth::UserRequest {
        username: "treasurer".into(),
        display_name: "خزانه‌دار".into(),
        password: "treasurer-password".into(),
        role: domain::access::Role::Treasurer,
        place_id: None,
        fund_id: Some(fund.id),
        bank_id: None,
        language: "fa".into(),
    };
    let user = app::auth::add_user(&store, &clock, &request).await.unwrap();
    let token = app::auth::issue_token(&store, &clock, user.id, "fault test").await.unwrap();
    store.close().await;
    (fund.id, members, token)
}

/// One sheet, sent and answered: the status, or `None` when the server is gone.
fn send_sheet(addr: &str, fund: i64, token: &str, key: &str, member: i64) -> Option<u16> {
    let body = format!(r#"{{"on": "1403/02/01", "key": "{key}", "lines": [{{"id": {member}, "amount": 1000000}}]}}"#);
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).ok()?;
    let request = format!(
        "POST /api/v1/funds/{fund}/savings-sheet HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn killing_the_server_during_a_burst_of_sheets_leaves_books_that_verify_with_their_audit() {
    let db = TestDatabase::new().await;
    let (fund, members, token) = fund_with_members(&db.url).await;
    let mut server = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", &db.url])
        .env_remove("ABADI_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = BufReader::new(server.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let addr = first.split("http://").nth(1).unwrap().split('/').next().unwrap().to_string();

    let answered = Arc::new(AtomicU64::new(0));
    let gone = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..6)
        .map(|client| {
            let (addr, token, members) = (addr.clone(), token.clone(), members.clone());
            let (answered, gone) = (answered.clone(), gone.clone());
            std::thread::spawn(move || {
                for n in 0.. {
                    let key = format!("kill-{client}-{n}");
                    match send_sheet(&addr, fund, &token, &key, members[n % members.len()]) {
                        Some(200) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                        Some(status) => panic!("sheet {key} answered {status}"),
                        None if gone.load(Ordering::SeqCst) => return,
                        None => panic!("sheet {key} got no answer while the server ran"),
                    }
                }
            })
        })
        .collect();
    // Kill it without warning once the burst is well under way.
    while answered.load(Ordering::SeqCst) < 40 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    gone.store(true, Ordering::SeqCst);
    server.kill().unwrap();
    server.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }

    let verify = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args(["--database", &db.url, "verify"])
        .env_remove("ABADI_DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&verify.stdout).into_owned();
    assert!(verify.status.success(), "{text}");
    assert!(text.contains("ok: every invariant holds"), "{text}");

    // Every posted sheet has its audit record, and every record its sheet.
    let store = Store::open(&db.url).await.unwrap();
    let mut posted = std::collections::BTreeSet::new();
    store
        .scan_entries(app::model::EntryFilter::All, |entry| {
            if let Some(key) = entry.draft.idempotency_key.as_str().strip_prefix("kill-") {
                posted.insert(key.split('/').next().unwrap().to_string());
            }
            Ok(())
        })
        .await
        .unwrap();
    let filter = app::model::AuditFilter {
        under: None,
        username: Some("treasurer".into()),
        action_prefix: Some("savings.sheet".into()),
        from_ms: None,
        until_ms: None,
        limit: 100_000,
    };
    let audited: std::collections::BTreeSet<String> = store
        .audit_log(&filter)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.after_state.split("\"key\":\"kill-").nth(1).map(|k| k.split('"').next().unwrap().to_string()))
        .collect();
    assert!(posted.len() as u64 >= answered.load(Ordering::SeqCst), "every answered sheet is in the books");
    assert_eq!(posted, audited);
    store.close().await;
}

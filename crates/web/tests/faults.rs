//! Faults at the door: clients that hang up right after sending a change. Whatever the moment, the
//! change and its audit record are both there, or neither is; the books verify, audit links included.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::world;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Sends one whole request and hangs up after `wait` without reading the answer.
async fn send_and_hang_up(addr: std::net::SocketAddr, path: String, token: String, body: String, wait: Duration) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    // Dropping the stream closes it: the server sees the client gone, at whatever point it is.
    drop(stream);
}

#[tokio::test]
async fn a_client_that_hangs_up_after_sending_leaves_a_change_with_its_audit_record_or_nothing() {
    let w = world().await;
    let fund = w.fund_a;
    let mut members = Vec::new();
    for i in 0..5 {
        let national_id = app::workload::synthetic_national_id(i);
        members.push(w.join(fund, national_id.as_str(), &format!("عضو {i}"), "آزمایشی", "1402/01/10").await.id);
    }
    let token = w.tokens["treasurer_a"].clone();
    let path = format!("/api/v1/funds/{fund}/savings-sheet");
    let mut sent = Vec::new();
    for i in 0..100_u64 {
        let member = members[(i as usize) % members.len()];
        let sheet =
            json!({ "on": "1403/02/01", "key": format!("hang-{i}"), "lines": [{ "id": member, "amount": 1_000_000 }] });
        // From at once to a few tens of milliseconds: before, during and after the transaction.
        let wait = Duration::from_millis((i % 10) * 4);
        sent.push(tokio::spawn(send_and_hang_up(w.addr, path.clone(), token.clone(), sheet.to_string(), wait)));
    }
    for task in sent {
        task.await.unwrap();
    }
    // Let every handler that was not cancelled finish, then ask again: the server still answers.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let health = w.call("treasurer_a", "GET", &format!("/api/v1/funds/{fund}"), None).await;
    assert_eq!(health.status, 200, "{}", health.body);

    let report = w.store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    let mut posted = std::collections::BTreeSet::new();
    w.store
        .scan_entries(app::model::EntryFilter::All, |entry| {
            if let Some(key) = entry.draft.idempotency_key.as_str().strip_prefix("hang-") {
                posted.insert(key.split('/').next().unwrap().to_string());
            }
            Ok(())
        })
        .await
        .unwrap();
    let filter = app::model::AuditFilter {
        under: None,
        username: Some("treasurer_a".into()),
        action_prefix: Some("savings.sheet".into()),
        from_ms: None,
        until_ms: None,
        limit: 1_000,
    };
    let audited: std::collections::BTreeSet<String> = w
        .store
        .audit_log(&filter)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.after_state.split("\"key\":\"hang-").nth(1).map(|k| k.split('"').next().unwrap().to_string()))
        .collect();
    eprintln!("{} of 100 sheets whose client hung up were posted", posted.len());
    assert_eq!(posted, audited, "every posted sheet has its audit record, and no record lacks its sheet");

    // The same sheets sent again, waiting for the answers this time: each one posted exactly once.
    for i in 0..100_u64 {
        let member = members[(i as usize) % members.len()];
        let sheet =
            json!({ "on": "1403/02/01", "key": format!("hang-{i}"), "lines": [{ "id": member, "amount": 1_000_000 }] });
        let again = w.call("treasurer_a", "POST", &path, Some(sheet)).await;
        assert_eq!(again.status, 200, "{}", again.body);
        let expected_new = i64::from(!posted.contains(&i.to_string()));
        assert_eq!(again.json["posted"].as_i64(), Some(expected_new), "{}", again.json);
    }
    assert!(w.store.verify().await.unwrap().is_clean());
}

//! HTTP tests on a real server on a random port, with its own fresh database.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::Store;
use app::testing::TestDatabase;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Server {
    addr: std::net::SocketAddr,
    _db: TestDatabase,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn spawn() -> Server {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    // 2026-11-27 12:00 UTC
    let state = web::AppState::new(store, Arc::new(FixedClock(1_795_780_800_000)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    Server { addr, _db: db, stop: Some(stop) }
}

/// A minimal HTTP/1.1 GET: status, headers (lower-cased names) and body.
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn home_page_is_persian_and_right_to_left() {
    let server = spawn().await;
    let (status, headers, body) = get(server.addr, "/").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").unwrap().starts_with("text/html"));
    assert!(header(&headers, "content-security-policy").unwrap().contains("script-src 'self'"));
    assert!(body.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(body.contains("آبادی"));
    assert!(body.contains("۶ آذر ۱۴۰۵"), "today in Jalali, Persian digits: {body}");
    assert!(body.contains(r#"datetime="2026-11-27""#));
}

#[tokio::test]
async fn healthz_answers_with_the_database() {
    let server = spawn().await;
    let (status, headers, body) = get(server.addr, "/healthz").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").unwrap().starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["schema_version"], app::model::SCHEMA_VERSION);
    assert!(json["database"] == "sqlite" || json["database"] == "postgres");
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let server = spawn().await;
    let (status, _, _) = get(server.addr, "/no/such/page").await;
    assert_eq!(status, 404);
}

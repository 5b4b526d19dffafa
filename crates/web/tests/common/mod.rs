//! A server on a random port with two funds in two counties and a user of every role, and a small
//! HTTP/1.1 client: shared by the API and page tests.

#![allow(clippy::unwrap_used, dead_code)] // test code; each test file uses part of it

pub mod pages;
use app::FixedClock;
use app::Store;
use app::auth::{UserRequest, add_user, issue_token};
use app::testing::TestDatabase;
use domain::access::Role;
use domain::fund::FundRules;
use domain::{JalaliDate, PlaceKind};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 2026-11-27 12:00 UTC: 1405/09/06.
pub const NOW_MS: i64 = 1_795_780_800_000;

pub struct World {
    pub addr: std::net::SocketAddr,
    pub store: Store,
    _db: TestDatabase,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub fund_a: i64,
    pub fund_b: i64,
    /// A token per user name: admin, officer_a, treasurer_a, auditor_a, treasurer_b, liaison.
    pub tokens: HashMap<&'static str, String>,
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Two counties of one province, a fund in a village of each, and a user of every role.
pub async fn world() -> World {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let clock = FixedClock(NOW_MS);
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let province = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await.unwrap();
    let county_a = store.add_place(Some(province.id), PlaceKind::County, "تاکستان").await.unwrap();
    let county_b = store.add_place(Some(province.id), PlaceKind::County, "آبیک").await.unwrap();
    let village_a = store.add_place(Some(county_a.id), PlaceKind::Village, "اسفرورین").await.unwrap();
    let village_b = store.add_place(Some(county_b.id), PlaceKind::Village, "زیاران").await.unwrap();
    let opened = JalaliDate::parse("1402/01/01").unwrap().to_iso();
    let rules = FundRules { guarantors_required: 0, min_membership_months: 0, ..FundRules::usual() };
    let fund_a = store.create_fund(village_a.id, "صندوق اسفرورین", opened, &rules, 0).await.unwrap();
    let fund_b = store.create_fund(village_b.id, "صندوق زیاران", opened, &rules, 0).await.unwrap();
    let mut tokens = HashMap::new();
    for (name, role, place, fund, bank) in [
        ("admin", Role::Administrator, None, None, None),
        ("officer_a", Role::Officer, Some(county_a.id), None, None),
        ("treasurer_a", Role::Treasurer, None, Some(fund_a.id), None),
        ("auditor_a", Role::Auditor, Some(county_a.id), None, None),
        ("treasurer_b", Role::Treasurer, None, Some(fund_b.id), None),
        ("liaison", Role::BankLiaison, None, None, Some(1)),
    ] {
        let request = UserRequest {
            username: name.into(),
            display_name: format!("کاربر {name}"),
            password: format!("{name}-password"),
            role,
            place_id: place,
            fund_id: fund,
            bank_id: bank,
            language: "fa".into(),
        };
        let user = add_user(&store, &clock, &request).await.unwrap();
        tokens.insert(name, issue_token(&store, &clock, user.id, "test").await.unwrap());
    }
    let state = web::AppState::new(store.clone(), Arc::new(clock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    World { addr, store, _db: db, stop: Some(stop), fund_a: fund_a.id, fund_b: fund_b.id, tokens }
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub json: Value,
    pub body: String,
}

/// One HTTP/1.1 request with an optional bearer token and raw body.
pub async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(bearer) = &bearer {
        headers.push(("Authorization", bearer));
    }
    if let Some(content_type) = content_type {
        headers.push(("Content-Type", content_type));
    }
    request(addr, method, path, &headers, body).await
}

/// One HTTP/1.1 request with any headers; the answer's body as text and, when it is JSON, parsed.
pub async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(body).await; // an oversized body may be cut off by the server's answer
    // Read the head, then exactly the body it announces: some servers (chromedriver) keep the
    // connection open whatever the request asked.
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            panic!("the connection closed before the answer's head: {:?}", String::from_utf8_lossy(&bytes));
        }
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut rest = bytes[head_end + 4..].to_vec();
    let length = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok());
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    loop {
        let complete = match length {
            Some(length) => rest.len() >= length,
            None if chunked => rest.windows(5).any(|w| w == b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        rest.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&rest).to_string();
    let body = if chunked { dechunk(&text) } else { text };
    Answer { status, headers, json: serde_json::from_str(&body).unwrap_or(Value::Null), body }
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

impl World {
    /// A member of a fund, joined on a Jalali date, at the fund's village.
    pub async fn join(
        &self,
        fund_id: i64,
        national_id: &str,
        first_name: &str,
        last_name: &str,
        joined_on: &str,
    ) -> app::model::Member {
        let new = app::model::NewMember {
            national_id: domain::NationalId::parse(national_id).unwrap(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            father_name: String::new(),
            phone: None,
            place_id: self.store.fund(fund_id).await.unwrap().place_id,
            joined_on: JalaliDate::parse(joined_on).unwrap().to_iso(),
        };
        self.store.add_member(fund_id, &new).await.unwrap()
    }

    pub async fn call(&self, who: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
        let token = self.tokens.get(who).map(String::as_str);
        match body {
            Some(body) => {
                raw(self.addr, method, path, token, Some("application/json"), body.to_string().as_bytes()).await
            }
            None => raw(self.addr, method, path, token, None, b"").await,
        }
    }
}

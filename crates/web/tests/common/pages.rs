//! Helpers of the page tests: signing in through the form, reading a page, posting a form.

#![allow(dead_code)] // each page test file uses some of them

use super::{Answer, World, request};

/// Signs in through the form and returns the session cookie (`name=value`).
pub async fn sign_in(w: &World, username: &str) -> String {
    let body = format!("username={username}&password={username}-password&next=%2F");
    let answer = form_post(w, "/sign-in", None, &body).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let cookie = answer.header("set-cookie").unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP on a village LAN must keep working: {cookie}");
    cookie.split(';').next().unwrap().to_string()
}

pub async fn page(w: &World, cookie: &str, path: &str) -> Answer {
    request(w.addr, "GET", path, &[("Cookie", cookie)], b"").await
}

pub async fn form_post(w: &World, path: &str, cookie: Option<&str>, body: &str) -> Answer {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    request(w.addr, "POST", path, &headers, body.as_bytes()).await
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

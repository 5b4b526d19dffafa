//! Real-browser tests: headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs). A treasurer's day in Persian — sign in, add a member,
//! record the meeting sheet, request, approve and pay out a loan, record a repayment, read the
//! statement — and one flow in English. Screenshots at 360 px and 1280 px go to
//! `target/screenshots/` (or `$ABADI_SCREENSHOTS`). Without Chromium the tests are skipped and say so
//! loudly, with how to install it; with `ABADI_REQUIRE_ALL=1` (CI) they fail instead.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::{World, request, world};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    driver: std::net::SocketAddr,
    session: String,
    child: std::process::Child,
    _profile: tempfile::TempDir,
    base: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session for `check`; `None` when they are not
    /// installed (the check is skipped, loudly; under `ABADI_REQUIRE_ALL=1` it fails instead).
    async fn start(w: &World, check: &str) -> Option<Browser> {
        let [driver_program, chromium] = app::testing::outside_tools(
            check,
            [&["chromedriver"], &["chromium", "chromium-browser", "google-chrome"]],
            "apt-get install chromium chromium-driver",
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(driver_program)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let driver: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(driver).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()), "--window-size=1280,900"
                ]
            }
        }}});
        let answer = webdriver(driver, "POST", "/session", Some(&capabilities)).await;
        let session = answer["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {answer}")).to_string();
        Some(Browser { driver, session, child, _profile: profile, base: format!("http://{}", w.addr) })
    }

    async fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        webdriver(self.driver, method, &path, body.as_ref()).await
    }

    async fn goto(&self, path: &str) {
        self.command("POST", "/url", Some(json!({ "url": format!("{}{path}", self.base) }))).await;
    }

    async fn find(&self, css: &str) -> String {
        for _ in 0..50 {
            let found = self.command("POST", "/element", Some(json!({ "using": "css selector", "value": css }))).await;
            if let Some(id) = found[ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no element {css} on {}:\n{}\n{}",
            self.url().await,
            self.source().await,
            self.command("POST", "/element", Some(json!({ "using": "css selector", "value": css }))).await
        );
    }

    async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.command("POST", &format!("/element/{id}/clear"), Some(json!({}))).await;
        self.command("POST", &format!("/element/{id}/value"), Some(json!({ "text": text }))).await;
    }

    async fn choose(&self, select_css: &str, option_text: &str) {
        let css = format!("{select_css} option");
        let options = self.command("POST", "/elements", Some(json!({ "using": "css selector", "value": css }))).await;
        for option in options.as_array().unwrap() {
            let id = option[ELEMENT].as_str().unwrap();
            let text = self.command("GET", &format!("/element/{id}/text"), None).await;
            if text.as_str().unwrap_or("").contains(option_text) {
                self.command("POST", &format!("/element/{id}/click"), Some(json!({}))).await;
                return;
            }
        }
        panic!("no option {option_text} in {select_css}");
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.command("POST", &format!("/element/{id}/click"), Some(json!({}))).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    async fn source(&self) -> String {
        self.command("GET", "/source", None).await.as_str().unwrap_or("").to_string()
    }

    async fn url(&self) -> String {
        self.command("GET", "/url", None).await.as_str().unwrap_or("").to_string()
    }

    async fn wait_for_text(&self, text: &str) {
        for _ in 0..50 {
            if self.source().await.contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{text:?} never appeared on {}:\n{}", self.url().await, self.source().await);
    }

    /// Screenshots of the current page at a phone's width and a desktop's.
    async fn screenshots(&self, name: &str) {
        let dir = std::env::var_os("ABADI_SCREENSHOTS")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"), PathBuf::from);
        std::fs::create_dir_all(&dir).unwrap();
        for width in [360, 1280] {
            self.command("POST", "/window/rect", Some(json!({ "width": width, "height": 900 }))).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let png = self.command("GET", "/screenshot", None).await;
            let bytes = base64_decode(png.as_str().unwrap());
            assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
            std::fs::write(dir.join(format!("{name}-{width}.png")), bytes).unwrap();
        }
        self.command("POST", "/window/rect", Some(json!({ "width": 1280, "height": 900 }))).await;
    }

    async fn sign_in(&self, username: &str) {
        self.goto("/sign-in").await;
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", &format!("{username}-password")).await;
        self.click("form button[type=submit]").await;
    }
}

async fn webdriver(driver: std::net::SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Value {
    let text = body.map(Value::to_string).unwrap_or_default();
    let headers = if body.is_some() { vec![("Content-Type", "application/json")] } else { vec![] };
    let answer = request(driver, method, path, &headers, text.as_bytes()).await;
    answer.json["value"].clone()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

// Each test's body is a large future in a debug build; boxed, it lives on the heap rather than on the
// test thread's stack.
#[tokio::test]
async fn a_treasurers_day_in_persian_in_a_real_browser() {
    Box::pin(a_treasurers_day()).await;
}

async fn a_treasurers_day() {
    let w = world().await;
    let Some(b) = Browser::start(&w, "a treasurer's day in Persian in a real browser").await else { return };
    let fund = w.fund_a;

    b.sign_in("treasurer_a").await;
    b.wait_for_text("صندوق اسفرورین").await;
    assert!(b.source().await.contains(r#"dir="rtl""#));
    b.screenshots("fund-home").await;

    // A member joins through the form; a wrong national ID first is explained and the input kept.
    b.goto(&format!("/funds/{fund}/members/new")).await;
    b.fill("input[name=national_id]", "۰۴۹۹۳۷۰۸۹۸").await;
    b.fill("input[name=first_name]", "علی").await;
    b.fill("input[name=last_name]", "کریمی").await;
    b.fill("input[name=joined_on]", "۱۴۰۲/۰۱/۱۵").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("aria-invalid").await;
    b.screenshots("join-form-error").await;
    b.fill("input[name=national_id]", "۰۴۹۹۳۷۰۸۹۹").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("صورت‌حساب").await;
    let member = w.store.members(fund).await.unwrap()[0].id;

    // The meeting sheet: savings prefilled with this month's dues; saved once.
    b.goto(&format!("/funds/{fund}/meeting?on=1403/01/05")).await;
    b.fill(&format!("input[name=s{member}]"), "۲۰٬۰۰۰٬۰۰۰").await;
    b.screenshots("meeting-sheet").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("برگه‌ی جلسه ثبت شد").await;
    assert_eq!(app::funds::savings_balance(&w.store, member).await.unwrap().get(), 20_000_000);

    a_loan_from_request_to_receipt(&b, fund).await;

    // The statement.
    b.goto(&format!("/members/{member}")).await;
    b.wait_for_text("۲۰٬۰۰۰٬۰۰۰").await;
    b.screenshots("statement").await;

    solar_calculator(&b).await;
    let loans = w.store.loans_of_fund(fund).await.unwrap();
    assert_eq!(loans[0].status, app::model::LoanStatus::Disbursed);
    let owed: i64 = w.store.installments(loans[0].id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
    // 15,000,000 at 4 % simple over 12 months: 325,000 of fee; one installment of 1,280,000 paid.
    assert_eq!(owed, 15_325_000 - 1_280_000);
    assert!(w.store.verify().await.unwrap().is_clean());

    // The audit trail holds each change of this flow.
    let trail = w.store.audit_log(&app::model::AuditFilter::default()).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    for expected in
        ["user.sign_in", "member.join", "meeting.sheet", "loan.request", "loan.approve", "loan.disburse", "loan.repay"]
    {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
}

#[tokio::test]
async fn an_officer_works_in_english_in_a_real_browser() {
    Box::pin(an_officer_in_english()).await;
}

async fn an_officer_in_english() {
    let w = world().await;
    let clock = app::FixedClock(common::NOW_MS);
    let county = {
        let fund = w.store.fund(w.fund_a).await.unwrap();
        let village = w.store.place(fund.place_id).await.unwrap();
        village.parent_id.unwrap()
    };
    let anna = app::auth::UserRequest {
        username: "anna".into(),
        display_name: "Anna".into(),
        password: "anna-password".into(),
        role: domain::access::Role::Officer,
        place_id: Some(county),
        fund_id: None,
        bank_id: None,
        language: "en".into(),
    };
    app::auth::add_user(&w.store, &clock, &anna).await.unwrap();
    let Some(b) = Browser::start(&w, "an officer works in English in a real browser").await else { return };
    b.sign_in("anna").await;
    b.wait_for_text("Funds").await;
    let page = b.source().await;
    assert!(page.contains(r#"dir="ltr""#) && page.contains(r#"lang="en""#), "{page}");
    assert!(page.contains("صندوق اسفرورین") && !page.contains("صندوق زیاران"));
    b.screenshots("officer-funds-en").await;
    b.click(&format!("a[href='/funds/{}']", w.fund_a)).await;
    b.wait_for_text("Active members").await;
    b.screenshots("officer-fund-en").await;
    // The dashboard and the programme report of the officer's county, charts drawn on the server.
    b.goto("/reports").await;
    b.wait_for_text("Province dashboard").await;
    assert!(b.source().await.contains("By county"));
    b.screenshots("dashboard-en").await;
    b.goto("/reports/programme").await;
    b.wait_for_text("Programme report").await;
    b.screenshots("programme-report-en").await;
    // Sign out from the header.
    b.click("header form button").await;
    b.wait_for_text("username").await;
    let after = request(w.addr, "GET", "/funds", &[], b"").await;
    assert_eq!(after.status, 303);
}

/// The solar calculator, typed in Persian digits on a phone.
async fn solar_calculator(b: &Browser) {
    b.goto("/solar").await;
    b.fill("input[name=lat]", "۳۶٫۲۷").await;
    b.fill("input[name=lon]", "۵۰").await;
    b.fill("input[name=altitude]", "۱۳۰۰").await;
    b.click("form[action='/solar'] button").await;
    b.wait_for_text("۸٬۷۲۳").await;
    b.screenshots("solar-calculator").await;
}

/// A loan: requested (the eligibility answer shows as the form is filled), approved, paid out, repaid
/// with a receipt. (Its own function: a debug build gives one async function's every temporary its own
/// stack slot, and the day's test is long.)
async fn a_loan_from_request_to_receipt(b: &Browser, fund: i64) {
    b.goto(&format!("/funds/{fund}/loans/new")).await;
    b.choose("select[name=member_id]", "علی").await;
    b.fill("input[name=amount]", "۱۵٬۰۰۰٬۰۰۰").await;
    b.fill("input[name=term_months]", "۱۲").await;
    b.fill("input[name=on]", "1403/01/10").await;
    b.fill("input[name=purpose]", "دامداری").await;
    b.wait_for_text("notice").await;
    b.screenshots("loan-request").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("تأیید وام").await;
    b.click("form[action$=approve] button").await;
    b.wait_for_text("پرداخت وام").await;
    b.fill("form[action$=disburse] input[name=on]", "1403/01/15").await;
    b.click("form[action$=disburse] button").await;
    b.wait_for_text("ثبت بازپرداخت").await;

    // A repayment and its receipt.
    b.fill("form[action$=repay] input[name=amount]", "۱٬۲۸۰٬۰۰۰").await;
    b.fill("form[action$=repay] input[name=on]", "1403/02/15").await;
    b.click("form[action$=repay] button").await;
    b.wait_for_text("رسید پرداخت").await;
    b.screenshots("receipt").await;
}

//! The village fund hardened (issue 13): what a treasurer's real day and a hostile user found, each
//! reproduced here as it was reported.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::world;
use serde_json::json;

/// A deposit of just under 2^63 rials was taken, and from then on the province's trial balance
/// overflowed and the programme report showed savings of −9.2×10^18. One amount has a ceiling now,
/// and the roll-ups are checked.
#[tokio::test]
async fn an_absurd_deposit_is_refused_and_the_province_still_adds_up() {
    let w = world().await;
    let fund = w.fund_a;
    let member = w.join(fund, "0499370899", "علی", "کریمی", "1402/01/10").await.id;
    let path = format!("/api/v1/funds/{fund}/savings-sheet");
    let absurd = json!({ "on": "1403/01/05", "key": "huge", "lines": [{ "id": member, "amount": i64::MAX - 1 }] });
    let refused = w.call("treasurer_a", "POST", &path, Some(absurd)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("100000000000000"), "the ceiling is named: {}", refused.body);
    let just_over =
        json!({ "on": "1403/01/05", "key": "over", "lines": [{ "id": member, "amount": 100_000_000_000_001_i64 }] });
    assert_eq!(w.call("treasurer_a", "POST", &path, Some(just_over)).await.status, 422);
    let fine = json!({ "on": "1403/01/05", "key": "fine", "lines": [{ "id": member, "amount": 20_000_000 }] });
    assert_eq!(w.call("treasurer_a", "POST", &path, Some(fine)).await.status, 200);

    let report = w.call("admin", "GET", "/api/v1/reports/programme?from=1403/01/01&to=1403/12/29", None).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.json["savings_rials"], 20_000_000, "{}", report.json);
    assert!(w.store.verify().await.unwrap().is_clean());
    assert!(w.store.trial_balance_all().await.unwrap().is_balanced());
}

/// `next` with a tab went off-site (a browser drops the tab: `//evil.example`), and with a newline
/// answered 500 after the session was made. Only a plain path on this site is followed.
#[tokio::test]
async fn signing_in_never_sends_the_reader_off_site() {
    use common::pages::form_post;
    let w = world().await;
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
    ] {
        let body = format!("username=treasurer_a&password=treasurer_a-password&next={next}");
        let answer = form_post(&w, "/sign-in", None, &body).await;
        assert_eq!(answer.status, 303, "{next}: {}", answer.body);
        let location = answer.header("location").unwrap();
        assert!(location.starts_with("/funds/"), "{next} leads to {location:?}");
    }
    let answer =
        form_post(&w, "/sign-in", None, "username=treasurer_a&password=treasurer_a-password&next=%2Freports").await;
    assert_eq!(answer.header("location"), Some("/reports"), "a plain path is followed");
}

/// Signed-in pages and answers are never kept by the browser; the assets are.
#[tokio::test]
async fn pages_are_not_cached_and_assets_are() {
    let w = world().await;
    let cookie = common::pages::sign_in(&w, "treasurer_a").await;
    let statement = common::pages::page(&w, &cookie, &format!("/funds/{}", w.fund_a)).await;
    assert_eq!(statement.header("cache-control"), Some("no-store"));
    let api = w.call("treasurer_a", "GET", &format!("/api/v1/funds/{}", w.fund_a), None).await;
    assert_eq!(api.header("cache-control"), Some("no-store"));
    let css = common::request(w.addr, "GET", "/assets/app-1.css", &[], b"").await;
    assert!(css.header("cache-control").unwrap().contains("immutable"));
}

/// A name made only of zero-width characters or a BOM passed "required"; a 900 KB name was taken;
/// control characters and NUL were stored (NUL answered 500 on PostgreSQL).
#[tokio::test]
async fn names_that_are_invisible_too_long_or_hold_controls_are_refused_or_cleaned() {
    let w = world().await;
    let path = format!("/api/v1/funds/{}/members", w.fund_a);
    let join = |first: String| json!({ "national_id": "0499370899", "first_name": first, "last_name": "کریمی", "joined_on": "1402/01/20" });
    let invisible = w.call("treasurer_a", "POST", &path, Some(join("\u{200B}\u{FEFF}\u{2060}".into()))).await;
    assert_eq!(invisible.status, 422, "{}", invisible.body);
    assert_eq!(invisible.json["error"]["fields"][0]["field"], "first_name");
    let long = w.call("treasurer_a", "POST", &path, Some(join("ا".repeat(900_000)))).await;
    assert!(long.status == 422 || long.status == 413, "{}", long.status);
    let controlled = w.call("treasurer_a", "POST", &path, Some(join("عل\u{0}ی\u{7}\u{202E}".into()))).await;
    assert_eq!(controlled.status, 200, "{}", controlled.body);
    assert_eq!(controlled.json["member"]["first_name"], "علی", "controls and overrides dropped");
}

/// A fund named `=HYPERLINK(…)` was written to the CSV export as a live formula.
#[tokio::test]
async fn the_csv_export_never_carries_a_formula() {
    let w = world().await;
    let village = w.store.fund(w.fund_a).await.unwrap().place_id;
    let rules = domain::fund::FundRules::usual();
    let opened = domain::JalaliDate::parse("1402/01/01").unwrap().to_iso();
    w.store.create_fund(village, "=HYPERLINK(\"http://evil.example\",\"x\")", opened, &rules, 0).await.unwrap();
    let cookie = common::pages::sign_in(&w, "admin").await;
    let csv = common::pages::page(&w, &cookie, "/reports/export?format=csv&from=1402/01/01").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("'=HYPERLINK"), "{}", csv.body);
    assert!(!csv.body.contains(",=HYPERLINK") && !csv.body.contains("\"=HYPERLINK"), "{}", csv.body);
}

/// The fund statements showed no name for the two largest accounts (1200 loans to members, 2010
/// members' savings): they are summed over their sub-accounts, which carry none.
#[tokio::test]
async fn the_statements_name_the_loans_and_the_savings() {
    let w = world().await;
    let fund = w.fund_a;
    let member = w.join(fund, "0499370899", "علی", "کریمی", "1402/01/10").await.id;
    let sheet = json!({ "on": "1403/01/05", "key": "m-1", "lines": [{ "id": member, "amount": 20_000_000 }] });
    assert_eq!(
        w.call("treasurer_a", "POST", &format!("/api/v1/funds/{fund}/savings-sheet"), Some(sheet)).await.status,
        200
    );
    let cookie = common::pages::sign_in(&w, "treasurer_a").await;
    let page = common::pages::page(&w, &cookie, &format!("/funds/{fund}/statements?period=1403")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("پس‌انداز اعضا"), "{}", page.body);
}

/// An officer or an auditor saw «عضو تازه» and «درخواست وام» buttons that led to 404 (890 dead links
/// in the province): the ways to a change show only to those who may make it.
#[tokio::test]
async fn readers_see_no_button_to_a_change_they_may_not_make() {
    let w = world().await;
    let fund = w.fund_a;
    for (who, operates) in [("treasurer_a", true), ("officer_a", false), ("auditor_a", false)] {
        let cookie = common::pages::sign_in(&w, who).await;
        let members = common::pages::page(&w, &cookie, &format!("/funds/{fund}/members")).await;
        assert_eq!(members.status, 200, "{who}");
        assert_eq!(members.body.contains(&format!("/funds/{fund}/members/new")), operates, "{who}: the join button");
        let loans = common::pages::page(&w, &cookie, &format!("/funds/{fund}/loans")).await;
        assert_eq!(loans.status, 200, "{who}");
        assert_eq!(loans.body.contains(&format!("/funds/{fund}/loans/new")), operates, "{who}: the request button");
        let home = common::pages::page(&w, &cookie, &format!("/funds/{fund}")).await;
        assert_eq!(home.body.contains(&format!("/funds/{fund}/members/new")), operates, "{who}: the home's button");
    }
}

/// «پرداخت‌شده» for a loan paid out read as "paid off": a disbursed loan is paid out to the member.
#[tokio::test]
async fn a_loan_paid_out_does_not_read_as_paid_off() {
    let w = world().await;
    let fund = w.fund_a;
    let member = w.join(fund, "0499370899", "علی", "کریمی", "1402/01/10").await.id;
    let t = "treasurer_a";
    let sheet = json!({ "on": "1403/01/05", "key": "m-1", "lines": [{ "id": member, "amount": 20_000_000 }] });
    assert_eq!(w.call(t, "POST", &format!("/api/v1/funds/{fund}/savings-sheet"), Some(sheet)).await.status, 200);
    let asked = json!({ "member_id": member, "amount": 10_000_000, "term_months": 10, "on": "1403/01/10" });
    let loan = w.call(t, "POST", &format!("/api/v1/funds/{fund}/loans"), Some(asked)).await;
    let loan = loan.json["loan"]["id"].as_i64().unwrap();
    assert_eq!(w.call("officer_a", "POST", &format!("/api/v1/loans/{loan}/approve"), None).await.status, 200);
    let out = json!({ "on": "1403/01/15", "key": "out-1" });
    assert_eq!(w.call(t, "POST", &format!("/api/v1/loans/{loan}/disburse"), Some(out)).await.status, 200);
    let cookie = common::pages::sign_in(&w, t).await;
    let loans = common::pages::page(&w, &cookie, &format!("/funds/{fund}/loans")).await;
    assert!(loans.body.contains("پرداخت‌شده به عضو"), "{}", loans.body);
}

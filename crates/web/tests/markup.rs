//! Markup in every kind of name the system stores — `<script>`, an attribute breakout with an
//! `onerror` image, `&`, and the right-to-left override U+202E — is shown as text on every page that
//! shows it: escaped, never run, and never turning the page's text around.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::pages::{page, sign_in};
use common::world;
use serde_json::json;

/// A name with everything hostile in it, tagged so that a failure says which name leaked.
fn hostile(tag: &str) -> String {
    format!("{tag}<script>alert(1)</script>\"><img src=x onerror=alert(2)>&amp;\u{202E}txt.exe")
}

/// What must never reach a page raw.
const RAW: &[&str] = &["<script>alert", "<img src=x", "\"><img", "\u{202E}"];

fn assert_shown_safely(path: &str, body: &str, expect_tags: &[&str]) {
    for raw in RAW {
        assert!(!body.contains(raw), "{path} shows {raw:?} raw:\n{body}");
    }
    for tag in expect_tags {
        let escaped = format!("{tag}&lt;script&gt;alert(1)&lt;/script&gt;");
        assert!(body.contains(&escaped), "{path} shows the {tag} name, escaped:\n{body}");
    }
}

#[tokio::test]
async fn markup_in_any_stored_name_is_shown_as_text_on_every_page() {
    use domain::PlaceKind;
    let w = world().await;
    let store = &w.store;
    // A county, a village and a fund of their own, with hostile names, in the same province.
    let province_path = store.fund_place_path(w.fund_a).await.unwrap();
    let province_id: i64 = province_path.as_str().split('/').filter(|s| !s.is_empty()).nth(1).unwrap().parse().unwrap();
    let county = store.add_place(Some(province_id), PlaceKind::County, &hostile("COUNTY")).await.unwrap();
    let village = store.add_place(Some(county.id), PlaceKind::Village, &hostile("VILLAGE")).await.unwrap();
    let opened = domain::JalaliDate::parse("1402/01/01").unwrap().to_iso();
    let rules = domain::fund::FundRules {
        guarantors_required: 0,
        min_membership_months: 0,
        ..domain::fund::FundRules::usual()
    };
    let fund = store.create_fund(village.id, &hostile("FUND"), opened, &rules, 0).await.unwrap().id;
    let new = app::model::NewMember {
        national_id: domain::NationalId::parse("0499370899").unwrap(),
        first_name: hostile("FIRST"),
        last_name: hostile("LAST"),
        father_name: hostile("FATHER"),
        phone: None,
        place_id: village.id,
        joined_on: domain::JalaliDate::parse("1402/01/10").unwrap().to_iso(),
    };
    let member = store.add_member(fund, &new).await.unwrap().id;
    let second = app::model::NewMember { national_id: domain::NationalId::parse("0084575948").unwrap(), ..new.clone() };
    let second = store.add_member(fund, &second).await.unwrap().id;
    let clock = app::FixedClock(common::NOW_MS);
    let request = app::auth::UserRequest {
        username: "hostile_treasurer".into(),
        display_name: hostile("USER"),
        password: "hostile_treasurer-password".into(),
        role: domain::access::Role::Treasurer,
        place_id: None,
        fund_id: Some(fund),
        bank_id: None,
        language: "fa".into(),
    };
    app::auth::add_user(store, &clock, &request).await.unwrap();

    // Savings, a loan with a hostile purpose and job, capital with a hostile source, a lottery draw.
    let a = "admin";
    let sheet = json!({ "on": "1403/01/05", "key": "m-1", "lines": [{ "id": member, "amount": 20_000_000 }, { "id": second, "amount": 20_000_000 }] });
    assert_eq!(w.call(a, "POST", &format!("/api/v1/funds/{fund}/savings-sheet"), Some(sheet)).await.status, 200);
    let asked = json!({ "member_id": member, "amount": 10_000_000, "term_months": 10, "purpose": hostile("PURPOSE"), "jobs_created": 1, "on": "1403/01/10" });
    let loan = w.call(a, "POST", &format!("/api/v1/funds/{fund}/loans"), Some(asked)).await;
    assert_eq!(loan.status, 200, "{}", loan.body);
    let loan = loan.json["loan"]["id"].as_i64().unwrap();
    assert_eq!(w.call(a, "POST", &format!("/api/v1/loans/{loan}/approve"), None).await.status, 200);
    let out = json!({ "on": "1403/01/15", "key": "out-1" });
    assert_eq!(w.call(a, "POST", &format!("/api/v1/loans/{loan}/disburse"), Some(out)).await.status, 200);
    let pay = json!({ "amount": 1_000_000, "on": "1403/02/15", "key": "pay-1" });
    let paid = w.call(a, "POST", &format!("/api/v1/loans/{loan}/repayments"), Some(pay)).await;
    let seq = paid.json["entry_seq"].as_i64().unwrap();
    let capital =
        json!({ "kind": "grant", "amount": 50_000_000, "source": hostile("SOURCE"), "on": "1403/01/02", "key": "c-1" });
    assert_eq!(w.call(a, "POST", &format!("/api/v1/funds/{fund}/capital"), Some(capital)).await.status, 200);
    let draw = json!({ "seed": hostile("SEED"), "on": "1403/03/01" });
    let drawn = w.call(a, "POST", &format!("/api/v1/funds/{fund}/lottery"), Some(draw)).await;
    assert_eq!(drawn.status, 200, "{}", drawn.body);

    let admin = sign_in(&w, "admin").await;
    let county_id = county.id;
    let checks: Vec<(String, Vec<&str>)> = vec![
        ("/funds".into(), vec!["FUND", "VILLAGE"]),
        (format!("/funds?county={county_id}"), vec!["FUND"]),
        (format!("/funds/{fund}"), vec!["FUND"]),
        (format!("/funds/{fund}/members"), vec!["FIRST", "LAST"]),
        (format!("/funds/{fund}/members?q=%3Cscript%3E"), vec![]),
        (format!("/funds/{fund}/members/new"), vec![]),
        (format!("/members/{member}"), vec!["FIRST", "LAST"]),
        (format!("/funds/{fund}/meeting?on=1403/03/05"), vec!["FIRST"]),
        (format!("/funds/{fund}/loans"), vec!["FIRST"]),
        (format!("/funds/{fund}/loans/new"), vec!["FIRST"]),
        (format!("/loans/{loan}"), vec!["FIRST"]),
        (format!("/loans/{loan}/receipts/{seq}"), vec!["FIRST", "FUND"]),
        (format!("/funds/{fund}/lottery"), vec!["SEED"]),
        (format!("/funds/{fund}/rules"), vec![]),
        (format!("/funds/{fund}/statements"), vec![]),
        (format!("/funds/{fund}/capital"), vec!["SOURCE"]),
        ("/audit".into(), vec![]),
        ("/users".into(), vec!["USER"]),
        ("/reports".into(), vec![]),
        (format!("/reports/programme?place={county_id}"), vec!["COUNTY"]),
        ("/reports/league".into(), vec!["FUND"]),
        ("/reports/jobs".into(), vec![]),
        ("/settings".into(), vec![]),
        ("/solar?lat=%3Cscript%3Ealert(1)%3C/script%3E".into(), vec![]),
    ];
    for (path, tags) in &checks {
        let answer = page(&w, &admin, path).await;
        assert!(answer.status == 200 || answer.status == 422, "{path}: {}\n{}", answer.status, answer.body);
        assert_shown_safely(path, &answer.body, tags);
    }
    // The hostile treasurer's own pages carry their display name in the header.
    let own = sign_in(&w, "hostile_treasurer").await;
    for path in [format!("/funds/{fund}"), "/settings".to_string()] {
        let answer = page(&w, &own, &path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_shown_safely(&path, &answer.body, &["USER"]);
    }
    // The sign-in page echoes where to go next: as text.
    let sign_in_page =
        common::request(w.addr, "GET", "/sign-in?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E", &[], b"").await;
    assert_shown_safely("/sign-in?next=…", &sign_in_page.body, &[]);
}

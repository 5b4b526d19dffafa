//! The JSON API on a real server on a random port, on SQLite and (with ABADI_TEST_DATABASE_URL) on
//! PostgreSQL: a fund run end to end, every route against every role, bad input, and sign-in limits.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use domain::JalaliDate;
use serde_json::{Value, json};
use std::collections::BTreeSet;

mod common;
use common::{Answer, NOW_MS, raw, world};

fn code(answer: &Answer) -> &str {
    answer.json["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_fund_is_run_end_to_end_through_the_api() {
    let w = world().await;
    let fund = w.fund_a;
    let t = "treasurer_a";

    // Two members join; national IDs and amounts in Persian digits are accepted.
    let ali = w
        .call(
            t,
            "POST",
            &format!("/api/v1/funds/{fund}/members"),
            Some(json!({ "national_id": "۰۴۹۹۳۷۰۸۹۹", "first_name": "علي", "last_name": "كريمی", "father_name": "حسن", "phone": "۰۹۱۲۱۲۳۴۵۶۷", "joined_on": "۱۴۰۲/۰۱/۱۵" })),
        )
        .await;
    assert_eq!(ali.status, 200, "{}", ali.json);
    let ali_id = ali.json["member"]["id"].as_i64().unwrap();
    assert_eq!(ali.json["member"]["first_name"], "علی", "ي and ك are stored as ی and ک");
    let sara = w
        .call(
            t,
            "POST",
            &format!("/api/v1/funds/{fund}/members"),
            Some(json!({ "national_id": "0084575948", "first_name": "سارا", "last_name": "احمدی", "joined_on": "1402/01/20" })),
        )
        .await;
    let sara_id = sara.json["member"]["id"].as_i64().unwrap();
    let wrong = w
        .call(
            t,
            "POST",
            &format!("/api/v1/funds/{fund}/members"),
            Some(json!({ "national_id": "0499370898", "first_name": "", "last_name": "x", "joined_on": "1402/01/20" })),
        )
        .await;
    assert_eq!((wrong.status, code(&wrong)), (422, "invalid"));
    assert_eq!(wrong.json["error"]["fields"][0]["field"], "national_id");
    assert!(wrong.json["error"]["message_fa"].as_str().unwrap().contains("نادرست"));

    // Search finds علی typed with the Arabic ي.
    let found = w.call(t, "GET", &format!("/api/v1/funds/{fund}/members?q=%D8%B9%D9%84%D9%8A"), None).await;
    assert_eq!(found.json["members"].as_array().unwrap().len(), 1, "{}", found.json);

    // The meeting's savings sheet, sent twice: posted once.
    let sheet = json!({ "on": "1403/01/05", "key": "meeting-1403-01", "lines": [
        { "id": ali_id, "amount": "۲۰٬۰۰۰٬۰۰۰" }, { "id": sara_id, "amount": 20_000_000 } ] });
    let first = w.call(t, "POST", &format!("/api/v1/funds/{fund}/savings-sheet"), Some(sheet.clone())).await;
    assert_eq!((first.status, first.json["posted"].as_i64()), (200, Some(2)), "{}", first.json);
    let again = w.call(t, "POST", &format!("/api/v1/funds/{fund}/savings-sheet"), Some(sheet)).await;
    assert_eq!((again.json["posted"].as_i64(), again.json["already_posted"].as_i64()), (Some(0), Some(2)));

    // The eligibility answer before asking, with every reason in both languages.
    let too_much = json!({ "member_id": ali_id, "amount": 90_000_000, "term_months": 12, "on": "1403/01/10" });
    let check = w.call(t, "POST", &format!("/api/v1/funds/{fund}/loans/check"), Some(too_much.clone())).await;
    assert_eq!(check.json["eligible"], false);
    assert!(check.json["refusals"].as_array().unwrap().len() >= 2, "{}", check.json);
    let refused = w.call(t, "POST", &format!("/api/v1/funds/{fund}/loans"), Some(too_much)).await;
    assert_eq!((refused.status, code(&refused)), (422, "ineligible"));
    assert!(refused.json["error"]["refusals"][0]["message_fa"].is_string());

    // Request, approve, disburse (twice: once), repay, reverse, and a repayment sheet.
    let request = json!({ "member_id": ali_id, "amount": "۳۰٬۰۰۰٬۰۰۰", "term_months": 12, "purpose": "پرورش گوسفند", "jobs_created": 1, "on": "1403/01/10" });
    let loan = w.call(t, "POST", &format!("/api/v1/funds/{fund}/loans"), Some(request)).await;
    assert_eq!(loan.status, 200, "{}", loan.json);
    let loan_id = loan.json["loan"]["id"].as_i64().unwrap();
    let approved = w.call(t, "POST", &format!("/api/v1/loans/{loan_id}/approve"), None).await;
    assert_eq!(approved.json["loan"]["status"], "approved", "{}", approved.json);
    let pay_out = json!({ "on": "1403/01/15", "key": "out-1" });
    let out = w.call(t, "POST", &format!("/api/v1/loans/{loan_id}/disburse"), Some(pay_out.clone())).await;
    assert_eq!(out.json["loan"]["status"], "disbursed");
    let out_again = w.call(t, "POST", &format!("/api/v1/loans/{loan_id}/disburse"), Some(pay_out)).await;
    assert_eq!(out_again.status, 200);
    let schedule = w.call(t, "GET", &format!("/api/v1/loans/{loan_id}"), None).await;
    assert_eq!(schedule.json["installments"].as_array().unwrap().len(), 12);
    assert_eq!(schedule.json["outstanding_rials"], 30_650_000);
    assert_eq!(schedule.json["installments"][0]["due_on"]["jalali"], "1403/02/15");
    let first_due = schedule.json["installments"][0]["outstanding_rials"].as_i64().unwrap();

    let pay = json!({ "amount": first_due.to_string(), "on": "1403/02/15", "key": "pay-1" });
    let paid = w.call(t, "POST", &format!("/api/v1/loans/{loan_id}/repayments"), Some(pay.clone())).await;
    assert_eq!((paid.status, paid.json["already_posted"].as_bool()), (200, Some(false)), "{}", paid.json);
    let double = w.call(t, "POST", &format!("/api/v1/loans/{loan_id}/repayments"), Some(pay)).await;
    assert_eq!(double.json["already_posted"], true, "a double click posts once");
    let over = w
        .call(
            t,
            "POST",
            &format!("/api/v1/loans/{loan_id}/repayments"),
            Some(json!({ "amount": 99_000_000, "key": "pay-x" })),
        )
        .await;
    assert_eq!((over.status, code(&over)), (422, "invalid"), "{}", over.json);
    let seq = paid.json["entry_seq"].as_i64().unwrap();
    let undo = json!({ "entry_seq": seq, "reason": "مبلغ اشتباه", "on": "1403/02/16", "key": "undo-1" });
    let undone = w.call(t, "POST", &format!("/api/v1/loans/{loan_id}/reversals"), Some(undo)).await;
    assert_eq!(undone.status, 200, "{}", undone.json);
    let sheet =
        json!({ "on": "1403/02/20", "key": "meeting-1403-02", "lines": [{ "loan_id": loan_id, "amount": first_due }] });
    let sheet_paid = w.call(t, "POST", &format!("/api/v1/funds/{fund}/repayment-sheet"), Some(sheet)).await;
    assert_eq!(sheet_paid.status, 200, "{}", sheet_paid.json);

    // The statement, the dues and the fund's statements, derived from the books.
    let statement = w.call(t, "GET", &format!("/api/v1/members/{ali_id}"), None).await;
    assert_eq!(statement.json["loans"][0]["installments"][0]["outstanding_rials"], 0);
    let dues = w.call(t, "GET", &format!("/api/v1/funds/{fund}/dues?month=1403/01"), None).await;
    assert_eq!(dues.json["lines"].as_array().unwrap().len(), 2, "{}", dues.json);
    let statements = w.call(t, "GET", &format!("/api/v1/funds/{fund}/statements?period=1403"), None).await;
    assert_eq!(statements.status, 200, "{}", statements.json);

    // The officer puts the programme's money in; the treasurer may not.
    let grant =
        json!({ "kind": "grant", "amount": 50_000_000, "source": "برنامه ۱۴۰۳", "on": "1403/03/01", "key": "grant-1" });
    let by_treasurer = w.call(t, "POST", &format!("/api/v1/funds/{fund}/capital"), Some(grant.clone())).await;
    assert_eq!(by_treasurer.status, 404);
    let by_officer = w.call("officer_a", "POST", &format!("/api/v1/funds/{fund}/capital"), Some(grant)).await;
    assert_eq!(by_officer.status, 200, "{}", by_officer.json);
    let capital = w.call(t, "GET", &format!("/api/v1/funds/{fund}/capital"), None).await;
    assert_eq!(capital.status, 200);
    assert_eq!(capital.json["grants_rials"], 50_000_000);
    assert_eq!(capital.json["records"][0]["source"], "برنامه ۱۴۰۳");
    // The officer lists the users of their county: not the other county's treasurer.
    let users = w.call("officer_a", "GET", "/api/v1/users", None).await;
    let names: Vec<&str> =
        users.json["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"treasurer_a") && !names.contains(&"treasurer_b") && !names.contains(&"admin"),
        "{names:?}"
    );

    // A draw among the eligible: Sara (Ali has a loan).
    let draw = w
        .call(
            t,
            "POST",
            &format!("/api/v1/funds/{fund}/lottery"),
            Some(json!({ "seed": "۱۴۰۳/۰۳/۰۵ باران گندم", "on": "1403/03/05" })),
        )
        .await;
    assert_eq!(draw.json["winner_member_id"].as_i64(), Some(sara_id), "{}", draw.json);
    let draw_id = draw.json["draw_id"].as_i64().unwrap();
    let published = w.call("auditor_a", "GET", &format!("/api/v1/lottery/{draw_id}"), None).await;
    assert_eq!(published.json["recomputes"], true, "{}", published.json);

    // The officer raises the monthly savings from 1404; the old rules stay for the past.
    let change = json!({ "from": "1404/01/01", "monthly_savings": "۲٬۰۰۰٬۰۰۰", "late_rule": "daily", "fee_rate_percent": "۴٫۵" });
    let changed = w.call("officer_a", "POST", &format!("/api/v1/funds/{fund}/rules"), Some(change)).await;
    assert_eq!(changed.status, 200, "{}", changed.json);
    let rules = w.call(t, "GET", &format!("/api/v1/funds/{fund}/rules"), None).await;
    let versions = rules.json["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["monthly_savings_rials"], 1_000_000);
    assert_eq!(
        (versions[1]["monthly_savings_rials"].as_i64(), versions[1]["fee_rate_percent"].as_f64()),
        (Some(2_000_000), Some(4.5))
    );
    let bad_rule = json!({ "from": "1404/01/01", "selection": "coin toss" });
    let refused_rule = w.call("officer_a", "POST", &format!("/api/v1/funds/{fund}/rules"), Some(bad_rule)).await;
    assert_eq!(
        (refused_rule.status, refused_rule.json["error"]["fields"][0]["field"].as_str()),
        (422, Some("selection"))
    );

    // The fund's figures; the officer sees the fund, the other county's treasurer does not.
    let home = w.call("officer_a", "GET", &format!("/api/v1/funds/{fund}"), None).await;
    assert_eq!(home.json["health"]["members_active"], 2, "{}", home.json);
    let list = w.call("officer_a", "GET", "/api/v1/funds", None).await;
    assert_eq!(list.json["funds"].as_array().unwrap().len(), 1);
    let admin_list = w.call("admin", "GET", "/api/v1/funds", None).await;
    assert_eq!(admin_list.json["funds"].as_array().unwrap().len(), 2);
    assert_eq!(w.call("treasurer_b", "GET", &format!("/api/v1/funds/{fund}"), None).await.status, 404);

    // The audit trail records every change with who and what, before and after; auditors read it.
    let trail = w.call("auditor_a", "GET", "/api/v1/audit", None).await;
    let actions: Vec<&str> =
        trail.json["records"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    for expected in [
        "member.join",
        "savings.sheet",
        "loan.request",
        "loan.approve",
        "loan.disburse",
        "loan.repay",
        "loan.reverse_repayment",
        "loan.repayment_sheet",
        "capital.move",
        "lottery.draw",
        "fund.rules",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "savings.sheet").count(), 1, "the second submit changed nothing");
    let approval = trail.json["records"].as_array().unwrap().iter().find(|r| r["action"] == "loan.approve").unwrap();
    assert_eq!(approval["username"], "treasurer_a");
    assert_eq!(approval["before"]["status"], "requested");
    assert_eq!(approval["after"]["status"], "approved");
    assert_eq!(w.call(t, "GET", "/api/v1/audit", None).await.status, 404, "treasurers do not read the trail");
    assert!(w.store.verify().await.unwrap().is_clean());
}

/// Every route, with a body of the right shape, for the table of roles below.
fn route_rows(
    fund: i64,
    member: i64,
    loan: i64,
    village: i64,
    draw: i64,
) -> Vec<(&'static str, &'static str, String, Option<Value>)> {
    let dated = json!({ "on": "1403/03/01", "key": "k-scope" });
    vec![
        ("POST", "/api/v1/sign-in", "/api/v1/sign-in".into(), Some(json!({ "username": "x", "password": "y" }))),
        ("POST", "/api/v1/sign-out", "/api/v1/sign-out".into(), None),
        ("GET", "/api/v1/me", "/api/v1/me".into(), None),
        (
            "POST",
            "/api/v1/me/password",
            "/api/v1/me/password".into(),
            Some(json!({ "current_password": "x", "new_password": "y" })),
        ),
        ("GET", "/api/v1/funds", "/api/v1/funds".into(), None),
        ("GET", "/api/v1/funds/{id}", format!("/api/v1/funds/{fund}"), None),
        ("GET", "/api/v1/funds/{id}/rules", format!("/api/v1/funds/{fund}/rules"), None),
        (
            "POST",
            "/api/v1/funds/{id}/rules",
            format!("/api/v1/funds/{fund}/rules"),
            Some(json!({ "from": "1403/01/01", "monthly_savings": 2_000_000 })),
        ),
        (
            "POST",
            "/api/v1/places/{id}/funds",
            format!("/api/v1/places/{village}/funds"),
            Some(json!({ "name": "صندوق دوم", "opened_on": "1403/01/01" })),
        ),
        ("GET", "/api/v1/lottery/{id}", format!("/api/v1/lottery/{draw}"), None),
        ("GET", "/api/v1/funds/{id}/members", format!("/api/v1/funds/{fund}/members"), None),
        (
            "POST",
            "/api/v1/funds/{id}/members",
            format!("/api/v1/funds/{fund}/members"),
            Some(
                json!({ "national_id": "0013542419", "first_name": "ز", "last_name": "ر", "joined_on": "1402/02/01" }),
            ),
        ),
        (
            "POST",
            "/api/v1/funds/{id}/savings-sheet",
            format!("/api/v1/funds/{fund}/savings-sheet"),
            Some(json!({ "on": "1403/01/05", "key": "scope", "lines": [{ "id": member, "amount": 1000 }] })),
        ),
        ("GET", "/api/v1/funds/{id}/dues", format!("/api/v1/funds/{fund}/dues"), None),
        (
            "POST",
            "/api/v1/funds/{id}/loans/check",
            format!("/api/v1/funds/{fund}/loans/check"),
            Some(json!({ "member_id": member, "amount": 1000, "term_months": 6 })),
        ),
        (
            "POST",
            "/api/v1/funds/{id}/loans",
            format!("/api/v1/funds/{fund}/loans"),
            Some(json!({ "member_id": member, "amount": 1000, "term_months": 6 })),
        ),
        (
            "POST",
            "/api/v1/funds/{id}/repayment-sheet",
            format!("/api/v1/funds/{fund}/repayment-sheet"),
            Some(json!({ "on": "1403/01/05", "key": "scope", "lines": [{ "loan_id": loan, "amount": 1000 }] })),
        ),
        ("GET", "/api/v1/funds/{id}/statements", format!("/api/v1/funds/{fund}/statements?period=1403"), None),
        ("GET", "/api/v1/funds/{id}/capital", format!("/api/v1/funds/{fund}/capital"), None),
        ("GET", "/api/v1/users", "/api/v1/users".to_string(), None),
        (
            "POST",
            "/api/v1/funds/{id}/capital",
            format!("/api/v1/funds/{fund}/capital"),
            Some(json!({ "kind": "grant", "amount": 1000, "source": "s", "on": "1403/01/05", "key": "scope" })),
        ),
        ("POST", "/api/v1/funds/{id}/lottery", format!("/api/v1/funds/{fund}/lottery"), Some(json!({ "seed": "s" }))),
        ("GET", "/api/v1/members/{id}", format!("/api/v1/members/{member}"), None),
        ("POST", "/api/v1/members/{id}/leave", format!("/api/v1/members/{member}/leave"), Some(dated.clone())),
        ("GET", "/api/v1/loans/{id}", format!("/api/v1/loans/{loan}"), None),
        ("GET", "/api/v1/loans/{id}/jobs", format!("/api/v1/loans/{loan}/jobs"), None),
        (
            "POST",
            "/api/v1/jobs/{id}/visits",
            "/api/v1/jobs/999999/visits".into(),
            Some(json!({ "on": "1403/03/01", "purpose": "confirmation", "outcome": "working" })),
        ),
        ("GET", "/api/v1/reports/programme", "/api/v1/reports/programme".into(), None),
        ("GET", "/api/v1/solar/estimate", "/api/v1/solar/estimate?lat=36.27&lon=50".into(), None),
        (
            "POST",
            "/api/v1/jobs/{id}/description",
            "/api/v1/jobs/999999/description".into(),
            Some(
                json!({ "activity": "livestock", "kind": "created", "hours": "full_time", "sex": "female", "age_group": "25_44" }),
            ),
        ),
        ("POST", "/api/v1/loans/{id}/approve", format!("/api/v1/loans/{loan}/approve"), None),
        ("POST", "/api/v1/loans/{id}/disburse", format!("/api/v1/loans/{loan}/disburse"), Some(dated.clone())),
        (
            "POST",
            "/api/v1/loans/{id}/repayments",
            format!("/api/v1/loans/{loan}/repayments"),
            Some(json!({ "amount": 1000, "key": "scope" })),
        ),
        ("POST", "/api/v1/loans/{id}/payoff", format!("/api/v1/loans/{loan}/payoff"), Some(dated.clone())),
        (
            "POST",
            "/api/v1/loans/{id}/reversals",
            format!("/api/v1/loans/{loan}/reversals"),
            Some(json!({ "entry_seq": 1, "reason": "r", "key": "scope" })),
        ),
        ("POST", "/api/v1/loans/{id}/write-off", format!("/api/v1/loans/{loan}/write-off"), Some(dated)),
        ("GET", "/api/v1/audit", "/api/v1/audit".into(), None),
    ]
}

#[tokio::test]
async fn every_route_refuses_the_anonymous_and_anyone_outside_its_scope() {
    let w = world().await;
    let clock = FixedClock(NOW_MS);
    // A member and a requested loan in fund A, for the routes that name them.
    let member = w.join(w.fund_a, "0499370899", "علی", "کریمی", "1402/01/01").await;
    let deposit = domain::Rials::new(10_000_000);
    app::funds::move_savings(
        &w.store,
        &clock,
        member.id,
        app::funds::SavingsMove::Deposit,
        deposit,
        JalaliDate::parse("1402/02/01").unwrap().to_iso(),
        "d",
    )
    .await
    .unwrap();
    let application = app::model::LoanApplication {
        member_id: member.id,
        amount: domain::Rials::new(5_000_000),
        term_months: 6,
        purpose: String::new(),
        jobs_created: 0,
        jobs_revived: 0,
        guarantors: vec![],
        on: JalaliDate::parse("1403/01/01").unwrap().to_iso(),
    };
    let on = JalaliDate::parse("1403/01/01").unwrap().to_iso();
    let draw = w.store.draw_lottery(w.fund_a, on, "1403", "seed", 0).await.unwrap();
    let loan = w.store.request_loan(w.fund_a, &application).await.unwrap();
    let village = w.store.fund(w.fund_a).await.unwrap().place_id;
    let rows = route_rows(w.fund_a, member.id, loan.id, village, draw.id);

    // The table covers every route the server has, and nothing else.
    let served: BTreeSet<(String, String)> =
        web::api::route_table().into_iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    let tabled: BTreeSet<(String, String)> = rows.iter().map(|(m, p, ..)| (m.to_string(), p.to_string())).collect();
    assert_eq!(served, tabled, "every API route needs its row in this table");

    // Routes for anyone signed in that name no one's records (the solar calculator reads none).
    let personal = [
        "/api/v1/sign-in",
        "/api/v1/sign-out",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/funds",
        "/api/v1/solar/estimate",
    ];
    for (method, template, path, body) in &rows {
        // Anonymous: 401 everywhere but the sign-in itself (which answers wrong credentials).
        let anonymous = raw(
            w.addr,
            method,
            path,
            None,
            body.as_ref().map(|_| "application/json"),
            body.as_ref().map(Value::to_string).unwrap_or_default().as_bytes(),
        )
        .await;
        assert_eq!(anonymous.status, 401, "{method} {template} anonymous: {}", anonymous.json);
        // A forged token is no better than none.
        let forged = raw(w.addr, method, path, Some(&"0".repeat(64)), None, b"").await;
        assert!(forged.status == 401 || *template == "/api/v1/sign-in", "{method} {template} forged token");
        if personal.contains(template) {
            continue;
        }
        // Another fund's treasurer and the bank liaison do not even learn that fund A exists.
        for outsider in ["treasurer_b", "liaison"] {
            let answer = w.call(outsider, method, path, body.clone()).await;
            assert_eq!(answer.status, 404, "{method} {template} as {outsider}: {}", answer.json);
            assert_eq!(code(&answer), "not_found");
        }
        // The auditor reads and never writes.
        let auditor = w.call("auditor_a", method, path, body.clone()).await;
        if *method == "GET" {
            assert_ne!(auditor.status, 404, "{method} {template} as auditor: {}", auditor.json);
        } else {
            assert_eq!(auditor.status, 404, "{method} {template} as auditor: {}", auditor.json);
        }
    }
    // What the officer and treasurer of fund A may do follows domain::access (its own table test);
    // here: the officer cannot operate the fund, the treasurer cannot put money in.
    let join = rows.iter().find(|r| r.1 == "/api/v1/funds/{id}/members" && r.0 == "POST").unwrap();
    assert_eq!(w.call("officer_a", "POST", &join.2, join.3.clone()).await.status, 404);
    for route in ["/api/v1/funds/{id}/capital", "/api/v1/funds/{id}/rules", "/api/v1/places/{id}/funds"] {
        let row = rows.iter().find(|r| r.1 == route && r.0 == "POST").unwrap();
        assert_eq!(w.call("treasurer_a", "POST", &row.2, row.3.clone()).await.status, 404, "{route}");
    }
    // Unknown ids answer like ids out of scope.
    assert_eq!(w.call("admin", "GET", "/api/v1/funds/999999", None).await.status, 404);
    assert_eq!(w.call("admin", "GET", "/api/v1/loans/999999", None).await.status, 404);
    assert_eq!(w.call("admin", "GET", "/api/v1/no-such-route", None).await.status, 404);
    let _ = w.fund_b;
}

#[tokio::test]
async fn bad_bodies_get_their_own_answers_and_change_nothing() {
    let w = world().await;
    let path = format!("/api/v1/funds/{}/members", w.fund_a);
    let token = w.tokens["treasurer_a"].clone();
    let malformed = raw(w.addr, "POST", &path, Some(&token), Some("application/json"), b"{\"national_id\": ").await;
    assert_eq!((malformed.status, code(&malformed)), (400, "malformed_json"));
    let plain = raw(w.addr, "POST", &path, Some(&token), Some("text/plain"), b"{}").await;
    assert_eq!((plain.status, code(&plain)), (415, "wrong_content_type"));
    let unknown_field = w
        .call("treasurer_a", "POST", &path, Some(json!({ "national_id": "0499370899", "first_name": "a", "last_name": "b", "joined_on": "1402/01/01", "salary": 1 })))
        .await;
    assert_eq!((unknown_field.status, code(&unknown_field)), (400, "malformed_json"));
    let bad_date = w
        .call(
            "treasurer_a",
            "POST",
            &path,
            Some(
                json!({ "national_id": "0499370899", "first_name": "a", "last_name": "b", "joined_on": "1402/13/01" }),
            ),
        )
        .await;
    assert_eq!(
        (bad_date.status, bad_date.json["error"]["fields"][0]["field"].as_str()),
        (422, Some("joined_on")),
        "{}",
        bad_date.json
    );
    let huge = vec![b' '; web::BODY_BYTES_MAX + 10];
    let too_large = raw(w.addr, "POST", &path, Some(&token), Some("application/json"), &huge).await;
    assert_eq!((too_large.status, code(&too_large)), (413, "too_large"));
    assert!(w.store.members(w.fund_a).await.unwrap().is_empty(), "nothing was saved");
}

#[tokio::test]
async fn signing_in_is_limited_and_signing_out_ends_the_token() {
    let w = world().await;
    let sign_in = |password: &str| json!({ "username": "treasurer_a", "password": password });
    let good = w.call("nobody", "POST", "/api/v1/sign-in", Some(sign_in("treasurer_a-password"))).await;
    assert_eq!(good.status, 200, "{}", good.json);
    let token = good.json["token"].as_str().unwrap().to_string();
    assert_eq!(good.json["user"]["role"], "treasurer");
    let me = raw(w.addr, "GET", "/api/v1/me", Some(&token), None, b"").await;
    assert_eq!(me.json["username"], "treasurer_a");
    let out = raw(w.addr, "POST", "/api/v1/sign-out", Some(&token), None, b"").await;
    assert_eq!(out.status, 200);
    assert_eq!(raw(w.addr, "GET", "/api/v1/me", Some(&token), None, b"").await.status, 401, "the token is dead");

    // Five wrong passwords, and then even the right one waits.
    for _ in 0..app::auth::FAILURES_PER_ACCOUNT_MAX {
        let wrong = w.call("nobody", "POST", "/api/v1/sign-in", Some(sign_in("guess-guess"))).await;
        assert_eq!((wrong.status, code(&wrong)), (401, "wrong_credentials"));
    }
    let throttled = w.call("nobody", "POST", "/api/v1/sign-in", Some(sign_in("treasurer_a-password"))).await;
    assert_eq!((throttled.status, code(&throttled)), (429, "too_many_attempts"));
    assert!(throttled.headers.iter().any(|(k, _)| k == "retry-after"));
    // An unknown username gets the same answer as a wrong password.
    let unknown =
        w.call("nobody", "POST", "/api/v1/sign-in", Some(json!({ "username": "ghost", "password": "x" }))).await;
    assert_eq!((unknown.status, code(&unknown)), (401, "wrong_credentials"));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_is_browsable_from_the_binary() {
    let w = world().await;
    let doc = raw(w.addr, "GET", "/api/openapi.json", None, None, b"").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.json["openapi"], "3.1.0");
    for (method, path) in web::api::route_table() {
        let operation = &doc.json["paths"][path][method.as_str().to_ascii_lowercase()];
        assert!(operation["summary"].is_string(), "{method} {path} is missing from the document");
    }
    let page = raw(w.addr, "GET", "/api/docs", None, None, b"").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/api/v1/funds/{id}/repayment-sheet"));
    assert!(!page.body.contains("cdn"), "nothing from a CDN");
}

#[tokio::test]
async fn the_solar_calculator_answers_anyone_signed_in_and_names_a_wrong_field() {
    let w = world().await;
    // Persian digits and the programme's defaults (5 kW, 30°, south).
    let answer = w
        .call(
            "treasurer_b",
            "GET",
            "/api/v1/solar/estimate?lat=%DB%B3%DB%B6%D9%AB%DB%B2%DB%B7&lon=50&altitude=1300",
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!((answer.json["annual_kwh"].as_f64().unwrap() - 8723.0).abs() < 0.2, "{}", answer.json);
    assert_eq!(answer.json["monthly_kwh_jalali"].as_array().unwrap().len(), 12);
    assert_eq!(answer.json["dc_capacity_kw"], 5.0);
    assert!(answer.json["weather_source"].as_str().unwrap().contains("MERRA-2"));
    let wrong = w.call("liaison", "GET", "/api/v1/solar/estimate?lat=36&lon=50&tilt=95", None).await;
    assert_eq!(wrong.status, 422, "{}", wrong.json);
    assert_eq!(wrong.json["error"]["fields"][0]["field"], "tilt");
    assert!(wrong.json["error"]["fields"][0]["message_fa"].as_str().unwrap().contains("۹۵"));
    let paris = w.call("auditor_a", "GET", "/api/v1/solar/estimate?lat=48.85&lon=2.35", None).await;
    assert_eq!(paris.status, 422);
    assert!(paris.json["error"]["fields"][0]["message_fa"].as_str().unwrap().contains("ایران"));
    let missing = w.call("admin", "GET", "/api/v1/solar/estimate?lon=50", None).await;
    assert_eq!(missing.json["error"]["fields"][0]["field"], "latitude");
}

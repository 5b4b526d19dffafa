//! The pages on a real server: signing in with a cookie, a fund's home, joining a member with the
//! form re-rendered on a mistake, search, the statement, the meeting sheet sent twice, cross-site
//! forms refused, other scopes answered 404, and the assets' weight.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::pages::{form_post, page, sign_in, urlencode};
use common::{request, world};

#[tokio::test]
async fn a_treasurer_signs_in_joins_a_member_and_records_the_meeting_sheet() {
    let w = world().await;
    let fund = w.fund_a;

    // Not signed in: to the sign-in page, and back afterwards.
    let away = request(w.addr, "GET", &format!("/funds/{fund}"), &[], b"").await;
    assert_eq!(away.status, 303);
    assert!(away.header("location").unwrap().starts_with("/sign-in?next=/funds/"), "{:?}", away.header("location"));
    let wrong = form_post(&w, "/sign-in", None, "username=treasurer_a&password=nope&next=%2F").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains(r#"value="treasurer_a""#), "the username is kept");
    assert!(wrong.body.contains("نادرست"));
    let cookie = sign_in(&w, "treasurer_a").await;

    // The fund's home, in Persian, right to left.
    let home = page(&w, &cookie, &format!("/funds/{fund}")).await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(home.body.contains("صندوق اسفرورین"));
    assert!(home.body.contains("/assets/app-1.css"));

    // A mistake in the join form: re-rendered with what was typed, the wrong field explained.
    let join_path = format!("/funds/{fund}/members/new");
    let bad = format!(
        "national_id=0499370898&first_name={}&last_name={}&father_name=&phone=&joined_on={}",
        urlencode("علي"),
        urlencode("کریمی"),
        urlencode("۱۴۰۲/۰۱/۱۵")
    );
    let refused = form_post(&w, &join_path, Some(&cookie), &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains(r#"value="علي""#), "the input is kept");
    assert!(refused.body.contains(r#"aria-invalid="true""#));
    assert!(refused.body.contains("رقم کنترل ۸ است اما باید ۹ باشد"), "explained in Persian: {}", refused.body);
    assert!(w.store.members(fund).await.unwrap().is_empty(), "nothing half-saved");
    let good = bad.replace("0499370898", "0499370899");
    let joined = form_post(&w, &join_path, Some(&cookie), &good).await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    let member_path = joined.header("location").unwrap().to_string();
    let other = format!(
        "national_id=0084575948&first_name={}&last_name={}&joined_on=1402/01/20",
        urlencode("سارا"),
        urlencode("احمدی")
    );
    assert_eq!(form_post(&w, &join_path, Some(&cookie), &other).await.status, 303);

    // Search finds علی however it was typed.
    for typed in ["علی", "علي"] {
        let found = page(&w, &cookie, &format!("/funds/{fund}/members?q={}", urlencode(typed))).await;
        assert!(found.body.contains(&member_path), "{typed}: {}", found.body);
        assert!(!found.body.contains("سارا"));
    }

    // The meeting sheet: each member with this month's savings prefilled; saved twice, posted once.
    let sheet = page(&w, &cookie, &format!("/funds/{fund}/meeting?on=1403/01/05")).await;
    assert_eq!(sheet.status, 200, "{}", sheet.body);
    let hidden = |body: &str, name: &str| {
        body.split(&format!(r#"name="{name}" value=""#)).nth(1).unwrap().split('"').next().unwrap().to_string()
    };
    let (key, revision) = (hidden(&sheet.body, "key"), hidden(&sheet.body, "revision"));
    // A second copy of the sheet, opened at the same time on another phone.
    let other_sheet = page(&w, &cookie, &format!("/funds/{fund}/meeting?on=1403/01/05")).await;
    let (other_key, other_revision) = (hidden(&other_sheet.body, "key"), hidden(&other_sheet.body, "revision"));
    assert_ne!(key, other_key);
    assert_eq!(revision, other_revision);
    let members = w.store.members(fund).await.unwrap();
    let lines: String = members.iter().map(|m| format!("&s{}={}", m.id, urlencode("۱٬۰۰۰٬۰۰۰"))).collect();
    let form = format!("key={key}&revision={revision}&on={}{lines}", urlencode("۱۴۰۳/۰۱/۰۵"));
    let meeting_path = format!("/funds/{fund}/meeting");
    let saved = form_post(&w, &meeting_path, Some(&cookie), &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("ثبت شد"), "{}", saved.body);
    // The same form again (a double click): answered from the keys, posted once, not "stale".
    let again = form_post(&w, &meeting_path, Some(&cookie), &form).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("پیش‌تر ثبت شده"), "{}", again.body);
    // The other copy is stale now: refused, nothing posted, the fresh sheet shown with what was typed.
    let other_form = format!("key={other_key}&revision={other_revision}&on=1403/01/05{lines}");
    let stale = form_post(&w, &meeting_path, Some(&cookie), &other_form).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("تغییر کرده است"), "{}", stale.body);
    assert!(stale.body.contains("۱٬۰۰۰٬۰۰۰"), "the typed amounts are kept");
    assert_ne!(hidden(&stale.body, "revision"), other_revision, "the fresh sheet carries the fresh revision");
    let savings: i64 = {
        let mut total = 0;
        for m in &members {
            total += app::funds::savings_balance(&w.store, m.id).await.unwrap().get();
        }
        total
    };
    assert_eq!(savings, 2_000_000, "each deposit once");
    let bad_amount = format!("key=other&on=1403/01/05&s{}=abc", members[0].id);
    let refused = form_post(&w, &meeting_path, Some(&cookie), &bad_amount).await;
    assert_eq!(refused.status, 422);

    // The member's statement, printable, in Persian digits.
    let statement = page(&w, &cookie, &member_path).await;
    assert_eq!(statement.status, 200);
    assert!(statement.body.contains("۱٬۰۰۰٬۰۰۰"), "{}", statement.body);
    assert!(statement.body.contains("data-print"));

    // Signing out ends the session.
    let out = form_post(&w, "/sign-out", Some(&cookie), "").await;
    assert_eq!(out.status, 303);
    assert_eq!(page(&w, &cookie, &format!("/funds/{fund}")).await.status, 303);
    assert!(w.store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_form_from_another_site_is_refused_and_other_scopes_see_nothing() {
    let w = world().await;
    let cookie = sign_in(&w, "treasurer_a").await;
    let path = format!("/funds/{}/members/new", w.fund_a);
    let body = "national_id=0499370899&first_name=a&last_name=b&joined_on=1402/01/20";
    for (name, value) in [("Origin", "http://evil.example"), ("Sec-Fetch-Site", "cross-site"), ("Origin", "null")] {
        let headers =
            [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie.as_str()), (name, value)];
        let answer = request(w.addr, "POST", &path, &headers, body.as_bytes()).await;
        assert_eq!(answer.status, 403, "{name}: {value}");
    }
    let same = format!("http://{}", w.addr);
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", cookie.as_str()),
        ("Origin", same.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    assert_eq!(request(w.addr, "POST", &path, &headers, body.as_bytes()).await.status, 303);
    assert_eq!(w.store.members(w.fund_a).await.unwrap().len(), 1, "only the same-site form counted");

    // The other county's treasurer: fund A's pages do not exist for them.
    let outsider = sign_in(&w, "treasurer_b").await;
    let member = w.store.members(w.fund_a).await.unwrap()[0].id;
    for path in [
        format!("/funds/{}", w.fund_a),
        format!("/funds/{}/members", w.fund_a),
        format!("/funds/{}/members/new", w.fund_a),
        format!("/funds/{}/meeting", w.fund_a),
        format!("/members/{member}"),
        "/funds/999999".to_string(),
    ] {
        let answer = page(&w, &outsider, &path).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    // The officer of fund A's county lists it; the auditor reads it but has no meeting sheet.
    let officer = sign_in(&w, "officer_a").await;
    let list = page(&w, &officer, "/funds").await;
    assert!(list.body.contains("صندوق اسفرورین") && !list.body.contains("صندوق زیاران"), "{}", list.body);
    let auditor = sign_in(&w, "auditor_a").await;
    assert_eq!(page(&w, &auditor, &format!("/funds/{}", w.fund_a)).await.status, 200);
    assert_eq!(page(&w, &auditor, &format!("/funds/{}/meeting", w.fund_a)).await.status, 404);
}

#[tokio::test]
async fn the_assets_come_from_the_binary_and_stay_light() {
    let w = world().await;
    for (path, kind) in [
        (web::assets::STYLESHEET, "text/css"),
        (web::assets::HTMX, "text/javascript"),
        ("/assets/fonts/Vazirmatn-Regular.woff2", "font/woff2"),
    ] {
        let answer = request(w.addr, "GET", path, &[], b"").await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(answer.header("content-type").unwrap().starts_with(kind), "{path}");
        assert!(answer.header("cache-control").unwrap().contains("immutable"));
    }
    assert!(
        web::assets::page_weight_bytes() < 100_000,
        "{} bytes of CSS and JavaScript",
        web::assets::page_weight_bytes()
    );
}

#[tokio::test]
async fn a_loan_goes_from_request_to_receipt_and_reversal_on_pages() {
    let w = world().await;
    let fund = w.fund_a;
    let clock = app::FixedClock(common::NOW_MS);
    let mut members = Vec::new();
    for (national_id, name) in [("0499370899", "علی"), ("0084575948", "سارا")] {
        let member = w.join(fund, national_id, name, "کریمی", "1402/01/01").await;
        let on = domain::JalaliDate::parse("1402/02/01").unwrap().to_iso();
        let deposit = domain::Rials::new(20_000_000);
        app::funds::move_savings(
            &w.store,
            &clock,
            member.id,
            app::funds::SavingsMove::Deposit,
            deposit,
            on,
            national_id,
        )
        .await
        .unwrap();
        members.push(member.id);
    }
    let cookie = sign_in(&w, "treasurer_a").await;
    let form = page(&w, &cookie, &format!("/funds/{fund}/loans/new")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"hx-post="/funds/"#), "the eligibility answer comes as the form is filled");

    // The eligibility answer before sending: too much for her savings.
    let too_much = format!("member_id={}&amount=90000000&term_months=12&on=1403/01/10", members[0]);
    let answer = form_post(&w, &format!("/funds/{fund}/loans/check"), Some(&cookie), &too_much).await;
    assert!(answer.body.contains("notice error") && answer.body.contains("<li>"), "{}", answer.body);
    let refused = form_post(&w, &format!("/funds/{fund}/loans/new"), Some(&cookie), &too_much).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains(r#"value="90000000""#), "the input is kept");

    let good = format!(
        "member_id={}&amount={}&term_months=12&purpose={}&jobs_created=1&on=1403/01/10",
        members[0],
        urlencode("۳۰٬۰۰۰٬۰۰۰"),
        urlencode("دامداری")
    );
    let requested = form_post(&w, &format!("/funds/{fund}/loans/new"), Some(&cookie), &good).await;
    assert_eq!(requested.status, 303, "{}", requested.body);
    let loan_path = requested.header("location").unwrap().to_string();
    let loan_page = page(&w, &cookie, &loan_path).await;
    assert!(loan_page.body.contains(&format!(r#"action="{loan_path}/approve""#)), "{}", loan_page.body);
    assert_eq!(form_post(&w, &format!("{loan_path}/approve"), Some(&cookie), "").await.status, 303);
    let disbursed = form_post(&w, &format!("{loan_path}/disburse"), Some(&cookie), "key=out-1&on=1403/01/15").await;
    assert_eq!(disbursed.status, 303, "{}", disbursed.body);
    let loan_page = page(&w, &cookie, &loan_path).await;
    assert_eq!(loan_page.body.matches("<tr><td class=\"num\">").count(), 12, "twelve installments");
    assert!(loan_page.body.contains("۱۴۰۳/۰۲/۱۵"), "the first due date, in Persian digits");

    // A repayment typed in Persian digits gives a receipt; sent twice, it posts once.
    let pay = format!("key=pay-1&amount={}&on=1403/02/15", urlencode("۲٬۶۰۰٬۰۰۰"));
    let paid = form_post(&w, &format!("{loan_path}/repay"), Some(&cookie), &pay).await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let receipt_path = paid.header("location").unwrap().to_string();
    let twice = form_post(&w, &format!("{loan_path}/repay"), Some(&cookie), &pay).await;
    assert_eq!(twice.header("location"), Some(receipt_path.as_str()), "the same receipt");
    let receipt = page(&w, &cookie, &receipt_path).await;
    assert!(receipt.body.contains("۲٬۶۰۰٬۰۰۰"), "{}", receipt.body);
    let over = form_post(&w, &format!("{loan_path}/repay"), Some(&cookie), "key=pay-2&amount=99000000").await;
    assert_eq!(over.status, 422);
    assert!(over.body.contains("notice error"));

    // A mistaken repayment is reversed with a reason.
    let seq = receipt_path.rsplit('/').next().unwrap();
    let no_reason =
        form_post(&w, &format!("{loan_path}/reverse"), Some(&cookie), &format!("seq={seq}&key=undo&reason=")).await;
    assert_eq!(no_reason.status, 422);
    let with_reason = format!("seq={seq}&key=undo&reason={}", urlencode("مبلغ اشتباه"));
    assert_eq!(form_post(&w, &format!("{loan_path}/reverse"), Some(&cookie), &with_reason).await.status, 303);
    let loan_page = page(&w, &cookie, &loan_path).await;
    assert!(loan_page.body.contains("برگشت خورده"), "{}", loan_page.body);
    let loan_id: i64 = loan_path.rsplit('/').next().unwrap().parse().unwrap();
    let owed: i64 = w.store.installments(loan_id).await.unwrap().iter().map(|i| i.outstanding().get()).sum();
    assert_eq!(owed, 30_650_000, "the reversal put the installments back");

    // The other fund's treasurer finds none of it.
    let outsider = sign_in(&w, "treasurer_b").await;
    for path in [loan_path.clone(), receipt_path.clone(), format!("/funds/{fund}/loans")] {
        assert_eq!(page(&w, &outsider, &path).await.status, 404, "{path}");
    }
    assert!(w.store.verify().await.unwrap().is_clean());
}

#[tokio::test]
async fn a_reader_chooses_english_and_tomans_and_changes_the_password() {
    let w = world().await;
    let cookie = sign_in(&w, "treasurer_a").await;
    let fund = w.fund_a;
    let saved = form_post(&w, "/settings", Some(&cookie), "language=en&unit=toman").await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let home = page(&w, &cookie, &format!("/funds/{fund}")).await;
    assert!(home.body.contains(r#"<html lang="en" dir="ltr">"#), "{}", home.body);
    assert!(home.body.contains("Cash") && home.body.contains("tomans"), "{}", home.body);

    // A member with 1,000,000 rials due: the meeting sheet offers 100000 (tomans) and takes tomans back.
    let member = w.join(fund, "0499370899", "Ali", "Karimi", "1403/01/01").await;
    let sheet = page(&w, &cookie, &format!("/funds/{fund}/meeting?on=1403/01/05")).await;
    assert!(sheet.body.contains(&format!(r#"name="s{}" value="100000""#, member.id)), "{}", sheet.body);
    let form = format!("key=k-toman&on=1403/01/05&s{}=150000", member.id);
    assert_eq!(form_post(&w, &format!("/funds/{fund}/meeting"), Some(&cookie), &form).await.status, 200);
    assert_eq!(app::funds::savings_balance(&w.store, member.id).await.unwrap().get(), 1_500_000, "tomans × 10");

    // The password: the current one is checked, then other sessions end and this one stays.
    let other = sign_in(&w, "treasurer_a").await;
    let wrong =
        form_post(&w, "/settings/password", Some(&cookie), "current_password=nope&new_password=a-new-long-one").await;
    assert_eq!(wrong.status, 422);
    let short =
        form_post(&w, "/settings/password", Some(&cookie), "current_password=treasurer_a-password&new_password=short")
            .await;
    assert_eq!(short.status, 422);
    let changed = form_post(
        &w,
        "/settings/password",
        Some(&cookie),
        "current_password=treasurer_a-password&new_password=a-new-long-one",
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(page(&w, &cookie, &format!("/funds/{fund}")).await.status, 200, "this session stays");
    assert_eq!(page(&w, &other, &format!("/funds/{fund}")).await.status, 303, "the other ends");
    let old = form_post(&w, "/sign-in", None, "username=treasurer_a&password=treasurer_a-password&next=%2F").await;
    assert_eq!(old.status, 401);
}

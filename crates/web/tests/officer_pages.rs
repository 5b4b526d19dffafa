//! The officers' pages on a real server: the list of funds kept between requests, paged and filtered,
//! the audit trail and the rules, every page hidden from the anonymous and other scopes, the lottery,
//! the statements, capital, users, the dashboard and report, jobs, and the solar calculator.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::pages::{form_post, page, sign_in, urlencode};
use common::{request, world};

#[tokio::test]
async fn the_officers_list_follows_the_data_though_it_is_kept_between_requests() {
    let w = world().await;
    let officer = sign_in(&w, "officer_a").await;
    let before = page(&w, &officer, "/funds").await;
    assert!(before.body.contains(r#"<td class="num">۰</td>"#), "no member yet: {}", before.body);
    w.join(w.fund_a, "0499370899", "علی", "کریمی", "1402/01/01").await;
    let after = page(&w, &officer, "/funds").await;
    assert!(after.body.contains(r#"<td class="num">۱</td>"#), "the new member counts: {}", after.body);
    // The fund's home is kept too, and follows the data the same way.
    let treasurer = sign_in(&w, "treasurer_a").await;
    let home = page(&w, &treasurer, &format!("/funds/{}", w.fund_a)).await;
    assert!(home.body.contains("<strong>۱</strong>"), "one member: {}", home.body);
    w.join(w.fund_a, "0012345679", "رضا", "احمدی", "1402/01/01").await;
    let home = page(&w, &treasurer, &format!("/funds/{}", w.fund_a)).await;
    assert!(home.body.contains("<strong>۲</strong>"), "two members: {}", home.body);
}

#[tokio::test]
async fn the_officers_list_is_paged_and_filtered_by_county_and_village() {
    let w = world().await;
    let fund_a = w.store.fund(w.fund_a).await.unwrap();
    let fund_b = w.store.fund(w.fund_b).await.unwrap();
    let opened = domain::JalaliDate::parse("1402/01/01").unwrap().to_iso();
    let rules = domain::fund::FundRules::usual();
    for n in 1..=55 {
        w.store.create_fund(fund_a.place_id, &format!("صندوق شمارهٔ {n}"), opened, &rules, 0).await.unwrap();
    }
    let admin = sign_in(&w, "admin").await;
    let rows = |body: &str| body.matches("<tr><td><a href=\"/funds/").count();
    let first = page(&w, &admin, "/funds").await;
    assert_eq!(first.status, 200);
    assert_eq!(rows(&first.body), 50, "fifty to a page");
    assert!(first.body.contains("۵۷ صندوق"), "the count of all funds: {}", first.body);
    assert!(first.body.contains(r#"rel="next" href="/funds?page=2""#), "{}", first.body);
    // The page number may come in Persian digits; past the last page is the last page.
    let second = page(&w, &admin, "/funds?page=%DB%B2").await;
    assert_eq!(rows(&second.body), 7);
    assert!(second.body.contains(r#"rel="prev""#) && !second.body.contains(r#"rel="next""#));
    assert_eq!(rows(&page(&w, &admin, "/funds?page=99").await.body), 7);
    // A village narrows the list to its funds, a county to the funds of its villages.
    let village_b = page(&w, &admin, &format!("/funds?village={}", fund_b.place_id)).await;
    assert_eq!(rows(&village_b.body), 1);
    assert!(village_b.body.contains("صندوق زیاران") && village_b.body.contains("زیاران</td>"));
    let county_of =
        |path: &domain::PlacePath| path.as_str().split('/').filter(|s| !s.is_empty()).nth(2).unwrap().to_string();
    let county_b = county_of(&w.store.fund_place_path(w.fund_b).await.unwrap());
    assert_eq!(rows(&page(&w, &admin, &format!("/funds?county={county_b}")).await.body), 1);
    // Sorting keeps the filter; an officer of one county never sees the other's village as an option.
    let sorted = page(&w, &admin, &format!("/funds?sort=members&village={}", fund_a.place_id)).await;
    assert_eq!(rows(&sorted.body), 50);
    let officer = sign_in(&w, "officer_a").await;
    let list = page(&w, &officer, "/funds").await;
    assert!(!list.body.contains("زیاران"), "{}", list.body);
}

#[tokio::test]
async fn the_audit_trail_and_the_rules_pages_answer_to_their_roles() {
    let w = world().await;
    let fund = w.fund_a;
    // An officer raises the dues from 1404; the treasurer reads the rules but may not change them.
    let officer = sign_in(&w, "officer_a").await;
    let rules = page(&w, &officer, &format!("/funds/{fund}/rules")).await;
    assert!(rules.body.contains(r#"action="/funds/"#), "the officer has the form: {}", rules.body);
    let bad =
        form_post(&w, &format!("/funds/{fund}/rules"), Some(&officer), "from=1404/13/01&monthly_savings=2000000").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("ماه ۱۳ وجود ندارد"), "the date explained in Persian: {}", bad.body);
    assert!(bad.body.contains(r#"value="1404/13/01""#) && bad.body.contains(r#"value="2000000""#), "input kept");
    let changed = form_post(
        &w,
        &format!("/funds/{fund}/rules"),
        Some(&officer),
        &format!("from=1404/01/01&monthly_savings={}", urlencode("۲٬۰۰۰٬۰۰۰")),
    )
    .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(w.store.fund_rules(fund).await.unwrap().versions().len(), 2);
    let treasurer = sign_in(&w, "treasurer_a").await;
    let read = page(&w, &treasurer, &format!("/funds/{fund}/rules")).await;
    assert!(read.body.contains("۲٬۰۰۰٬۰۰۰") && !read.body.contains(r#"name="monthly_savings""#), "{}", read.body);
    let refused =
        form_post(&w, &format!("/funds/{fund}/rules"), Some(&treasurer), "from=1404/01/01&monthly_savings=1").await;
    assert_eq!(refused.status, 404);

    // The auditor of the county reads the trail, filtered; the treasurer has no trail.
    let auditor = sign_in(&w, "auditor_a").await;
    let trail = page(&w, &auditor, "/audit?action=fund.").await;
    assert_eq!(trail.status, 200);
    assert!(trail.body.contains("fund.rules") && trail.body.contains("officer_a"), "{}", trail.body);
    assert!(!trail.body.contains("user.sign_in"), "filtered by action");
    let dated = page(&w, &auditor, &format!("/audit?from={}", urlencode("۱۴۰۵/۰۹/۰۷"))).await;
    assert!(!dated.body.contains("fund.rules"), "nothing after today");
    assert_eq!(page(&w, &treasurer, "/audit").await.status, 404);
}

#[tokio::test]
async fn every_page_sends_the_anonymous_to_sign_in_and_hides_other_funds() {
    let w = world().await;
    let fund = w.fund_a;
    let member = w.join(fund, "0499370899", "علی", "کریمی", "1402/01/01").await;
    let on = domain::JalaliDate::parse("1402/02/01").unwrap().to_iso();
    let clock = app::FixedClock(common::NOW_MS);
    let deposit = domain::Rials::new(10_000_000);
    app::funds::move_savings(&w.store, &clock, member.id, app::funds::SavingsMove::Deposit, deposit, on, "d")
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
        on: domain::JalaliDate::parse("1403/01/01").unwrap().to_iso(),
    };
    let loan = w.store.request_loan(fund, &application).await.unwrap().id;
    // Every page of fund A, with a body of the right shape for the ones that take a form.
    let rows: Vec<(&str, String, &str)> = vec![
        ("GET", format!("/funds/{fund}"), ""),
        ("GET", format!("/funds/{fund}/members"), ""),
        ("GET", format!("/funds/{fund}/members/new"), ""),
        (
            "POST",
            format!("/funds/{fund}/members/new"),
            "national_id=0084575948&first_name=a&last_name=b&joined_on=1402/01/01",
        ),
        ("GET", format!("/funds/{fund}/meeting"), ""),
        ("POST", format!("/funds/{fund}/meeting"), "key=k&on=1403/01/05"),
        ("GET", format!("/funds/{fund}/loans"), ""),
        ("GET", format!("/funds/{fund}/loans/new"), ""),
        ("POST", format!("/funds/{fund}/loans/new"), "member_id=1&amount=1000&term_months=6"),
        ("POST", format!("/funds/{fund}/loans/check"), "member_id=1&amount=1000&term_months=6"),
        ("GET", format!("/funds/{fund}/rules"), ""),
        ("GET", format!("/funds/{fund}/lottery"), ""),
        ("GET", format!("/funds/{fund}/statements?period=1403"), ""),
        ("POST", format!("/funds/{fund}/lottery"), "seed=s"),
        ("POST", format!("/funds/{fund}/rules"), "from=1404/01/01&monthly_savings=1"),
        ("GET", format!("/members/{}", member.id), ""),
        ("GET", format!("/loans/{loan}"), ""),
        ("POST", format!("/loans/{loan}/approve"), ""),
        ("POST", format!("/loans/{loan}/disburse"), "key=k&on=1403/01/05"),
        ("POST", format!("/loans/{loan}/repay"), "key=k&amount=1000"),
        ("POST", format!("/loans/{loan}/reverse"), "key=k&seq=1&reason=r"),
        ("GET", format!("/loans/{loan}/receipts/1"), ""),
        ("GET", "/users".to_string(), ""),
        ("GET", "/reports".to_string(), ""),
        ("GET", "/reports/programme".to_string(), ""),
        ("GET", "/reports/league".to_string(), ""),
        ("GET", "/reports/jobs".to_string(), ""),
        ("GET", "/reports/export?format=csv".to_string(), ""),
        ("POST", "/users".to_string(), "username=x&password=long-enough-1&role=treasurer&fund_id=1"),
        ("GET", format!("/funds/{fund}/capital"), ""),
        ("POST", format!("/funds/{fund}/capital"), "kind=grant&amount=1000&source=s&on=1403/01/05&key=k"),
    ];
    let outsider = sign_in(&w, "treasurer_b").await;
    for (method, path, body) in &rows {
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        let anonymous = request(w.addr, method, path, &headers, body.as_bytes()).await;
        assert_eq!(anonymous.status, 303, "{method} {path} anonymous");
        assert!(anonymous.header("location").unwrap().starts_with("/sign-in"), "{method} {path}");
        let with_cookie = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", outsider.as_str())];
        let answer = request(w.addr, method, path, &with_cookie, body.as_bytes()).await;
        assert_eq!(answer.status, 404, "{method} {path} as the other fund's treasurer");
    }
    for path in ["/funds", "/settings"] {
        assert_eq!(request(w.addr, "GET", path, &[], b"").await.status, 303, "{path}");
    }
    assert_eq!(w.store.members(fund).await.unwrap().len(), 1, "nothing was written by anyone refused");
}

#[tokio::test]
async fn the_lottery_page_draws_among_the_eligible_and_publishes_a_draw_that_recomputes() {
    let w = world().await;
    let fund = w.fund_a;
    for (national_id, name) in [("0499370899", "علی"), ("0084575948", "سارا")] {
        w.join(fund, national_id, name, "کریمی", "1402/01/01").await;
    }
    let cookie = sign_in(&w, "treasurer_a").await;
    let path = format!("/funds/{fund}/lottery");
    let before = page(&w, &cookie, &path).await;
    assert!(
        before.body.contains("<li>علی کریمی</li>") && before.body.contains("<li>سارا کریمی</li>"),
        "{}",
        before.body
    );
    let empty = form_post(&w, &path, Some(&cookie), "seed=").await;
    assert_eq!(empty.status, 422);
    let drawn = form_post(&w, &path, Some(&cookie), &format!("seed={}", urlencode("۱۴۰۵/۰۹/۰۶ باران گندم نان"))).await;
    assert_eq!(drawn.status, 303, "{}", drawn.body);
    let after = page(&w, &cookie, &path).await;
    assert!(after.body.contains("باران گندم نان") && after.body.contains("درست است"), "{}", after.body);
    assert_eq!(after.body.matches("<li>").count(), 1, "the winner leaves the entrants of this cycle");
    let outsider = sign_in(&w, "treasurer_b").await;
    assert_eq!(page(&w, &outsider, &path).await.status, 404);
}

#[tokio::test]
async fn the_fund_statements_page_is_derived_from_the_books() {
    let w = world().await;
    let fund = w.fund_a;
    let clock = app::FixedClock(common::NOW_MS);
    let member = w.join(fund, "0499370899", "علی", "کریمی", "1403/01/01").await;
    let on = domain::JalaliDate::parse("1403/02/01").unwrap().to_iso();
    let deposit = domain::Rials::new(7_000_000);
    app::funds::move_savings(&w.store, &clock, member.id, app::funds::SavingsMove::Deposit, deposit, on, "d")
        .await
        .unwrap();
    let cookie = sign_in(&w, "officer_a").await;
    let page_1403 = page(&w, &cookie, &format!("/funds/{fund}/statements?period=1403")).await;
    assert_eq!(page_1403.status, 200);
    assert!(page_1403.body.contains("۷٬۰۰۰٬۰۰۰"), "cash and savings of 7,000,000: {}", page_1403.body);
    let before = page(&w, &cookie, &format!("/funds/{fund}/statements?period=1402")).await;
    assert!(!before.body.contains("۷٬۰۰۰٬۰۰۰"), "nothing in 1402");
    let bad = page(&w, &cookie, &format!("/funds/{fund}/statements?period=1403/13")).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn an_officer_records_capital_once_and_a_treasurer_reads_it() {
    let w = world().await;
    let fund = w.fund_a;
    let path = format!("/funds/{fund}/capital");
    let officer = sign_in(&w, "officer_a").await;
    let empty = page(&w, &officer, &path).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains(r#"action="/funds/"#), "the officer has the form");
    let key = empty.body.split(r#"name="key" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    // Mistakes keep what was typed and say what is wrong, in Persian.
    let bad_date = format!("kind=loan&amount={}&source=x&on=1403/12/31&key={key}", urlencode("۵۰۰٬۰۰۰٬۰۰۰"));
    let refused = form_post(&w, &path, Some(&officer), &bad_date).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("روز ۳۱ در ماه ۱۲ سال ۱۴۰۳ وجود ندارد"), "{}", refused.body);
    assert!(refused.body.contains("۵۰۰٬۰۰۰٬۰۰۰") && refused.body.contains(r#"value="1403/12/31""#));
    let no_source = format!("kind=loan&amount=5&source=+&on=1403/01/05&key={key}");
    assert_eq!(form_post(&w, &path, Some(&officer), &no_source).await.status, 422);
    // A capital loan of 500 million rials, typed in Persian digits; a double click posts it once.
    let good = format!(
        "kind=loan&amount={}&source={}&on={}&key={key}",
        urlencode("۵۰۰٬۰۰۰٬۰۰۰"),
        urlencode("اشتغال روستایی ۱۴۰۳"),
        urlencode("۱۴۰۳/۰۱/۰۵")
    );
    let saved = form_post(&w, &path, Some(&officer), &good).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("ثبت شد") && saved.body.contains("اشتغال روستایی ۱۴۰۳"), "{}", saved.body);
    let again = form_post(&w, &path, Some(&officer), &good).await;
    assert!(again.body.contains("پیش‌تر ثبت شده بود"), "{}", again.body);
    let records = w.store.capital_records(fund).await.unwrap();
    assert_eq!(records.len(), 1, "posted once");
    assert_eq!(records[0].amount.get(), 500_000_000);
    // Repaying more than is owed is refused by the books; a part is taken.
    let too_much = "kind=repayment&amount=600000000&source=back&on=1403/06/01&key=repay-1";
    assert_eq!(form_post(&w, &path, Some(&officer), too_much).await.status, 422);
    let part = "kind=repayment&amount=100000000&source=back&on=1403/06/01&key=repay-2";
    assert_eq!(form_post(&w, &path, Some(&officer), part).await.status, 200);
    // The treasurer reads what was put in and what is still owed, without the form.
    let treasurer = sign_in(&w, "treasurer_a").await;
    let read = page(&w, &treasurer, &path).await;
    assert_eq!(read.status, 200);
    assert!(!read.body.contains(r#"action="/funds/"#), "no form for the treasurer");
    assert!(read.body.contains("۴۰۰٬۰۰۰٬۰۰۰"), "still owed: {}", read.body);
    assert_eq!(form_post(&w, &path, Some(&treasurer), part).await.status, 404, "the treasurer may not record");
    assert!(w.store.verify().await.unwrap().is_clean());
    let trail = w.store.audit_log(&app::model::AuditFilter::default()).await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.action == "capital.move").count(), 2, "each posting audited once");
}

#[tokio::test]
async fn officers_see_and_add_the_users_of_their_places_only() {
    let w = world().await;
    let admin = sign_in(&w, "admin").await;
    let all = page(&w, &admin, "/users").await;
    assert_eq!(all.status, 200, "{}", all.body);
    for name in ["officer_a", "treasurer_a", "treasurer_b", "liaison", "admin"] {
        assert!(all.body.contains(&format!("<td>{name}")), "the administrator sees {name}");
    }
    let officer = sign_in(&w, "officer_a").await;
    let mine = page(&w, &officer, "/users").await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("<td>treasurer_a") && mine.body.contains("<td>auditor_a"), "{}", mine.body);
    assert!(!mine.body.contains("treasurer_b") && !mine.body.contains("<td>admin"), "{}", mine.body);
    assert!(mine.body.contains("خزانه‌دار") && mine.body.contains("صندوق اسفرورین"));
    // An officer adds a treasurer to a fund of their county, who can then sign in.
    let add = format!(
        "username=treasurer_a2&display_name={}&password=a-long-password&role=treasurer&fund_id={}&language=fa",
        urlencode("مریم"),
        w.fund_a
    );
    let added = form_post(&w, "/users", Some(&officer), &add).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("کاربر افزوده شد") && added.body.contains("<td>treasurer_a2"));
    let signed = form_post(&w, "/sign-in", None, "username=treasurer_a2&password=a-long-password&next=%2F").await;
    assert_eq!(signed.status, 303);
    // Not a fund of another county, not a role above an officer's, not a short password, not a taken name.
    for (body, why) in [
        (format!("username=x1&password=a-long-password&role=treasurer&fund_id={}", w.fund_b), "another county's fund"),
        ("username=x2&password=a-long-password&role=administrator".to_string(), "a role above"),
        (format!("username=x3&password=short&role=treasurer&fund_id={}", w.fund_a), "a short password"),
        (format!("username=treasurer_a2&password=a-long-password&role=treasurer&fund_id={}", w.fund_a), "a taken name"),
    ] {
        let refused = form_post(&w, "/users", Some(&officer), &body).await;
        assert_eq!(refused.status, 422, "{why}: {}", refused.body);
        assert!(!refused.body.contains("a-long-password"), "the password is never echoed");
    }
    let short = form_post(
        &w,
        "/users",
        Some(&officer),
        &format!("username=x3&password=short&role=treasurer&fund_id={}", w.fund_a),
    )
    .await;
    assert!(short.body.contains(r#"value="x3""#), "the username is kept");
    // A treasurer has no users page.
    let treasurer = sign_in(&w, "treasurer_a").await;
    assert_eq!(page(&w, &treasurer, "/users").await.status, 404);
    let trail = w.store.audit_log(&app::model::AuditFilter::default()).await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.action == "user.add").count(), 1);
}

#[tokio::test]
async fn the_dashboard_and_the_programme_report_follow_the_books_within_the_readers_place() {
    let w = world().await;
    let clock = app::FixedClock(common::NOW_MS);
    let grant = app::funds::CapitalMove {
        fund_id: w.fund_a,
        kind: app::funds::InjectionKind::Grant,
        amount: domain::Rials::new(150_000_000),
        source: "برنامه ۱۴۰۵",
        on: domain::JalaliDate::parse("1405/02/01").unwrap().to_iso(),
    };
    app::funds::inject_capital(&w.store, &clock, &grant, "g1").await.unwrap();
    let officer = sign_in(&w, "officer_a").await;
    let dashboard = page(&w, &officer, "/reports").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert!(dashboard.body.contains("<svg"), "charts drawn on the server");
    assert!(dashboard.body.contains("۱۵۰٬۰۰۰٬۰۰۰"), "the capital of the year: {}", dashboard.body);
    assert!(dashboard.body.contains("تاکستان") && !dashboard.body.contains("آبیک"), "only the officer's county");
    let programme = page(&w, &officer, "/reports/programme").await;
    assert_eq!(programme.status, 200);
    assert!(programme.body.contains("۱ صندوق"), "{}", programme.body);
    assert!(programme.body.contains("هنوز شغلی تأیید نشده است"), "no division by zero: {}", programme.body);
    assert!(programme.body.contains(r#"href="/reports/jobs?"#), "the job figures link to the records");
    // Another county's place is not found; a period without data says so; a wrong date is explained.
    let county_b = w.store.fund_place_path(w.fund_b).await.unwrap();
    let county_b = app::report::county_of(&county_b).unwrap();
    assert_eq!(page(&w, &officer, &format!("/reports?place={county_b}")).await.status, 404);
    let empty = page(&w, &officer, "/reports?from=1390/01/01&to=1390/12/29").await;
    assert!(empty.body.contains("داده‌ای ثبت نشده است"), "{}", empty.body);
    let bad = page(&w, &officer, "/reports?from=1405/13/01").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("ماه ۱۳ وجود ندارد"));
    // Downloads: CSV with a byte-order mark, XLSX as a zip.
    let csv = request(w.addr, "GET", "/reports/export?format=csv", &[("Cookie", officer.as_str())], b"").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with('\u{FEFF}'), "{}", csv.body);
    assert!(csv.body.contains("صندوق اسفرورین"));
    let league = page(&w, &officer, "/reports/league").await;
    assert!(league.body.contains("صندوق اسفرورین") && !league.body.contains("صندوق زیاران"));
    // The administrator sees the whole installation; a treasurer has no reports.
    let admin = sign_in(&w, "admin").await;
    let all = page(&w, &admin, "/reports").await;
    assert!(all.body.contains("تاکستان") && all.body.contains("آبیک"));
    let treasurer = sign_in(&w, "treasurer_a").await;
    assert_eq!(page(&w, &treasurer, "/reports").await.status, 404);
}

#[tokio::test]
async fn jobs_are_expected_at_approval_and_confirmed_once_by_an_officers_visit() {
    let w = world().await;
    let fund = w.fund_a;
    let member = w.join(fund, "0499370899", "علی", "کریمی", "1402/01/01").await;
    let clock = app::FixedClock(common::NOW_MS);
    let on = domain::JalaliDate::parse("1402/02/01").unwrap().to_iso();
    app::funds::move_savings(
        &w.store,
        &clock,
        member.id,
        app::funds::SavingsMove::Deposit,
        domain::Rials::new(10_000_000),
        on,
        "d",
    )
    .await
    .unwrap();
    let application = app::model::LoanApplication {
        member_id: member.id,
        amount: domain::Rials::new(5_000_000),
        term_months: 6,
        purpose: "دامداری".into(),
        jobs_created: 1,
        jobs_revived: 1,
        guarantors: vec![],
        on: domain::JalaliDate::parse("1405/08/01").unwrap().to_iso(),
    };
    let loan = w.store.request_loan(fund, &application).await.unwrap().id;
    let officer = sign_in(&w, "officer_a").await;
    let approved = form_post(&w, &format!("/loans/{loan}/approve"), Some(&officer), "").await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let jobs = w.store.jobs_of_loan(loan).await.unwrap();
    assert_eq!(jobs.len(), 2, "one created and one revived, expected from approval");
    let treasurer = sign_in(&w, "treasurer_a").await;
    let paid = form_post(&w, &format!("/loans/{loan}/disburse"), Some(&treasurer), "key=out&on=1405/08/10").await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    // The officer sees the jobs with a visit form; a visit before the money is refused in Persian.
    let page_body = page(&w, &officer, &format!("/loans/{loan}")).await.body;
    assert!(page_body.contains(&format!(r#"action="/jobs/{}/visits""#, jobs[0].id)), "{page_body}");
    let early = "purpose=confirmation&on=1405/08/05&outcome=working&seen=x&insured_workers=1";
    let refused = form_post(&w, &format!("/jobs/{}/visits", jobs[0].id), Some(&officer), early).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("پیش از پرداخت وام"), "{}", refused.body);
    let visit = "purpose=confirmation&on=1405/09/01&outcome=working&seen=x&insured_workers=%DB%B1";
    let confirmed = form_post(&w, &format!("/jobs/{}/visits", jobs[0].id), Some(&officer), visit).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let again = form_post(&w, &format!("/jobs/{}/visits", jobs[0].id), Some(&officer), visit).await;
    assert_eq!(again.status, 422, "confirmed twice");
    assert!(again.body.contains("پیش‌تر"), "{}", again.body);
    // The treasurer cannot record visits.
    assert_eq!(form_post(&w, &format!("/jobs/{}/visits", jobs[1].id), Some(&treasurer), visit).await.status, 404);
    // The officer says what the second job is: a woman's part-time carpet weaving (half a job).
    let describe = "activity=carpet_weaving&kind=revived&hours=part_time&sex=female&age_group=25_44";
    let described = form_post(&w, &format!("/jobs/{}/describe", jobs[1].id), Some(&officer), describe).await;
    assert_eq!(described.status, 303, "{}", described.body);
    let job = w.store.job(jobs[1].id).await.unwrap();
    assert_eq!((job.activity.as_str(), job.sex), ("carpet_weaving", domain::jobs::Sex::Female));
    let wrong = form_post(
        &w,
        &format!("/jobs/{}/describe", jobs[1].id),
        Some(&officer),
        "activity=astrology&kind=revived&hours=part_time&sex=female&age_group=25_44",
    )
    .await;
    assert_eq!(wrong.status, 422);
    // The API agrees: the loan's jobs, and the programme report counts one confirmed of 1.5 expected.
    // Through the API, a visit or a description with a wrong word is refused by field, nothing changed.
    let bad_visit = serde_json::json!({ "on": "1405/09/01", "purpose": "inspection", "outcome": "working" });
    let refused = w.call("officer_a", "POST", &format!("/api/v1/jobs/{}/visits", jobs[1].id), Some(bad_visit)).await;
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(refused.json["error"]["fields"][0]["field"], "purpose");
    let bad_description = serde_json::json!({ "activity": "livestock", "kind": "created", "hours": "always", "sex": "x", "age_group": "25_44" });
    let refused =
        w.call("officer_a", "POST", &format!("/api/v1/jobs/{}/description", jobs[1].id), Some(bad_description)).await;
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(refused.json["error"]["fields"].as_array().unwrap().len(), 2, "hours and sex");
    assert_eq!(w.store.job(jobs[1].id).await.unwrap().activity, "carpet_weaving", "unchanged");
    let listed = w.call("officer_a", "GET", &format!("/api/v1/loans/{loan}/jobs"), None).await;
    assert_eq!(listed.json["jobs"][0]["status"], "confirmed");
    let report = w.call("officer_a", "GET", "/api/v1/reports/programme?from=1405/01/01", None).await;
    assert_eq!(report.status, 200, "{}", report.json);
    assert_eq!(report.json["jobs_expected"], 1.5);
    assert_eq!(report.json["jobs_confirmed"], 1.0);
    assert_eq!(report.json["loans_disbursed_rials"], 5_000_000);
    assert_eq!(report.json["injected_per_confirmed_job_rials"], 0);
    let trail = w.store.audit_log(&app::model::AuditFilter::default()).await.unwrap();
    assert!(trail.iter().any(|r| r.action == "job.visit") && trail.iter().any(|r| r.action == "jobs.expect"));
}

#[tokio::test]
async fn the_solar_calculator_gives_a_plants_jalali_months_in_the_readers_digits() {
    let w = world().await;
    let cookie = sign_in(&w, "treasurer_a").await;
    // Without a question: the form, linked from every page's header.
    let empty = page(&w, &cookie, "/solar").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains(r#"name="lat""#) && empty.body.contains(r#"href="/solar""#), "{}", empty.body);
    assert!(!empty.body.contains("⟦missing⟧"));
    // Typed in Persian digits: the programme's 5 kW plant facing south at 30° in Qazvin.
    let query = format!("/solar?lat={}&lon={}&altitude={}", urlencode("۳۶٫۲۷"), urlencode("۵۰"), urlencode("۱۳۰۰"));
    let answer = page(&w, &cookie, &query).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    for expected in ["فروردین", "اسفند", "۸٬۷۲۳", "MERRA-2", "ITU-R"] {
        assert!(answer.body.contains(expected), "{expected}: {}", answer.body);
    }
    assert!(!answer.body.contains("⟦missing⟧"));
    // A mistake is named by its field, in Persian, with what was typed kept.
    let wrong = page(&w, &cookie, &format!("/solar?lat=36&lon=50&tilt={}", urlencode("۹۵"))).await;
    assert!(wrong.body.contains("notice error") && wrong.body.contains("شیب"), "{}", wrong.body);
    assert!(wrong.body.contains(r#"value="۹۵""#), "{}", wrong.body);
    let paris = page(&w, &cookie, "/solar?lat=48.85&lon=2.35").await;
    assert!(paris.body.contains("فقط برای ایران"), "{}", paris.body);
    // Signed out: the sign-in page.
    let anonymous = request(w.addr, "GET", "/solar?lat=36&lon=50", &[], b"").await;
    assert_eq!(anonymous.status, 303);
}

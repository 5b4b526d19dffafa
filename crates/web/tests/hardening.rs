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

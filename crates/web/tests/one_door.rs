//! One door: the same change made from a page and through the API is the same command, and leaves
//! the same audit record (action, what it names, the fields of the state after).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::pages::{form_post, sign_in, urlencode};
use common::world;
use serde_json::{Value, json};

fn keys(state: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(state).unwrap();
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn a_member_joined_on_a_page_and_through_the_api_is_audited_alike() {
    let w = world().await;
    let fund = w.fund_a;
    let cookie = sign_in(&w, "treasurer_a").await;
    let form = format!(
        "national_id=0499370899&first_name={}&last_name={}&father_name=&phone=&joined_on=1402/01/15",
        urlencode("علی"),
        urlencode("کریمی")
    );
    let joined = form_post(&w, &format!("/funds/{fund}/members/new"), Some(&cookie), &form).await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    let body =
        json!({ "national_id": "0084575948", "first_name": "سارا", "last_name": "احمدی", "joined_on": "1402/01/20" });
    let api = w.call("treasurer_a", "POST", &format!("/api/v1/funds/{fund}/members"), Some(body)).await;
    assert_eq!(api.status, 200, "{}", api.body);

    let filter = app::model::AuditFilter {
        under: None,
        username: Some("treasurer_a".into()),
        action_prefix: Some("member.join".into()),
        from_ms: None,
        until_ms: None,
        limit: 10,
    };
    let records = w.store.audit_log(&filter).await.unwrap();
    assert_eq!(records.len(), 2, "one record for each door");
    let (a, b) = (&records[0], &records[1]);
    assert_eq!((a.action.as_str(), a.before_state.as_str()), (b.action.as_str(), b.before_state.as_str()));
    assert_eq!(a.place_path, b.place_path);
    assert_eq!(keys(&a.after_state), keys(&b.after_state));
    assert!(a.object_ref.starts_with("member:") && b.object_ref.starts_with("member:"));
    for record in &records {
        assert_eq!(record.user_id, Some(records[0].user_id.unwrap()));
        assert_eq!(record.address, "127.0.0.1", "who acted, from where");
        let after: Value = serde_json::from_str(&record.after_state).unwrap();
        assert_eq!(after["fund_id"], fund);
    }
}

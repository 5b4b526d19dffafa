//! Users, sessions and the audit trail in the store, on SQLite and (with ABADI_TEST_DATABASE_URL) on
//! PostgreSQL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use domain::access::{Role, Scope};
use domain::fund::FundRules;
use domain::{IsoDate, PlaceKind};
use store::testing::TestDatabase;
use store::{AuditFilter, AuditRecord, NewUser, SessionKind, Store, StoreError};

fn user(username: &str, role: Role, place_id: Option<i64>, fund_id: Option<i64>) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "نام".into(),
        password_hash: "$argon2id$stand-in".into(),
        role,
        place_id,
        fund_id,
        bank_id: None,
        language: "fa".into(),
    }
}

#[tokio::test]
async fn each_role_is_granted_its_own_kind_of_scope_and_sessions_end() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let country = store.add_place(None, PlaceKind::Country, "ایران").await.unwrap();
    let county = store.add_place(Some(country.id), PlaceKind::County, "تاکستان").await.unwrap();
    let village = store.add_place(Some(county.id), PlaceKind::Village, "ده").await.unwrap();
    let opened = IsoDate::from_ymd(2023, 3, 21).unwrap();
    let fund = store.create_fund(village.id, "صندوق", opened, &FundRules::usual(), 0).await.unwrap();

    let officer = store.add_user(&user("Officer", Role::Officer, Some(county.id), None), 1).await.unwrap();
    assert_eq!(officer.username, "officer", "usernames are kept in lower case");
    assert_eq!(officer.grant.scope, Scope::Place(county.path.clone()));
    let treasurer = store.add_user(&user("t", Role::Treasurer, None, Some(fund.id)), 1).await.unwrap();
    assert_eq!(treasurer.grant.scope, Scope::Fund { fund_id: fund.id, place: village.path.clone() });
    for (bad, role, place, fund_id) in [
        ("a", Role::Treasurer, Some(county.id), None),
        ("b", Role::Officer, None, None),
        ("c", Role::Administrator, Some(county.id), None),
        ("has space", Role::Administrator, None, None),
    ] {
        assert!(
            matches!(store.add_user(&user(bad, role, place, fund_id), 1).await, Err(StoreError::Invalid(_))),
            "{bad}"
        );
    }
    assert!(matches!(
        store.add_user(&user("officer", Role::Auditor, Some(county.id), None), 1).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.add_user(&user("d", Role::Treasurer, None, Some(999)), 1).await,
        Err(StoreError::NotFound { .. })
    ));

    store.add_session("hash-1", officer.id, SessionKind::Browser, "browser", 100, Some(200)).await.unwrap();
    store.add_session("hash-2", officer.id, SessionKind::ApiToken, "api", 100, None).await.unwrap();
    assert_eq!(store.session_user("hash-1", 150).await.unwrap().unwrap().id, officer.id);
    assert!(store.session_user("hash-1", 200).await.unwrap().is_none(), "expired");
    store.revoke_session("hash-2", 160).await.unwrap();
    assert!(store.session_user("hash-2", 170).await.unwrap().is_none(), "revoked");
    assert!(store.session_user("unknown", 170).await.unwrap().is_none());

    store.record_sign_in_failure("Officer", "10.0.0.1", 1_000).await.unwrap();
    store.record_sign_in_failure("other", "10.0.0.1", 1_500).await.unwrap();
    assert_eq!(store.sign_in_failures_since("officer", "10.0.0.1", 900).await.unwrap(), (1, 2));
    assert_eq!(store.sign_in_failures_since("officer", "10.0.0.2", 1_200).await.unwrap(), (0, 0));
}

#[tokio::test]
async fn the_audit_trail_is_filtered_by_place_and_cannot_be_changed() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let record = |at_ms: i64, place: &str, action: &str| AuditRecord {
        at_ms,
        user_id: None,
        username: "t".into(),
        address: "127.0.0.1".into(),
        action: action.into(),
        object_ref: "loan:1".into(),
        place_path: place.into(),
        before_state: "null".into(),
        after_state: "{}".into(),
    };
    store.record_audit(&record(1, "/1/2/3/", "loan.repay")).await.unwrap();
    store.record_audit(&record(2, "/1/4/5/", "member.join")).await.unwrap();
    store.record_audit(&record(3, "/1/2/", "loan.approve")).await.unwrap();
    let under = |path: &str| AuditFilter {
        under: Some(domain::PlacePath::from_stored(path.into())),
        limit: 10,
        ..AuditFilter::default()
    };
    let in_county = store.audit_log(&under("/1/2/")).await.unwrap();
    assert_eq!(in_county.iter().map(|r| r.at_ms).collect::<Vec<_>>(), vec![3, 1], "newest first, in scope only");
    let loans = store
        .audit_log(&AuditFilter { action_prefix: Some("loan.".into()), from_ms: Some(2), ..AuditFilter::default() })
        .await
        .unwrap();
    assert_eq!(loans.len(), 1);

    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    for sql in ["UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"] {
        let error = sqlx::query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(error.to_string().contains("cannot be changed"), "{error}");
    }
    assert_eq!(store.audit_log(&AuditFilter::default()).await.unwrap().len(), 3);
}

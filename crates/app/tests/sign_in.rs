//! Signing in under attack (issue 13): a stranger's guesses never lock the owner out from their own
//! address, a village behind one address keeps signing in, and parallel guesses cannot all slip under
//! the limit. On SQLite, and on PostgreSQL with ABADI_TEST_DATABASE_URL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use app::FixedClock;
use app::auth::{AuthError, FAILURES_PER_ACCOUNT_MAX, FAILURES_PER_ADDRESS_MAX, UserRequest, add_user, sign_in};
use domain::access::Role;
use store::testing::TestDatabase;
use store::{SessionKind, Store};

async fn users(store: &Store, names: &[String]) {
    for name in names {
        let request = UserRequest {
            username: name.clone(),
            display_name: name.clone(),
            password: format!("{name}-long-password"),
            role: Role::Administrator,
            place_id: None,
            fund_id: None,
            bank_id: None,
            language: "fa".into(),
        };
        add_user(store, &FixedClock(0), &request).await.unwrap();
    }
}

#[tokio::test]
async fn guesses_from_elsewhere_never_lock_the_owner_out() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    users(&store, &["owner".to_string()]).await;
    let clock = FixedClock(1_000_000);
    for _ in 0..FAILURES_PER_ACCOUNT_MAX {
        let guess = sign_in(&store, &clock, "owner", "a-wrong-guess", "10.9.9.9", SessionKind::Browser).await;
        assert!(matches!(guess, Err(AuthError::WrongCredentials)), "{guess:?}");
    }
    let guesser = sign_in(&store, &clock, "owner", "owner-long-password", "10.9.9.9", SessionKind::Browser).await;
    assert!(matches!(guesser, Err(AuthError::Throttled { .. })), "the guessing address waits: {guesser:?}");
    let owner = sign_in(&store, &clock, "owner", "owner-long-password", "10.0.0.7", SessionKind::Browser).await;
    assert!(owner.is_ok(), "the owner signs in from their own address: {owner:?}");
}

#[tokio::test]
async fn a_village_behind_one_address_keeps_signing_in() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    let names: Vec<String> = (0..=FAILURES_PER_ADDRESS_MAX).map(|i| format!("user{i}")).collect();
    users(&store, &names).await;
    users(&store, &["careful".to_string()]).await;
    let clock = FixedClock(1_000_000);
    for name in &names {
        let _ = sign_in(&store, &clock, name, "mistyped-password", "10.1.1.1", SessionKind::Browser).await;
    }
    let careful = sign_in(&store, &clock, "careful", "careful-long-password", "10.1.1.1", SessionKind::Browser).await;
    assert!(careful.is_ok(), "a user with no failures from the address signs in: {careful:?}");
    let again = sign_in(&store, &clock, "user0", "user0-long-password", "10.1.1.1", SessionKind::Browser).await;
    assert!(matches!(again, Err(AuthError::Throttled { .. })), "one who failed there waits: {again:?}");
}

#[tokio::test]
async fn parallel_guesses_cannot_all_slip_under_the_limit() {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    users(&store, &["target".to_string()]).await;
    let clock = FixedClock(1_000_000);
    let guesses: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                sign_in(&store, &clock, "target", &format!("guess-number-{i}"), "10.6.6.6", SessionKind::ApiToken).await
            })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            Err(AuthError::WrongCredentials) => checked += 1,
            Err(AuthError::Throttled { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(
        checked <= FAILURES_PER_ACCOUNT_MAX,
        "{checked} passwords were checked, the limit is {FAILURES_PER_ACCOUNT_MAX}"
    );
}

/// API tokens never expired, survived a password change and could not be revoked; no user could be
/// disabled. Now a token lasts 90 days, a password change ends every other session and token, and
/// disabling or revoking ends them at once.
#[tokio::test]
async fn tokens_expire_end_with_the_password_and_a_disabled_user_is_out_at_once() {
    use app::auth::{
        TOKEN_LIFETIME_MS, change_own_password, issue_token_as, revoke_all_as, set_disabled_as, user_of_secret,
    };
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url).await.unwrap();
    users(&store, &["reza".to_string()]).await;
    let (now, operator) = (1_000_000, app::Actor::operator("test"));
    let clock = FixedClock(now);
    let token = issue_token_as(&store, &clock, &operator, "reza", "integration").await.unwrap();
    assert!(user_of_secret(&store, &clock, &token).await.unwrap().is_some());
    let later = FixedClock(now + TOKEN_LIFETIME_MS + 1);
    assert!(user_of_secret(&store, &later, &token).await.unwrap().is_none(), "the token expired");

    // A password change ends the tokens too (all but the session that changed it).
    let token = issue_token_as(&store, &clock, &operator, "reza", "integration").await.unwrap();
    let signed = sign_in(&store, &clock, "reza", "reza-long-password", "10.0.0.1", SessionKind::Browser).await.unwrap();
    let actor = app::Actor::user(&signed.user, "10.0.0.1");
    change_own_password(
        &store,
        &clock,
        &actor,
        &signed.user,
        "reza-long-password",
        "a new long passphrase",
        &signed.secret,
    )
    .await
    .unwrap();
    assert!(user_of_secret(&store, &clock, &token).await.unwrap().is_none(), "the token ended with the password");
    assert!(user_of_secret(&store, &clock, &signed.secret).await.unwrap().is_some(), "the changing session stays");

    // Disabled: out at once, and no sign-in; enabled again: back.
    let token = issue_token_as(&store, &clock, &operator, "reza", "integration").await.unwrap();
    let disabled = set_disabled_as(&store, &clock, &operator, "reza", true).await.unwrap();
    assert!(disabled.disabled);
    assert!(user_of_secret(&store, &clock, &token).await.unwrap().is_none());
    assert!(user_of_secret(&store, &clock, &signed.secret).await.unwrap().is_none());
    let refused = sign_in(&store, &clock, "reza", "a new long passphrase", "10.0.0.1", SessionKind::Browser).await;
    assert!(matches!(refused, Err(AuthError::WrongCredentials)), "{refused:?}");
    set_disabled_as(&store, &clock, &operator, "reza", false).await.unwrap();
    let back =
        sign_in(&store, &clock, "reza", "a new long passphrase", "10.0.0.2", SessionKind::ApiToken).await.unwrap();
    revoke_all_as(&store, &clock, &operator, "reza").await.unwrap();
    assert!(user_of_secret(&store, &clock, &back.secret).await.unwrap().is_none(), "revoked");
    assert!(matches!(set_disabled_as(&store, &clock, &operator, "ghost", true).await, Err(AuthError::Store(_))));
}

//! Signing in: passwords hashed with Argon2id, sessions and API tokens as random secrets of which only
//! a SHA-256 hash is stored, and limits on failed sign-ins per account and per address.

use crate::kernel::snapshot::{NOTHING, Snapshot};
use crate::{Actor, Audited, Clock};
use domain::access::Role;
use domain::{MoneyUnit, PlacePath};
use sha2::{Digest, Sha256};
use store::{NewUser, SessionKind, Store, StoreError, StoreResult, StoreTx, User};

/// Failed sign-ins counted over this window.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// More failures than this for one account within the window, and it waits out the window.
pub const FAILURES_PER_ACCOUNT_MAX: i64 = 5;
/// More failures than this from one address within the window, and it waits out the window.
pub const FAILURES_PER_ADDRESS_MAX: i64 = 20;
/// A browser session lasts this long.
pub const SESSION_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;
/// An API token lasts this long (then a new one is issued); a password change or a disabled user
/// ends it sooner.
pub const TOKEN_LIFETIME_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// The shortest password accepted.
pub const PASSWORD_CHARS_MIN: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong username or password: the two are never told apart.
    #[error("the username or the password is wrong")]
    WrongCredentials,
    #[error("too many failed sign-ins: try again in {retry_after_s} seconds")]
    Throttled { retry_after_s: i64 },
    #[error("the password needs at least {PASSWORD_CHARS_MIN} characters")]
    WeakPassword,
    /// The role, or its place, is not the actor's to grant (`domain::access::may_grant`).
    #[error("that role over that place is not yours to grant")]
    NotYoursToGrant,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A password anyone would guess first, whatever its length: only spaces, one character repeated, a
/// run of consecutive digits (`1234567890`), the username itself or twice, or a well-known one.
pub fn is_obvious_password(password: &str, username: &str) -> bool {
    let text = password.trim();
    let chars: Vec<char> = text.chars().collect();
    let lower = text.to_lowercase();
    let name = username.trim().to_lowercase();
    let repeated = chars.windows(2).all(|w| w[0] == w[1]);
    let digits: Vec<u32> = chars.iter().filter_map(|c| c.to_digit(10)).collect();
    let run = digits.len() == chars.len()
        && (digits.windows(2).all(|w| (w[0] + 1) % 10 == w[1]) || digits.windows(2).all(|w| (w[1] + 1) % 10 == w[0]));
    let of_name = !name.is_empty() && (lower == name || lower == name.repeat(2));
    const KNOWN: &[&str] = &["password", "password123", "qwertyuiop", "1q2w3e4r5t", "iloveyou12", "abcdefghij"];
    text.is_empty() || repeated || run || of_name || KNOWN.contains(&lower.as_str())
}

/// A password hashed with Argon2id (its parameters and salt inside the PHC string).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes)
        .map_err(|e| AuthError::Store(StoreError::Unexpected(format!("no randomness from the system: {e}"))))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| AuthError::Store(StoreError::Unexpected(format!("cannot encode the salt: {e}"))))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Store(StoreError::Unexpected(format!("cannot hash the password: {e}"))))
}

/// How many Argon2 checks run at once, off the async workers: a flood of sign-ins then waits its turn
/// instead of slowing every other request.
const PASSWORD_CHECKS_AT_ONCE: usize = 2;

static PASSWORD_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PASSWORD_CHECKS_AT_ONCE);

/// [`password_matches`] on the blocking pool, at most [`PASSWORD_CHECKS_AT_ONCE`] at a time.
async fn password_matches_blocking(password: &str, stored_hash: &str) -> bool {
    let Ok(_permit) = PASSWORD_CHECKS.acquire().await else { return false };
    let (password, stored_hash) = (password.to_string(), stored_hash.to_string());
    tokio::task::spawn_blocking(move || password_matches(&password, &stored_hash)).await.unwrap_or(false)
}

fn password_matches(password: &str, stored_hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored_hash)
        .is_ok_and(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A new secret for a session or token: 32 random bytes as 64 hex digits.
pub fn new_secret() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AuthError::Store(StoreError::Unexpected(format!("no randomness from the system: {e}"))))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the database keeps of a secret.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A user to create, with the password in the clear (hashed here).
#[derive(Clone, Debug)]
pub struct UserRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub place_id: Option<i64>,
    pub fund_id: Option<i64>,
    pub bank_id: Option<i64>,
    pub language: String,
}

pub async fn add_user(store: &Store, clock: &dyn Clock, request: &UserRequest) -> Result<User, AuthError> {
    let mut tx = store.begin().await?;
    let user = add_user_in(&mut tx, clock, request).await?;
    tx.commit().await?;
    Ok(user)
}

/// [`add_user`] inside a command's transaction (the password is hashed before anything is written).
pub async fn add_user_in(tx: &mut StoreTx, clock: &dyn Clock, request: &UserRequest) -> Result<User, AuthError> {
    let new = new_user(request)?;
    Ok(tx.add_user(&new, clock.now_ms()).await?)
}

/// The user to store: the password long enough, and hashed.
fn new_user(request: &UserRequest) -> Result<NewUser, AuthError> {
    if request.password.chars().count() < PASSWORD_CHARS_MIN
        || is_obvious_password(&request.password, &request.username)
    {
        return Err(AuthError::WeakPassword);
    }
    Ok(NewUser {
        username: request.username.clone(),
        display_name: request.display_name.clone(),
        password_hash: hash_password(&request.password)?,
        role: request.role,
        place_id: request.place_id,
        fund_id: request.fund_id,
        bank_id: request.bank_id,
        language: request.language.clone(),
    })
}

/// A signed-in session: the secret goes to the client once; the database keeps its hash.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    pub secret: String,
}

/// Checks a username and password from an address and opens a session or issues an API token.
/// Failures are counted per username and address (and per address for usernames that failed there);
/// over the limit the answer is `Throttled` whatever the password (so a guesser learns nothing),
/// until the window has passed.
pub async fn sign_in(
    store: &Store,
    clock: &dyn Clock,
    username: &str,
    password: &str,
    address: &str,
    kind: SessionKind,
) -> Result<SignedIn, AuthError> {
    let now = clock.now_ms();
    // The attempt is counted before the password is checked: parallel guesses cannot all slip under
    // the limit. Guesses are slowed per username and address, so that a stranger's guesses never lock
    // the owner out from their own address; an address with many failures is slowed only for the
    // usernames that failed from it (a village behind one address keeps signing in).
    let (attempt, by_pair, by_address) = store.sign_in_attempt(username, address, now, now - FAILURE_WINDOW_MS).await?;
    if by_pair > FAILURES_PER_ACCOUNT_MAX || (by_address > FAILURES_PER_ADDRESS_MAX && by_pair > 1) {
        return Err(AuthError::Throttled { retry_after_s: FAILURE_WINDOW_MS / 1000 });
    }
    let found = store.user_for_sign_in(username).await?;
    // The same work whether or not the username exists, so that timing tells nothing.
    let hash = found.as_ref().map_or(DUMMY_HASH.to_string(), |(_, hash)| hash.clone());
    let matches = password_matches_blocking(password, &hash).await;
    let user = match found {
        Some((user, _)) if !user.disabled && matches => user,
        _ => return Err(AuthError::WrongCredentials),
    };
    store.forgive_sign_in_attempt(attempt).await?;
    let secret = new_secret()?;
    let (label, expires) = match kind {
        SessionKind::Browser => ("browser", Some(now + SESSION_LIFETIME_MS)),
        SessionKind::ApiToken => ("api token", Some(now + TOKEN_LIFETIME_MS)),
    };
    // The session and its audit record in one transaction.
    let mut tx = store.begin().await?;
    tx.add_session(&secret_hash(&secret), user.id, kind, label, now, expires).await?;
    tx.audit(&store::AuditRecord {
        at_ms: now,
        user_id: Some(user.id),
        username: user.username.clone(),
        address: address.to_string(),
        action: "user.sign_in".into(),
        object_ref: format!("user:{}", user.id),
        place_path: scope_path(&user),
        before_state: "null".into(),
        after_state: format!("{{\"kind\": \"{}\"}}", if kind == SessionKind::Browser { "browser" } else { "api" }),
    })
    .await?;
    tx.commit().await?;
    Ok(SignedIn { user, secret })
}

/// The place a user's audit records lie at: their scope's place, or the root.
pub fn scope_path(user: &User) -> String {
    match &user.grant.scope {
        domain::access::Scope::Place(p) | domain::access::Scope::Fund { place: p, .. } => p.as_str().to_string(),
        _ => "/".into(),
    }
}

/// An API token for a user, without a password (the administrator's `abadi user token`).
pub async fn issue_token(store: &Store, clock: &dyn Clock, user_id: i64, label: &str) -> Result<String, AuthError> {
    let secret = new_secret()?;
    let expires = Some(clock.now_ms() + TOKEN_LIFETIME_MS);
    store.add_session(&secret_hash(&secret), user_id, SessionKind::ApiToken, label, clock.now_ms(), expires).await?;
    Ok(secret)
}

/// The user behind a secret, if it is a live session or token.
pub async fn user_of_secret(store: &Store, clock: &dyn Clock, secret: &str) -> Result<Option<User>, AuthError> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(store.session_user(&secret_hash(secret), clock.now_ms()).await?)
}

/// How long a looked-up session is trusted without reading the database again.
pub const SESSION_CACHE_MS: i64 = 10 * 1000;

/// Sessions and tokens looked up recently, so that a page view does not read the database for its
/// user: a busy server would otherwise spend a query per request on it. An entry is trusted for
/// `SESSION_CACHE_MS`; whatever ends a session or changes a user through this process calls `forget`,
/// and a change made elsewhere (the command line, another server on the same database) is seen
/// within that time. Only live sessions are kept, never a failed look-up.
#[derive(Default)]
pub struct SessionCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (i64, User)>>,
}

/// Entries kept at most; past it the cache starts again (a server has far fewer live sessions).
const SESSION_CACHE_ENTRIES_MAX: usize = 10_000;

impl SessionCache {
    /// The user behind a secret, as `user_of_secret`, from memory when it was looked up recently.
    pub async fn user_of_secret(
        &self,
        store: &Store,
        clock: &dyn Clock,
        secret: &str,
    ) -> Result<Option<User>, AuthError> {
        let now_ms = clock.now_ms();
        let hash = secret_hash(secret);
        if let Some((checked_at_ms, user)) = self.lock().get(&hash)
            && now_ms - checked_at_ms < SESSION_CACHE_MS
            && now_ms >= *checked_at_ms
        {
            return Ok(Some(user.clone()));
        }
        let user = user_of_secret(store, clock, secret).await?;
        let mut entries = self.lock();
        match &user {
            Some(user) => {
                if entries.len() >= SESSION_CACHE_ENTRIES_MAX {
                    entries.clear();
                }
                entries.insert(hash, (now_ms, user.clone()));
            }
            None => {
                entries.remove(&hash);
            }
        }
        Ok(user)
    }

    /// Forgets every session: after a sign-out, a password change or a change to a user.
    pub fn forget(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (i64, User)>> {
        // A panic while holding the lock leaves nothing half-done in a map of look-ups.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Changes a password after checking the current one; every other browser session of the user ends.
pub async fn change_password(
    store: &Store,
    clock: &dyn Clock,
    user: &User,
    current: &str,
    new_password: &str,
    keep_secret: &str,
) -> Result<(), AuthError> {
    let mut tx = store.begin().await?;
    change_password_in(&mut tx, clock, user, current, new_password, keep_secret).await?;
    tx.commit().await?;
    Ok(())
}

/// [`change_password`] inside a command's transaction.
pub async fn change_password_in(
    tx: &mut StoreTx,
    clock: &dyn Clock,
    user: &User,
    current: &str,
    new_password: &str,
    keep_secret: &str,
) -> Result<(), AuthError> {
    let (_, hash) = tx.user_for_sign_in(&user.username).await?.ok_or(AuthError::WrongCredentials)?;
    if !password_matches(current, &hash) {
        return Err(AuthError::WrongCredentials);
    }
    if new_password.chars().count() < PASSWORD_CHARS_MIN || is_obvious_password(new_password, &user.username) {
        return Err(AuthError::WeakPassword);
    }
    tx.set_password_hash(user.id, &hash_password(new_password)?).await?;
    tx.revoke_other_sessions(user.id, &secret_hash(keep_secret), clock.now_ms()).await?;
    Ok(())
}

/// The place and name a change to a user is audited under.
fn user_audit(user: &User, before: impl ToString, after: impl ToString) -> Audited {
    Audited::new(format!("user:{}", user.id), &PlacePath::from_stored(scope_path(user)), before, after)
}

/// Changes the actor's own password (see [`change_password_in`]), audited. The passwords are checked
/// and hashed before the transaction begins, so that the slow hash holds no write turn; the change is
/// refused if the password changed meanwhile.
pub async fn change_own_password(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    user: &User,
    current: &str,
    new_password: &str,
    keep_secret: &str,
) -> Result<(), AuthError> {
    let (_, hash) = store.user_for_sign_in(&user.username).await?.ok_or(AuthError::WrongCredentials)?;
    if !password_matches(current, &hash) {
        return Err(AuthError::WrongCredentials);
    }
    if new_password.chars().count() < PASSWORD_CHARS_MIN || is_obvious_password(new_password, &user.username) {
        return Err(AuthError::WeakPassword);
    }
    let new_hash = hash_password(new_password)?;
    crate::command(store, clock, actor, "user.password", async |tx| {
        let (_, now_hash) = tx.user_for_sign_in(&user.username).await?.ok_or(AuthError::WrongCredentials)?;
        if now_hash != hash {
            return Err(AuthError::WrongCredentials);
        }
        tx.set_password_hash(user.id, &new_hash).await?;
        tx.revoke_other_sessions(user.id, &secret_hash(keep_secret), clock.now_ms()).await?;
        Ok(((), Some(user_audit(user, NOTHING, NOTHING))))
    })
    .await
}

/// Ends the session behind `secret`, audited.
pub async fn sign_out(store: &Store, clock: &dyn Clock, actor: &Actor, user: &User, secret: &str) -> StoreResult<()> {
    crate::command(store, clock, actor, "user.sign_out", async |tx| {
        tx.revoke_session(&secret_hash(secret), clock.now_ms()).await?;
        Ok(((), Some(user_audit(user, NOTHING, NOTHING))))
    })
    .await
}

/// Sets the language (`fa` or `en`) and money unit a user reads in; the user as changed.
pub async fn set_preferences(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    user: &User,
    language: &str,
    unit: MoneyUnit,
) -> StoreResult<User> {
    let describe = |language: &str, unit: MoneyUnit| {
        Snapshot::new().text("language", language).text("unit", if unit == MoneyUnit::Toman { "toman" } else { "rial" })
    };
    crate::command(store, clock, actor, "user.settings", async |tx| {
        let changed = tx.set_user_preferences(user.id, language, unit).await?;
        let audited = user_audit(
            user,
            describe(&user.language, user.money_unit),
            describe(&changed.language, changed.money_unit),
        );
        Ok((changed, Some(audited)))
    })
    .await
}

/// Adds a user, as the actor (the users page, or the operator at the command line), audited. The
/// password is hashed before the transaction begins.
pub async fn add_user_as(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    request: &UserRequest,
) -> Result<User, AuthError> {
    let new = new_user(request)?;
    crate::command(store, clock, actor, "user.add", async |tx| {
        // The place the new user will cover, read in the same transaction the user is written in.
        let target = match (request.place_id, request.fund_id) {
            (Some(place), _) => tx.place(place).await.ok().map(|p| p.path),
            (_, Some(fund)) => tx.fund_place_path(fund).await.ok(),
            _ => None,
        };
        if !domain::access::may_grant(&actor.grant, request.role, target.as_ref()) {
            return Err(AuthError::NotYoursToGrant);
        }
        let user = tx.add_user(&new, clock.now_ms()).await?;
        let after = Snapshot::new()
            .text("username", &user.username)
            .text("role", user.grant.role.code())
            .opt_int("place_id", request.place_id)
            .opt_int("fund_id", request.fund_id);
        Ok((user.clone(), Some(user_audit(&user, NOTHING, after))))
    })
    .await
}

/// Issues an API token for a user without their password (the operator's `abadi user token`), audited.
pub async fn issue_token_as(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    username: &str,
    label: &str,
) -> Result<String, AuthError> {
    let secret = new_secret()?;
    crate::command(store, clock, actor, "user.token", async |tx| {
        let (user, _) = tx.user_for_sign_in(username).await?.ok_or(StoreError::NotFound { what: "user", id: 0 })?;
        let expires = Some(clock.now_ms() + TOKEN_LIFETIME_MS);
        tx.add_session(&secret_hash(&secret), user.id, SessionKind::ApiToken, label, clock.now_ms(), expires).await?;
        Ok((secret.clone(), Some(user_audit(&user, NOTHING, Snapshot::new().text("label", label)))))
    })
    .await
}

/// Opens a session for a user without their password, as the actor (the system's own tools: the
/// page benchmark), audited.
pub async fn open_session_as(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    user: &User,
    kind: SessionKind,
    label: &str,
) -> Result<String, AuthError> {
    let secret = new_secret()?;
    crate::command(store, clock, actor, "user.session", async |tx| {
        let lifetime = if kind == SessionKind::Browser { SESSION_LIFETIME_MS } else { TOKEN_LIFETIME_MS };
        tx.add_session(&secret_hash(&secret), user.id, kind, label, clock.now_ms(), Some(clock.now_ms() + lifetime))
            .await?;
        Ok((secret.clone(), Some(user_audit(user, NOTHING, Snapshot::new().text("label", label)))))
    })
    .await
}

/// Disables (or enables again) the user named, as the actor: a disabled user's sessions and tokens
/// end at once, and they cannot sign in. Audited with the state before and after.
pub async fn set_disabled_as(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> Result<User, AuthError> {
    let action = if disabled { "user.disable" } else { "user.enable" };
    crate::command(store, clock, actor, action, async |tx| {
        let (user, _) = tx.user_for_sign_in(username).await?.ok_or(StoreError::NotFound { what: "user", id: 0 })?;
        let changed = tx.set_user_disabled(user.id, disabled, clock.now_ms()).await?;
        let state = |u: &User| Snapshot::new().text("username", &u.username).bool("disabled", u.disabled);
        Ok((changed.clone(), Some(user_audit(&user, state(&user), state(&changed)))))
    })
    .await
}

/// Ends every session and token of the user named, as the actor (a lost phone, a leaked token).
pub async fn revoke_all_as(store: &Store, clock: &dyn Clock, actor: &Actor, username: &str) -> Result<User, AuthError> {
    crate::command(store, clock, actor, "user.revoke", async |tx| {
        let (user, _) = tx.user_for_sign_in(username).await?.ok_or(StoreError::NotFound { what: "user", id: 0 })?;
        tx.revoke_other_sessions(user.id, "", clock.now_ms()).await?;
        Ok((user.clone(), Some(user_audit(&user, NOTHING, Snapshot::new().text("sessions", "revoked")))))
    })
    .await
}

/// A valid Argon2id hash of a password nobody has, checked against when the username is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZLqU7lJ1k8H8b9b0mR2QyL3m0bS8m9y3a7cV3pQ2hNk";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_hash_checks_the_password_and_nothing_else() {
        let hash = hash_password("گذرواژه‌ی بلند").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("گذرواژه‌ی بلند", &hash));
        assert!(!password_matches("گذرواژه‌ی کوتاه", &hash));
        assert!(!password_matches("x", "not a hash"));
    }

    #[test]
    fn the_passwords_anyone_would_guess_first_are_refused() {
        for obvious in
            ["1234567890", "0987654321", "          ", "aaaaaaaaaaaa", "rezarezareza", "rezareza", "Password123"]
        {
            assert!(is_obvious_password(obvious, "reza") || obvious == "rezarezareza", "{obvious:?}");
        }
        assert!(is_obvious_password("rezareza", "reza") && is_obvious_password("officer_a", "officer_a"));
        for fine in ["گذرواژه‌ی بلند", "treasurer_a-password", "1403-zard-sib", "officer-demo-1405"] {
            assert!(!is_obvious_password(fine, "treasurer_a"), "{fine:?}");
        }
    }

    #[test]
    fn secrets_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }
}

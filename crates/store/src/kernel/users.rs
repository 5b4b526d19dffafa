//! Users, their grants, sessions and API tokens (kept only as hashes), failed sign-ins, and the audit
//! trail. Passwords arrive here already hashed: hashing is the use case's work.

use crate::tx::{read_on_both, write_on_both};
use crate::{Store, StoreError, StoreResult, StoreTx};
use domain::access::{Grant, Role, Scope};
use domain::place::PlacePath;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A user as the application sees them: who, in what role, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub grant: Grant,
    /// `fa` or `en`.
    pub language: String,
    /// The unit amounts are shown and typed in.
    pub money_unit: domain::MoneyUnit,
    pub disabled: bool,
}

/// A user to create. `place_id` for officers and auditors, `fund_id` for treasurers, `bank_id` for
/// bank liaisons, none for administrators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub place_id: Option<i64>,
    pub fund_id: Option<i64>,
    pub bank_id: Option<i64>,
    pub language: String,
}

/// A session of a browser or an API token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Browser,
    ApiToken,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::ApiToken => "api",
        }
    }
}

/// One change, as the audit trail keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub at_ms: i64,
    pub user_id: Option<i64>,
    pub username: String,
    /// Where the request came from (an IP address).
    pub address: String,
    /// What was done, as a stable code: `member.join`, `loan.repay`, `user.sign_in`, …
    pub action: String,
    /// What it was done to: `fund:3`, `loan:17`, …
    pub object_ref: String,
    /// The place it lies at, so a scoped reader finds it.
    pub place_path: String,
    /// The state before and after, as the shell described it (JSON text from the web shell).
    pub before_state: String,
    pub after_state: String,
}

impl AuditRecord {
    /// A change made by the system (the close of day, tests, the benchmark's workload).
    pub fn system(action: &str, object_ref: &str, at_ms: i64) -> AuditRecord {
        AuditRecord {
            at_ms,
            user_id: None,
            username: "system".into(),
            address: String::new(),
            action: action.into(),
            object_ref: object_ref.into(),
            place_path: "/".into(),
            before_state: "null".into(),
            after_state: "null".into(),
        }
    }
}

/// What to show of the audit trail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only records at this place or under it.
    pub under: Option<PlacePath>,
    pub username: Option<String>,
    /// Actions starting with this text (`loan.` for every loan action).
    pub action_prefix: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub limit: u32,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Unexpected(format!("stored {what} {value:?} is not valid"))
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.fund_id, u.bank_id, u.language, u.money_unit, u.disabled, \
     COALESCE(p.path, fp.path) AS scope_path";
/// The joins that give a user's scope its place path; they follow `users u`.
const USER_JOINS: &str = "LEFT JOIN places p ON p.id = u.place_id LEFT JOIN funds f ON f.id = u.fund_id LEFT JOIN places fp ON fp.id = f.place_id";

fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    let role_code: String = row.try_get("role")?;
    let role = Role::parse(&role_code).map_err(|_| corrupt("role", &role_code))?;
    let path: Option<String> = row.try_get("scope_path")?;
    let scope = match role {
        Role::Administrator => Scope::Installation,
        Role::Officer | Role::Auditor => {
            Scope::Place(PlacePath::from_stored(path.ok_or_else(|| corrupt("scope of", &role_code))?))
        }
        Role::Treasurer => Scope::Fund {
            fund_id: row.try_get::<Option<i64>, _>("fund_id")?.ok_or_else(|| corrupt("fund of", &role_code))?,
            place: PlacePath::from_stored(path.ok_or_else(|| corrupt("scope of", &role_code))?),
        },
        Role::BankLiaison => {
            Scope::Bank(row.try_get::<Option<i64>, _>("bank_id")?.ok_or_else(|| corrupt("bank of", &role_code))?)
        }
    };
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        grant: Grant { role, scope },
        language: row.try_get("language")?,
        money_unit: if row.try_get::<String, _>("money_unit")? == "toman" {
            domain::MoneyUnit::Toman
        } else {
            domain::MoneyUnit::Rial
        },
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

impl Store {
    /// Creates a user. The role's scope must be the kind it takes, and name an existing place or fund.
    pub(crate) async fn add_user_in(&self, tx: &mut StoreTx, new: &NewUser, now_ms: i64) -> StoreResult<User> {
        let username = new.username.trim().to_lowercase();
        if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
            return Err(StoreError::Invalid("a username is 1 to 64 characters with no spaces".into()));
        }
        if !matches!(new.language.as_str(), "fa" | "en") {
            return Err(StoreError::Invalid("the language is fa or en".into()));
        }
        let scope = match new.role {
            Role::Administrator => Scope::Installation,
            Role::Officer | Role::Auditor => match new.place_id {
                Some(id) => Scope::Place(tx.place(id).await?.path),
                None => Scope::Bank(0), // refused just below, with the reason
            },
            Role::Treasurer => match new.fund_id {
                Some(id) => {
                    let fund = tx.fund(id).await?;
                    Scope::Fund { fund_id: id, place: tx.place(fund.place_id).await?.path }
                }
                None => Scope::Bank(0),
            },
            Role::BankLiaison => Scope::Bank(new.bank_id.unwrap_or(0)),
        };
        let extra = match new.role {
            Role::Administrator => new.place_id.is_some() || new.fund_id.is_some(),
            Role::Officer | Role::Auditor => new.fund_id.is_some(),
            Role::Treasurer => new.place_id.is_some(),
            Role::BankLiaison => new.place_id.is_some() || new.fund_id.is_some() || new.bank_id.is_none(),
        };
        Grant::new(new.role, scope).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if extra {
            return Err(StoreError::Invalid(format!("a {} is granted one scope only", new.role.code())));
        }
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(&username)
            .fetch_one(tx.conn())
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("the username {username} is taken")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, place_id, fund_id, bank_id, language, \
             created_at_ms, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0) RETURNING id",
        )
        .bind(&username)
        .bind(domain::text::normalize_text(&new.display_name))
        .bind(&new.password_hash)
        .bind(new.role.code())
        .bind(new.place_id)
        .bind(new.fund_id)
        .bind(new.bank_id)
        .bind(&new.language)
        .bind(now_ms)
        .fetch_one(tx.conn())
        .await?;
        tx.user(id).await
    }

    /// Every user, by username.
    pub async fn users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u {USER_JOINS} ORDER BY u.username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The language (`fa` or `en`) and the money unit a user reads pages in.
    pub(crate) async fn set_user_preferences_in(
        &self,
        tx: &mut StoreTx,
        user_id: i64,
        language: &str,
        unit: domain::MoneyUnit,
    ) -> StoreResult<User> {
        if !matches!(language, "fa" | "en") {
            return Err(StoreError::Invalid("the language is fa or en".into()));
        }
        let unit = match unit {
            domain::MoneyUnit::Rial => "rial",
            domain::MoneyUnit::Toman => "toman",
        };
        sqlx::query("UPDATE users SET language = $1, money_unit = $2 WHERE id = $3")
            .bind(language)
            .bind(unit)
            .bind(user_id)
            .execute(tx.conn())
            .await?;
        tx.user(user_id).await
    }

    pub(crate) async fn set_password_hash_in(
        &self,
        tx: &mut StoreTx,
        user_id: i64,
        password_hash: &str,
    ) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(tx.conn())
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound { what: "user", id: user_id });
        }
        Ok(())
    }

    /// Records a session (or API token) by the hash of its secret.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn add_session_in(
        &self,
        tx: &mut StoreTx,
        token_hash: &str,
        user_id: i64,
        kind: SessionKind,
        label: &str,
        now_ms: i64,
        expires_at_ms: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, kind, label, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(kind.code())
        .bind(label)
        .bind(now_ms)
        .bind(expires_at_ms)
        .execute(tx.conn())
        .await?;
        Ok(())
    }

    /// The user behind a session or token that is neither revoked nor expired, nor of a disabled user.
    pub async fn session_user(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id {USER_JOINS} \
             WHERE s.token_hash = $1 AND s.revoked_at_ms IS NULL AND (s.expires_at_ms IS NULL OR s.expires_at_ms > $2) \
             AND u.disabled = 0"
        );
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(now_ms).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Disables a user (`true`: their sessions and tokens end with it, since a disabled user's are never
    /// honoured, and are revoked too) or enables them again; the user as changed.
    pub(crate) async fn set_user_disabled_in(
        &self,
        tx: &mut StoreTx,
        user_id: i64,
        disabled: bool,
        now_ms: i64,
    ) -> StoreResult<User> {
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(tx.conn())
            .await?;
        if disabled {
            self.revoke_other_sessions_in(tx, user_id, "", now_ms).await?;
        }
        tx.user(user_id).await
    }

    /// Ends a session (signing out) or revokes a token.
    pub(crate) async fn revoke_session_in(&self, tx: &mut StoreTx, token_hash: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET revoked_at_ms = $1 WHERE token_hash = $2 AND revoked_at_ms IS NULL")
            .bind(now_ms)
            .bind(token_hash)
            .execute(tx.conn())
            .await?;
        Ok(())
    }

    /// Ends every session of a user but one (after a password change).
    pub(crate) async fn revoke_other_sessions_in(
        &self,
        tx: &mut StoreTx,
        user_id: i64,
        keep_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1 WHERE user_id = $2 AND token_hash <> $3 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(user_id)
        .bind(keep_hash)
        .execute(tx.conn())
        .await?;
        Ok(())
    }

    pub(crate) async fn record_sign_in_failure_in(
        &self,
        tx: &mut StoreTx,
        username: &str,
        address: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO sign_in_failures (username, address, at_ms) VALUES ($1, $2, $3)")
            .bind(username.trim().to_lowercase())
            .bind(address)
            .bind(now_ms)
            .execute(tx.conn())
            .await?;
        Ok(())
    }

    /// Failed sign-ins since a moment: for this username, and from this address.
    pub async fn sign_in_failures_since(
        &self,
        username: &str,
        address: &str,
        since_ms: i64,
    ) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND address = $2 AND at_ms >= $3) AS by_user, \
             (SELECT COUNT(*) FROM sign_in_failures WHERE address = $2 AND at_ms >= $3) AS by_address",
        )
        .bind(username.trim().to_lowercase())
        .bind(address)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("by_user")?, row.try_get("by_address")?))
    }

    /// Counts a sign-in attempt before its password is checked, so that parallel guesses cannot all
    /// pass the limit: the attempt is written as a failure, then the failures of this username from
    /// this address, and of this address, since `since_ms` are counted, itself included — all in one
    /// write transaction (on PostgreSQL under an advisory lock for the username). The attempt's id is
    /// given back so that a right password can forgive it ([`Store::forgive_sign_in_attempt`]).
    pub async fn sign_in_attempt(
        &self,
        username: &str,
        address: &str,
        now_ms: i64,
        since_ms: i64,
    ) -> StoreResult<(i64, i64, i64)> {
        let username = username.trim().to_lowercase();
        let mut tx = self.begin().await?;
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(&username).execute(tx.conn()).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sign_in_failures (username, address, at_ms) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(&username)
        .bind(address)
        .bind(now_ms)
        .fetch_one(tx.conn())
        .await?;
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND address = $2 AND at_ms >= $3) AS by_pair, \
             (SELECT COUNT(*) FROM sign_in_failures WHERE address = $2 AND at_ms >= $3) AS by_address",
        )
        .bind(&username)
        .bind(address)
        .bind(since_ms)
        .fetch_one(tx.conn())
        .await?;
        let counts = (id, row.try_get("by_pair")?, row.try_get("by_address")?);
        tx.commit_as_system("user.sign_in_attempt", "sign_in", now_ms).await?;
        Ok(counts)
    }

    /// A sign-in attempt that turned out right is not a failure.
    pub async fn forgive_sign_in_attempt(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE id = $1").bind(id).execute(tx.conn()).await?;
        tx.commit_as_system("user.sign_in", "sign_in", 0).await
    }

    /// Writes an audit record on its own (tests); a change writes its record with [`StoreTx::audit`].
    pub async fn record_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.audit(record).await?;
        tx.commit().await
    }

    /// The audit trail, newest first, filtered.
    pub async fn audit_log(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let mut sql = String::from(
            "SELECT at_ms, user_id, username, address, action, object_ref, place_path, before_state, after_state \
             FROM audit_log WHERE 1 = 1",
        );
        let mut texts: Vec<String> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        // Text conditions take $1..; numeric ones follow them.
        if let Some(under) = &filter.under {
            texts.push(format!("{}%", under.as_str()));
            sql.push_str(&format!(" AND place_path LIKE ${}", texts.len()));
        }
        if let Some(username) = &filter.username {
            texts.push(username.trim().to_lowercase());
            sql.push_str(&format!(" AND username = ${}", texts.len()));
        }
        if let Some(prefix) = &filter.action_prefix {
            texts.push(format!("{prefix}%"));
            sql.push_str(&format!(" AND action LIKE ${}", texts.len()));
        }
        let mut numbered = Vec::new();
        if let Some(from) = filter.from_ms {
            numbers.push(from);
            numbered.push(" AND at_ms >= ");
        }
        if let Some(until) = filter.until_ms {
            numbers.push(until);
            numbered.push(" AND at_ms < ");
        }
        for (i, condition) in numbered.iter().enumerate() {
            sql.push_str(&format!("{condition}${}", texts.len() + i + 1));
        }
        let limit = if filter.limit == 0 { 100 } else { filter.limit.min(1000) };
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for text in &texts {
            query = query.bind(text.as_str());
        }
        for number in numbers {
            query = query.bind(number);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    at_ms: r.try_get("at_ms")?,
                    user_id: r.try_get("user_id")?,
                    username: r.try_get("username")?,
                    address: r.try_get("address")?,
                    action: r.try_get("action")?,
                    object_ref: r.try_get("object_ref")?,
                    place_path: r.try_get("place_path")?,
                    before_state: r.try_get("before_state")?,
                    after_state: r.try_get("after_state")?,
                })
            })
            .collect()
    }
}

pub(crate) async fn user_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u {USER_JOINS} WHERE u.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "user", id })?;
    user_from_row(&row)
}

read_on_both!(
    user(id: i64) -> User = user_on
);

write_on_both!(
    add_user = add_user_in(new: &NewUser, now_ms: i64) -> User,
    audit "user.add", "user:new", 0
);

write_on_both!(
    set_user_preferences = set_user_preferences_in(user_id: i64, language: &str, unit: domain::MoneyUnit) -> User,
    audit "user.settings", format!("user:{user_id}"), 0
);

write_on_both!(
    set_password_hash = set_password_hash_in(user_id: i64, password_hash: &str) -> (),
    audit "user.password", format!("user:{user_id}"), 0
);

write_on_both!(
    add_session = add_session_in(token_hash: &str, user_id: i64, kind: SessionKind, label: &str, now_ms: i64, expires_at_ms: Option<i64>) -> (),
    audit "user.session", format!("user:{user_id}"), 0
);

write_on_both!(
    revoke_session = revoke_session_in(token_hash: &str, now_ms: i64) -> (),
    audit "user.sign_out", "session", 0
);

write_on_both!(
    set_user_disabled = set_user_disabled_in(user_id: i64, disabled: bool, now_ms: i64) -> User,
    audit "user.disabled", format!("user:{user_id}"), now_ms
);

write_on_both!(
    revoke_other_sessions = revoke_other_sessions_in(user_id: i64, keep_hash: &str, now_ms: i64) -> (),
    audit "user.sessions", format!("user:{user_id}"), 0
);

write_on_both!(
    record_sign_in_failure = record_sign_in_failure_in(username: &str, address: &str, now_ms: i64) -> (),
    audit "user.sign_in_failed", "user", 0
);

pub(crate) async fn user_for_sign_in_on(
    conn: &mut sqlx::AnyConnection,
    username: &str,
) -> StoreResult<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u {USER_JOINS} WHERE u.username = $1");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username.trim().to_lowercase()).fetch_optional(&mut *conn).await?;
    match row {
        Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
        None => Ok(None),
    }
}

read_on_both!(
    /// A user by username, with their password hash, for signing in.
    user_for_sign_in(username: &str) -> Option<(User, String)> = user_for_sign_in_on
);

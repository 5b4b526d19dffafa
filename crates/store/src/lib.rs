//! Abadi's storage: one interface over SQLite and PostgreSQL.
//!
//! The backend is chosen from the database URL at start-up (`sqlite://PATH` or `postgres://…`); the
//! same SQL (with `$1…$n` placeholders) runs on both through sqlx's `Any` driver. Migrations are
//! embedded and applied on open. Driver errors are mapped here: callers never see sqlx types.

mod funds;
mod kernel;
pub mod testing;

// The modules by their short names, wherever their programme's folder keeps them.
use funds::{closeday, loans, lottery, statement};
use kernel::{books, jobs, report, schema, tx, users};

pub use books::{Account, Book, EntryFilter, Place, PostOutcome, PostStatus, PostedEntry, VerifyProblem, VerifyReport};
pub use closeday::{CATCH_UP_DAYS_MAX, CloseReport};
pub use funds::{CapitalRecord, Fund, ImportedMember, Member, NewMember, check_rules};
pub use jobs::{Job, JobSpec, Visit};
pub use loans::{
    Approver, ImportedLoan, Loan, LoanApplication, LoanDue, LoanStatus, MeetingOutcome, OpenedLoan, Repayment,
    RepaymentRecord,
};
pub use lottery::DrawRecord;
pub use report::{DayFlows, FundFacts};
pub use schema::SCHEMA_VERSION;
pub use statement::{DuesLine, MemberStatement};
pub use tx::StoreTx;
pub use users::{AuditFilter, AuditRecord, NewUser, SessionKind, User};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;

/// Which database the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Storage errors, mapped at the boundary. `Unexpected` carries the driver's message for the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unknown database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnknownScheme(String),
    #[error("{0} is not an SQLite database")]
    NotSqlite(String),
    #[error("the database has schema version {found}, newer than this program's {supported}: upgrade Abadi")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    #[error(
        "the database file is damaged ({0}); restore a backup (made by `abadi backup`) and keep this file for inspection"
    )]
    Damaged(String),
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: i64 },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("entry {index} (key {key:?}) was refused: {error}; nothing was posted")]
    Rejected { index: usize, key: String, error: domain::LedgerError },
    #[error("line {} of the sheet (loan {loan_id}) was refused: {error}; nothing was posted", .index + 1)]
    SheetLine { index: usize, loan_id: i64, error: Box<StoreError> },
    #[error("item {} of the import was refused: {error}; nothing was written", .index + 1)]
    ImportRow { index: usize, error: Box<StoreError> },
    #[error("the loan request fails: {}", .0.iter().map(|r| r.message_en()).collect::<Vec<_>>().join("; "))]
    Ineligible(Vec<domain::fund::Refusal>),
    #[error(
        "{what} {id} changed since the form was loaded (someone else saved first); nothing was saved: check the fresh figures and save again"
    )]
    Stale { what: &'static str, id: i64 },
    #[error("{0}")]
    JobRefused(domain::jobs::JobRefusal),
    #[error("{0} is not supported on this database")]
    Unsupported(&'static str),
    #[error("unexpected database error: {0}")]
    Unexpected(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        StoreError::Unexpected(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The store: a pool on one database, and on SQLite the process's turn to write.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time: writers take this turn before `BEGIN IMMEDIATE`, so they
    /// queue in order rather than poll SQLite's busy lock.
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = FULL").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    // 64 MiB of page cache per connection: the books' indexes stay in memory.
    conn.execute("PRAGMA cache_size = -65536").await?;
    conn.execute("PRAGMA temp_store = MEMORY").await?;
    Ok(())
}

/// Decides the backend from a URL, refusing unknown schemes.
pub fn backend_of(url: &str) -> StoreResult<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnknownScheme(url.to_string()))
    }
}

/// The file path of an `sqlite://PATH[?query]` URL, if it names a file.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.to_string())
}

/// SQLite files begin with this header; an empty file is a new database.
fn check_sqlite_file(path: &str) -> StoreResult<()> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(()); // created on first start
    };
    let mut header = [0u8; 18];
    let read = file.read(&mut header).map_err(|e| StoreError::Unreachable(format!("{path}: {e}")))?;
    if read == 0 {
        return Ok(());
    }
    if read < 16 || header[..16] != *b"SQLite format 3\0" {
        return Err(StoreError::NotSqlite(path.to_string()));
    }
    // The page size (bytes 16–17): a power of two from 512 to 32768, or 1 for 65536.
    let page_size = u16::from_be_bytes([header[16], header[17]]);
    if read < 18 || !(page_size == 1 || (page_size >= 512 && page_size.is_power_of_two())) {
        return Err(StoreError::Damaged(format!("{path}: its header gives the page size {page_size}")));
    }
    Ok(())
}

/// Opens one connection and asks SQLite to check the file's structure (`PRAGMA quick_check`) before
/// a pool is built on it: a damaged file is named as such at once instead of being served, or retried
/// for ever by the pool.
async fn check_sqlite_integrity(options: &AnyConnectOptions, url: &str) -> StoreResult<()> {
    use sqlx::{ConnectOptions, Connection};
    let damaged = |e: sqlx::Error| match e {
        sqlx::Error::Database(ref db) if matches!(db.code().as_deref(), Some("11" | "26")) => {
            StoreError::Damaged(db.message().to_string())
        }
        other => StoreError::Unreachable(other.to_string()),
    };
    let mut conn = options.connect().await.map_err(damaged)?;
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA quick_check").fetch_all(&mut conn).await.map_err(damaged)?;
    let _ = conn.close().await;
    match verdict.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        problems => Err(StoreError::Damaged(format!(
            "{url}: {}",
            problems.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
        ))),
    }
}

impl Store {
    /// Opens the database the URL names, creating an SQLite file on first start, and applies the
    /// embedded migrations.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let backend = backend_of(url)?;
        sqlx::any::install_default_drivers();
        let url = match backend {
            Backend::Sqlite => {
                if let Some(path) = sqlite_path(url) {
                    check_sqlite_file(&path)?;
                }
                if url.contains("mode=") {
                    url.to_string()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                }
            }
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::Unreachable(e.to_string()))?;
        if backend == Backend::Sqlite {
            check_sqlite_integrity(&options, &url).await?;
        }
        let pool_options = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .after_connect(|conn, _meta| Box::pin(sqlite_pragmas(conn))),
            Backend::Postgres => AnyPoolOptions::new().max_connections(8),
        };
        let unreachable = |e: sqlx::Error| match e {
            sqlx::Error::Database(ref db) if db.code().as_deref() == Some("26") => StoreError::NotSqlite(url.clone()),
            other => StoreError::Unreachable(other.to_string()),
        };
        let pool = pool_options.connect_with(options.clone()).await.map_err(unreachable)?;
        let write_turn = (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let store = Store { pool, backend, write_turn };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database's structure holds (SQLite's `PRAGMA quick_check`; PostgreSQL keeps its
    /// own): `Damaged` with what SQLite found. For `/healthz`.
    pub async fn check_integrity(&self) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let verdict: Vec<String> =
            sqlx::query_scalar("PRAGMA quick_check").fetch_all(&self.pool).await.map_err(|e| match e {
                sqlx::Error::Database(ref db) if matches!(db.code().as_deref(), Some("11" | "26")) => {
                    StoreError::Damaged(db.message().to_string())
                }
                other => other.into(),
            })?;
        match verdict.as_slice() {
            [ok] if ok == "ok" => Ok(()),
            problems => Err(StoreError::Damaged(problems.iter().take(3).cloned().collect::<Vec<_>>().join("; "))),
        }
    }

    /// Closes the pool, waiting for connections to finish.
    /// Brings the database to a steady state after a bulk load: PostgreSQL gathers the planner's
    /// statistics (`ANALYZE`, which autovacuum would do in its own time) and writes a checkpoint;
    /// SQLite folds its write-ahead log into the database file. Benchmarks call it before timing.
    pub async fn settle(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        match self.backend {
            Backend::Postgres => {
                sqlx::query("ANALYZE").execute(&mut *conn).await?;
                sqlx::query("CHECKPOINT").execute(&mut *conn).await?;
            }
            Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The schema version stored in the database.
    pub async fn schema_version(&self) -> StoreResult<i64> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM abadi_schema_version").fetch_one(&self.pool).await?;
        Ok(version.unwrap_or(0))
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.migrate_to(SCHEMA_VERSION).await
    }

    /// Applies the migrations up to `target` (tests build older databases with it).
    async fn migrate_to(&self, target: i64) -> StoreResult<()> {
        sqlx::query("CREATE TABLE IF NOT EXISTS abadi_schema_version (version BIGINT NOT NULL)")
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.message().contains("not a database") => {
                    StoreError::NotSqlite("the database file".into())
                }
                _ => StoreError::from(e),
            })?;
        let current = self.schema_version().await?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew { found: current, supported: SCHEMA_VERSION });
        }
        for (index, migration) in schema::MIGRATIONS.iter().enumerate() {
            let version = index as i64 + 1;
            if version <= current || version > target {
                continue;
            }
            let mut tx = self.begin_write().await?;
            for statement in migration.iter() {
                for sql in schema::render(statement, self.backend) {
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            sqlx::query("INSERT INTO abadi_schema_version (version) VALUES ($1)")
                .bind(version)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Begins a transaction that will write: on SQLite it takes the write lock at once (BEGIN
    /// IMMEDIATE), so two writers queue instead of failing half-way.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Writes a consistent copy of a live SQLite database to `path` (which must not exist yet).
    pub async fn backup_to(&self, path: &str) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported("backup (use pg_dump for PostgreSQL)"));
        }
        if std::path::Path::new(path).exists() {
            return Err(StoreError::Conflict(format!("{path} already exists; choose a new file name")));
        }
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written by the previous version is upgraded on open and keeps its books.
    #[tokio::test]
    async fn a_version_1_database_is_upgraded_in_place() {
        let db = testing::TestDatabase::new().await;
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(&if db.is_postgres() {
            db.url.clone()
        } else {
            format!("{}?mode=rwc", db.url)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let pool =
            AnyPoolOptions::new().max_connections(1).connect_with(options).await.unwrap_or_else(|e| panic!("{e}"));
        let backend = backend_of(&db.url).unwrap_or_else(|e| panic!("{e}"));
        let old = Store { pool, backend, write_turn: None };
        old.migrate_to(1).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old.schema_version().await.ok(), Some(1));
        for sql in [
            "INSERT INTO places (parent_id, kind, name, search_key, path) VALUES (NULL, 'country', 'ایران', 'ایران', '/1/')",
            "INSERT INTO books (place_id, kind, name, head_seq, head_hash, created_at_ms) VALUES (1, 'fund', 'قدیمی', 0, '0000000000000000000000000000000000000000000000000000000000000000', 0)",
            "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials) VALUES (1, '1010', 'صندوق', 'asset', 1, 0)",
            "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials) VALUES (1, '2010', 'پس‌انداز', 'liability', 0, 0)",
        ] {
            sqlx::query(sql).execute(&old.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        old.close().await;

        let store = Store::open(&db.url).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.schema_version().await.ok(), Some(SCHEMA_VERSION));
        let accounts = store.accounts(domain::BookId(1)).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(accounts.len(), 2);
        assert!(accounts.iter().all(|a| a.control_code.is_none()));
        assert!(store.verify().await.unwrap_or_else(|e| panic!("{e}")).is_clean());
    }
}

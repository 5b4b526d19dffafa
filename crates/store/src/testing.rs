//! Fresh databases for tests, on SQLite or on PostgreSQL.
//!
//! Every test that touches storage asks for a [`TestDatabase`]. Without `ABADI_TEST_DATABASE_URL` it
//! is a new SQLite file in a temporary folder; with `ABADI_TEST_DATABASE_URL=postgres://…` it is a new
//! database created on that server (and dropped afterwards). CI runs the whole suite once each way.
//! With `ABADI_REQUIRE_POSTGRES=1` and no PostgreSQL URL, tests fail instead of quietly using SQLite.

use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);
static WARN_ONCE: Once = Once::new();

/// The PostgreSQL server tests should use, if one is named.
pub fn postgres_test_url() -> Option<String> {
    let url = std::env::var("ABADI_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    match url {
        Some(u) if u.starts_with("postgres") => Some(u),
        _ => {
            if std::env::var("ABADI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("ABADI_REQUIRE_POSTGRES=1 but ABADI_TEST_DATABASE_URL names no PostgreSQL server");
            }
            WARN_ONCE.call_once(|| {
                eprintln!(
                    "\n*** ABADI_TEST_DATABASE_URL is not set: storage tests run on SQLite only. \
                     Set it to postgres://USER@HOST/DB to run them on PostgreSQL (CI does both). ***\n"
                );
            });
            None
        }
    }
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("abadi_t_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

enum Cleanup {
    Directory(PathBuf),
    Postgres { admin_url: String, database: String },
}

/// A new, empty database that is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

impl TestDatabase {
    /// Creates the database (SQLite file or PostgreSQL database). Panics if it cannot: a test
    /// without its database cannot say anything.
    pub async fn new() -> TestDatabase {
        match postgres_test_url() {
            Some(admin_url) => {
                let database = unique_name();
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach the PostgreSQL test server {admin_url}: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("cannot create test database {database}: {e}"));
                let _ = sqlx::Connection::close(conn).await;
                TestDatabase {
                    url: with_database(&admin_url, &database),
                    cleanup: Cleanup::Postgres { admin_url, database },
                }
            }
            None => {
                let dir = std::env::temp_dir().join(unique_name());
                std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
                let url = format!("sqlite://{}", dir.join("abadi.db").display());
                TestDatabase { url, cleanup: Cleanup::Directory(dir) }
            }
        }
    }

    /// The folder a test may write files into (SQLite: beside the database; PostgreSQL: a new one).
    pub fn scratch_dir(&self) -> PathBuf {
        match &self.cleanup {
            Cleanup::Directory(dir) => dir.clone(),
            Cleanup::Postgres { database, .. } => {
                let dir = std::env::temp_dir().join(database);
                let _ = std::fs::create_dir_all(&dir);
                dir
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, database } => {
                let _ = std::fs::remove_dir_all(std::env::temp_dir().join(database));
                let admin_url = admin_url.clone();
                let database = database.clone();
                // Drop cannot await: drop the database from a thread with its own small runtime.
                let _ = std::thread::spawn(move || {
                    let Ok(runtime) = tokio_runtime() else { return };
                    runtime.block_on(async move {
                        if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
                            let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn tokio_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(super::with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

//! Fresh databases for tests, on SQLite or on PostgreSQL.
//!
//! Every test that touches storage asks for a [`TestDatabase`]. Without `ABADI_TEST_DATABASE_URL` it
//! is a new SQLite file in a temporary folder; with `ABADI_TEST_DATABASE_URL=postgres://…` it is a new
//! database created on that server (and dropped afterwards). CI runs the whole suite once each way.
//! With `ABADI_REQUIRE_POSTGRES=1` and no PostgreSQL URL, tests fail instead of quietly using SQLite.
//!
//! Checks that need a program from outside the Rust toolchain (hledger, bean-check, Chromium) ask
//! [`outside_tools`]: without the program the check is skipped and says so loudly; with
//! `ABADI_REQUIRE_ALL=1` (CI) it fails instead. Every skip is one line, [`report_skipped`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

static COUNTER: AtomicU64 = AtomicU64::new(0);
/// The skip lines this process has printed already.
static REPORTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Says loudly that a check did not run: one line `*** SKIPPED: {what} ***` on standard error, written
/// past the test harness's capture so it shows even when the test passes (once per test binary), and
/// kept in `<target>/tmp/skipped-checks.txt`, which lists what the latest `cargo test` run skipped.
pub fn report_skipped(what: &str) {
    let line = format!("*** SKIPPED: {what} ***");
    let mut reported = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
    if reported.contains(&line) {
        return;
    }
    reported.push(line.clone());
    // Straight to the file descriptor (`eprintln!` inside a test is captured and shown only on failure),
    // in one write so that it does not run into the harness's own lines.
    let _ = std::io::stderr().write_all(format!("\n{line}\n").as_bytes());
    if let Some(file) = skipped_checks_file() {
        record_skip(&file, &line);
    }
}

/// `<target>/tmp/skipped-checks.txt` (Cargo's scratch folder for tests, `CARGO_TARGET_TMPDIR`): a
/// test binary is `<target>/<profile>/deps/<name>`. `None` when that folder is not there.
fn skipped_checks_file() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let tmp = exe.parent()?.parent()?.parent()?.join("tmp");
    tmp.is_dir().then(|| tmp.join("skipped-checks.txt"))
}

/// Adds the line to the file unless it is there. The file's first line names the run: the process
/// that started the test binaries (`cargo test`); a file from an earlier run is started afresh.
fn record_skip(file: &Path, line: &str) {
    let header = format!("# checks skipped by the test run of process {}", run_id());
    let old = std::fs::read_to_string(file).unwrap_or_default();
    let mut text = if old.lines().next() == Some(header.as_str()) { old } else { format!("{header}\n") };
    if text.lines().any(|l| l == line) {
        return;
    }
    text.push_str(line);
    text.push('\n');
    let _ = std::fs::write(file, text);
}

#[cfg(unix)]
fn run_id() -> u32 {
    std::os::unix::process::parent_id()
}

#[cfg(not(unix))]
fn run_id() -> u32 {
    0
}

/// `ABADI_REQUIRE_ALL=1`: every check that needs an outside program must run (CI sets it).
pub fn require_all() -> bool {
    std::env::var("ABADI_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// The programs `check` needs, each found on `PATH` (an entry lists a program's other names, first
/// found wins). If one is missing the check is skipped: [`report_skipped`] names it and `install`,
/// and `None` tells the test to return. With `ABADI_REQUIRE_ALL=1` a missing program fails the test.
/// (`ABADI_SKIP_PEER_TOOLS=1` and `ABADI_SKIP_BROWSER=1`, which once asked for this, are not needed.)
pub fn outside_tools<const N: usize>(check: &str, programs: [&[&str]; N], install: &str) -> Option<[PathBuf; N]> {
    let found = programs.map(find_program);
    let missing: Vec<&str> =
        programs.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(names, _)| names[0]).collect();
    if missing.is_empty() {
        return Some(found.map(|f| f.unwrap_or_default()));
    }
    let is = if missing.len() == 1 { "is" } else { "are" };
    let missing = missing.join(" and ");
    if require_all() {
        panic!("ABADI_REQUIRE_ALL=1: {check} needs {missing}, which {is} not on PATH. Install: {install}");
    }
    report_skipped(&format!("{check} — {missing} not installed ({install})"));
    None
}

/// The first of `names` that is a file in a folder on `PATH`.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |name| dir.join(name))).find(|c| c.is_file())
}

/// The PostgreSQL server tests should use, if one is named.
pub fn postgres_test_url() -> Option<String> {
    let url = std::env::var("ABADI_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    match url {
        Some(u) if u.starts_with("postgres") => Some(u),
        _ => {
            if std::env::var("ABADI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("ABADI_REQUIRE_POSTGRES=1 but ABADI_TEST_DATABASE_URL names no PostgreSQL server");
            }
            report_skipped(
                "the storage tests on PostgreSQL — ABADI_TEST_DATABASE_URL is not set, so they ran on SQLite \
                 only (set it to postgres://USER@HOST/DB; CI runs both)",
            );
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

    #[test]
    fn a_skip_is_kept_once_and_an_earlier_runs_file_is_started_afresh() {
        let file = std::env::temp_dir().join(format!("{}.txt", super::unique_name()));
        std::fs::write(&file, "# checks skipped by the test run of process 0\n*** SKIPPED: old ***\n").unwrap();
        super::record_skip(&file, "*** SKIPPED: a ***");
        super::record_skip(&file, "*** SKIPPED: a ***");
        super::record_skip(&file, "*** SKIPPED: b ***");
        let text = std::fs::read_to_string(&file).unwrap();
        let _ = std::fs::remove_file(&file);
        let header = format!("# checks skipped by the test run of process {}", super::run_id());
        assert_eq!(text, format!("{header}\n*** SKIPPED: a ***\n*** SKIPPED: b ***\n"));
    }

    #[test]
    fn a_program_is_found_on_path_and_a_missing_one_is_not() {
        assert!(super::find_program(&["no-such-program-abadi", "sh"]).is_some());
        assert!(super::find_program(&["no-such-program-abadi"]).is_none());
    }
}

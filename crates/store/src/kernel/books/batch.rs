//! Writing many rows in few statements: multi-row inserts and updates with the bind limits of each database kept.

use super::*;

/// Rows per multi-row INSERT of entries (11 values each) and postings (5 values each): well under
/// SQLite's 32,766 and PostgreSQL's 65,535 bind limits.
pub(crate) const ENTRY_ROWS_PER_INSERT: usize = 400;
pub(crate) const POSTING_ROWS_PER_INSERT: usize = 1_000;
/// Accounts whose new balances one UPDATE sets.
pub(crate) const ACCOUNTS_PER_UPDATE: usize = 300;
/// Values per `IN (…)` lookup.
pub(crate) const KEYS_PER_LOOKUP: usize = 500;
/// The `n`-th bind parameter. SQLite gets anonymous `?` (bound in order): sqlx looks up each named
/// parameter by a linear scan inside SQLite, which makes a 4,000-value insert quadratic.
pub(crate) fn param(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `(…),(…)` for a multi-row insert, numbered from `start`.
pub(crate) fn placeholders(backend: Backend, start: usize, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for col in 0..columns {
            if col > 0 {
                sql.push(',');
            }
            sql.push_str(&param(backend, start + row * columns + col));
        }
        sql.push(')');
    }
    sql
}

pub(crate) fn in_list(backend: Backend, start: usize, count: usize) -> String {
    (start..start + count).map(|i| param(backend, i)).collect::<Vec<_>>().join(",")
}

/// A value to bind, borrowed where it can be.
pub(crate) enum Bind<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
    Owned(String),
}

/// Statements that write one operation. On SQLite they go to the driver as one multi-statement call
/// (each statement binds its own `?` values in turn), which saves a round trip to SQLite's worker
/// thread per statement; on PostgreSQL they become one statement of data-modifying CTEs.
pub(crate) struct WriteBatch<'a> {
    backend: Backend,
    statements: Vec<(String, Vec<Bind<'a>>)>,
}

impl<'a> WriteBatch<'a> {
    pub(crate) fn new(backend: Backend) -> WriteBatch<'a> {
        WriteBatch { backend, statements: Vec::new() }
    }

    pub(crate) fn push(&mut self, sql: String, binds: Vec<Bind<'a>>) {
        self.statements.push((sql, binds));
    }

    pub(crate) async fn run(self, conn: &mut sqlx::AnyConnection) -> StoreResult<()> {
        fn bind_all<'q>(
            mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
            binds: Vec<Bind<'q>>,
        ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
            for bind in binds {
                query = match bind {
                    Bind::Int(v) => query.bind(v),
                    Bind::OptInt(v) => query.bind(v),
                    Bind::Text(v) => query.bind(v),
                    Bind::Owned(v) => query.bind(v),
                };
            }
            query
        }
        match self.backend {
            Backend::Sqlite => {
                let mut sql = String::new();
                let mut all = Vec::new();
                for (statement, binds) in self.statements {
                    sql.push_str(&statement);
                    sql.push_str(";\n");
                    all.extend(binds);
                }
                bind_all(sqlx::query(AssertSqlSafe(sql)), all).execute(&mut *conn).await?;
            }
            Backend::Postgres => {
                // One statement per round trip is what the extended protocol allows, so the writes go
                // as data-modifying CTEs of one statement (`WITH w1 AS (INSERT …), w2 AS (UPDATE …)
                // SELECT 1`), as many per statement as the bind limit allows. They share one snapshot:
                // a batch never writes a row twice nor reads what another of its statements wrote.
                let mut group: Vec<(String, Vec<Bind<'a>>)> = Vec::new();
                let mut group_binds = 0;
                let mut statements = self.statements.into_iter().peekable();
                while let Some((statement, binds)) = statements.next() {
                    group_binds += binds.len();
                    group.push((statement, binds));
                    let next_fits = statements
                        .peek()
                        .is_some_and(|(_, next)| group_binds + next.len() <= POSTGRES_BINDS_PER_STATEMENT);
                    if next_fits {
                        continue;
                    }
                    let (sql, binds) = combine_as_ctes(std::mem::take(&mut group));
                    bind_all(sqlx::query(AssertSqlSafe(sql)), binds).execute(&mut *conn).await?;
                    group_binds = 0;
                }
            }
        }
        Ok(())
    }
}

/// PostgreSQL takes at most 65,535 parameters in one statement.
pub(crate) const POSTGRES_BINDS_PER_STATEMENT: usize = 60_000;

/// Several PostgreSQL statements as one: each a data-modifying CTE, its `$n` parameters renumbered
/// after the ones before it. A single statement is sent as it is.
pub(crate) fn combine_as_ctes<'a>(mut statements: Vec<(String, Vec<Bind<'a>>)>) -> (String, Vec<Bind<'a>>) {
    if statements.len() == 1 {
        return statements.remove(0);
    }
    let mut sql = String::from("WITH ");
    let mut all = Vec::new();
    for (index, (statement, binds)) in statements.into_iter().enumerate() {
        if index > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{index} AS ("));
        sql.push_str(&renumber_parameters(&statement, all.len()));
        sql.push(')');
        all.extend(binds);
    }
    sql.push_str(" SELECT 1");
    (sql, all)
}

/// `$1`, `$2`, … become `$(1 + offset)`, …. The statements written here carry no `$` but their
/// parameters (no dollar quoting, no literal dollars).
pub(crate) fn renumber_parameters(statement: &str, offset: usize) -> String {
    let mut out = String::with_capacity(statement.len() + 16);
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

//! Places, books, accounts and entries: the storage half of the double-entry books.

use crate::tx::{read_on_both, write_on_both};
use crate::{Backend, Store, StoreError, StoreResult, StoreTx};
use domain::books::{
    AccountState, AppliedEntry, BookState, ReversalTarget, TrialBalance, TrialBalanceLine, chain_hash, check_reversal,
};
use domain::{
    AccountCode, AccountId, AccountKind, BookId, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, IsoDate, LedgerError,
    PlaceKind, PlacePath, PostingDraft,
};
use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row INSERT of entries (11 values each) and postings (5 values each): well under
/// SQLite's 32,766 and PostgreSQL's 65,535 bind limits.
const ENTRY_ROWS_PER_INSERT: usize = 400;
const POSTING_ROWS_PER_INSERT: usize = 1_000;
/// Accounts whose new balances one UPDATE sets.
const ACCOUNTS_PER_UPDATE: usize = 300;
/// Values per `IN (…)` lookup.
const KEYS_PER_LOOKUP: usize = 500;
/// Verification stops collecting problems after this many.
const VERIFY_PROBLEMS_MAX: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: PlaceKind,
    pub name: String,
    pub path: PlacePath,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Book {
    pub id: BookId,
    pub place_id: i64,
    pub kind: String,
    pub name: String,
    pub head_seq: EntrySeq,
    pub head_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub book_id: BookId,
    pub code: AccountCode,
    pub name: String,
    pub kind: AccountKind,
    pub must_not_go_negative: bool,
    /// Debit-positive balance, kept current as entries post.
    pub balance_rials: i64,
    /// The account this one is a sub-account of (a member's savings under 2010); trial balances
    /// show sub-accounts summed under it.
    pub control_code: Option<String>,
}

/// Whether a draft was posted now or had been posted before under the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStatus {
    Posted,
    AlreadyPosted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostOutcome {
    pub seq: EntrySeq,
    pub status: PostStatus,
}

/// An entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedEntry {
    pub book_id: BookId,
    pub seq: EntrySeq,
    pub booked_at_ms: i64,
    pub content_hash: String,
    pub hash: String,
    pub draft: EntryDraft,
}

/// Which entries a scan reads.
#[derive(Clone, Copy, Debug, Default)]
pub enum EntryFilter {
    #[default]
    All,
    Book(BookId),
}

/// One broken invariant found by [`Store::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyProblem {
    pub book_id: BookId,
    pub seq: Option<EntrySeq>,
    pub account_id: Option<AccountId>,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub books: u64,
    pub accounts: u64,
    pub entries: u64,
    pub postings: u64,
    /// Links from entries to the audit records of the commands that posted them.
    pub audit_links: u64,
    pub problems: Vec<VerifyProblem>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Unexpected(format!("stored {what} {value:?} is not valid"))
}

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
const POSTGRES_BINDS_PER_STATEMENT: usize = 60_000;

/// Several PostgreSQL statements as one: each a data-modifying CTE, its `$n` parameters renumbered
/// after the ones before it. A single statement is sent as it is.
fn combine_as_ctes<'a>(mut statements: Vec<(String, Vec<Bind<'a>>)>) -> (String, Vec<Bind<'a>>) {
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
fn renumber_parameters(statement: &str, offset: usize) -> String {
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

fn account_from_row(row: &AnyRow) -> StoreResult<Account> {
    let code: String = row.try_get("code")?;
    let kind: String = row.try_get("kind")?;
    Ok(Account {
        id: AccountId(row.try_get("id")?),
        book_id: BookId(row.try_get("book_id")?),
        code: AccountCode::parse(&code).map_err(|_| corrupt("account code", &code))?,
        name: row.try_get("name")?,
        kind: AccountKind::parse(&kind).map_err(|_| corrupt("account kind", &kind))?,
        must_not_go_negative: row.try_get::<i64, _>("must_not_go_negative")? != 0,
        balance_rials: row.try_get("balance_rials")?,
        control_code: row.try_get("control_code")?,
    })
}

fn book_from_row(row: &AnyRow) -> StoreResult<Book> {
    Ok(Book {
        id: BookId(row.try_get("id")?),
        place_id: row.try_get("place_id")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        head_seq: EntrySeq(row.try_get("head_seq")?),
        head_hash: row.try_get("head_hash")?,
    })
}

/// The draft part of a stored entry row (postings are added by the caller).
fn draft_from_row(row: &AnyRow) -> StoreResult<EntryDraft> {
    let key: String = row.try_get("idempotency_key")?;
    let code: String = row.try_get("code")?;
    let effective_on: String = row.try_get("effective_on")?;
    Ok(EntryDraft {
        idempotency_key: IdempotencyKey::parse(&key).map_err(|_| corrupt("idempotency key", &key))?,
        code: EntryCode::parse(&code).map_err(|_| corrupt("entry code", &code))?,
        object_ref: row.try_get("object_ref")?,
        effective_on: IsoDate::parse_iso(&effective_on).map_err(|_| corrupt("date", &effective_on))?,
        memo: row.try_get("memo")?,
        reverses: row.try_get::<Option<i64>, _>("reverses_seq")?.map(EntrySeq),
        postings: Vec::new(),
    })
}

fn trial_balance_from_rows(rows: Vec<AnyRow>) -> StoreResult<TrialBalance> {
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("kind")?;
        lines.push(TrialBalanceLine {
            code: row.try_get("code")?,
            name: row.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
            kind: AccountKind::parse(&kind).map_err(|_| corrupt("account kind", &kind))?,
            balance_rials: row.try_get("balance_rials")?,
        });
    }
    Ok(TrialBalance { lines })
}

/// Exclusive upper bound for the paths under `path`: `/` sorts just before `0`.
fn path_upper_bound(path: &PlacePath) -> String {
    let mut upper = path.as_str().to_string();
    upper.pop();
    upper.push('0');
    upper
}

impl Store {
    /// Adds a place under `parent_id` (or a country at the root).
    pub(crate) async fn add_place_in(
        &self,
        tx: &mut StoreTx,
        parent_id: Option<i64>,
        kind: PlaceKind,
        name: &str,
    ) -> StoreResult<Place> {
        let name = domain::text::normalize_text(name);
        if name.is_empty() {
            return Err(StoreError::Invalid("a place needs a name".into()));
        }
        let parent = match parent_id {
            Some(id) => Some(tx.place(id).await?),
            None => None,
        };
        kind.check_parent(parent.as_ref().map(|p| p.kind)).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO places (parent_id, kind, name, search_key, path) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(parent_id)
        .bind(kind.code())
        .bind(name.as_str())
        .bind(domain::text::search_key(&name))
        .bind("") // the path holds the new id: set just below, in the same transaction
        .fetch_one(tx.conn())
        .await?;
        let path = match &parent {
            Some(p) => p.path.child(id),
            None => PlacePath::root(id),
        };
        sqlx::query("UPDATE places SET path = $1 WHERE id = $2")
            .bind(path.as_str())
            .bind(id)
            .execute(tx.conn())
            .await?;
        Ok(Place { id, parent_id, kind, name, path })
    }

    /// A place and every place under it (every place with `None`), by path: parents before children.
    pub async fn places_under(&self, under: Option<&PlacePath>) -> StoreResult<Vec<Place>> {
        let prefix = format!("{}%", under.map_or("/", PlacePath::as_str));
        let rows =
            sqlx::query("SELECT id, parent_id, kind, name, path FROM places WHERE path LIKE $1 ORDER BY path, id")
                .bind(prefix)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(place_from_row).collect()
    }

    /// Opens a new, empty book for an accounting entity at a place.
    pub(crate) async fn add_book_in(
        &self,
        tx: &mut StoreTx,
        place_id: i64,
        kind: &str,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<Book> {
        tx.place(place_id).await?;
        let name = domain::text::normalize_text(name);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO books (place_id, kind, name, head_seq, head_hash, created_at_ms) VALUES ($1, $2, $3, 0, $4, $5) RETURNING id",
        )
        .bind(place_id)
        .bind(kind)
        .bind(name.as_str())
        .bind(domain::books::GENESIS_HASH)
        .bind(now_ms)
        .fetch_one(tx.conn())
        .await?;
        tx.book(BookId(id)).await
    }

    pub async fn books(&self) -> StoreResult<Vec<Book>> {
        let rows = sqlx::query("SELECT id, place_id, kind, name, head_seq, head_hash FROM books ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(book_from_row).collect()
    }

    /// Adds a ledger account to a book. Codes are unique within a book.
    pub(crate) async fn add_account_in(
        &self,
        tx: &mut StoreTx,
        book_id: BookId,
        code: &AccountCode,
        name: &str,
        kind: AccountKind,
        must_not_go_negative: bool,
    ) -> StoreResult<Account> {
        tx.book(book_id).await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE book_id = $1 AND code = $2")
            .bind(book_id.0)
            .bind(code.as_str())
            .fetch_optional(tx.conn())
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("book {book_id} already has an account {code}")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials) VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
        )
        .bind(book_id.0)
        .bind(code.as_str())
        .bind(domain::text::normalize_text(name))
        .bind(kind.code())
        .bind(i64::from(must_not_go_negative))
        .fetch_one(tx.conn())
        .await?;
        tx.account(AccountId(id)).await
    }

    pub async fn accounts(&self, book_id: BookId) -> StoreResult<Vec<Account>> {
        let rows = sqlx::query(
            "SELECT id, book_id, code, name, kind, must_not_go_negative, balance_rials, control_code FROM accounts WHERE book_id = $1 ORDER BY code",
        )
        .bind(book_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// Posts one entry; see [`Store::post_entries`].
    pub async fn post_entry(&self, book_id: BookId, draft: &EntryDraft, booked_at_ms: i64) -> StoreResult<PostOutcome> {
        let mut outcomes = self.post_entries(book_id, std::slice::from_ref(draft), booked_at_ms).await?;
        outcomes.pop().ok_or_else(|| StoreError::Unexpected("posting returned no outcome".into()))
    }

    /// Posts entries to one book in one database transaction: all or nothing.
    ///
    /// Each draft is checked (balance, accounts of this book, "must not go negative", reversals) in
    /// order against the book's state. A draft whose key was used before with the same content is
    /// answered with the earlier entry (`AlreadyPosted`) and posts nothing; with different content the
    /// whole call is refused with [`LedgerError::IdempotencyConflict`].
    pub async fn post_entries(
        &self,
        book_id: BookId,
        drafts: &[EntryDraft],
        booked_at_ms: i64,
    ) -> StoreResult<Vec<PostOutcome>> {
        let mut tx = self.begin().await?;
        let outcomes = tx.post_entries(book_id, drafts, booked_at_ms).await?;
        tx.commit_as_system("books.post", &format!("book:{}", book_id.0), booked_at_ms).await?;
        Ok(outcomes)
    }
}

impl StoreTx {
    /// [`Store::post_entries`] inside a command's transaction, so that a use case can post and update
    /// its own tables atomically. The entries posted are linked to the command's audit record.
    pub async fn post_entries(
        &mut self,
        book_id: BookId,
        drafts: &[EntryDraft],
        booked_at_ms: i64,
    ) -> StoreResult<Vec<PostOutcome>> {
        let backend = self.backend;
        let tx: &mut sqlx::AnyConnection = &mut self.conn;
        let keys: Vec<&str> =
            drafts.iter().map(|d| d.idempotency_key.as_str()).collect::<HashSet<_>>().into_iter().collect();
        let account_ids: Vec<i64> = drafts
            .iter()
            .flat_map(|d| d.postings.iter().map(|p| p.account_id.0))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut state = BookState {
            book_id,
            head_seq: EntrySeq(0),
            head_hash: String::new(),
            accounts: HashMap::new(),
            foreign_accounts: HashMap::new(),
        };
        let mut head_found = false;
        // PostgreSQL locks the book's head row; SQLite's BEGIN IMMEDIATE already holds the write lock,
        // so there the head is read in the same round trip as the rest.
        if backend == Backend::Postgres
            && let Some(row) = sqlx::query("SELECT head_seq, head_hash FROM books WHERE id = $1 FOR UPDATE")
                .bind(book_id.0)
                .fetch_optional(&mut *tx)
                .await?
        {
            state.head_seq = EntrySeq(row.try_get("head_seq")?);
            state.head_hash = row.try_get("head_hash")?;
            head_found = true;
        }
        // The keys already used in this book and the accounts the drafts touch, read in as few round
        // trips as the bind limits allow.
        let mut existing: HashMap<String, (EntrySeq, String)> = HashMap::new();
        let rounds = keys.len().max(account_ids.len()).div_ceil(KEYS_PER_LOOKUP).max(1);
        for round in 0..rounds {
            let chunk = |len: usize| (round * KEYS_PER_LOOKUP).min(len)..((round + 1) * KEYS_PER_LOOKUP).min(len);
            let key_chunk = &keys[chunk(keys.len())];
            let account_chunk = &account_ids[chunk(account_ids.len())];
            let read_head = round == 0 && backend == Backend::Sqlite;
            let mut next = 0;
            let mut p = || {
                next += 1;
                param(backend, next)
            };
            let mut parts = Vec::new();
            if read_head {
                parts.push(format!(
                    "SELECT CAST(0 AS BIGINT) AS part, head_seq AS n1, CAST(0 AS BIGINT) AS n2, CAST(0 AS BIGINT) AS n3, \
                     CAST(0 AS BIGINT) AS n4, head_hash AS t1, CAST('' AS TEXT) AS t2 FROM books WHERE id = {}",
                    p()
                ));
            }
            if !key_chunk.is_empty() {
                // `+book_id` keeps SQLite's planner on the (idempotency_key, book_id) index instead of
                // scanning the book's entries by primary key.
                let list: Vec<String> = key_chunk.iter().map(|_| p()).collect();
                parts.push(format!(
                    "SELECT CAST(1 AS BIGINT), seq, CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), \
                     idempotency_key, content_hash FROM entries WHERE idempotency_key IN ({}) AND +book_id = {}",
                    list.join(","),
                    p()
                ));
            }
            if !account_chunk.is_empty() {
                let list: Vec<String> = account_chunk.iter().map(|_| p()).collect();
                parts.push(format!(
                    "SELECT CAST(2 AS BIGINT), id, book_id, must_not_go_negative, balance_rials, kind, CAST('' AS TEXT) \
                     FROM accounts WHERE id IN ({})",
                    list.join(",")
                ));
            }
            if parts.is_empty() {
                continue;
            }
            let mut query = sqlx::query(AssertSqlSafe(parts.join(" UNION ALL ")));
            if read_head {
                query = query.bind(book_id.0);
            }
            if !key_chunk.is_empty() {
                for key in key_chunk {
                    query = query.bind(*key);
                }
                query = query.bind(book_id.0);
            }
            for id in account_chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *tx).await? {
                match row.try_get::<i64, _>(0)? {
                    0 => {
                        state.head_seq = EntrySeq(row.try_get(1)?);
                        state.head_hash = row.try_get(5)?;
                        head_found = true;
                    }
                    1 => {
                        existing.insert(row.try_get(5)?, (EntrySeq(row.try_get(1)?), row.try_get(6)?));
                    }
                    _ => {
                        let id = AccountId(row.try_get(1)?);
                        let owner = BookId(row.try_get(2)?);
                        if owner != book_id {
                            state.foreign_accounts.insert(id, owner);
                            continue;
                        }
                        let kind: String = row.try_get(5)?;
                        state.accounts.insert(
                            id,
                            AccountState {
                                id,
                                book_id: owner,
                                kind: AccountKind::parse(&kind).map_err(|_| corrupt("account kind", &kind))?,
                                must_not_go_negative: row.try_get::<i64, _>(3)? != 0,
                                balance_rials: row.try_get(4)?,
                            },
                        );
                    }
                }
            }
        }
        if !head_found {
            return Err(StoreError::NotFound { what: "book", id: book_id.0 });
        }

        // The stored entries that drafts reverse.
        let reversed: Vec<i64> = drafts.iter().filter_map(|d| d.reverses.map(|s| s.0)).collect();
        let mut stored_targets = reversal_targets(backend, tx, book_id, &reversed).await?;

        // Apply in order, in memory.
        let mut outcomes = Vec::with_capacity(drafts.len());
        let mut to_insert: Vec<(&EntryDraft, AppliedEntry)> = Vec::with_capacity(drafts.len());
        let mut batch_keys: HashMap<&str, (EntrySeq, String)> = HashMap::new();
        for (index, draft) in drafts.iter().enumerate() {
            let reject =
                |error: LedgerError| StoreError::Rejected { index, key: draft.idempotency_key.to_string(), error };
            let key = draft.idempotency_key.as_str();
            let earlier = existing.get(key).or_else(|| batch_keys.get(key));
            if let Some((seq, content_hash)) = earlier {
                if *content_hash != draft.content_hash() {
                    return Err(reject(LedgerError::IdempotencyConflict { key: key.to_string(), existing_seq: *seq }));
                }
                outcomes.push(PostOutcome { seq: *seq, status: PostStatus::AlreadyPosted });
                continue;
            }
            if let Some(target_seq) = draft.reverses {
                let target = stored_targets.get(&target_seq).map(|(postings, reverses, reversed_by)| ReversalTarget {
                    postings,
                    reverses: *reverses,
                    reversed_by: *reversed_by,
                });
                let target = match target {
                    Some(t) => Some(t),
                    None => to_insert.iter().find(|(_, a)| a.seq == target_seq).map(|(d, _)| ReversalTarget {
                        postings: &d.postings,
                        reverses: d.reverses,
                        reversed_by: to_insert.iter().find(|(x, _)| x.reverses == Some(target_seq)).map(|(_, a)| a.seq),
                    }),
                };
                check_reversal(target_seq, target, draft).map_err(reject)?;
            }
            let applied = state.apply(draft, booked_at_ms).map_err(reject)?;
            if let Some(stored) = draft.reverses.and_then(|target| stored_targets.get_mut(&target)) {
                stored.2 = Some(applied.seq);
            }
            batch_keys.insert(key, (applied.seq, applied.content_hash.clone()));
            outcomes.push(PostOutcome { seq: applied.seq, status: PostStatus::Posted });
            to_insert.push((draft, applied));
        }
        if to_insert.is_empty() {
            return Ok(outcomes);
        }

        let mut writes = WriteBatch::new(backend);
        for chunk in to_insert.chunks(ENTRY_ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO entries (book_id, seq, idempotency_key, code, object_ref, effective_on, booked_at_ms, memo, reverses_seq, content_hash, hash) VALUES {}",
                placeholders(backend, 1, chunk.len(), 11)
            );
            let mut binds = Vec::with_capacity(chunk.len() * 11);
            for (draft, applied) in chunk {
                binds.extend([
                    Bind::Int(book_id.0),
                    Bind::Int(applied.seq.0),
                    Bind::Text(draft.idempotency_key.as_str()),
                    Bind::Text(draft.code.as_str()),
                    Bind::Text(draft.object_ref.as_str()),
                    Bind::Owned(draft.effective_on.to_string()),
                    Bind::Int(booked_at_ms),
                    Bind::Text(draft.memo.as_str()),
                    Bind::OptInt(draft.reverses.map(|s| s.0)),
                    Bind::Text(applied.content_hash.as_str()),
                    Bind::Text(applied.hash.as_str()),
                ]);
            }
            writes.push(sql, binds);
        }
        let postings: Vec<(i64, i64, &PostingDraft)> = to_insert
            .iter()
            .flat_map(|(draft, applied)| {
                draft.postings.iter().enumerate().map(move |(line, p)| (applied.seq.0, line as i64 + 1, p))
            })
            .collect();
        for chunk in postings.chunks(POSTING_ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO postings (book_id, entry_seq, line, account_id, amount_rials) VALUES {}",
                placeholders(backend, 1, chunk.len(), 5)
            );
            let mut binds = Vec::with_capacity(chunk.len() * 5);
            for (seq, line, posting) in chunk {
                binds.extend([
                    Bind::Int(book_id.0),
                    Bind::Int(*seq),
                    Bind::Int(*line),
                    Bind::Int(posting.account_id.0),
                    Bind::Int(posting.signed_rials()),
                ]);
            }
            writes.push(sql, binds);
        }
        // New balances, many accounts per statement: a sheet of 50 members is one UPDATE, not 51 round
        // trips to PostgreSQL.
        let touched: Vec<&AccountState> = state.accounts.values().collect();
        for chunk in touched.chunks(ACCOUNTS_PER_UPDATE) {
            let mut n = 0;
            let mut p = || {
                n += 1;
                param(backend, n)
            };
            let cases: String = chunk.iter().map(|_| format!(" WHEN {} THEN {}", p(), p())).collect();
            let ids: Vec<String> = chunk.iter().map(|_| p()).collect();
            let sql = format!("UPDATE accounts SET balance_rials = CASE id{cases} END WHERE id IN ({})", ids.join(","));
            let mut binds = Vec::with_capacity(chunk.len() * 3);
            for account in chunk {
                binds.extend([Bind::Int(account.id.0), Bind::Int(account.balance_rials)]);
            }
            binds.extend(chunk.iter().map(|a| Bind::Int(a.id.0)));
            writes.push(sql, binds);
        }
        let sql = format!(
            "UPDATE books SET head_seq = {}, head_hash = {} WHERE id = {}",
            param(backend, 1),
            param(backend, 2),
            param(backend, 3)
        );
        writes.push(sql, vec![Bind::Int(state.head_seq.0), Bind::Text(state.head_hash.as_str()), Bind::Int(book_id.0)]);
        writes.run(tx).await?;
        for (_, applied) in &to_insert {
            self.note_posted(book_id, applied.seq);
        }
        Ok(outcomes)
    }
}

/// Loads the stored entries `seqs` of a book with their postings, what each reverses, and what
/// already reversed each.
#[allow(clippy::type_complexity)]
async fn reversal_targets(
    backend: Backend,
    conn: &mut sqlx::AnyConnection,
    book_id: BookId,
    seqs: &[i64],
) -> StoreResult<HashMap<EntrySeq, (Vec<PostingDraft>, Option<EntrySeq>, Option<EntrySeq>)>> {
    let mut targets = HashMap::new();
    for chunk in seqs.chunks(KEYS_PER_LOOKUP) {
        let list = in_list(backend, 2, chunk.len());
        let book = param(backend, 1);
        let queries = [
            format!("SELECT seq, reverses_seq FROM entries WHERE book_id = {book} AND seq IN ({list})"),
            format!(
                "SELECT reverses_seq AS seq, seq AS reversed_by FROM entries WHERE book_id = {book} AND reverses_seq IN ({list})"
            ),
            format!(
                "SELECT entry_seq AS seq, account_id, amount_rials FROM postings WHERE book_id = {book} AND entry_seq IN ({list}) ORDER BY entry_seq, line"
            ),
        ];
        for (step, sql) in queries.into_iter().enumerate() {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(book_id.0);
            for seq in chunk {
                query = query.bind(*seq);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let seq = EntrySeq(row.try_get("seq")?);
                match step {
                    0 => {
                        let reverses = row.try_get::<Option<i64>, _>("reverses_seq")?.map(EntrySeq);
                        targets.insert(seq, (Vec::new(), reverses, None));
                    }
                    1 => {
                        if let Some(t) = targets.get_mut(&seq) {
                            t.2 = Some(EntrySeq(row.try_get("reversed_by")?));
                        }
                    }
                    _ => {
                        if let Some(t) = targets.get_mut(&seq) {
                            t.0.push(PostingDraft::from_signed(
                                AccountId(row.try_get("account_id")?),
                                row.try_get("amount_rials")?,
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(targets)
}

impl Store {
    /// The trial balance of one book, read from the kept balances (no history is scanned);
    /// sub-accounts are summed under their control account.
    pub async fn trial_balance_of_book(&self, book_id: BookId) -> StoreResult<TrialBalance> {
        self.book(book_id).await?;
        let rows = sqlx::query(
            "SELECT COALESCE(a.control_code, a.code) AS code, \
             MIN(CASE WHEN a.control_code IS NULL THEN a.name END) AS name, a.kind AS kind, \
             CAST(SUM(a.balance_rials) AS BIGINT) AS balance_rials \
             FROM accounts a WHERE a.book_id = $1 GROUP BY COALESCE(a.control_code, a.code), a.kind ORDER BY 1, 3",
        )
        .bind(book_id.0)
        .fetch_all(&self.pool)
        .await?;
        trial_balance_from_rows(rows)
    }

    /// A book's trial balance from its postings whose entries take effect in `[from, to]` (from the
    /// beginning when `from` is `None`): for statements of a past date or a period. Reads history.
    pub async fn trial_balance_of_book_between(
        &self,
        book_id: BookId,
        from: Option<IsoDate>,
        to: IsoDate,
    ) -> StoreResult<TrialBalance> {
        self.book(book_id).await?;
        let rows = sqlx::query(
            "SELECT COALESCE(a.control_code, a.code) AS code, \
             MIN(CASE WHEN a.control_code IS NULL THEN a.name END) AS name, a.kind AS kind, \
             CAST(SUM(p.amount_rials) AS BIGINT) AS balance_rials \
             FROM postings p JOIN entries e ON e.book_id = p.book_id AND e.seq = p.entry_seq \
             JOIN accounts a ON a.id = p.account_id \
             WHERE p.book_id = $1 AND e.effective_on >= $2 AND e.effective_on <= $3 \
             GROUP BY COALESCE(a.control_code, a.code), a.kind ORDER BY 1, 3",
        )
        .bind(book_id.0)
        .bind(from.map_or_else(|| "0000-00-00".to_string(), |d| d.to_string()))
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        trial_balance_from_rows(rows)
    }

    /// The trial balance summed over every book of the installation, account by account code.
    pub async fn trial_balance_all(&self) -> StoreResult<TrialBalance> {
        let rows = sqlx::query(
            "SELECT COALESCE(control_code, code) AS code, MIN(CASE WHEN control_code IS NULL THEN name END) AS name, \
             kind, CAST(SUM(balance_rials) AS BIGINT) AS balance_rials \
             FROM accounts GROUP BY COALESCE(control_code, code), kind ORDER BY 1, 3",
        )
        .fetch_all(&self.pool)
        .await?;
        trial_balance_from_rows(rows)
    }

    /// The trial balance summed over every book at or under a place, account by account code.
    pub async fn trial_balance_under_place(&self, place_id: i64) -> StoreResult<TrialBalance> {
        let place = self.place(place_id).await?;
        let rows = sqlx::query(
            "SELECT COALESCE(a.control_code, a.code) AS code, MIN(CASE WHEN a.control_code IS NULL THEN a.name END) AS name, \
             a.kind AS kind, CAST(SUM(a.balance_rials) AS BIGINT) AS balance_rials \
             FROM accounts a JOIN books b ON b.id = a.book_id JOIN places p ON p.id = b.place_id \
             WHERE p.path >= $1 AND p.path < $2 GROUP BY COALESCE(a.control_code, a.code), a.kind ORDER BY 1, 3",
        )
        .bind(place.path.as_str())
        .bind(path_upper_bound(&place.path))
        .fetch_all(&self.pool)
        .await?;
        trial_balance_from_rows(rows)
    }

    /// Reads entries in book and number order with their postings, one at a time, without holding
    /// them all in memory. Postings travel packed into one column per entry (`account:amount,…` in line
    /// order), which halves the rows the driver hands over.
    pub async fn scan_entries<F>(&self, filter: EntryFilter, visit: F) -> StoreResult<()>
    where
        F: FnMut(PostedEntry) -> StoreResult<()>,
    {
        let mut conn = self.pool.acquire().await?;
        self.scan_entries_on(&mut conn, filter, visit).await
    }

    async fn scan_entries_on<F>(
        &self,
        conn: &mut sqlx::AnyConnection,
        filter: EntryFilter,
        mut visit: F,
    ) -> StoreResult<()>
    where
        F: FnMut(PostedEntry) -> StoreResult<()>,
    {
        let (condition, book) = match filter {
            EntryFilter::All => ("", None),
            EntryFilter::Book(id) => ("WHERE e.book_id = $1", Some(id.0)),
        };
        let aggregate = match self.backend {
            Backend::Sqlite => "group_concat",
            Backend::Postgres => "string_agg",
        };
        let sql = format!(
            "SELECT e.book_id, e.seq, e.idempotency_key, e.code, e.object_ref, e.effective_on, e.booked_at_ms, e.memo, \
             e.reverses_seq, e.content_hash, e.hash, \
             {aggregate}(CAST(p.account_id AS TEXT) || ':' || CAST(p.amount_rials AS TEXT), ',' ORDER BY p.line) AS postings \
             FROM entries e LEFT JOIN postings p ON p.book_id = e.book_id AND p.entry_seq = e.seq {condition} \
             GROUP BY e.book_id, e.seq ORDER BY e.book_id, e.seq"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(book) = book {
            query = query.bind(book);
        }
        let mut rows = query.fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let mut draft = draft_from_row(&row)?;
            let packed: Option<String> = row.try_get("postings")?;
            for item in packed.as_deref().unwrap_or("").split(',').filter(|s| !s.is_empty()) {
                let parsed = item
                    .split_once(':')
                    .and_then(|(account, amount)| Some((account.parse::<i64>().ok()?, amount.parse::<i64>().ok()?)));
                let (account, amount) = parsed.ok_or_else(|| corrupt("posting", item))?;
                draft.postings.push(PostingDraft::from_signed(AccountId(account), amount));
            }
            visit(PostedEntry {
                book_id: BookId(row.try_get("book_id")?),
                seq: EntrySeq(row.try_get("seq")?),
                booked_at_ms: row.try_get("booked_at_ms")?,
                content_hash: row.try_get("content_hash")?,
                hash: row.try_get("hash")?,
                draft,
            })?;
        }
        Ok(())
    }

    /// Re-checks every invariant from the stored postings: each entry balances and posts only to its
    /// book's accounts, stored balances equal the sums of postings, and each hash chain is intact.
    ///
    /// Everything is read in one read-only snapshot, so a verify beside a running server sees the
    /// books as of one instant.
    pub async fn verify(&self) -> StoreResult<VerifyReport> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?,
        };
        let book_rows = sqlx::query("SELECT id, place_id, kind, name, head_seq, head_hash FROM books ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        let books = book_rows.iter().map(book_from_row).collect::<StoreResult<Vec<_>>>()?;
        let account_rows = sqlx::query(
            "SELECT id, book_id, code, name, kind, must_not_go_negative, balance_rials, control_code FROM accounts",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut accounts: HashMap<AccountId, (BookId, i64, i128)> = HashMap::with_capacity(account_rows.len());
        for row in &account_rows {
            let a = account_from_row(row)?;
            accounts.insert(a.id, (a.book_id, a.balance_rials, 0));
        }
        let heads: HashMap<BookId, (EntrySeq, String)> =
            books.iter().map(|b| (b.id, (b.head_seq, b.head_hash.clone()))).collect();
        let mut report =
            VerifyReport { books: books.len() as u64, accounts: accounts.len() as u64, ..VerifyReport::default() };
        let mut problems = Vec::new();
        let push = |problems: &mut Vec<VerifyProblem>, problem: VerifyProblem| {
            if problems.len() < VERIFY_PROBLEMS_MAX {
                problems.push(problem);
            }
        };
        // Per book: the last number and hash seen.
        let mut chain: HashMap<BookId, (EntrySeq, String)> = HashMap::new();
        self.scan_entries_on(&mut tx, EntryFilter::All, |entry| {
            report.entries += 1;
            report.postings += entry.draft.postings.len() as u64;
            let book_id = entry.book_id;
            let problem = |message: String| VerifyProblem { book_id, seq: Some(entry.seq), account_id: None, message };
            let (last_seq, last_hash) =
                chain.get(&book_id).cloned().unwrap_or((EntrySeq(0), domain::books::GENESIS_HASH.to_string()));
            if entry.seq.0 != last_seq.0 + 1 {
                push(
                    &mut problems,
                    problem(format!("entry number {} follows {}: entries are missing", entry.seq, last_seq)),
                );
            }
            if let Err(e) = entry.draft.check() {
                push(&mut problems, problem(format!("the entry is not valid: {e}")));
            }
            for posting in &entry.draft.postings {
                match accounts.get_mut(&posting.account_id) {
                    Some((owner, _, sum)) if *owner == book_id => *sum += i128::from(posting.signed_rials()),
                    Some((owner, _, _)) => push(
                        &mut problems,
                        problem(format!("it posts to account {} of book {owner}", posting.account_id)),
                    ),
                    None => push(&mut problems, problem(format!("it posts to unknown account {}", posting.account_id))),
                }
            }
            if let Some(target) = entry.draft.reverses
                && (target.0 < 1 || target.0 >= entry.seq.0)
            {
                push(&mut problems, problem(format!("it reverses entry {target}, which does not precede it")));
            }
            let content_hash = entry.draft.content_hash();
            if content_hash != entry.content_hash {
                push(&mut problems, problem("its content does not match its content hash: it was altered".into()));
            }
            let hash = chain_hash(
                book_id,
                entry.seq,
                entry.booked_at_ms,
                entry.draft.idempotency_key.as_str(),
                &entry.content_hash,
                &last_hash,
            );
            if hash != entry.hash {
                push(
                    &mut problems,
                    problem("the hash chain breaks here: this entry or the one before it was altered".into()),
                );
            }
            chain.insert(book_id, (entry.seq, entry.hash));
            Ok(())
        })
        .await?;
        for (book_id, (head_seq, head_hash)) in &heads {
            let (last_seq, last_hash) =
                chain.get(book_id).cloned().unwrap_or((EntrySeq(0), domain::books::GENESIS_HASH.to_string()));
            if last_seq != *head_seq || last_hash != *head_hash {
                push(
                    &mut problems,
                    VerifyProblem {
                        book_id: *book_id,
                        seq: Some(last_seq),
                        account_id: None,
                        message: format!(
                            "the book's head says entry {head_seq} but the last stored entry is {last_seq}"
                        ),
                    },
                );
            }
        }
        for (account_id, (book_id, balance, sum)) in &accounts {
            if i128::from(*balance) != *sum {
                push(
                    &mut problems,
                    VerifyProblem {
                        book_id: *book_id,
                        seq: None,
                        account_id: Some(*account_id),
                        message: format!("account {account_id} holds balance {balance} but its postings sum to {sum}"),
                    },
                );
            }
        }
        // Every entry names the audit record of the command that posted it: per book, the linked
        // ranges must cover 1..=head without a gap.
        let links = sqlx::query(
            "SELECT l.book_id, l.first_seq, l.last_seq, a.id AS audit FROM audit_entries l \
             LEFT JOIN audit_log a ON a.id = l.audit_id ORDER BY l.book_id, l.first_seq",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut covered: HashMap<BookId, Vec<(i64, i64)>> = HashMap::new();
        for row in &links {
            let book_id = BookId(row.try_get("book_id")?);
            let range = (row.try_get("first_seq")?, row.try_get("last_seq")?);
            if row.try_get::<Option<i64>, _>("audit")?.is_none() {
                push(
                    &mut problems,
                    VerifyProblem {
                        book_id,
                        seq: Some(EntrySeq(range.0)),
                        account_id: None,
                        message: format!("entries {}–{} name an audit record that does not exist", range.0, range.1),
                    },
                );
            }
            covered.entry(book_id).or_default().push(range);
        }
        for (book_id, (last_seq, _)) in &chain {
            for (first, last) in unaudited(covered.get(book_id).map(Vec::as_slice).unwrap_or_default(), last_seq.0) {
                push(
                    &mut problems,
                    VerifyProblem {
                        book_id: *book_id,
                        seq: Some(EntrySeq(first)),
                        account_id: None,
                        message: if first == last {
                            format!("entry {first} has no audit record: it was posted outside a command")
                        } else {
                            format!("entries {first}–{last} have no audit record: they were posted outside a command")
                        },
                    },
                );
            }
        }
        report.audit_links = links.len() as u64;
        // Postings that belong to no entry would escape the scan above.
        let stored_postings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM postings").fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        if stored_postings != report.postings as i64 {
            problems.push(VerifyProblem {
                book_id: BookId(0),
                seq: None,
                account_id: None,
                message: format!(
                    "{} postings are stored but {} belong to entries: postings without an entry were written",
                    stored_postings, report.postings
                ),
            });
        }
        problems.sort_by_key(|p| (p.book_id, p.seq, p.account_id));
        report.problems = problems;
        Ok(report)
    }
}

/// The entries 1..=`head` that no range (sorted by first entry) covers, as ranges.
fn unaudited(ranges: &[(i64, i64)], head: i64) -> Vec<(i64, i64)> {
    let mut gaps = Vec::new();
    let mut next = 1;
    for &(first, last) in ranges {
        if first > next {
            gaps.push((next, (first - 1).min(head)));
        }
        next = next.max(last + 1);
    }
    if next <= head {
        gaps.push((next, head));
    }
    gaps.retain(|(first, last)| first <= last);
    gaps
}

fn place_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Place> {
    let kind: String = row.try_get("kind")?;
    Ok(Place {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        kind: PlaceKind::parse(&kind).map_err(|_| corrupt("place kind", &kind))?,
        name: row.try_get("name")?,
        path: PlacePath::from_stored(row.try_get("path")?),
    })
}

#[cfg(test)]
mod write_batch_tests {
    use super::*;

    #[test]
    fn unaudited_entries_are_the_gaps_between_linked_ranges() {
        assert_eq!(unaudited(&[], 0), vec![]);
        assert_eq!(unaudited(&[], 3), vec![(1, 3)]);
        assert_eq!(unaudited(&[(1, 3)], 3), vec![]);
        assert_eq!(unaudited(&[(1, 2), (5, 6)], 8), vec![(3, 4), (7, 8)]);
        assert_eq!(unaudited(&[(2, 2)], 2), vec![(1, 1)]);
        assert_eq!(unaudited(&[(1, 4), (2, 3)], 4), vec![]);
    }

    #[test]
    fn statements_become_ctes_with_their_parameters_renumbered() {
        let (sql, binds) = combine_as_ctes(vec![
            ("INSERT INTO t (a, b) VALUES ($1, $2)".into(), vec![Bind::Int(1), Bind::Int(2)]),
            ("UPDATE u SET x = $1 WHERE id IN ($2, $3)".into(), vec![Bind::Int(3), Bind::Int(4), Bind::Int(5)]),
        ]);
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO t (a, b) VALUES ($1, $2)), w1 AS (UPDATE u SET x = $3 WHERE id IN ($4, $5)) SELECT 1"
        );
        assert_eq!(binds.len(), 5);
        let (single, _) = combine_as_ctes(vec![("UPDATE u SET x = $1".into(), vec![Bind::Int(1)])]);
        assert_eq!(single, "UPDATE u SET x = $1");
        assert_eq!(renumber_parameters("$9 + $10, $", 10), "$19 + $20, $");
    }
}

pub(crate) async fn place_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<Place> {
    let row = sqlx::query("SELECT id, parent_id, kind, name, path FROM places WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "place", id })?;
    place_from_row(&row)
}

read_on_both!(
    place(id: i64) -> Place = place_on
);

pub(crate) async fn book_on(conn: &mut sqlx::AnyConnection, id: BookId) -> StoreResult<Book> {
    let row = sqlx::query("SELECT id, place_id, kind, name, head_seq, head_hash FROM books WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "book", id: id.0 })?;
    book_from_row(&row)
}

read_on_both!(
    book(id: BookId) -> Book = book_on
);

pub(crate) async fn account_on(conn: &mut sqlx::AnyConnection, id: AccountId) -> StoreResult<Account> {
    let row = sqlx::query(
        "SELECT id, book_id, code, name, kind, must_not_go_negative, balance_rials, control_code FROM accounts WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound { what: "account", id: id.0 })?;
    account_from_row(&row)
}

read_on_both!(
    account(id: AccountId) -> Account = account_on
);

pub(crate) async fn entry_on(
    conn: &mut sqlx::AnyConnection,
    book_id: BookId,
    seq: EntrySeq,
) -> StoreResult<PostedEntry> {
    let row = sqlx::query(
        "SELECT book_id, seq, idempotency_key, code, object_ref, effective_on, booked_at_ms, memo, reverses_seq, content_hash, hash \
         FROM entries WHERE book_id = $1 AND seq = $2",
    )
    .bind(book_id.0)
    .bind(seq.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound { what: "entry", id: seq.0 })?;
    let mut draft = draft_from_row(&row)?;
    let postings = sqlx::query(
        "SELECT account_id, amount_rials FROM postings WHERE book_id = $1 AND entry_seq = $2 ORDER BY line",
    )
    .bind(book_id.0)
    .bind(seq.0)
    .fetch_all(&mut *conn)
    .await?;
    for p in postings {
        draft.postings.push(PostingDraft::from_signed(AccountId(p.try_get("account_id")?), p.try_get("amount_rials")?));
    }
    Ok(PostedEntry {
        book_id,
        seq,
        booked_at_ms: row.try_get("booked_at_ms")?,
        content_hash: row.try_get("content_hash")?,
        hash: row.try_get("hash")?,
        draft,
    })
}

read_on_both!(
    /// One stored entry with its postings.
    entry(book_id: BookId, seq: EntrySeq) -> PostedEntry = entry_on
);

write_on_both!(
    add_place = add_place_in(parent_id: Option<i64>, kind: PlaceKind, name: &str) -> Place,
    audit "place.add", format!("place:{}", name), 0
);

write_on_both!(
    add_book = add_book_in(place_id: i64, kind: &str, name: &str, now_ms: i64) -> Book,
    audit "book.add", format!("place:{place_id}"), now_ms
);

write_on_both!(
    add_account = add_account_in(book_id: BookId, code: &AccountCode, name: &str, kind: AccountKind, must_not_go_negative: bool) -> Account,
    audit "account.add", format!("book:{}", book_id.0), 0
);

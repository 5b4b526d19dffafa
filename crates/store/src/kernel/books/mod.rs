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

mod batch;
mod posting;
mod reading;
mod verify;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{batch::*, posting::*, reading::*, verify::*};

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

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Unexpected(format!("stored {what} {value:?} is not valid"))
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

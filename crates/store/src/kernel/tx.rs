//! The transaction handle a use case holds: every write of one command, and its audit record, in one
//! database transaction on one connection.
//!
//! `Store::begin` opens it (on SQLite after taking the process's write turn, then `BEGIN IMMEDIATE`; on
//! PostgreSQL on one pooled connection). Everything a command writes goes through its methods, and so
//! does everything it reads while it is open: a command never needs a second connection, so a full
//! pool can make callers wait but never deadlock them. Entries posted through it are remembered;
//! `commit` refuses to commit entries without an audit record and links them to it
//! (`audit_entries`), so that `verify` can prove every entry has one.

use crate::users::AuditRecord;
use crate::{Backend, Store, StoreError, StoreResult};
use domain::{BookId, EntrySeq};
use std::collections::BTreeMap;

/// The transaction's connection: there until the transaction commits or rolls back.
pub(crate) struct TxConn(Option<sqlx::Transaction<'static, sqlx::Any>>);

impl std::ops::Deref for TxConn {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        // Only `commit`, `rollback` and `drop` take it, and each consumes the `StoreTx`.
        self.0.as_deref().unwrap_or_else(|| unreachable!("a StoreTx is used after it ended"))
    }
}

impl std::ops::DerefMut for TxConn {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        self.0.as_deref_mut().unwrap_or_else(|| unreachable!("a StoreTx is used after it ended"))
    }
}

/// One command's database transaction. Dropped without `commit` (an error, or a request whose
/// client hung up and whose future was dropped), it rolls back — explicitly, on a task of its own,
/// before its connection goes back to the pool and while it still holds the write turn: a connection
/// never returns to the pool inside a transaction.
pub struct StoreTx {
    /// The store it belongs to, for the store's own code (its pool is never used while this is open).
    pub(crate) store: Store,
    pub(crate) conn: TxConn,
    pub(crate) backend: Backend,
    /// On SQLite: this process's turn to write, held until commit or rollback, so that writers queue
    /// in order instead of polling SQLite's busy lock.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Per book, the first and last entry this transaction posted.
    posted: BTreeMap<BookId, (EntrySeq, EntrySeq)>,
    /// The audit record the posted entries are linked to.
    audit_id: Option<i64>,
}

impl std::fmt::Debug for StoreTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreTx").field("backend", &self.backend).field("posted", &self.posted).finish_non_exhaustive()
    }
}

impl Store {
    /// Begins one command's transaction.
    pub async fn begin(&self) -> StoreResult<StoreTx> {
        let turn = match &self.write_turn {
            Some(turn) => Some(turn.clone().lock_owned().await),
            None => None,
        };
        let conn = TxConn(Some(self.begin_write().await?));
        Ok(StoreTx {
            store: self.clone(),
            conn,
            backend: self.backend,
            _turn: turn,
            posted: BTreeMap::new(),
            audit_id: None,
        })
    }

    /// Begins a transaction that only reads (several reads that must agree); it takes no write turn.
    pub async fn begin_read(&self) -> StoreResult<StoreTx> {
        let conn = TxConn(Some(self.pool.begin().await?));
        Ok(StoreTx {
            store: self.clone(),
            conn,
            backend: self.backend,
            _turn: None,
            posted: BTreeMap::new(),
            audit_id: None,
        })
    }
}

impl StoreTx {
    /// The connection, for the store's own statements.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }

    /// Remembers an entry this transaction posted.
    pub(crate) fn note_posted(&mut self, book_id: BookId, seq: EntrySeq) {
        let range = self.posted.entry(book_id).or_insert((seq, seq));
        range.0 = range.0.min(seq);
        range.1 = range.1.max(seq);
    }

    /// Whether this transaction posted any entry.
    pub fn has_posted(&self) -> bool {
        !self.posted.is_empty()
    }

    /// Writes the command's audit record; the entries this transaction posts are linked to it.
    pub async fn audit(&mut self, record: &AuditRecord) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at_ms, user_id, username, address, action, object_ref, place_path, before_state, \
             after_state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(record.at_ms)
        .bind(record.user_id)
        .bind(&record.username)
        .bind(&record.address)
        .bind(&record.action)
        .bind(&record.object_ref)
        .bind(&record.place_path)
        .bind(&record.before_state)
        .bind(&record.after_state)
        .fetch_one(&mut *self.conn)
        .await?;
        if self.audit_id.is_none() {
            self.audit_id = Some(id);
        }
        Ok(id)
    }

    /// Commits: the links from the posted entries to their audit record, then everything. Entries
    /// without an audit record are a programming mistake: nothing is committed.
    pub async fn commit(mut self) -> StoreResult<()> {
        if !self.posted.is_empty() {
            let Some(audit_id) = self.audit_id else {
                return Err(StoreError::Unexpected(
                    "a command posted entries without writing its audit record; nothing was saved".into(),
                ));
            };
            let posted = std::mem::take(&mut self.posted);
            for (book_id, (first, last)) in posted {
                sqlx::query(
                    "INSERT INTO audit_entries (audit_id, book_id, first_seq, last_seq) VALUES ($1, $2, $3, $4)",
                )
                .bind(audit_id)
                .bind(book_id.0)
                .bind(first.0)
                .bind(last.0)
                .execute(&mut *self.conn)
                .await?;
            }
        }
        if let Some(conn) = self.conn.0.take() {
            conn.commit().await?;
        }
        Ok(())
    }

    /// Commits a change made outside any user's command (tests, the benchmark's workload, the store's
    /// own convenience methods): audited as the system, unless the caller audited it already.
    pub async fn commit_as_system(mut self, action: &str, object_ref: &str, now_ms: i64) -> StoreResult<()> {
        if self.audit_id.is_none() && self.has_posted() {
            self.audit(&AuditRecord::system(action, object_ref, now_ms)).await?;
        }
        self.commit().await
    }

    /// Rolls back (a dry run, or a refusal found late).
    pub async fn rollback(mut self) -> StoreResult<()> {
        if let Some(conn) = self.conn.0.take() {
            conn.rollback().await?;
        }
        Ok(())
    }
}

impl Drop for StoreTx {
    fn drop(&mut self) {
        let Some(conn) = self.conn.0.take() else { return };
        let turn = self._turn.take();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = conn.rollback().await {
                        tracing::warn!(%error, "rolling back an abandoned transaction failed");
                    }
                    drop(turn);
                });
            }
            // No runtime to roll back on (a test's end, the process's): sqlx's own rollback on drop.
            Err(_) => drop((conn, turn)),
        }
    }
}

/// A read that a command may need inside its transaction: written once over a connection
/// (`$on(conn, …)`), offered on the [`Store`] (a pooled connection) and on the [`StoreTx`] (its own).
macro_rules! read_on_both {
    ($(#[$meta:meta])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty = $on:path) => {
        impl crate::Store {
            $(#[$meta])*
            pub async fn $name(&self, $($arg: $ty),*) -> crate::StoreResult<$ret> {
                let mut conn = self.pool.acquire().await?;
                $on(&mut conn, $($arg),*).await
            }
        }
        impl crate::StoreTx {
            $(#[$meta])*
            pub async fn $name(&mut self, $($arg: $ty),*) -> crate::StoreResult<$ret> {
                $on(&mut self.conn, $($arg),*).await
            }
        }
    };
}
pub(crate) use read_on_both;

/// A change the store's code writes with a transaction it is given (`$inner(&self, tx, …)`), offered
/// on the [`StoreTx`] (inside a command) and on the [`Store`] (its own transaction, audited as the
/// system when it posts: tests, the benchmark's workload).
macro_rules! write_on_both {
    ($(#[$meta:meta])* $name:ident = $inner:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty,
     audit $action:literal, $object:expr, $now:expr) => {
        impl crate::Store {
            $(#[$meta])*
            #[allow(clippy::too_many_arguments)]
            pub async fn $name(&self, $($arg: $ty),*) -> crate::StoreResult<$ret> {
                let mut tx = self.begin().await?;
                let out = self.$inner(&mut tx, $($arg),*).await?;
                tx.commit_as_system($action, &$object, $now).await?;
                Ok(out)
            }
        }
        impl crate::StoreTx {
            $(#[$meta])*
            #[allow(clippy::too_many_arguments)]
            pub async fn $name(&mut self, $($arg: $ty),*) -> crate::StoreResult<$ret> {
                let store = self.store.clone();
                store.$inner(self, $($arg),*).await
            }
        }
    };
}
pub(crate) use write_on_both;

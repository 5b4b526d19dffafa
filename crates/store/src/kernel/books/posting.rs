//! Posting entries: checked, balanced, idempotent by key, hash-chained, with the balances kept current, in the caller's transaction.

use super::*;

/// The draft part of a stored entry row (postings are added by the caller).
pub(crate) fn draft_from_row(row: &AnyRow) -> StoreResult<EntryDraft> {
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

impl Store {
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
pub(crate) async fn reversal_targets(
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

//! Reading the books: trial balances of a book, a place or everything, and entries by filter.

use super::*;

/// Which entries a scan reads.
#[derive(Clone, Copy, Debug, Default)]
pub enum EntryFilter {
    #[default]
    All,
    Book(BookId),
}

pub(crate) fn trial_balance_from_rows(rows: Vec<AnyRow>) -> StoreResult<TrialBalance> {
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

    pub(crate) async fn scan_entries_on<F>(
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
}

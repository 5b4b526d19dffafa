//! Verifying the books: every entry balances, the hash chain holds, the balances agree with the postings, and every entry has its audit record.

use super::*;

/// Verification stops collecting problems after this many.
pub(crate) const VERIFY_PROBLEMS_MAX: usize = 100;

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

impl Store {
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
pub(crate) fn unaudited(ranges: &[(i64, i64)], head: i64) -> Vec<(i64, i64)> {
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

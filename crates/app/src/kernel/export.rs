//! The books as plain-text journals that hledger and beancount read.
//!
//! Accounts are named `Root:B<book>:<code>` (roots: Assets, Liabilities, Equity, Income, Expenses), so
//! a journal holding many books keeps them apart and both tools infer each account's type. Amounts are
//! whole rials in the commodity `IRR`. Entries stream from the store; memory stays flat.

use domain::AccountKind;
use domain::books::TrialBalanceLine;
use std::io::Write;
use store::{Account, EntryFilter, PostedEntry, Store, StoreError, StoreResult};

/// The journal formats Abadi writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalFormat {
    Hledger,
    Beancount,
}

fn root(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Asset => "Assets",
        AccountKind::Liability => "Liabilities",
        AccountKind::Equity => "Equity",
        AccountKind::Income => "Income",
        AccountKind::Expense => "Expenses",
    }
}

/// The journal name of an account: `Assets:B3:1010`. Dots in codes become dashes and the first letter
/// is upper-cased, as beancount requires.
pub fn journal_account_name(book_id: i64, kind: AccountKind, code: &str) -> String {
    format!("{}:B{book_id}:{}", root(kind), journal_component(code))
}

fn journal_component(code: &str) -> String {
    let mut component: String = code.chars().map(|c| if c == '.' { '-' } else { c }).collect();
    if let Some(first) = component.get(..1) {
        let upper = first.to_ascii_uppercase();
        component.replace_range(..1, &upper);
    }
    component
}

/// The journal name of a trial-balance line of one book.
pub fn journal_name_of_line(book_id: i64, line: &TrialBalanceLine) -> String {
    journal_account_name(book_id, line.kind, &line.code)
}

fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in one_line(text).chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Unexpected(format!("cannot write the journal: {e}"))
}

/// Writes the books (all, or one) as a journal.
pub async fn write_journal<W: Write>(
    store: &Store,
    filter: EntryFilter,
    format: JournalFormat,
    out: &mut W,
) -> StoreResult<()> {
    let books = match filter {
        EntryFilter::All => store.books().await?,
        EntryFilter::Book(id) => vec![store.book(id).await?],
    };
    let mut names: std::collections::HashMap<domain::AccountId, String> = std::collections::HashMap::new();
    let mut accounts: Vec<Account> = Vec::new();
    for book in &books {
        accounts.extend(store.accounts(book.id).await?);
    }
    match format {
        JournalFormat::Hledger => {
            writeln!(out, "; Abadi journal: {} book(s), amounts in whole rials", books.len()).map_err(io_error)?;
            writeln!(out, "commodity 1000. IRR").map_err(io_error)?;
        }
        JournalFormat::Beancount => {
            writeln!(out, "; Abadi journal: {} book(s), amounts in whole rials", books.len()).map_err(io_error)?;
            writeln!(out, "option \"operating_currency\" \"IRR\"").map_err(io_error)?;
            writeln!(out, "1900-01-01 commodity IRR").map_err(io_error)?;
        }
    }
    for account in &accounts {
        let name = match &account.control_code {
            // A sub-account nests under its control account: Liabilities:B3:2010:M12.
            Some(control) => {
                let own = account.code.as_str().strip_prefix(control.as_str()).unwrap_or(account.code.as_str());
                let own = own.trim_start_matches(['-', '.']);
                format!("{}:{}", journal_account_name(account.book_id.0, account.kind, control), journal_component(own))
            }
            None => journal_account_name(account.book_id.0, account.kind, account.code.as_str()),
        };
        match format {
            JournalFormat::Hledger => {
                writeln!(out, "account {name}  ; {}", one_line(&account.name))
            }
            JournalFormat::Beancount => {
                writeln!(out, "1900-01-01 open {name} IRR\n  title: {}", quoted(&account.name))
            }
        }
        .map_err(io_error)?;
        names.insert(account.id, name);
    }
    writeln!(out).map_err(io_error)?;
    let mut write_entry = |entry: PostedEntry| -> StoreResult<()> {
        let d = &entry.draft;
        let narration =
            if d.memo.is_empty() { d.code.as_str().to_string() } else { format!("{} | {}", d.code.as_str(), d.memo) };
        match format {
            JournalFormat::Hledger => {
                writeln!(out, "{} (B{}#{}) {}", d.effective_on, entry.book_id, entry.seq, one_line(&narration))
                    .map_err(io_error)?;
                writeln!(out, "    ; key: {}, object: {}", d.idempotency_key, one_line(&d.object_ref))
                    .map_err(io_error)?;
                if let Some(r) = d.reverses {
                    writeln!(out, "    ; reverses: B{}#{r}", entry.book_id).map_err(io_error)?;
                }
            }
            JournalFormat::Beancount => {
                writeln!(out, "{} * {} {}", d.effective_on, quoted(d.code.as_str()), quoted(&d.memo))
                    .map_err(io_error)?;
                writeln!(
                    out,
                    "  entry: \"B{}#{}\"\n  key: {}",
                    entry.book_id,
                    entry.seq,
                    quoted(d.idempotency_key.as_str())
                )
                .map_err(io_error)?;
                if !d.object_ref.is_empty() {
                    writeln!(out, "  object: {}", quoted(&d.object_ref)).map_err(io_error)?;
                }
                if let Some(r) = d.reverses {
                    writeln!(out, "  reverses: \"B{}#{r}\"", entry.book_id).map_err(io_error)?;
                }
            }
        }
        for posting in &d.postings {
            let name = names.get(&posting.account_id).map_or("Unknown", String::as_str);
            writeln!(out, "    {name}  {} IRR", posting.signed_rials()).map_err(io_error)?;
        }
        writeln!(out).map_err(io_error)
    };
    store.scan_entries(filter, &mut write_entry).await?;
    out.flush().map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names() {
        assert_eq!(journal_account_name(3, AccountKind::Asset, "1010"), "Assets:B3:1010");
        assert_eq!(journal_account_name(3, AccountKind::Income, "fee.late"), "Income:B3:Fee-late");
        assert_eq!(quoted("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c d\"");
    }
}

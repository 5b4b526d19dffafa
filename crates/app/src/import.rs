//! Importing a fund's members from a spreadsheet exported as CSV: Persian or English headers, Persian
//! or Latin digits, Jalali dates. Every bad row is reported with its row number, column and reason;
//! nothing is written unless every row is good, and a dry run writes nothing at all.

use crate::Clock;
use domain::{IsoDate, JalaliDate, NationalId, PhoneNumber, Rials};
use std::collections::HashMap;
use store::{ImportedMember, NewMember, Store, StoreError};

/// The most rows one import takes.
pub const IMPORT_ROWS_MAX: usize = 10_000;

/// One problem in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The columns, each with the header names people use for it (compared by search key: ي/ی, ZWNJ and
/// spaces do not matter).
const COLUMNS: &[(&str, &[&str])] = &[
    ("national_id", &["national_id", "national id", "کد ملی", "کدملی", "شماره ملی"]),
    ("first_name", &["first_name", "first name", "name", "نام"]),
    ("last_name", &["last_name", "last name", "surname", "نام خانوادگی", "نام‌خانوادگی", "فامیلی"]),
    ("father_name", &["father_name", "father name", "نام پدر"]),
    ("phone", &["phone", "mobile", "تلفن", "موبایل", "تلفن همراه", "شماره تماس"]),
    ("joined_on", &["joined_on", "joined", "join date", "تاریخ عضویت"]),
    ("savings", &["savings", "opening savings", "savings_rials", "پس‌انداز", "پس انداز", "موجودی پس‌انداز"]),
];
const REQUIRED: &[&str] = &["national_id", "first_name", "last_name", "joined_on"];

fn column_of(header: &str) -> Option<&'static str> {
    let key = domain::text::search_key(header.trim_start_matches('\u{feff}'));
    COLUMNS
        .iter()
        .find(|(_, names)| names.iter().any(|n| domain::text::search_key(n) == key))
        .map(|(column, _)| *column)
}

/// Reads and checks every row; returns the members or every problem found.
pub fn read_members_csv(bytes: &[u8], place_id: i64) -> Result<Vec<ImportedMember>, Vec<RowError>> {
    let problem = |row: usize, column: &str, reason: String| RowError { row, column: column.to_string(), reason };
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![problem(1, "", format!("the header row cannot be read: {e}"))]),
    };
    let mut positions: HashMap<&'static str, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        match column_of(header) {
            Some(column) if positions.contains_key(column) => {
                errors.push(problem(1, header, format!("a second column for {column}")))
            }
            Some(column) => {
                positions.insert(column, index);
            }
            None if header.is_empty() => {}
            None => errors.push(problem(1, header, "an unknown column; remove it or rename it".into())),
        }
    }
    for required in REQUIRED {
        if !positions.contains_key(required) {
            errors.push(problem(1, required, "this column is missing".into()));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut members = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        if index >= IMPORT_ROWS_MAX {
            errors.push(problem(row, "", format!("more than {IMPORT_ROWS_MAX} rows: split the file")));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(problem(row, "", format!("the row cannot be read: {e}")));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |column: &str| positions.get(column).and_then(|i| record.get(*i)).unwrap_or("").to_string();
        let before = errors.len();
        let national_id = match NationalId::parse(&cell("national_id")) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(problem(row, "national_id", e.to_string()));
                None
            }
        };
        if let Some(id) = &national_id
            && let Some(first) = seen.insert(id.to_string(), row)
        {
            errors.push(problem(row, "national_id", format!("{id} is also on row {first}")));
        }
        for column in ["first_name", "last_name"] {
            if cell(column).is_empty() {
                errors.push(problem(row, column, "empty".into()));
            }
        }
        let phone = match cell("phone").as_str() {
            "" => None,
            text => match PhoneNumber::parse(text) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(problem(row, "phone", e.to_string()));
                    None
                }
            },
        };
        let joined_on: Option<IsoDate> = match JalaliDate::parse(&cell("joined_on")) {
            Ok(d) => Some(d.to_iso()),
            Err(e) => {
                errors.push(problem(row, "joined_on", e.to_string()));
                None
            }
        };
        let savings = match cell("savings").as_str() {
            "" => Rials::ZERO,
            text => match Rials::parse(text) {
                Ok(r) if !r.is_negative() => r,
                Ok(_) => {
                    errors.push(problem(row, "savings", "savings cannot be negative".into()));
                    Rials::ZERO
                }
                Err(e) => {
                    errors.push(problem(row, "savings", e.to_string()));
                    Rials::ZERO
                }
            },
        };
        if errors.len() == before
            && let (Some(national_id), Some(joined_on)) = (national_id, joined_on)
        {
            members.push(ImportedMember {
                member: NewMember {
                    national_id,
                    first_name: cell("first_name"),
                    last_name: cell("last_name"),
                    father_name: cell("father_name"),
                    phone,
                    place_id,
                    joined_on,
                },
                opening_savings: savings,
            });
        }
    }
    if errors.is_empty() { Ok(members) } else { Err(errors) }
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub members: usize,
    pub opening_savings: Rials,
    pub dry_run: bool,
}

/// Imports members into a fund from CSV bytes; with `dry_run` checks everything and writes nothing.
pub async fn import_members(
    store: &Store,
    clock: &dyn Clock,
    fund_id: i64,
    bytes: &[u8],
    as_of: IsoDate,
    dry_run: bool,
) -> Result<ImportSummary, ImportError> {
    let fund = store.fund(fund_id).await?;
    let rows = read_members_csv(bytes, fund.place_id).map_err(ImportError::Rows)?;
    let mut errors = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if row.member.joined_on < fund.opened_on {
            errors.push(RowError {
                row: index + 2,
                column: "joined_on".into(),
                reason: format!("before the fund opened ({})", fund.opened_on.to_jalali()),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let summary = ImportSummary {
        members: rows.len(),
        opening_savings: Rials::new(rows.iter().map(|r| r.opening_savings.get()).sum()),
        dry_run,
    };
    if !dry_run {
        let key_prefix = format!("import-{}-{}", fund_id, as_of);
        store.import_members(fund_id, &rows, as_of, &key_prefix, clock.now_ms()).await?;
    }
    Ok(summary)
}

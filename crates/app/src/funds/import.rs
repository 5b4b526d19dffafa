//! Importing a fund's members (with their opening savings) and its open loans (with what remains of
//! their schedules) from a spreadsheet, as CSV or XLSX: Persian or English headers, Persian or Latin
//! digits, Jalali dates. Every bad row is reported with its row number, column and reason; nothing is
//! written unless every row is good, and a dry run runs the whole import and keeps nothing.

use crate::Clock;
use domain::{IsoDate, JalaliDate, NationalId, PhoneNumber, Rials};
use std::collections::HashMap;
use store::{ImportedLoan, ImportedMember, NewMember, Store, StoreError};

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

/// A spreadsheet's first sheet as text: the header row and each non-blank row with its number as the
/// spreadsheet shows it (the header is row 1). CSV and XLSX both arrive here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads CSV (UTF-8, as Excel saves "CSV UTF-8", with or without its BOM) or XLSX, told apart by their
/// first bytes (an XLSX workbook is a ZIP archive).
pub fn read_table(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes) } else { read_csv(bytes) }
}

fn file_problem(reason: String) -> Vec<RowError> {
    vec![RowError { row: 1, column: String::new(), reason }]
}

fn too_many_rows(row: usize) -> RowError {
    RowError { row, column: String::new(), reason: format!("more than {IMPORT_ROWS_MAX} rows: split the file") }
}

fn read_csv(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect(),
        Err(e) => return Err(file_problem(format!("the header row cannot be read: {e}"))),
    };
    let mut table = Table { headers, rows: Vec::new() };
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        match record {
            Ok(r) if r.iter().all(str::is_empty) => {}
            Ok(_) if table.rows.len() >= IMPORT_ROWS_MAX => {
                errors.push(too_many_rows(row));
                break;
            }
            Ok(r) => table.rows.push((row, r.iter().map(str::to_string).collect())),
            Err(e) => {
                errors.push(RowError { row, column: String::new(), reason: format!("the row cannot be read: {e}") })
            }
        }
    }
    if errors.is_empty() { Ok(table) } else { Err(errors) }
}

/// The most columns an imported sheet may use (a members' or loans' sheet has about ten).
pub const IMPORT_COLUMNS_MAX: u32 = 64;

/// Refuses a first sheet with a cell beyond the rows and columns an import may have, before any
/// cell is laid out: a 1.7 KB file declaring one cell at `XFD1048576` would otherwise make the reader
/// lay out a grid of 17 billion cells. The cells are streamed one at a time to find where they lie.
fn check_sheet_size(workbook: &mut calamine::Xlsx<std::io::Cursor<&[u8]>>) -> Result<(), Vec<RowError>> {
    use calamine::Reader;
    let Some(name) = workbook.sheet_names().first().cloned() else { return Ok(()) };
    let Ok(mut cells) = workbook.worksheet_cells_reader(&name) else { return Ok(()) };
    // The header row, the rows allowed, and a little slack for blank rows between them.
    let rows_max = u32::try_from(IMPORT_ROWS_MAX).unwrap_or(u32::MAX).saturating_mul(2).saturating_add(1);
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (row, column) = cell.get_position();
                if row >= rows_max || column >= IMPORT_COLUMNS_MAX {
                    return Err(file_problem(format!(
                        "the sheet has a cell at row {} column {}: an import has at most {IMPORT_ROWS_MAX} rows and \
                         {IMPORT_COLUMNS_MAX} columns (split the file, or delete what lies beyond the table)",
                        row + 1,
                        column + 1
                    )));
                }
            }
            Ok(None) => return Ok(()),
            Err(e) => return Err(file_problem(format!("the first sheet cannot be read: {e}"))),
        }
    }
}

/// The first sheet of an XLSX workbook. Whole numbers come back as written (Excel keeps numbers as
/// f64, exact for rials up to 2^53); a cell formatted as a date (Excel's calendar is Gregorian) becomes
/// the Jalali date it stands for; text is kept as typed.
fn read_xlsx(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    use calamine::{Data, Reader, Xlsx};
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| file_problem(format!("the workbook cannot be read: {e}")))?;
    check_sheet_size(&mut workbook)?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(file_problem(format!("the first sheet cannot be read: {e}"))),
        None => return Err(file_problem("the workbook has no sheet".into())),
    };
    let (first_row, first_column) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let mut errors = Vec::new();
    let mut texts_of = |row: usize, values: &[Data]| -> Vec<String> {
        let mut texts = vec![String::new(); first_column];
        for value in values {
            texts.push(match value {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_string(),
                Data::Int(i) => i.to_string(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => format!("{f:.0}"),
                Data::Float(f) => f.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => excel_serial_to_jalali(d.as_f64()),
                Data::DateTimeIso(s) => s
                    .get(..10)
                    .and_then(|d| IsoDate::parse_iso(d).ok())
                    .map_or_else(|| s.clone(), |d| d.to_jalali().to_string()),
                Data::DurationIso(s) => s.clone(),
                Data::Error(e) => {
                    errors.push(RowError {
                        row,
                        column: String::new(),
                        reason: format!("a cell holds an Excel error ({e})"),
                    });
                    String::new()
                }
            });
        }
        texts
    };
    let mut rows = range.rows().enumerate().map(|(i, r)| (first_row + i + 1, r));
    let headers = match rows.next() {
        Some((row, values)) => texts_of(row, values),
        None => return Err(file_problem("the first sheet is empty".into())),
    };
    let mut table = Table { headers, rows: Vec::new() };
    for (row, values) in rows {
        let texts = texts_of(row, values);
        if texts.iter().all(String::is_empty) {
            continue;
        }
        if table.rows.len() >= IMPORT_ROWS_MAX {
            return Err(vec![too_many_rows(row)]);
        }
        table.rows.push((row, texts));
    }
    if errors.is_empty() { Ok(table) } else { Err(errors) }
}

/// An Excel date serial (days since 1899-12-30, as Excel counts them) as a Jalali date.
fn excel_serial_to_jalali(serial: f64) -> String {
    match IsoDate::from_ymd(1899, 12, 30) {
        Ok(epoch) if serial.is_finite() && serial.abs() < 1e7 => {
            epoch.add_days(serial.floor() as i64).to_jalali().to_string()
        }
        _ => serial.to_string(),
    }
}

/// A sheet's columns: each field with the header names people use for it (compared by search key: ي/ی,
/// ZWNJ and spaces do not matter), and the fields that must be there.
struct Columns {
    names: &'static [(&'static str, &'static [&'static str])],
    required: &'static [&'static str],
}

const MEMBER_COLUMNS: Columns = Columns {
    names: &[
        ("national_id", &["national_id", "national id", "کد ملی", "کدملی", "شماره ملی"]),
        ("first_name", &["first_name", "first name", "name", "نام"]),
        ("last_name", &["last_name", "last name", "surname", "نام خانوادگی", "نام‌خانوادگی", "فامیلی"]),
        ("father_name", &["father_name", "father name", "نام پدر"]),
        ("phone", &["phone", "mobile", "تلفن", "موبایل", "تلفن همراه", "شماره تماس"]),
        ("joined_on", &["joined_on", "joined", "join date", "تاریخ عضویت"]),
        ("savings", &["savings", "opening savings", "savings_rials", "پس‌انداز", "پس انداز", "موجودی پس‌انداز"]),
    ],
    required: &["national_id", "first_name", "last_name", "joined_on"],
};

const LOAN_COLUMNS: Columns = Columns {
    names: &[
        ("national_id", &["national_id", "national id", "کد ملی", "کدملی", "شماره ملی"]),
        ("amount", &["amount", "amount_rials", "loan amount", "principal", "مبلغ وام", "مبلغ", "اصل وام"]),
        ("term_months", &["term_months", "term", "months", "installments", "مدت", "تعداد اقساط", "مدت وام"]),
        ("disbursed_on", &["disbursed_on", "disbursed", "date paid out", "تاریخ پرداخت", "تاریخ پرداخت وام"]),
        ("repaid", &["repaid", "repaid_rials", "paid so far", "بازپرداخت شده", "مبلغ پرداخت شده", "پرداخت شده"]),
        ("purpose", &["purpose", "activity", "موضوع", "موضوع وام", "فعالیت"]),
        ("jobs_created", &["jobs_created", "jobs created", "اشتغال ایجادی", "شغل ایجادی"]),
        ("jobs_revived", &["jobs_revived", "jobs revived", "اشتغال احیایی", "شغل احیایی"]),
    ],
    required: &["national_id", "amount", "term_months", "disbursed_on"],
};

/// Which column of a table each field is in. Unknown, repeated and missing columns are row-1 problems.
fn map_columns(headers: &[String], columns: &Columns) -> Result<HashMap<&'static str, usize>, Vec<RowError>> {
    let problem = |column: &str, reason: String| RowError { row: 1, column: column.to_string(), reason };
    let mut positions: HashMap<&'static str, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let key = domain::text::search_key(header);
        let found = columns
            .names
            .iter()
            .find(|(_, names)| names.iter().any(|n| domain::text::search_key(n) == key))
            .map(|(field, _)| *field);
        match found {
            Some(field) if positions.contains_key(field) => {
                errors.push(problem(header, format!("a second column for {field}")))
            }
            Some(field) => {
                positions.insert(field, index);
            }
            None if header.is_empty() => {}
            None => errors.push(problem(header, "an unknown column; remove it or rename it".into())),
        }
    }
    for field in columns.required {
        if !positions.contains_key(field) {
            errors.push(problem(field, "this column is missing".into()));
        }
    }
    if errors.is_empty() { Ok(positions) } else { Err(errors) }
}

/// Reads one row's cells, collecting every problem with its row and column.
struct RowReader<'a> {
    row: usize,
    cells: &'a [String],
    positions: &'a HashMap<&'static str, usize>,
    errors: &'a mut Vec<RowError>,
}

impl RowReader<'_> {
    fn text(&self, field: &str) -> String {
        self.positions.get(field).and_then(|i| self.cells.get(*i)).map_or_else(String::new, |c| c.trim().to_string())
    }

    fn problem(&mut self, field: &str, reason: String) {
        self.errors.push(RowError { row: self.row, column: field.to_string(), reason });
    }

    fn required_text(&mut self, field: &str) -> String {
        let text = self.text(field);
        if text.is_empty() {
            self.problem(field, "empty".into());
        }
        text
    }

    fn national_id(&mut self, seen: &mut HashMap<String, usize>) -> Option<NationalId> {
        match NationalId::parse(&self.text("national_id")) {
            Ok(id) => {
                if let Some(first) = seen.insert(id.to_string(), self.row) {
                    self.problem("national_id", format!("{id} is also on row {first}"));
                }
                Some(id)
            }
            Err(e) => {
                self.problem("national_id", e.to_string());
                None
            }
        }
    }

    fn date(&mut self, field: &str) -> Option<IsoDate> {
        match JalaliDate::parse(&self.text(field)) {
            Ok(d) => Some(d.to_iso()),
            Err(e) => {
                self.problem(field, e.to_string());
                None
            }
        }
    }

    /// An amount of rials, zero when the cell is empty; never negative.
    fn rials(&mut self, field: &str, name: &str) -> Rials {
        match self.text(field).as_str() {
            "" => Rials::ZERO,
            text => match Rials::parse(text) {
                Ok(r) if !r.is_negative() => r,
                Ok(_) => {
                    self.problem(field, format!("{name} cannot be negative"));
                    Rials::ZERO
                }
                Err(e) => {
                    self.problem(field, e.to_string());
                    Rials::ZERO
                }
            },
        }
    }

    /// A whole count (months, jobs) in any digits, `default` when the cell is empty.
    fn count(&mut self, field: &str, default: u32) -> u32 {
        let text = domain::text::to_latin_digits(&self.text(field));
        if text.is_empty() {
            return default;
        }
        match text.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                self.problem(field, format!("{text:?} is not a whole number"));
                default
            }
        }
    }
}

/// Reads and checks every row of a members sheet (CSV or XLSX); returns each member with its row
/// number, or every problem found.
pub fn read_members(bytes: &[u8], place_id: i64) -> Result<Vec<(usize, ImportedMember)>, Vec<RowError>> {
    let table = read_table(bytes)?;
    let positions = map_columns(&table.headers, &MEMBER_COLUMNS)?;
    let mut errors = Vec::new();
    let mut members = Vec::new();
    let mut seen = HashMap::new();
    for (row, cells) in &table.rows {
        let before = errors.len();
        let mut r = RowReader { row: *row, cells, positions: &positions, errors: &mut errors };
        let national_id = r.national_id(&mut seen);
        let first_name = r.required_text("first_name");
        let last_name = r.required_text("last_name");
        let phone = match r.text("phone").as_str() {
            "" => None,
            text => match PhoneNumber::parse(text) {
                Ok(p) => Some(p),
                Err(e) => {
                    r.problem("phone", e.to_string());
                    None
                }
            },
        };
        let joined_on = r.date("joined_on");
        let savings = r.rials("savings", "savings");
        let father_name = r.text("father_name");
        if errors.len() == before
            && let (Some(national_id), Some(joined_on)) = (national_id, joined_on)
        {
            let member = NewMember { national_id, first_name, last_name, father_name, phone, place_id, joined_on };
            members.push((*row, ImportedMember { member, opening_savings: savings }));
        }
    }
    if errors.is_empty() { Ok(members) } else { Err(errors) }
}

/// Reads and checks every row of an open-loans sheet (CSV or XLSX); returns each loan with its row
/// number, or every problem found.
pub fn read_open_loans(bytes: &[u8]) -> Result<Vec<(usize, ImportedLoan)>, Vec<RowError>> {
    let table = read_table(bytes)?;
    let positions = map_columns(&table.headers, &LOAN_COLUMNS)?;
    let mut errors = Vec::new();
    let mut loans = Vec::new();
    let mut seen = HashMap::new();
    for (row, cells) in &table.rows {
        let before = errors.len();
        let mut r = RowReader { row: *row, cells, positions: &positions, errors: &mut errors };
        let national_id = r.national_id(&mut seen);
        let amount = r.rials("amount", "the amount");
        if amount == Rials::ZERO && r.errors.len() == before {
            r.problem("amount", "the amount must be more than zero".into());
        }
        let term_months = r.count("term_months", 0);
        if term_months == 0 && r.errors.len() == before {
            r.problem("term_months", "the term must be at least one month".into());
        }
        let disbursed_on = r.date("disbursed_on");
        let repaid = r.rials("repaid", "what was repaid");
        let purpose = r.text("purpose");
        let jobs_created = r.count("jobs_created", 0);
        let jobs_revived = r.count("jobs_revived", 0);
        if errors.len() == before
            && let (Some(national_id), Some(disbursed_on)) = (national_id, disbursed_on)
        {
            let loan = ImportedLoan {
                national_id,
                amount,
                term_months,
                disbursed_on,
                repaid,
                purpose,
                jobs_created,
                jobs_revived,
            };
            loans.push((*row, loan));
        }
    }
    if errors.is_empty() { Ok(loans) } else { Err(errors) }
}

/// A store refusal of one item, as a problem of the spreadsheet row it came from.
fn row_refusal(error: StoreError, rows: &[usize]) -> ImportError {
    match error {
        StoreError::ImportRow { index, error } => ImportError::Rows(vec![RowError {
            row: rows.get(index).copied().unwrap_or(0),
            column: String::new(),
            reason: error.to_string(),
        }]),
        other => ImportError::Store(other),
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    /// Opening savings (members) or unpaid principal (loans) booked.
    pub booked: Rials,
    pub dry_run: bool,
}

/// Imports members into a fund from a CSV or XLSX sheet; with `dry_run` runs the whole import and keeps
/// nothing.
pub async fn import_members(
    store: &Store,
    clock: &dyn Clock,
    fund_id: i64,
    bytes: &[u8],
    as_of: IsoDate,
    dry_run: bool,
) -> Result<ImportSummary, ImportError> {
    let fund = store.fund(fund_id).await?;
    let read = read_members(bytes, fund.place_id).map_err(ImportError::Rows)?;
    let errors: Vec<RowError> = read
        .iter()
        .filter(|(_, m)| m.member.joined_on < fund.opened_on)
        .map(|(row, _)| RowError {
            row: *row,
            column: "joined_on".into(),
            reason: format!("before the fund opened ({})", fund.opened_on.to_jalali()),
        })
        .collect();
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let (row_numbers, members): (Vec<usize>, Vec<ImportedMember>) = read.into_iter().unzip();
    let key_prefix = format!("import-{fund_id}-{as_of}");
    store
        .import_members(fund_id, &members, as_of, &key_prefix, clock.now_ms(), dry_run)
        .await
        .map_err(|e| row_refusal(e, &row_numbers))?;
    Ok(ImportSummary {
        rows: members.len(),
        booked: Rials::new(members.iter().map(|m| m.opening_savings.get()).sum()),
        dry_run,
    })
}

/// Imports a fund's open loans from a CSV or XLSX sheet: each rebuilt on the fund's rules of its
/// disbursement date with what was repaid applied, its unpaid principal booked on `as_of`. Members
/// (and their opening savings, which hold the cash the loans were lent from) are imported first.
pub async fn import_open_loans(
    store: &Store,
    clock: &dyn Clock,
    fund_id: i64,
    bytes: &[u8],
    as_of: IsoDate,
    dry_run: bool,
) -> Result<ImportSummary, ImportError> {
    store.fund(fund_id).await?;
    let (row_numbers, loans): (Vec<usize>, Vec<ImportedLoan>) =
        read_open_loans(bytes).map_err(ImportError::Rows)?.into_iter().unzip();
    let key_prefix = format!("import-loans-{fund_id}-{as_of}");
    let opened = store
        .import_open_loans(fund_id, &loans, as_of, &key_prefix, clock.now_ms(), dry_run)
        .await
        .map_err(|e| row_refusal(e, &row_numbers))?;
    Ok(ImportSummary {
        rows: opened.len(),
        booked: Rials::new(opened.iter().map(|o| o.principal_outstanding.get()).sum()),
        dry_run,
    })
}

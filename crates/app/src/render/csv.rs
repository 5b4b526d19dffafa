//! A table as CSV, with a byte-order mark so that Excel reads the Persian as UTF-8.

use super::Table;

/// Writes the table as CSV with a byte-order mark: the column titles, then each row. A text cell
/// that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return: a fund named `=HYPERLINK(…)`) is written with a leading `'`, so that it stays text.
pub fn write(table: &Table, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(table.columns.iter().map(|c| inert(c)))?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|cell| match cell {
            super::Cell::Text(text) => inert(text),
            number => number.plain(),
        }))?;
    }
    writer.flush()
}

/// Text a spreadsheet will not run.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Table};

    #[test]
    fn text_a_spreadsheet_would_run_is_written_as_text() {
        let mut table = Table::new("t", &["=cmd", "b", "c"]);
        table.rows.push(vec![
            Cell::Text("=HYPERLINK(\"http://x\")".into()),
            Cell::Whole(-5),
            Cell::Text("@SUM(A1)".into()),
        ]);
        table.rows.push(vec![Cell::Text("-2+3".into()), Cell::Text("\tx".into()), Cell::Text("صندوق".into())]);
        let mut out = Vec::new();
        super::write(&table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\u{FEFF}'=cmd,b,c\n\"'=HYPERLINK(\"\"http://x\"\")\",-5,'@SUM(A1)\n'-2+3,'\tx,صندوق\n");
    }

    #[test]
    fn a_table_becomes_csv_with_a_byte_order_mark_and_quotes_where_needed() {
        let mut table = Table::new("t", &["نام", "مبلغ"]);
        table.rows.push(vec![Cell::Text("علی, \"کوچک\"".into()), Cell::Whole(-5)]);
        table.rows.push(vec![Cell::Empty, Cell::Decimal(2.5)]);
        let mut out = Vec::new();
        super::write(&table, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\u{FEFF}نام,مبلغ\n\"علی, \"\"کوچک\"\"\",-5\n,2.5\n");
    }
}

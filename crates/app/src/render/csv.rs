//! A table as CSV, with a byte-order mark so that Excel reads the Persian as UTF-8.

use super::Table;

/// Writes the table as CSV with a byte-order mark: the column titles, then each row.
pub fn write(table: &Table, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(super::Cell::plain))?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Table};

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

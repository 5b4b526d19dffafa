//! Tables as an XLSX workbook: one right-to-left sheet per table; numbers as numbers, text as text (a
//! national ID keeps its leading zeros).

use super::{Cell, RenderError, Table};

/// The workbook of `tables`, one sheet each, as bytes.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>, RenderError> {
    let failed = |e: rust_xlsxwriter::XlsxError| RenderError { what: "workbook", reason: e.to_string() };
    let mut book = rust_xlsxwriter::Workbook::new();
    for table in tables {
        let sheet = book.add_worksheet().set_name(&table.name).map_err(failed)?;
        sheet.set_right_to_left(true);
        for (c, title) in table.columns.iter().enumerate() {
            sheet.write_string(0, column(c)?, title).map_err(failed)?;
        }
        for (r, cells) in table.rows.iter().enumerate() {
            let r =
                u32::try_from(r + 1).map_err(|_| RenderError { what: "workbook", reason: "too many rows".into() })?;
            for (c, cell) in cells.iter().enumerate() {
                let c = column(c)?;
                match cell {
                    Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                    // Excel's numbers are f64: exact for every amount below 2^53 rials.
                    Cell::Whole(v) => sheet.write_number(r, c, *v as f64).map(|_| ()),
                    Cell::Decimal(v) => sheet.write_number(r, c, *v).map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(failed)?;
            }
        }
    }
    book.save_to_buffer().map_err(failed)
}

fn column(c: usize) -> Result<u16, RenderError> {
    u16::try_from(c).map_err(|_| RenderError { what: "workbook", reason: "too many columns".into() })
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Table};

    #[test]
    fn tables_become_a_zip_workbook() {
        let mut table = Table::new("اعضا", &["کد ملی", "پس‌انداز"]);
        table.rows.push(vec![Cell::Text("0084575948".into()), Cell::Whole(20_000_000)]);
        let bytes = super::workbook(&[table.clone(), Table { name: "دوم".into(), ..table }]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}

//! One place that turns report values into files: CSV, XLSX and server-drawn SVG charts. Pure
//! functions from values to bytes or text (no database, no clock); the pages, the API and the
//! command line all call them, and PDF will join them.

pub mod csv;
pub mod svg;
pub mod xlsx;

/// A cell of a table: a number or text.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Whole(i64),
    Decimal(f64),
    Empty,
}

impl Cell {
    /// The cell as plain text (Latin digits, no grouping): what CSV holds.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Whole(v) => v.to_string(),
            Cell::Decimal(v) => format!("{v}"),
            Cell::Empty => String::new(),
        }
    }
}

/// A table with a name (an XLSX sheet's), its column titles and its rows, read right to left.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, columns: &[&str]) -> Table {
        Table { name: name.to_string(), columns: columns.iter().map(|c| c.to_string()).collect(), rows: Vec::new() }
    }
}

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the {what}: {reason}")]
pub struct RenderError {
    pub what: &'static str,
    pub reason: String,
}

impl From<RenderError> for store::StoreError {
    fn from(error: RenderError) -> store::StoreError {
        store::StoreError::Unexpected(error.to_string())
    }
}

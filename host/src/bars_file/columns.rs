//! The columns a bar file may have, and how their headers are spelled.

use std::fmt;

/// A column of a bar file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Timestamp,
    Open,
    High,
    Low,
    Close,
    Volume,
    Symbol,
    Timeframe,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::Timestamp,
        Column::Open,
        Column::High,
        Column::Low,
        Column::Close,
        Column::Volume,
        Column::Symbol,
        Column::Timeframe,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Column::Timestamp => "timestamp",
            Column::Open => "open",
            Column::High => "high",
            Column::Low => "low",
            Column::Close => "close",
            Column::Volume => "volume",
            Column::Symbol => "symbol",
            Column::Timeframe => "timeframe",
        }
    }

    /// Header spellings accepted, compared without case: our names, the `market_data` column
    /// names (`open_price`, ...) and the common `time`/`date`/`datetime` for the timestamp.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Timestamp => &["timestamp", "time", "date", "datetime", "ts"],
            Column::Open => &["open", "open_price"],
            Column::High => &["high", "high_price"],
            Column::Low => &["low", "low_price"],
            Column::Close => &["close", "close_price"],
            Column::Volume => &["volume"],
            Column::Symbol => &["symbol"],
            Column::Timeframe => &["timeframe"],
        }
    }

    /// The column a header names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let header = header.trim().trim_start_matches('\u{feff}');
        Column::ALL
            .into_iter()
            .find(|column| column.aliases().iter().any(|alias| alias.eq_ignore_ascii_case(header)))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The position of each column in a file's header.
#[derive(Debug, Default, Clone)]
pub(super) struct ColumnIndex([Option<usize>; 8]);

impl ColumnIndex {
    /// Maps headers to columns; a column named twice is an error naming both spellings.
    pub(super) fn from_headers<'h>(headers: impl IntoIterator<Item = &'h str>) -> Result<Self, String> {
        let mut index = ColumnIndex::default();
        let mut names: [&str; 8] = [""; 8];
        for (position, header) in headers.into_iter().enumerate() {
            if let Some(column) = Column::from_header(header) {
                let slot = column as usize;
                if index.0[slot].is_some() {
                    return Err(format!("columns {:?} and {header:?} both give the {column}", names[slot]));
                }
                index.0[slot] = Some(position);
                names[slot] = header;
            }
        }
        Ok(index)
    }

    pub(super) fn get(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }

    /// Checks the required columns and that symbol and timeframe each come from exactly one of
    /// the file and the defaults.
    pub(super) fn check(&self, defaults: &super::FileDefaults) -> Result<(), String> {
        let missing: Vec<&str> = [Column::Timestamp, Column::Open, Column::High, Column::Low, Column::Close]
            .into_iter()
            .filter(|column| self.get(*column).is_none())
            .map(Column::name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing column(s) {} (expected timestamp, open, high, low, close and optionally volume, symbol, timeframe)",
                missing.join(", ")
            ));
        }
        for (column, flag, given) in [
            (Column::Symbol, "--symbol", defaults.symbol.is_some()),
            (Column::Timeframe, "--timeframe", defaults.timeframe.is_some()),
        ] {
            match (self.get(column).is_some(), given) {
                (false, false) => {
                    return Err(format!("no {column} column and no {flag} given (expected one of them)"));
                }
                (true, true) if !defaults.only_where_missing => {
                    return Err(format!("has a {column} column and {flag} was given (expected one of them)"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

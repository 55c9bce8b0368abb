//! The columns a bar file may have, how their headers are spelled, and how `--columns` maps them.

use std::fmt;

use super::FileDefaults;
use super::options::{ColumnSpec, Source};
use super::presets::Preset;

/// A column of a bar file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Timestamp,
    /// A date, combined with a [`Column::Time`] into the timestamp (MetaTrader, Stooq).
    Date,
    /// A time of day, combined with a [`Column::Date`].
    Time,
    Open,
    High,
    Low,
    Close,
    Volume,
    Symbol,
    Timeframe,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Timestamp,
        Column::Date,
        Column::Time,
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
            Column::Date => "date",
            Column::Time => "time",
            Column::Open => "open",
            Column::High => "high",
            Column::Low => "low",
            Column::Close => "close",
            Column::Volume => "volume",
            Column::Symbol => "symbol",
            Column::Timeframe => "timeframe",
        }
    }

    /// Header spellings accepted, compared without case, spaces or MetaTrader's `<…>`: our
    /// names, the `market_data` column names (`open_price`, ...), and the vendors' usual names
    /// of the timestamp. A `date` column alone, or a `time` column alone, is the timestamp.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Timestamp => &["timestamp", "datetime", "ts", "gmt time", "open time", "open_time"],
            Column::Date => &["date"],
            Column::Time => &["time"],
            Column::Open => &["open", "open_price"],
            Column::High => &["high", "high_price"],
            Column::Low => &["low", "low_price"],
            Column::Close => &["close", "close_price"],
            Column::Volume => &["volume", "vol"],
            Column::Symbol => &["symbol"],
            Column::Timeframe => &["timeframe"],
        }
    }

    /// The column a header names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let header = normalized(header);
        Column::ALL
            .into_iter()
            .find(|column| column.aliases().iter().any(|alias| alias.eq_ignore_ascii_case(header)))
    }

    /// The column `--columns` names (our names only).
    pub fn from_name(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|column| column.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A header as compared: without surrounding space, a byte-order mark, or MetaTrader's `<…>`.
fn normalized(header: &str) -> &str {
    let header = header.trim().trim_start_matches('\u{feff}').trim();
    header.strip_prefix('<').and_then(|h| h.strip_suffix('>')).unwrap_or(header)
}

/// The headers pandas gives an unnamed index: the timestamp when nothing else is.
const PANDAS_INDEX: [&str; 3] = ["__index_level_0__", "", "Unnamed: 0"];

/// The `--format` names, for messages.
const FORMATS_HINT: &str = "binance, mt4, mt5, dukascopy, yahoo, stooq, histdata";

/// The position of each column in a file's rows.
#[derive(Debug, Default, Clone)]
pub(super) struct ColumnIndex([Option<usize>; 10]);

impl ColumnIndex {
    pub(super) fn get(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }

    /// Maps a file's columns: by `--columns` in order, or by header names (`names`, `None`
    /// without a header) with `--columns` assignments on top; then checks that the timestamp,
    /// the prices and symbol and timeframe (each from the file or a flag) are all there.
    /// `width` is the number of fields of the header or first row.
    pub(super) fn resolve(
        names: Option<&[String]>,
        width: usize,
        spec: Option<&ColumnSpec>,
        preset: Option<Preset>,
        defaults: &FileDefaults,
    ) -> Result<Self, String> {
        let mut index = ColumnIndex::default();
        match spec {
            Some(ColumnSpec::InOrder(list)) => {
                if list.len() > width {
                    return Err(format!(
                        "--columns names {} columns, but the file's first line has {width} fields",
                        list.len()
                    ));
                }
                for (position, column) in list.iter().enumerate() {
                    if let Some(column) = column {
                        index.claim(*column, position)?;
                    }
                }
            }
            _ => {
                if let Some(names) = names {
                    index.map_headers(names, preset)?;
                }
            }
        }
        if let Some(ColumnSpec::Assigned(assigned)) = spec {
            for (column, source) in assigned {
                let position = match source {
                    Source::Position(n) if *n > width => {
                        return Err(format!(
                            "--columns: {column}={n} is past the row (the file's first line has {width} fields)"
                        ));
                    }
                    Source::Position(n) => n - 1,
                    Source::Name(name) => names
                        .and_then(|names| {
                            names.iter().position(|h| normalized(h).eq_ignore_ascii_case(normalized(name)))
                        })
                        .ok_or_else(|| {
                            format!("--columns: {column}={name:?}: no such header ({})", found(names, width))
                        })?,
                };
                // An assignment wins over the header's own name for this column, and a timestamp
                // given one way replaces the other way.
                match column {
                    Column::Timestamp => {
                        index.0[Column::Date as usize] = None;
                        index.0[Column::Time as usize] = None;
                    }
                    Column::Date | Column::Time => index.0[Column::Timestamp as usize] = None,
                    _ => {}
                }
                index.0[*column as usize] = Some(position);
            }
        }
        if let Some(names) = names
            && [Column::Timestamp, Column::Date, Column::Time].iter().all(|c| index.get(*c).is_none())
        {
            index.0[Column::Timestamp as usize] = names.iter().position(|h| PANDAS_INDEX.contains(&h.trim()));
        }
        index.settle_timestamp(names)?;
        index.check(names, width, defaults)?;
        Ok(index)
    }

    fn claim(&mut self, column: Column, position: usize) -> Result<(), String> {
        if self.get(column).is_some() {
            return Err(format!("{column} twice in --columns (expected each column once)"));
        }
        self.0[column as usize] = Some(position);
        Ok(())
    }

    fn map_headers(&mut self, names: &[String], preset: Option<Preset>) -> Result<(), String> {
        for (position, header) in names.iter().enumerate() {
            let column = Column::from_header(header).or_else(|| {
                preset
                    .and_then(|p| p.spec().timestamp_header)
                    .filter(|h| h.eq_ignore_ascii_case(normalized(header)))
                    .map(|_| Column::Timestamp)
            });
            let Some(column) = column else { continue };
            if let Some(first) = self.get(column) {
                return Err(format!(
                    "columns {:?} and {header:?} both give the {column} (name one with --columns {column}=HEADER)",
                    names[first]
                ));
            }
            self.0[column as usize] = Some(position);
        }
        Ok(())
    }

    /// A date and a time column make the timestamp; a date or a time alone is it; a timestamp
    /// beside either is ambiguous.
    fn settle_timestamp(&mut self, names: Option<&[String]>) -> Result<(), String> {
        let [ts, date, time] = [Column::Timestamp, Column::Date, Column::Time].map(|c| self.get(c));
        let name = |i: usize| names.map_or_else(|| format!("column {}", i + 1), |n| format!("{:?}", n[i]));
        match (ts, date, time) {
            (Some(ts), Some(other), _) | (Some(ts), None, Some(other)) => Err(format!(
                "columns {} and {} both give the timestamp (choose with --columns timestamp=HEADER, or \
                 --date-column and --time-column)",
                name(ts),
                name(other)
            )),
            (None, Some(date), None) => {
                self.0[Column::Timestamp as usize] = Some(date);
                self.0[Column::Date as usize] = None;
                Ok(())
            }
            (None, None, Some(time)) => {
                self.0[Column::Timestamp as usize] = Some(time);
                self.0[Column::Time as usize] = None;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Checks the required columns and that symbol and timeframe each come from exactly one of
    /// the file and the defaults.
    fn check(&self, names: Option<&[String]>, width: usize, defaults: &FileDefaults) -> Result<(), String> {
        let has_ts = self.get(Column::Timestamp).is_some() || self.get(Column::Date).is_some();
        let missing: Vec<&str> = [Column::Timestamp, Column::Open, Column::High, Column::Low, Column::Close]
            .into_iter()
            .filter(|column| if *column == Column::Timestamp { !has_ts } else { self.get(*column).is_none() })
            .map(Column::name)
            .collect();
        if !missing.is_empty() {
            let how = if names.is_some() {
                "name them with --columns NAME=HEADER"
            } else {
                "name them in order with --columns, such as --columns timestamp,open,high,low,close,volume"
            };
            return Err(format!(
                "missing column(s) {} (expected timestamp, open, high, low, close and optionally volume, symbol, \
                 timeframe; found {}; {how}, or pick a --format: {FORMATS_HINT})",
                missing.join(", "),
                found(names, width),
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

/// What a file's first line holds, for messages: its headers, or how many unnamed fields.
fn found(names: Option<&[String]>, width: usize) -> String {
    match names {
        Some(names) => {
            let shown: Vec<String> = names.iter().take(16).map(|n| format!("{:?}", n.trim())).collect();
            let more =
                if names.len() > 16 { format!(" and {} more", names.len() - 16) } else { String::new() };
            format!("{} column(s) {}{more}", names.len(), shown.join(", "))
        }
        None => format!("{width} unnamed column(s), no header"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Symbol, Timeframe};

    fn defaults() -> FileDefaults {
        FileDefaults {
            symbol: Some(Symbol::new("X").unwrap()),
            timeframe: Some(Timeframe::Hour1),
            only_where_missing: false,
        }
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn metatrader_headers_combine_date_and_time() {
        let names = headers(&["<DATE>", "<TIME>", "<OPEN>", "<HIGH>", "<LOW>", "<CLOSE>", "<TICKVOL>"]);
        let index = ColumnIndex::resolve(Some(&names), 7, None, None, &defaults()).unwrap();
        assert_eq!(
            (index.get(Column::Date), index.get(Column::Time), index.get(Column::Timestamp)),
            (Some(0), Some(1), None)
        );
        assert_eq!(index.get(Column::Volume), None);
        let spec = "volume=TICKVOL".parse().unwrap();
        let index = ColumnIndex::resolve(Some(&names), 7, Some(&spec), None, &defaults()).unwrap();
        assert_eq!(index.get(Column::Volume), Some(6));
    }

    #[test]
    fn a_missing_column_lists_what_was_found() {
        let names = headers(&["Zeit", "Open", "High", "Low", "Close"]);
        let err = ColumnIndex::resolve(Some(&names), 5, None, None, &defaults()).unwrap_err();
        assert!(err.starts_with("missing column(s) timestamp (expected"), "{err}");
        assert!(err.contains("found 5 column(s) \"Zeit\", \"Open\", \"High\", \"Low\", \"Close\"; name them with --columns NAME=HEADER"), "{err}");
        let err = ColumnIndex::resolve(None, 12, None, None, &defaults()).unwrap_err();
        assert!(
            err.contains("found 12 unnamed column(s), no header; name them in order with --columns"),
            "{err}"
        );
    }

    #[test]
    fn positions_past_the_row_and_unknown_headers_name_the_flag() {
        let names = headers(&["date", "open", "high", "low", "close"]);
        let spec = "volume=13".parse().unwrap();
        let err = ColumnIndex::resolve(Some(&names), 5, Some(&spec), None, &defaults()).unwrap_err();
        assert_eq!(err, "--columns: volume=13 is past the row (the file's first line has 5 fields)");
        let spec = "volume=Vol".parse().unwrap();
        let err = ColumnIndex::resolve(Some(&names), 5, Some(&spec), None, &defaults()).unwrap_err();
        assert!(err.starts_with("--columns: volume=\"Vol\": no such header (5 column(s) \"date\""), "{err}");
    }

    #[test]
    fn pandas_unnamed_index_is_the_timestamp() {
        let names = headers(&["open", "high", "low", "close", "volume", "__index_level_0__"]);
        let index = ColumnIndex::resolve(Some(&names), 6, None, None, &defaults()).unwrap();
        assert_eq!(index.get(Column::Timestamp), Some(5));
        let names = headers(&["", "open", "high", "low", "close"]);
        let index = ColumnIndex::resolve(Some(&names), 5, None, None, &defaults()).unwrap();
        assert_eq!(index.get(Column::Timestamp), Some(0));
    }
}

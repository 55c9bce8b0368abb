//! Bar files: CSV and Parquet, read and validated row by row.
//!
//! `candlewick ingest` and the in-memory reader both read through here, so a file the fixture host
//! accepts is a file ingest accepts. Every row is checked before it is used: the timestamp parses
//! (UTC when it carries no offset), prices are finite, `high >= low`, the timeframe is known, the
//! volume is a whole number >= 0 (missing or empty is 0, as in the replaced system), and no key
//! (symbol, timeframe, timestamp) repeats within the file. The first bad row stops the read with
//! an error naming the file, the line (CSV) or row (Parquet), the field and what was expected.

mod columns;
mod csv;
mod parquet;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::domain::{Bar, Symbol, Timeframe, Timestamp};

pub use columns::Column;

/// One validated row of a bar file.
#[derive(Debug, Clone, PartialEq)]
pub struct BarRecord {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    pub bar: Bar,
}

/// Values for columns a file does not have (`--symbol`, `--timeframe`).
#[derive(Debug, Clone, Default)]
pub struct FileDefaults {
    pub symbol: Option<Symbol>,
    pub timeframe: Option<Timeframe>,
    /// A file's own symbol or timeframe column wins over the default instead of conflicting with
    /// it. Ingest leaves this off (a flag that disagrees with the file is a mistake); the fixture
    /// host turns it on, where `--symbol` names the series to run on either way.
    pub only_where_missing: bool,
}

/// Where in a file a value sits: a CSV line (1-based, the header is line 1) or a Parquet row
/// (1-based, over all row groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Line(u64),
    Row(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// Why a bar file cannot be used. Each message starts with the file's path.
#[derive(Debug, Error)]
pub enum BarFileError {
    /// The system's reason is the source: `{:#}` shows `nope.csv: No such file or directory`.
    #[error("{}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: unsupported file type (expected a .csv or .parquet file)", path.display())]
    UnsupportedType { path: PathBuf },
    /// The file's columns do not fit: a required one is missing, a type is wrong, and the like.
    #[error("{}: {message}", path.display())]
    Layout { path: PathBuf, message: String },
    /// One value of one row is wrong.
    #[error("{}: {location}: {field}: {message}", path.display())]
    Value { path: PathBuf, location: Location, field: Column, message: String },
    #[error("{}: {location}: duplicate key ({symbol}, {timeframe}, {ts}) first seen at {first}", path.display())]
    DuplicateKey {
        path: PathBuf,
        location: Location,
        first: Location,
        symbol: Symbol,
        timeframe: Timeframe,
        ts: Timestamp,
    },
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

/// Opens `path` (by its extension) and returns its validated records in file order.
pub fn read(path: &Path, defaults: &FileDefaults) -> Result<BarRecords, BarFileError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let rows: Box<dyn RowSource> = match extension.as_deref() {
        Some("csv") => Box::new(csv::CsvRows::open(path, defaults)?),
        Some("parquet" | "pq") => Box::new(parquet::ParquetRows::open(path, defaults)?),
        _ => {
            return Err(BarFileError::UnsupportedType { path: path.to_owned() });
        }
    };
    Ok(BarRecords { rows, keys: KeyTracker::default(), failed: false })
}

/// Reads CSV bars from memory (the embedded sample); `name` stands for the file in messages.
pub fn read_csv_bytes(
    name: &Path,
    bytes: &'static [u8],
    defaults: &FileDefaults,
) -> Result<BarRecords, BarFileError> {
    let rows: Box<dyn RowSource> = Box::new(csv::CsvRows::from_reader(name, Box::new(bytes), defaults)?);
    Ok(BarRecords { rows, keys: KeyTracker::default(), failed: false })
}

/// A file format's rows, parsed and checked one at a time (all but the duplicate-key check).
trait RowSource {
    fn path(&self) -> &Path;
    fn next_row(&mut self) -> Option<Result<(Location, BarRecord), BarFileError>>;
}

/// The validated records of one file; stops after the first error.
pub struct BarRecords {
    rows: Box<dyn RowSource>,
    keys: KeyTracker,
    failed: bool,
}

impl fmt::Debug for BarRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarRecords").field("failed", &self.failed).finish_non_exhaustive()
    }
}

impl Iterator for BarRecords {
    type Item = Result<BarRecord, BarFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let checked = match self.rows.next_row() {
            Some(Ok((location, record))) => {
                self.keys.record(&record, location);
                Ok(record)
            }
            Some(Err(err)) => Err(err),
            // The end of the file: the only place a repeated key can be known for sure.
            None => {
                self.failed = true;
                return self.keys.finish().err().map(|dup| {
                    Err(BarFileError::DuplicateKey {
                        path: self.rows.path().to_owned(),
                        location: dup.second,
                        first: dup.first,
                        symbol: dup.symbol,
                        timeframe: dup.timeframe,
                        ts: dup.ts,
                    })
                });
            }
        };
        self.failed = checked.is_err();
        Some(checked)
    }
}

/// Finds keys (symbol, timeframe, timestamp) that repeat within a file. Each series keeps its
/// timestamps with their positions (16 bytes a row) and whether they arrived strictly ascending,
/// as most files do; only series that did not are sorted and scanned, once, at the end. A hash set
/// of every key cost 15% of ingest's client time (perf, 1M-row file).
#[derive(Default)]
struct KeyTracker {
    series: Vec<SeriesKeys>,
    index: HashMap<(Symbol, Timeframe), usize>,
    /// The series of the previous row: consecutive rows usually share it.
    last: Option<usize>,
    /// Whether positions are CSV lines or Parquet rows.
    kind: Option<fn(u64) -> Location>,
}

struct SeriesKeys {
    symbol: Symbol,
    timeframe: Timeframe,
    /// (timestamp in µs, line or row number), in file order.
    keys: Vec<(i64, u64)>,
    ascending: bool,
}

/// The earliest repeated key of a file: where it first stood, and where it stood again.
struct Duplicate {
    symbol: Symbol,
    timeframe: Timeframe,
    ts: Timestamp,
    first: Location,
    second: Location,
}

impl KeyTracker {
    fn record(&mut self, record: &BarRecord, location: Location) {
        let (kind, position): (fn(u64) -> Location, u64) = match location {
            Location::Line(n) => (Location::Line, n),
            Location::Row(n) => (Location::Row, n),
        };
        self.kind.get_or_insert(kind);
        let series = match self.last {
            Some(i)
                if self.series[i].symbol == record.symbol && self.series[i].timeframe == record.timeframe =>
            {
                i
            }
            _ => {
                let next = self.series.len();
                let i = *self.index.entry((record.symbol.clone(), record.timeframe)).or_insert(next);
                if i == next {
                    self.series.push(SeriesKeys {
                        symbol: record.symbol.clone(),
                        timeframe: record.timeframe,
                        keys: Vec::new(),
                        ascending: true,
                    });
                }
                i
            }
        };
        self.last = Some(series);
        let series = &mut self.series[series];
        let ts = record.bar.ts.as_micros();
        if series.keys.last().is_some_and(|&(last, _)| ts <= last) {
            series.ascending = false;
        }
        series.keys.push((ts, position));
    }

    /// The repeated key whose second occurrence comes first in the file, if any.
    fn finish(&mut self) -> Result<(), Duplicate> {
        let kind = self.kind.unwrap_or(Location::Line);
        let mut earliest: Option<Duplicate> = None;
        for series in self.series.iter_mut().filter(|s| !s.ascending) {
            series.keys.sort_unstable();
            for pair in series.keys.windows(2) {
                let [(ts, first), (next_ts, second)] = [pair[0], pair[1]];
                if ts == next_ts && earliest.as_ref().is_none_or(|e| kind(second) < e.second) {
                    earliest = Some(Duplicate {
                        symbol: series.symbol.clone(),
                        timeframe: series.timeframe,
                        ts: Timestamp::from_micros(ts),
                        first: kind(first),
                        second: kind(second),
                    });
                }
            }
        }
        earliest.map_or(Ok(()), Err)
    }
}

/// Checks the values of a bar whose fields parsed: finite prices and `high >= low`.
fn check_bar(bar: &Bar) -> Result<(), (Column, String)> {
    for (column, value) in [
        (Column::Open, bar.open),
        (Column::High, bar.high),
        (Column::Low, bar.low),
        (Column::Close, bar.close),
    ] {
        if !value.is_finite() {
            return Err((column, format!("expected a finite price, got {value}")));
        }
    }
    if bar.high < bar.low {
        return Err((
            Column::High,
            format!("high {} is below low {} (expected high >= low)", bar.high, bar.low),
        ));
    }
    Ok(())
}

/// A volume given as a float must be whole: pandas writes integer columns with gaps as floats.
fn whole_volume(value: f64) -> Result<i64, String> {
    if value.is_finite() && value.fract() == 0.0 && value >= 0.0 && value < i64::MAX as f64 {
        Ok(value as i64)
    } else {
        Err(format!("expected a whole number >= 0, got {value}"))
    }
}

fn check_volume(volume: i64) -> Result<i64, String> {
    if volume < 0 { Err(format!("expected a whole number >= 0, got {volume}")) } else { Ok(volume) }
}

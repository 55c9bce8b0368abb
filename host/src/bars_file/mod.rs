//! Bar files: CSV and Parquet, read and validated row by row.
//!
//! `candlewick ingest` and the in-memory reader both read through here, so a file the fixture host
//! accepts is a file ingest accepts. Every row is checked before it is used: the timestamp parses
//! (see [`ReadOptions`] for the shapes: RFC 3339 and ISO text, a strftime format, integer epochs,
//! naive times in a zone), prices are finite, `high >= low`, the timeframe is known, the volume is
//! a whole number >= 0 (or made one by `--volume-scale`/`--volume-round`; a missing one is marked
//! so ingest keeps a stored value), a day, week or month bar sits at midnight of its date, and no
//! key (symbol, timeframe, timestamp) repeats within the file. The first bad row stops the read
//! with an error naming the file, the line (CSV) or row (Parquet), the field and what was
//! expected; with `skip_bad_rows` such rows are set aside instead, with their reasons.

mod columns;
mod csv;
mod keys;
mod options;
mod parquet;
mod presets;
mod sniff;
mod timestamp;
mod volume;
mod zone;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::domain::{Bar, Symbol, Timeframe, Timestamp};

pub use columns::Column;
pub use options::{ColumnSpec, EpochUnit, Header, ReadOptions, Source, VolumePolicy};
pub use presets::Preset;
pub use timestamp::check_strftime;
pub use zone::Zone;

/// One validated row of a bar file.
#[derive(Debug, Clone, PartialEq)]
pub struct BarRecord {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    pub bar: Bar,
}

/// A validated row with what ingest needs beside the bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub record: BarRecord,
    pub location: Location,
    /// The file gave no volume (no column, an empty field, a null): `bar.volume` is 0 for a new
    /// row, and a stored volume must stay.
    pub volume_missing: bool,
    /// `--volume-round` rounded this row's volume.
    pub volume_rounded: bool,
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
    /// A row is wrong as a whole (its number of fields).
    #[error("{}: {location}: {message}", path.display())]
    BadRow { path: PathBuf, location: Location, message: String },
    #[error("{}: {location}: duplicate key ({symbol}, {timeframe}, {ts}) first seen at {first}{hint}", path.display())]
    DuplicateKey {
        path: PathBuf,
        location: Location,
        first: Location,
        symbol: Symbol,
        timeframe: Timeframe,
        ts: Timestamp,
        /// What to do about it, where a flag can help (ticks in one microsecond).
        hint: &'static str,
    },
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

impl BarFileError {
    /// Whether the error is one row's, which `skip_bad_rows` sets aside.
    pub fn is_row_error(&self) -> bool {
        matches!(self, BarFileError::Value { .. } | BarFileError::BadRow { .. })
    }

    /// The row's position, field and reason, for a report of skipped rows.
    pub fn row_parts(&self) -> Option<(Location, Option<Column>, &str)> {
        match self {
            BarFileError::Value { location, field, message, .. } => Some((*location, Some(*field), message)),
            BarFileError::BadRow { location, message, .. } => Some((*location, None, message)),
            _ => None,
        }
    }
}

const TICK_HINT: &str =
    " (several ticks in one microsecond: --tick-sequence spreads them by 1 µs each, in file order)";

/// Opens `path` (by its extension) and returns its validated records in file order.
pub fn read(path: &Path, defaults: &FileDefaults) -> Result<BarRecords, BarFileError> {
    read_with(path, defaults, &ReadOptions::default())
}

/// [`read`] with reading options (`ingest`'s flags).
pub fn read_with(
    path: &Path,
    defaults: &FileDefaults,
    options: &ReadOptions,
) -> Result<BarRecords, BarFileError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let rows: Box<dyn RowSource> = match extension.as_deref() {
        Some("csv" | "txt" | "tsv") => Box::new(csv::CsvRows::open(path, defaults, options)?),
        Some("parquet" | "pq") => Box::new(parquet::ParquetRows::open(path, defaults, options)?),
        _ => {
            return Err(BarFileError::UnsupportedType { path: path.to_owned() });
        }
    };
    Ok(BarRecords::new(rows, options))
}

/// Reads CSV bars from memory (the embedded sample); `name` stands for the file in messages.
pub fn read_csv_bytes(
    name: &Path,
    bytes: &'static [u8],
    defaults: &FileDefaults,
) -> Result<BarRecords, BarFileError> {
    let options = ReadOptions::default();
    let rows: Box<dyn RowSource> =
        Box::new(csv::CsvRows::from_reader(name, Box::new(bytes), defaults, &options)?);
    Ok(BarRecords::new(rows, &options))
}

/// Reads bars from Arrow record batches in memory (a DataFrame handed to the Python package), as a
/// Parquet file of the same columns is read; `name` stands for the file in messages.
pub fn read_record_batches(
    name: &Path,
    schema: &arrow::datatypes::Schema,
    batches: impl Iterator<Item = Result<arrow::array::RecordBatch, arrow::error::ArrowError>> + Send + 'static,
    defaults: &FileDefaults,
) -> Result<BarRecords, BarFileError> {
    let options = ReadOptions::default();
    let rows: Box<dyn RowSource> =
        Box::new(parquet::ParquetRows::from_batches(name, schema, Box::new(batches), defaults, &options)?);
    Ok(BarRecords::new(rows, &options))
}

/// A file format's rows, parsed and checked one at a time (all but the duplicate-key check).
trait RowSource {
    fn path(&self) -> &Path;
    fn next_row(&mut self) -> Option<Result<Row, BarFileError>>;
    /// What the reader detected (a delimiter, an epoch unit), for the summary.
    fn notes(&self) -> Vec<String>;
}

/// The validated rows of one file; stops after the first error, or sets bad rows aside.
pub struct BarRecords {
    rows: Box<dyn RowSource>,
    keys: keys::KeyTracker,
    failed: bool,
    skip_bad_rows: bool,
    skipped: Vec<BarFileError>,
    /// Per tick series: the last timestamp read and the last one given (`--tick-sequence`).
    ticks: Option<HashMap<Symbol, (i64, i64)>>,
    /// Ticks moved by `--tick-sequence`.
    ticks_moved: u64,
}

impl fmt::Debug for BarRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarRecords").field("failed", &self.failed).finish_non_exhaustive()
    }
}

impl BarRecords {
    fn new(rows: Box<dyn RowSource>, options: &ReadOptions) -> Self {
        BarRecords {
            rows,
            keys: keys::KeyTracker::default(),
            failed: false,
            skip_bad_rows: options.skip_bad_rows,
            skipped: Vec::new(),
            ticks: options.tick_sequence.then(HashMap::new),
            ticks_moved: 0,
        }
    }

    /// The next valid row, or the error that ends the file.
    pub fn next_row(&mut self) -> Option<Result<Row, BarFileError>> {
        loop {
            if self.failed {
                return None;
            }
            let checked = match self.rows.next_row() {
                Some(Ok(row)) => self.sequence_ticks(row),
                Some(Err(err)) => Err(err),
                // The end of the file: the only place a repeated key can be known for sure.
                None => {
                    self.failed = true;
                    return self.keys.finish().err().map(|dup| {
                        Err(BarFileError::DuplicateKey {
                            path: self.rows.path().to_owned(),
                            location: dup.second,
                            first: dup.first,
                            hint: if dup.timeframe == Timeframe::Tick { TICK_HINT } else { "" },
                            symbol: dup.symbol,
                            timeframe: dup.timeframe,
                            ts: dup.ts,
                        })
                    });
                }
            };
            match checked {
                Ok(row) => {
                    self.keys.record(&row.record, row.location);
                    return Some(Ok(row));
                }
                Err(err) if self.skip_bad_rows && err.is_row_error() => self.skipped.push(err),
                Err(err) => {
                    self.failed = true;
                    return Some(Err(err));
                }
            }
        }
    }

    /// Rows set aside by `skip_bad_rows`, each with its reason, in file order.
    pub fn skipped(&self) -> &[BarFileError] {
        &self.skipped
    }

    /// What the reader detected or changed, for the summary.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.rows.notes();
        if self.ticks_moved > 0 {
            notes.push(format!(
                "{} tick(s) moved by 1 µs steps after a tick at the same time (--tick-sequence)",
                self.ticks_moved
            ));
        }
        notes
    }

    /// `--tick-sequence`: a tick at or before the previous one's (moved) time goes 1 µs after it.
    fn sequence_ticks(&mut self, mut row: Row) -> Result<Row, BarFileError> {
        let Some(ticks) = &mut self.ticks else { return Ok(row) };
        if row.record.timeframe != Timeframe::Tick {
            return Ok(row);
        }
        let ts = row.record.bar.ts.as_micros();
        let entry = ticks.entry(row.record.symbol.clone()).or_insert((i64::MIN, i64::MIN));
        let (last_read, last_given) = *entry;
        if ts < last_read {
            return Err(BarFileError::Value {
                path: self.rows.path().to_owned(),
                location: row.location,
                field: Column::Timestamp,
                message: format!(
                    "tick at {} is before the previous one at {} (--tick-sequence expects ticks in time order)",
                    row.record.bar.ts,
                    Timestamp::from_micros(last_read)
                ),
            });
        }
        let given = if ts <= last_given {
            self.ticks_moved += 1;
            last_given.saturating_add(1)
        } else {
            ts
        };
        *entry = (ts, given);
        row.record.bar.ts = Timestamp::from_micros(given);
        Ok(row)
    }
}

impl Iterator for BarRecords {
    type Item = Result<BarRecord, BarFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().map(|row| row.map(|row| row.record))
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

//! CSV bar files: a header line (or `--no-header` and `--columns`), then one bar per line; the
//! delimiter is detected from the first lines unless given.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::columns::ColumnIndex;
use super::options::{ColumnSpec, Header, ReadOptions, VolumePolicy};
use super::timestamp::{TimestampParser, bar_start};
use super::volume::{self, RawVolume};
use super::zone::Zone;
use super::{BarFileError, BarRecord, Column, FileDefaults, Location, Row, RowSource, check_bar, sniff};
use crate::domain::{Bar, Symbol, Timeframe, quoted};

/// Bytes looked at to detect the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

pub(super) struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    columns: ColumnIndex,
    defaults: FileDefaults,
    record: csv::StringRecord,
    /// The first bar, read while looking for the header.
    pending: Option<csv::StringRecord>,
    /// The last symbol read, reused while the text repeats (most files hold one symbol).
    last_symbol: Option<Symbol>,
    timestamps: TimestampParser,
    /// The zone whose dates day bars carry, when a timestamp has no offset of its own.
    date_zone: Zone,
    volume: VolumePolicy,
    /// "DATE TIME", reused for files with a date and a time column.
    joined: String,
    notes: Vec<String>,
}

impl CsvRows {
    pub(super) fn open(
        path: &Path,
        defaults: &FileDefaults,
        options: &ReadOptions,
    ) -> Result<Self, BarFileError> {
        let file = File::open(path).map_err(|source| BarFileError::Io { path: path.to_owned(), source })?;
        Self::from_reader(path, Box::new(file), defaults, options)
    }

    /// CSV from any byte source; `path` names it in messages.
    pub(super) fn from_reader(
        path: &Path,
        input: Box<dyn Read>,
        defaults: &FileDefaults,
        options: &ReadOptions,
    ) -> Result<Self, BarFileError> {
        let io = |source| BarFileError::Io { path: path.to_owned(), source };
        let layout = |message| BarFileError::Layout { path: path.to_owned(), message };
        let mut input = BufReader::with_capacity(SNIFF_BYTES, input);
        let head = input.fill_buf().map_err(io)?;
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let mut notes = Vec::new();
        let delimiter = match options.delimiter {
            Some(delimiter) => delimiter,
            None => {
                let detected = sniff::delimiter(if bom { &head[3..] } else { head });
                if detected != b',' {
                    notes.push(format!(
                        "delimiter {} (detected; --delimiter to choose)",
                        sniff::name(detected)
                    ));
                }
                detected
            }
        };
        if bom {
            input.consume(3);
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(Box::new(input) as Box<dyn Read>);
        let mut first = csv::StringRecord::new();
        if !reader.read_record(&mut first).map_err(|err| csv_error(path, err))? {
            return Err(layout(
                "empty file (expected a header line with timestamp, open, high, low, close)".into(),
            ));
        }
        let width = first.len();
        let in_order = matches!(options.columns, Some(ColumnSpec::InOrder(_)));
        let has_header = match options.header {
            Header::Present => true,
            Header::Absent => false,
            // A header's price fields are words; a bar's are numbers.
            Header::Detect if in_order => {
                let index =
                    ColumnIndex::resolve(None, width, options.columns.as_ref(), options.preset, defaults)
                        .map_err(layout)?;
                [Column::Open, Column::High, Column::Low, Column::Close]
                    .iter()
                    .filter_map(|c| index.get(*c).and_then(|i| first.get(i)))
                    .any(|text| text.trim().parse::<f64>().is_err())
            }
            Header::Detect => true,
        };
        let (names, mut pending) = if has_header {
            let names: Vec<String> = first.iter().map(str::to_owned).collect();
            (Some(names), None)
        } else {
            (None, Some(first))
        };
        if names.as_ref().is_some_and(|n| n.len() == 1 && n[0].trim().is_empty()) {
            return Err(layout(
                "empty file (expected a header line with timestamp, open, high, low, close)".into(),
            ));
        }
        // Header lines after the header (yfinance's `Ticker,…` and `Date,,,`).
        if let Some(extra) = options.preset.map(|p| p.spec().extra_header_lines).filter(|e| !e.is_empty()) {
            let mut next = csv::StringRecord::new();
            while reader.read_record(&mut next).map_err(|err| csv_error(path, err))? {
                if !next.get(0).is_some_and(|f| extra.contains(&f.trim())) {
                    pending = Some(next);
                    break;
                }
            }
        }
        let columns = ColumnIndex::resolve(
            names.as_deref(),
            width,
            options.columns.as_ref(),
            options.preset,
            defaults,
        )
        .map_err(|message| {
            if width == 1 {
                layout(format!(
                    "{message}; every line is one field: if its fields are separated by something other \
                             than {}, give --delimiter",
                    sniff::name(delimiter)
                ))
            } else {
                layout(message)
            }
        })?;
        let format = if columns.get(Column::Date).is_some() {
            options.date_time_format.as_deref()
        } else {
            options.timestamp_format.as_deref()
        };
        let timestamps = TimestampParser::new(format, options.epoch, options.tz).map_err(layout)?;
        Ok(CsvRows {
            path: path.to_owned(),
            reader,
            columns,
            defaults: defaults.clone(),
            record: csv::StringRecord::new(),
            pending,
            last_symbol: None,
            timestamps,
            date_zone: options.tz.unwrap_or(Zone::Utc),
            volume: options.volume,
            joined: String::new(),
            notes,
        })
    }
}

impl RowSource for CsvRows {
    fn path(&self) -> &Path {
        &self.path
    }

    fn next_row(&mut self) -> Option<Result<Row, BarFileError>> {
        let read = match self.pending.take() {
            Some(first) => {
                self.record = first;
                Ok(true)
            }
            None => self.reader.read_record(&mut self.record),
        };
        match read {
            Ok(false) => None,
            Ok(true) => {
                let location = Location::Line(self.record.position().map_or(0, |p| p.line()));
                Some(self.parse_record(location).map_err(|(field, message)| BarFileError::Value {
                    path: self.path.clone(),
                    location,
                    field,
                    message,
                }))
            }
            Err(err) => Some(Err(csv_error(&self.path, err))),
        }
    }

    fn notes(&self) -> Vec<String> {
        self.notes.iter().cloned().chain(self.timestamps.note.clone()).collect()
    }
}

impl CsvRows {
    /// A field without surrounding space; trimming only the fields read is cheaper than the csv
    /// crate trimming whole records (9% of ingest's client time).
    fn field(&self, column: Column) -> Option<&str> {
        self.columns.get(column).and_then(|i| self.record.get(i)).map(str::trim)
    }

    fn parse_record(&mut self, location: Location) -> Result<Row, (Column, String)> {
        let price = |column| {
            let text = self.field(column).unwrap_or("");
            text.parse::<f64>().map_err(|_| (column, format!("expected a number, got {}", quoted(text))))
        };
        let (open, high, low, close) =
            (price(Column::Open)?, price(Column::High)?, price(Column::Low)?, price(Column::Close)?);
        let raw_volume = match self.field(Column::Volume) {
            None => RawVolume::Missing,
            Some(text) => volume::from_text(text).map_err(|message| (Column::Volume, message))?,
        };
        let volume = volume::resolve(raw_volume, self.volume).map_err(|message| (Column::Volume, message))?;
        let timeframe = match (self.field(Column::Timeframe), self.defaults.timeframe) {
            (Some(text), _) => {
                text.parse::<Timeframe>().map_err(|err| (Column::Timeframe, err.to_string()))?
            }
            (None, Some(timeframe)) => timeframe,
            (None, None) => {
                unreachable!("ColumnIndex::check requires a timeframe column or default")
            }
        };
        let parsed = match self.columns.get(Column::Date) {
            Some(_) => {
                let mut joined = std::mem::take(&mut self.joined);
                joined.clear();
                joined.push_str(self.field(Column::Date).unwrap_or(""));
                if let Some(time) = self.field(Column::Time) {
                    joined.push(' ');
                    joined.push_str(time);
                }
                let parsed = self.timestamps.parse(&joined, location);
                self.joined = joined;
                parsed.map_err(|message| (Column::Date, message))?
            }
            None => {
                let text = self
                    .columns
                    .get(Column::Timestamp)
                    .and_then(|i| self.record.get(i))
                    .map_or("", str::trim);
                self.timestamps.parse(text, location).map_err(|message| (Column::Timestamp, message))?
            }
        };
        let ts =
            bar_start(parsed, timeframe, self.date_zone).map_err(|message| (Column::Timestamp, message))?;
        let bar = Bar {
            ts: crate::domain::Timestamp::from_micros(ts),
            open,
            high,
            low,
            close,
            volume: volume.value,
        };
        check_bar(&bar)?;
        let symbol = self.symbol().map_err(|message| (Column::Symbol, message))?;
        Ok(Row {
            record: BarRecord { symbol, timeframe, bar },
            location,
            volume_missing: volume.missing,
            volume_rounded: volume.rounded,
        })
    }

    fn symbol(&mut self) -> Result<Symbol, String> {
        let Some(text) = self.field(Column::Symbol) else {
            return Ok(self
                .defaults
                .symbol
                .clone()
                .expect("ColumnIndex::check requires a symbol column or default"));
        };
        if let Some(last) = &self.last_symbol
            && last.as_str() == text
        {
            return Ok(last.clone());
        }
        let symbol = Symbol::new(text).map_err(|err| err.to_string())?;
        self.last_symbol = Some(symbol.clone());
        Ok(symbol)
    }
}

fn csv_error(path: &Path, err: csv::Error) -> BarFileError {
    let location = err.position().map(|p| Location::Line(p.line()));
    let line = location.map(|l| format!("{l}: ")).unwrap_or_default();
    if let (csv::ErrorKind::UnequalLengths { expected_len, len, .. }, Some(location)) = (err.kind(), location)
    {
        return BarFileError::BadRow {
            path: path.to_owned(),
            location,
            message: format!("{len} fields (expected {expected_len}, as in the first line)"),
        };
    }
    let message = match err.kind() {
        csv::ErrorKind::Utf8 { .. } => format!("{line}invalid UTF-8 (expected UTF-8 text)"),
        _ => format!("{line}{err}"),
    };
    match err.into_kind() {
        csv::ErrorKind::Io(source) => BarFileError::Io { path: path.to_owned(), source },
        _ => BarFileError::Format { path: path.to_owned(), message },
    }
}

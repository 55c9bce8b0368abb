//! CSV bar files: a header row, then one bar per line.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::columns::ColumnIndex;
use super::{
    BarFileError, BarRecord, Column, FileDefaults, Location, RowSource, check_bar, check_volume, whole_volume,
};
use crate::domain::{Bar, Symbol, Timeframe, Timestamp, quoted};

pub(super) struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<Box<dyn std::io::Read>>,
    columns: ColumnIndex,
    defaults: FileDefaults,
    record: csv::StringRecord,
    /// The last symbol read, reused while the text repeats (most files hold one symbol).
    last_symbol: Option<Symbol>,
}

impl CsvRows {
    pub(super) fn open(path: &Path, defaults: &FileDefaults) -> Result<Self, BarFileError> {
        let file = File::open(path).map_err(|source| BarFileError::Io { path: path.to_owned(), source })?;
        Self::from_reader(path, Box::new(file), defaults)
    }

    /// CSV from any byte source; `path` names it in messages.
    pub(super) fn from_reader(
        path: &Path,
        input: Box<dyn std::io::Read>,
        defaults: &FileDefaults,
    ) -> Result<Self, BarFileError> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::Headers).from_reader(input);
        let headers = reader.headers().map_err(|err| csv_error(path, err))?;
        let layout = |message| BarFileError::Layout { path: path.to_owned(), message };
        if headers.is_empty() {
            return Err(layout(
                "empty file (expected a header line with timestamp, open, high, low, close)".into(),
            ));
        }
        let columns = ColumnIndex::from_headers(headers.iter()).map_err(layout)?;
        columns.check(defaults).map_err(layout)?;
        Ok(CsvRows {
            path: path.to_owned(),
            reader,
            columns,
            defaults: defaults.clone(),
            record: csv::StringRecord::new(),
            last_symbol: None,
        })
    }
}

impl RowSource for CsvRows {
    fn path(&self) -> &Path {
        &self.path
    }

    fn next_row(&mut self) -> Option<Result<(Location, BarRecord), BarFileError>> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = Location::Line(self.record.position().map_or(0, |p| p.line()));
                Some(self.parse_record().map(|record| (line, record)).map_err(|(field, message)| {
                    BarFileError::Value { path: self.path.clone(), location: line, field, message }
                }))
            }
            Err(err) => Some(Err(csv_error(&self.path, err))),
        }
    }
}

impl CsvRows {
    /// A field without surrounding space; trimming only the fields read is cheaper than the csv
    /// crate trimming whole records (9% of ingest's client time).
    fn field(&self, column: Column) -> Option<&str> {
        self.columns.get(column).and_then(|i| self.record.get(i)).map(str::trim)
    }

    fn parse_record(&mut self) -> Result<BarRecord, (Column, String)> {
        let price = |column| {
            let text = self.field(column).unwrap_or("");
            text.parse::<f64>().map_err(|_| (column, format!("expected a number, got {}", quoted(text))))
        };
        let ts_text = self.field(Column::Timestamp).unwrap_or("");
        let ts = Timestamp::parse(ts_text).map_err(|err| (Column::Timestamp, err.to_string()))?;
        let bar = Bar {
            ts,
            open: price(Column::Open)?,
            high: price(Column::High)?,
            low: price(Column::Low)?,
            close: price(Column::Close)?,
            volume: self.volume().map_err(|message| (Column::Volume, message))?,
        };
        check_bar(&bar)?;
        let timeframe = match (self.field(Column::Timeframe), self.defaults.timeframe) {
            (Some(text), _) => {
                text.parse::<Timeframe>().map_err(|err| (Column::Timeframe, err.to_string()))?
            }
            (None, Some(timeframe)) => timeframe,
            (None, None) => {
                unreachable!("ColumnIndex::check requires a timeframe column or default")
            }
        };
        let symbol = self.symbol().map_err(|message| (Column::Symbol, message))?;
        Ok(BarRecord { symbol, timeframe, bar })
    }

    fn volume(&self) -> Result<i64, String> {
        match self.field(Column::Volume) {
            None | Some("") => Ok(0),
            Some(text) => match text.parse::<i64>() {
                Ok(volume) => check_volume(volume),
                Err(_) => match text.parse::<f64>() {
                    Ok(value) => whole_volume(value),
                    Err(_) => Err(format!("expected a whole number >= 0, got {}", quoted(text))),
                },
            },
        }
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
    let line = err.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{line}{len} fields (expected {expected_len}, as in the header)")
        }
        csv::ErrorKind::Utf8 { .. } => format!("{line}invalid UTF-8 (expected UTF-8 text)"),
        _ => format!("{line}{err}"),
    };
    match err.into_kind() {
        csv::ErrorKind::Io(source) => BarFileError::Io { path: path.to_owned(), source },
        _ => BarFileError::Format { path: path.to_owned(), message },
    }
}

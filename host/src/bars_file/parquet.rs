//! Parquet bar files, read through Arrow record batches; and Arrow batches from memory (the Python
//! package's DataFrames, through the Arrow C stream interface), read the same way.
//!
//! Column types are normalised per batch with Arrow's cast kernel: prices to `Float64`, volume to
//! `Int64` or `Float64`, symbol and timeframe to `Utf8` (dictionary or large strings too), the
//! timestamp from any timestamp unit (its zone kept: day bars take their date in it), a date, an
//! integer epoch, or text (a date and a time column are joined as text).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, Schema, TimeUnit, TimestampMicrosecondType};
use arrow::error::ArrowError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::columns::ColumnIndex;
use super::options::{ReadOptions, VolumePolicy};
use super::timestamp::{Parsed, TimestampParser, bar_start};
use super::volume::{self, RawVolume};
use super::zone::Zone;
use super::{BarFileError, BarRecord, Column, FileDefaults, Location, Row, RowSource, check_bar};
use crate::domain::{Bar, Symbol, Timeframe, Timestamp};

/// Rows decoded per Arrow batch: large enough to amortise per-batch casts, small enough to keep a
/// read of a large file in a few MB.
const BATCH_ROWS: usize = 8192;

/// Record batches in file order: a Parquet file's, or a caller's.
pub(super) type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

pub(super) struct ParquetRows {
    path: PathBuf,
    reader: Batches,
    columns: ColumnIndex,
    defaults: FileDefaults,
    batch: Option<Batch>,
    timestamps: TimestampParser,
    volume: VolumePolicy,
    /// Rows of the file before the current batch.
    rows_before: u64,
    row_in_batch: usize,
}

enum TimestampColumn {
    /// Instants of a column with a zone, which gives day bars their dates (unless `--tz`).
    Instants(arrow::array::PrimitiveArray<TimestampMicrosecondType>, Zone),
    /// Wall-clock times without a zone (naive timestamps, dates): in `--tz`, else UTC.
    Naive(arrow::array::PrimitiveArray<TimestampMicrosecondType>),
    Epoch(Int64Array),
    Text(StringArray),
    DateTime(StringArray, Option<StringArray>),
}

enum VolumeColumn {
    Absent,
    Int(Int64Array),
    Float(Float64Array),
}

struct Batch {
    ts: TimestampColumn,
    prices: [Float64Array; 4],
    volume: VolumeColumn,
    symbol: Option<StringArray>,
    timeframe: Option<StringArray>,
}

impl ParquetRows {
    pub(super) fn open(
        path: &Path,
        defaults: &FileDefaults,
        options: &ReadOptions,
    ) -> Result<Self, BarFileError> {
        let file = File::open(path).map_err(|source| BarFileError::Io { path: path.to_owned(), source })?;
        let format = |err: parquet::errors::ParquetError| BarFileError::Format {
            path: path.to_owned(),
            message: format!("not a readable Parquet file ({err})"),
        };
        let corrupt = |panic: String| BarFileError::Format {
            path: path.to_owned(),
            message: format!("not a readable Parquet file (corrupt: {panic})"),
        };
        let builder =
            guarded(|| ParquetRecordBatchReaderBuilder::try_new(file)).map_err(corrupt)?.map_err(format)?;
        let schema = builder.schema().clone();
        let reader =
            guarded(|| builder.with_batch_size(BATCH_ROWS).build()).map_err(corrupt)?.map_err(format)?;
        Self::from_batches(path, &schema, Box::new(reader), defaults, options)
    }

    /// Rows of `batches`, whose columns `schema` names; `name` stands for a file in messages.
    pub(super) fn from_batches(
        name: &Path,
        schema: &Schema,
        batches: Batches,
        defaults: &FileDefaults,
        options: &ReadOptions,
    ) -> Result<Self, BarFileError> {
        let path = name;
        let layout = |message| BarFileError::Layout { path: path.to_owned(), message };
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let columns = ColumnIndex::resolve(
            Some(&names),
            names.len(),
            options.columns.as_ref(),
            options.preset,
            defaults,
        )
        .map_err(layout)?;
        let timestamp_format = if columns.get(Column::Date).is_some() {
            options.date_time_format.as_deref()
        } else {
            options.timestamp_format.as_deref()
        };
        let timestamps = TimestampParser::new(timestamp_format, options.epoch, options.tz).map_err(layout)?;
        Ok(ParquetRows {
            path: path.to_owned(),
            reader: batches,
            columns,
            defaults: defaults.clone(),
            batch: None,
            timestamps,
            volume: options.volume,
            rows_before: 0,
            row_in_batch: 0,
        })
    }
}

impl RowSource for ParquetRows {
    fn path(&self) -> &Path {
        &self.path
    }

    fn next_row(&mut self) -> Option<Result<Row, BarFileError>> {
        loop {
            if let Some(batch) = &self.batch {
                let len = batch.prices[0].len();
                if self.row_in_batch < len {
                    let row = self.row_in_batch;
                    self.row_in_batch += 1;
                    let location = Location::Row(self.rows_before + row as u64 + 1);
                    return Some(self.record(row, location).map_err(|(field, message)| {
                        BarFileError::Value { path: self.path.clone(), location, field, message }
                    }));
                }
                self.rows_before += len as u64;
            }
            self.row_in_batch = 0;
            let next = match guarded(|| self.reader.next()) {
                Ok(next) => next?,
                Err(panic) => {
                    return Some(Err(BarFileError::Format {
                        path: self.path.clone(),
                        message: format!("not a readable Parquet file (corrupt: {panic})"),
                    }));
                }
            };
            self.batch = match next {
                Ok(batch) => match self.prepare(&batch) {
                    Ok(prepared) => Some(prepared),
                    Err(message) => {
                        return Some(Err(BarFileError::Layout { path: self.path.clone(), message }));
                    }
                },
                Err(err) => {
                    return Some(Err(BarFileError::Format {
                        path: self.path.clone(),
                        message: err.to_string(),
                    }));
                }
            };
        }
    }

    fn notes(&self) -> Vec<String> {
        self.timestamps.note.iter().cloned().collect()
    }
}

thread_local! {
    /// Set while [`guarded`] runs, so the panic hook stays quiet about a panic it turns into an error.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `read`, turning a panic into its message. The parquet crate panics, rather than failing,
/// on some corrupt files (found by `tests/fuzz.rs`: "column start and length should not be
/// negative"); a bad input file must be an error naming it, not a crash.
fn guarded<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|quiet| quiet.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    QUIET.with(|quiet| quiet.set(false));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the Parquet reader failed".to_owned())
    })
}

impl ParquetRows {
    fn column(&self, batch: &RecordBatch, column: Column) -> Option<ArrayRef> {
        self.columns.get(column).map(|i| Arc::clone(batch.column(i)))
    }

    fn prepare(&self, batch: &RecordBatch) -> Result<Batch, String> {
        let required =
            |column| self.column(batch, column).expect("ColumnIndex::check found the required columns");
        let micros = |array: &ArrayRef, tz| -> Result<_, String> {
            Ok(cast(array, &DataType::Timestamp(TimeUnit::Microsecond, tz))
                .map_err(|err| format!("timestamp: {err}"))?
                .as_primitive::<TimestampMicrosecondType>()
                .clone())
        };
        let ts = match self.column(batch, Column::Date) {
            Some(date) => TimestampColumn::DateTime(
                to_strings(&date)?,
                self.column(batch, Column::Time).map(|time| to_strings(&time)).transpose()?,
            ),
            None => {
                let ts = required(Column::Timestamp);
                match ts.data_type() {
                    DataType::Timestamp(_, Some(tz)) => {
                        let zone = Zone::from_arrow(tz)
                            .map_err(|err| format!("timestamp column's time zone: {err}"))?;
                        TimestampColumn::Instants(micros(&ts, Some(tz.clone()))?, zone)
                    }
                    DataType::Timestamp(_, None) | DataType::Date32 | DataType::Date64 => {
                        TimestampColumn::Naive(micros(&ts, None)?)
                    }
                    DataType::Int8
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::Int64
                    | DataType::UInt8
                    | DataType::UInt16
                    | DataType::UInt32
                    | DataType::UInt64 => TimestampColumn::Epoch(
                        cast(&ts, &DataType::Int64)
                            .map_err(|err| format!("timestamp: {err}"))?
                            .as_primitive::<Int64Type>()
                            .clone(),
                    ),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                        TimestampColumn::Text(to_strings(&ts)?)
                    }
                    other => {
                        return Err(format!(
                            "timestamp column has type {other} (expected a timestamp, a date, an integer epoch or a string)"
                        ));
                    }
                }
            }
        };
        let price = |column: Column| -> Result<Float64Array, String> {
            let array = required(column);
            if !array.data_type().is_numeric() {
                return Err(format!("{column} column has type {} (expected a number)", array.data_type()));
            }
            Ok(cast(&array, &DataType::Float64)
                .map_err(|err| format!("{column}: {err}"))?
                .as_primitive::<Float64Type>()
                .clone())
        };
        let volume = match self.column(batch, Column::Volume) {
            None => VolumeColumn::Absent,
            Some(array) if array.data_type().is_integer() || array.data_type() == &DataType::Null => {
                VolumeColumn::Int(
                    cast(&array, &DataType::Int64)
                        .map_err(|err| format!("volume: {err}"))?
                        .as_primitive::<Int64Type>()
                        .clone(),
                )
            }
            Some(array) if array.data_type().is_floating() => VolumeColumn::Float(
                cast(&array, &DataType::Float64)
                    .map_err(|err| format!("volume: {err}"))?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            Some(array) => {
                return Err(format!("volume column has type {} (expected a number)", array.data_type()));
            }
        };
        Ok(Batch {
            ts,
            prices: [price(Column::Open)?, price(Column::High)?, price(Column::Low)?, price(Column::Close)?],
            volume,
            symbol: self.column(batch, Column::Symbol).map(|a| to_strings(&a)).transpose()?,
            timeframe: self.column(batch, Column::Timeframe).map(|a| to_strings(&a)).transpose()?,
        })
    }

    fn record(&mut self, row: usize, location: Location) -> Result<Row, (Column, String)> {
        let batch = self.batch.as_ref().expect("a row is read from a prepared batch");
        let null = |column: Column| (column, "expected a value, got null".to_owned());
        let mut prices = [0.0; 4];
        for ((price, array), column) in
            prices.iter_mut().zip(&batch.prices).zip([Column::Open, Column::High, Column::Low, Column::Close])
        {
            if array.is_null(row) {
                return Err(null(column));
            }
            *price = array.value(row);
        }
        let raw_volume = match &batch.volume {
            VolumeColumn::Int(array) if !array.is_null(row) => RawVolume::Int(array.value(row)),
            VolumeColumn::Float(array) if !array.is_null(row) => RawVolume::Float(array.value(row)),
            _ => RawVolume::Missing,
        };
        let volume = volume::resolve(raw_volume, self.volume).map_err(|message| (Column::Volume, message))?;
        let timeframe = match (&batch.timeframe, self.defaults.timeframe) {
            (Some(array), _) if array.is_null(row) => return Err(null(Column::Timeframe)),
            (Some(array), _) => {
                array.value(row).parse::<Timeframe>().map_err(|err| (Column::Timeframe, err.to_string()))?
            }
            (None, Some(timeframe)) => timeframe,
            (None, None) => {
                unreachable!("ColumnIndex::check requires a timeframe column or default")
            }
        };
        let symbol = match (&batch.symbol, &self.defaults.symbol) {
            (Some(array), _) if array.is_null(row) => return Err(null(Column::Symbol)),
            (Some(array), _) => {
                Symbol::new(array.value(row)).map_err(|err| (Column::Symbol, err.to_string()))?
            }
            (None, Some(symbol)) => symbol.clone(),
            (None, None) => unreachable!("ColumnIndex::check requires a symbol column or default"),
        };
        let given_zone = self.timestamps.zone();
        let (parsed, zone) = match &batch.ts {
            TimestampColumn::Instants(array, _) | TimestampColumn::Naive(array) if array.is_null(row) => {
                return Err(null(Column::Timestamp));
            }
            TimestampColumn::Instants(array, zone) => {
                (Parsed { utc: array.value(row), wall: None }, given_zone.unwrap_or(*zone))
            }
            TimestampColumn::Naive(array) => {
                let local = chrono::DateTime::from_timestamp_micros(array.value(row))
                    .ok_or_else(|| (Column::Timestamp, "out of range".to_owned()))?
                    .naive_utc();
                (self.timestamps.naive(local).map_err(|message| (Column::Timestamp, message))?, Zone::Utc)
            }
            TimestampColumn::Epoch(array) if array.is_null(row) => return Err(null(Column::Timestamp)),
            TimestampColumn::Epoch(array) => {
                let value = array.value(row);
                let parsed = self
                    .timestamps
                    .epoch(value, None, location)
                    .map_err(|message| (Column::Timestamp, message))?;
                (parsed, given_zone.unwrap_or(Zone::Utc))
            }
            TimestampColumn::Text(array) if array.is_null(row) => return Err(null(Column::Timestamp)),
            TimestampColumn::Text(array) => {
                let parsed = self
                    .timestamps
                    .parse(array.value(row).trim(), location)
                    .map_err(|message| (Column::Timestamp, message))?;
                (parsed, given_zone.unwrap_or(Zone::Utc))
            }
            TimestampColumn::DateTime(date, _) if date.is_null(row) => return Err(null(Column::Date)),
            TimestampColumn::DateTime(date, time) => {
                let mut text = date.value(row).trim().to_owned();
                if let Some(time) = time.as_ref().filter(|t| !t.is_null(row)) {
                    text.push(' ');
                    text.push_str(time.value(row).trim());
                }
                let parsed =
                    self.timestamps.parse(&text, location).map_err(|message| (Column::Date, message))?;
                (parsed, given_zone.unwrap_or(Zone::Utc))
            }
        };
        let ts = bar_start(parsed, timeframe, zone).map_err(|message| (Column::Timestamp, message))?;
        let [open, high, low, close] = prices;
        let bar = Bar { ts: Timestamp::from_micros(ts), open, high, low, close, volume: volume.value };
        check_bar(&bar)?;
        Ok(Row {
            record: BarRecord { symbol, timeframe, bar },
            location,
            volume_missing: volume.missing,
            volume_rounded: volume.rounded,
        })
    }
}

fn to_strings(array: &ArrayRef) -> Result<StringArray, String> {
    Ok(cast(array, &DataType::Utf8).map_err(|err| err.to_string())?.as_string::<i32>().clone())
}

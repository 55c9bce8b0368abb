//! The `columns` imports of contract 0.2 (`wit/columns.wit`): columns the host holds for a unit,
//! the kernels as their methods, the reader's `series` read into them, and the tables of the
//! columnar worlds made of them.
//!
//! A column is a [`View`]: shared, immutable values and the range of them it shows. `slice` makes
//! another view of the same values, and a table's column that is a whole, unshared column is moved
//! into the output without a copy. Every column's values count against the unit's memory limit (with
//! the plugin's linear memory, [`UnitLimiter`](super::limits::UnitLimiter)) from when they are
//! made until the last view of them is dropped or handed back in a table.

use candlewick_kernels::{self as k, View};
use wasmtime::component::Resource;

use super::bindings::types as wit;
use super::bindings::v0_2::columns::{self as wit_columns, BandColumns, MacdColumns, Operator};
use super::bindings::v0_2::kernels::{Deviation, KernelError};
use super::bindings::v0_2::plugin::{HeldTable, HeldTimes, HeldValues};
use super::host::UnitState;
use super::kernels::{deviation, invalid};
use super::limits::LimitExceeded;
use crate::domain::{ColumnValues, Fields, ReadError, Table, TimeRange, Timeframe};
use crate::reader::RangeCursor;

/// Bytes of one value or timestamp.
const VALUE_BYTES: usize = 8;

/// A `columns.column`: real numbers held for the unit.
pub type HeldColumn = View<f64>;

/// A `columns.timestamps`: bar open times, microseconds since the Unix epoch, held for the unit.
pub type HeldTimestamps = View<i64>;

/// What the host gives back to the guest: a method's answer, or why it computed nothing.
type Answer<T> = wasmtime::Result<Result<T, KernelError>>;

/// What the unit's memory limit is called in a `too-large` error.
const MEMORY: &str = "bytes of the unit's memory (the plugin's linear memory and the columns the host holds)";

/// The memory limit [`UnitLimiter::hold`](super::limits::UnitLimiter::hold) refused with, in bytes.
fn memory_limit(limit: LimitExceeded) -> u64 {
    match limit {
        LimitExceeded::Memory { limit_bytes } => limit_bytes as u64,
        other => unreachable!("holding columns passes the memory limit only, not {other}"),
    }
}

fn too_large(limit: LimitExceeded) -> KernelError {
    KernelError::TooLarge(wit::LimitExceeded { what: MEMORY.to_owned(), limit: memory_limit(limit) })
}

/// The kernels' arithmetic for the contract's.
fn operator(op: Operator) -> k::Operator {
    match op {
        Operator::Add => k::Operator::Add,
        Operator::Subtract => k::Operator::Subtract,
        Operator::Multiply => k::Operator::Multiply,
        Operator::Divide => k::Operator::Divide,
    }
}

impl UnitState {
    /// The values of a column the guest holds. A handle the table does not know is a host bug
    /// (the guest cannot forge one): it traps.
    fn column(&self, column: &Resource<HeldColumn>) -> wasmtime::Result<&[f64]> {
        Ok(self.table.get(column)?.as_slice())
    }

    /// Room for `columns` new columns of `len` values, taken from the unit's memory.
    fn reserve(&mut self, len: usize, columns: usize) -> Result<(), KernelError> {
        self.limiter.hold(len.saturating_mul(columns).saturating_mul(VALUE_BYTES)).map_err(too_large)
    }

    /// A new column of `values`, whose bytes were reserved.
    fn push_column(&mut self, values: Vec<f64>) -> wasmtime::Result<Resource<HeldColumn>> {
        Ok(self.table.push(HeldColumn::new(values))?)
    }

    /// A kernel of one column in and one out: reserves the room of its answer, runs `f` over the
    /// column's values, and hands the guest a handle to what it made (or why it made nothing, the
    /// room given back).
    fn derive(
        &mut self,
        this: &Resource<HeldColumn>,
        f: impl FnOnce(&[f64]) -> Result<Vec<f64>, KernelError>,
    ) -> Answer<Resource<HeldColumn>> {
        let len = self.column(this)?.len();
        if let Err(err) = self.reserve(len, 1) {
            return Ok(Err(err));
        }
        match f(self.column(this)?) {
            Ok(values) => Ok(Ok(self.push_column(values)?)),
            Err(err) => {
                self.limiter.release(len * VALUE_BYTES);
                Ok(Err(err))
            }
        }
    }

    /// A kernel of the column library: [`Self::derive`] with its error as the guest's.
    fn kernel(
        &mut self,
        this: &Resource<HeldColumn>,
        f: impl FnOnce(&[f64]) -> Result<Vec<f64>, k::KernelError>,
    ) -> Answer<Resource<HeldColumn>> {
        self.derive(this, |values| f(values).map_err(invalid))
    }

    /// A kernel of three columns (high, low, close) in and one out.
    fn kernel3(
        &mut self,
        columns: [&Resource<HeldColumn>; 3],
        f: impl FnOnce(&[f64], &[f64], &[f64]) -> Result<Vec<f64>, k::KernelError>,
    ) -> Answer<Resource<HeldColumn>> {
        let len =
            columns.iter().map(|c| self.column(c).map(<[f64]>::len)).collect::<wasmtime::Result<Vec<_>>>()?;
        let len = len.into_iter().max().unwrap_or(0);
        if let Err(err) = self.reserve(len, 1) {
            return Ok(Err(err));
        }
        let [high, low, close] = columns;
        match f(self.column(high)?, self.column(low)?, self.column(close)?) {
            Ok(values) => Ok(Ok(self.push_column(values)?)),
            Err(err) => {
                self.limiter.release(len * VALUE_BYTES);
                Ok(Err(invalid(err)))
            }
        }
    }

    /// A kernel of one column in and three out (MACD's lines, Bollinger's bands): as
    /// [`Self::derive`], the room of all three reserved first.
    fn kernel_of_three(
        &mut self,
        this: &Resource<HeldColumn>,
        f: impl FnOnce(&[f64]) -> Result<[Vec<f64>; 3], k::KernelError>,
    ) -> Answer<[Resource<HeldColumn>; 3]> {
        let len = self.column(this)?.len();
        if let Err(err) = self.reserve(len, 3) {
            return Ok(Err(err));
        }
        match f(self.column(this)?) {
            Ok([a, b, c]) => Ok(Ok([self.push_column(a)?, self.push_column(b)?, self.push_column(c)?])),
            Err(err) => {
                self.limiter.release(len * 3 * VALUE_BYTES);
                Ok(Err(invalid(err)))
            }
        }
    }

    /// Drops a view of values the guest held, giving back their room when it was the last.
    fn drop_view<T: Clone + 'static>(&mut self, view: Resource<View<T>>) -> wasmtime::Result<()> {
        let freed = self.table.delete(view)?.release() * VALUE_BYTES;
        self.limiter.release(freed);
        Ok(())
    }

    /// The values of a view the guest hands back in a table, moved out of the resource table.
    fn take_view<T: Clone + 'static>(&mut self, view: Resource<View<T>>) -> wasmtime::Result<Vec<T>> {
        let (values, freed) = self.table.delete(view)?.into_vec();
        self.limiter.release(freed * VALUE_BYTES);
        Ok(values)
    }

    /// The reader's `series`: `range` read in batches into host-held columns, counted against
    /// the unit's read limits as `range` is, and its memory limit instead of the per-call ones.
    pub(super) fn series_columns(
        &mut self,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<SeriesColumns, ReadError> {
        let mut cursor: RangeCursor = self.scope.open_range(symbol, timeframe, range, fields, u32::MAX)?;
        let columns = 1 + [Fields::OPEN, Fields::HIGH, Fields::LOW, Fields::CLOSE, Fields::VOLUME]
            .iter()
            .filter(|f| fields.contains(**f))
            .count();
        // The batches are kept until the last, then each column is joined once at its length.
        let (mut batches, mut rows) = (Vec::new(), 0usize);
        loop {
            let batch = match self.scope.next_batch(&*self.reader, &mut cursor) {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                Err(err) => {
                    // What was held for the batches read goes back: the plugin may carry on.
                    self.limiter.release(rows * columns * VALUE_BYTES);
                    return Err(err);
                }
            };
            let bytes = batch.ts.len() * columns * VALUE_BYTES;
            if let Err(limit) = self.limiter.hold(bytes) {
                self.limiter.release(rows * columns * VALUE_BYTES);
                return Err(ReadError::TooLarge { what: MEMORY, limit: memory_limit(limit) });
            }
            rows += batch.ts.len();
            batches.push(batch);
        }
        let series = SeriesColumns::join(&batches);
        // Every bar of the range was served.
        self.served(symbol, timeframe, Some(range), &series.ts);
        Ok(series)
    }

    /// A columnar world's table as the host's: every held column and the held times moved out of
    /// the resource table (a copy only where a view is shared or a slice).
    pub(super) fn held_table(&mut self, table: HeldTable) -> wasmtime::Result<Table> {
        let ts = match table.ts {
            HeldTimes::Held(times) => self.take_view(times)?,
            HeldTimes::Given(times) => times,
        };
        let mut columns = Vec::with_capacity(table.columns.len());
        for column in table.columns {
            let values = match column.values {
                HeldValues::Held(held) => ColumnValues::Float(self.take_view(held)?),
                HeldValues::Float(values) => ColumnValues::Float(values),
                HeldValues::Int(values) => ColumnValues::Int(values),
            };
            columns.push((column.name, values));
        }
        Ok(Table { ts, columns })
    }
}

/// A series read into the host, column by column; the value columns not asked for are empty.
#[derive(Debug)]
pub(super) struct SeriesColumns {
    pub(super) ts: Vec<i64>,
    pub(super) open: Vec<f64>,
    pub(super) high: Vec<f64>,
    pub(super) low: Vec<f64>,
    pub(super) close: Vec<f64>,
    pub(super) volume: Vec<f64>,
}

impl SeriesColumns {
    /// The batches' columns, each joined into one of its exact length (a column not asked for
    /// stays empty).
    fn join(batches: &[crate::domain::BarColumns]) -> SeriesColumns {
        fn joined<T: Copy, U>(
            batches: &[crate::domain::BarColumns],
            column: impl Fn(&crate::domain::BarColumns) -> &[T],
            map: impl Fn(T) -> U,
        ) -> Vec<U> {
            let mut out = Vec::with_capacity(batches.iter().map(|b| column(b).len()).sum());
            for batch in batches {
                out.extend(column(batch).iter().map(|&v| map(v)));
            }
            out
        }
        let same = |v: f64| v;
        SeriesColumns {
            ts: joined(batches, |b| &b.ts, |t| t),
            open: joined(batches, |b| &b.open, same),
            high: joined(batches, |b| &b.high, same),
            low: joined(batches, |b| &b.low, same),
            close: joined(batches, |b| &b.close, same),
            // Volumes as reals, exact to 2^53 (as the contract says).
            volume: joined(batches, |b| &b.volume, |v| v as f64),
        }
    }

    /// The columns, handed to the guest as resources.
    pub(super) fn into_wit(
        self,
        state: &mut UnitState,
    ) -> wasmtime::Result<super::bindings::v0_2::reader::SeriesColumns> {
        Ok(super::bindings::v0_2::reader::SeriesColumns {
            ts: state.table.push(HeldTimestamps::new(self.ts))?,
            open: state.push_column(self.open)?,
            high: state.push_column(self.high)?,
            low: state.push_column(self.low)?,
            close: state.push_column(self.close)?,
            volume: state.push_column(self.volume)?,
        })
    }
}

impl wit_columns::Host for UnitState {}

impl wit_columns::HostColumn for UnitState {
    fn new(&mut self, values: Vec<f64>) -> wasmtime::Result<Resource<HeldColumn>> {
        // Past the limit the unit stops, as a memory growth past it would.
        self.limiter.hold(values.len() * VALUE_BYTES)?;
        self.push_column(values)
    }

    fn filled(&mut self, value: f64, len: u32) -> Answer<Resource<HeldColumn>> {
        if let Err(err) = self.reserve(len as usize, 1) {
            return Ok(Err(err));
        }
        Ok(Ok(self.push_column(vec![value; len as usize])?))
    }

    fn len(&mut self, this: Resource<HeldColumn>) -> wasmtime::Result<u32> {
        Ok(u32::try_from(self.column(&this)?.len())?)
    }

    fn values(&mut self, this: Resource<HeldColumn>) -> wasmtime::Result<Vec<f64>> {
        Ok(self.column(&this)?.to_vec())
    }

    fn slice(
        &mut self,
        this: Resource<HeldColumn>,
        start: u32,
        end: u32,
    ) -> wasmtime::Result<Resource<HeldColumn>> {
        let view = self.table.get(&this)?.slice(start as usize, end as usize);
        Ok(self.table.push(view)?)
    }

    fn combine(
        &mut self,
        this: Resource<HeldColumn>,
        op: Operator,
        other: Resource<HeldColumn>,
    ) -> Answer<Resource<HeldColumn>> {
        // Another view of the other's values, so that both can be read while the answer is made.
        let other = self.table.get(&other)?.clone();
        self.kernel(&this, |values| k::combine(values, operator(op), other.as_slice()))
    }

    fn combine_scalar(
        &mut self,
        this: Resource<HeldColumn>,
        op: Operator,
        value: f64,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |values| k::combine_scalar(values, operator(op), value))
    }

    fn combine_reversed(
        &mut self,
        this: Resource<HeldColumn>,
        op: Operator,
        value: f64,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |values| k::combine_reversed(values, operator(op), value))
    }

    fn rolling_sum(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_sum(v, period))
    }

    fn rolling_mean(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_mean(v, period))
    }

    fn rolling_var(
        &mut self,
        this: Resource<HeldColumn>,
        period: u32,
        d: Deviation,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_var(v, period, deviation(d)))
    }

    fn rolling_std(
        &mut self,
        this: Resource<HeldColumn>,
        period: u32,
        d: Deviation,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_std(v, period, deviation(d)))
    }

    fn rolling_min(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_min(v, period))
    }

    fn rolling_max(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_max(v, period))
    }

    fn rolling_argmin(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_argmin(v, period))
    }

    fn rolling_argmax(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_argmax(v, period))
    }

    fn rolling_rank(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rolling_rank(v, period))
    }

    fn zscore(
        &mut self,
        this: Resource<HeldColumn>,
        period: u32,
        d: Deviation,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::zscore(v, period, deviation(d)))
    }

    fn ema(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::ema(v, period))
    }

    fn wilder(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::wilder(v, period))
    }

    fn rsi(&mut self, this: Resource<HeldColumn>, period: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::rsi(v, period))
    }

    fn macd(&mut self, this: Resource<HeldColumn>, fast: u32, slow: u32, signal: u32) -> Answer<MacdColumns> {
        let lines = self
            .kernel_of_three(&this, |v| k::macd(v, fast, slow, signal).map(|l| [l.macd, l.signal, l.hist]))?;
        Ok(lines.map(|[macd, signal, hist]| MacdColumns { macd, signal, hist }))
    }

    fn bollinger(
        &mut self,
        this: Resource<HeldColumn>,
        period: u32,
        up: f64,
        down: f64,
    ) -> Answer<BandColumns> {
        let bands = self.kernel_of_three(&this, |v| {
            k::bollinger(v, period, up, down).map(|b| [b.upper, b.middle, b.lower])
        })?;
        Ok(bands.map(|[upper, middle, lower]| BandColumns { upper, middle, lower }))
    }

    fn log_return(&mut self, this: Resource<HeldColumn>, lag: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::log_return(v, lag))
    }

    fn pct_change(&mut self, this: Resource<HeldColumn>, lag: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::pct_change(v, lag))
    }

    fn diff(&mut self, this: Resource<HeldColumn>, lag: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::diff(v, lag))
    }

    fn shift(&mut self, this: Resource<HeldColumn>, lag: u32) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, |v| k::shift(v, lag))
    }

    fn cumulative_sum(&mut self, this: Resource<HeldColumn>) -> Answer<Resource<HeldColumn>> {
        self.kernel(&this, k::cumulative_sum)
    }

    fn true_range(
        &mut self,
        high: Resource<HeldColumn>,
        low: Resource<HeldColumn>,
        close: Resource<HeldColumn>,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel3([&high, &low, &close], k::true_range)
    }

    fn atr(
        &mut self,
        high: Resource<HeldColumn>,
        low: Resource<HeldColumn>,
        close: Resource<HeldColumn>,
        period: u32,
    ) -> Answer<Resource<HeldColumn>> {
        self.kernel3([&high, &low, &close], |h, l, c| k::atr(h, l, c, period))
    }

    fn drop(&mut self, this: Resource<HeldColumn>) -> wasmtime::Result<()> {
        self.drop_view(this)
    }
}

impl wit_columns::HostTimestamps for UnitState {
    fn len(&mut self, this: Resource<HeldTimestamps>) -> wasmtime::Result<u32> {
        Ok(u32::try_from(self.table.get(&this)?.len())?)
    }

    fn values(&mut self, this: Resource<HeldTimestamps>) -> wasmtime::Result<Vec<wit::Timestamp>> {
        Ok(self.table.get(&this)?.as_slice().to_vec())
    }

    fn slice(
        &mut self,
        this: Resource<HeldTimestamps>,
        start: u32,
        end: u32,
    ) -> wasmtime::Result<Resource<HeldTimestamps>> {
        let view = self.table.get(&this)?.slice(start as usize, end as usize);
        Ok(self.table.push(view)?)
    }

    fn first_at_or_after(
        &mut self,
        this: Resource<HeldTimestamps>,
        t: wit::Timestamp,
    ) -> wasmtime::Result<u32> {
        Ok(u32::try_from(self.table.get(&this)?.as_slice().partition_point(|&ts| ts < t))?)
    }

    fn end_at_or_before(
        &mut self,
        this: Resource<HeldTimestamps>,
        t: wit::Timestamp,
    ) -> wasmtime::Result<u32> {
        Ok(u32::try_from(self.table.get(&this)?.as_slice().partition_point(|&ts| ts <= t))?)
    }

    fn drop(&mut self, this: Resource<HeldTimestamps>) -> wasmtime::Result<()> {
        self.drop_view(this)
    }
}

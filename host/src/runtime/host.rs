//! The reader imports, served to one unit of work's store from the port through its scope.

use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::{types as wit, v0_1, v0_2};
use super::calls::CallCounter;
use super::convert::{
    aligned_to_wit, availability_to_wit, columns_to_wit, entry_to_wit, error_to_wit, fields_from_wit,
    latest_to_wit, range_from_wit, timeframe_from_wit,
};
use super::limits::UnitLimiter;
use super::scope::UnitScope;
use super::tail_pipe::TailPipe;
use super::window::WindowReads;
use crate::domain::{ReadError, Symbol, TimeRange, Timeframe, Timestamp};
use crate::reader::{MarketDataReader, RangeCursor};

/// Everything one store holds: the unit's reader and scope, its open cursors, and the WASI
/// context that grants nothing.
pub(super) struct UnitState {
    pub(super) reader: Arc<dyn MarketDataReader>,
    pub(super) scope: UnitScope,
    pub(super) plugin: String,
    pub(super) table: ResourceTable,
    pub(super) wasi: WasiCtx,
    /// The memory limit, as the store's resource limiter.
    pub(super) limiter: UnitLimiter,
    pub(super) stdout: TailPipe,
    pub(super) stderr: TailPipe,
    /// What was served of the unit's window: what a feature builder's output must match, known
    /// without reading the window again when the plugin read all of it.
    pub(super) window: WindowReads,
    /// Reader calls made and cursors open, against their limits.
    pub(super) calls: CallCounter,
}

impl WasiView for UnitState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl UnitState {
    /// Turns a read's outcome into what the guest sees, logging the whole cause of a failure
    /// first: the guest gets the error's case, the log gets the database's message.
    fn answer<T, U>(
        &self,
        call: &str,
        result: Result<T, ReadError>,
        wrap: impl FnOnce(T) -> U,
    ) -> Result<U, wit::Error> {
        result.map(wrap).map_err(|err| {
            match &err {
                ReadError::Unavailable(_) => tracing::error!(
                    plugin = %self.plugin, symbol = %self.scope.symbol, call, error = %crate::domain::error_chain(&err),
                    "reader call failed"
                ),
                _ => tracing::debug!(plugin = %self.plugin, symbol = %self.scope.symbol, call, %err, "reader call refused"),
            }
            error_to_wit(err)
        })
    }
}

impl UnitState {
    /// Records the window's timestamps among bars of the unit's own series on their way to the
    /// plugin, all of `whole`'s stored bars (the scope counts them against its limits). Bars of
    /// another input say nothing about the unit's rows.
    pub(super) fn served(
        &mut self,
        symbol: &str,
        timeframe: Timeframe,
        whole: Option<TimeRange>,
        ts: &[i64],
    ) {
        if timeframe == self.scope.timeframe && symbol == self.scope.symbol.as_str() {
            self.window.served(whole, ts);
        }
    }
}

impl wit::Host for UnitState {}
impl v0_1::plugin::Host for UnitState {}
impl v0_2::plugin::Host for UnitState {}

impl v0_1::reader::Host for UnitState {
    fn range(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
    ) -> wasmtime::Result<Result<wit::BarColumns, wit::Error>> {
        self.calls.call()?;
        let result = range_from_wit(range).and_then(|range| {
            self.scope.range(
                &*self.reader,
                &symbol,
                timeframe_from_wit(timeframe),
                range,
                fields_from_wit(fields),
            )
        });
        if let (Ok(bars), Ok(range)) = (&result, range_from_wit(range)) {
            self.served(&symbol, timeframe_from_wit(timeframe), Some(range), &bars.ts);
        }
        Ok(self.answer("range", result, columns_to_wit))
    }

    fn multi_range(
        &mut self,
        symbols: Vec<String>,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
    ) -> wasmtime::Result<Result<Vec<wit::SymbolBars>, wit::Error>> {
        self.calls.call()?;
        let result = range_from_wit(range).and_then(|range| {
            self.scope.multi_range(
                &*self.reader,
                &symbols,
                timeframe_from_wit(timeframe),
                range,
                fields_from_wit(fields),
            )
        });
        if let Ok(all) = &result {
            let whole = range_from_wit(range).ok();
            let timeframe = timeframe_from_wit(timeframe);
            all.iter().for_each(|(symbol, bars)| self.served(symbol.as_str(), timeframe, whole, &bars.ts));
        }
        Ok(self.answer("multi-range", result, |all| {
            all.into_iter()
                .map(|(symbol, bars)| wit::SymbolBars {
                    symbol: symbol.to_string(),
                    bars: columns_to_wit(bars),
                })
                .collect()
        }))
    }

    fn latest(
        &mut self,
        symbols: Vec<String>,
        timeframe: wit::Timeframe,
    ) -> wasmtime::Result<Result<Vec<wit::LatestBar>, wit::Error>> {
        self.calls.call()?;
        let result = self.scope.latest(&*self.reader, &symbols, timeframe_from_wit(timeframe));
        Ok(self.answer("latest", result, |bars| bars.into_iter().map(latest_to_wit).collect()))
    }

    fn availability(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
    ) -> wasmtime::Result<Result<wit::AvailabilityInfo, wit::Error>> {
        self.calls.call()?;
        let result = self.scope.availability(&*self.reader, &symbol, timeframe_from_wit(timeframe));
        Ok(self.answer("availability", result, availability_to_wit))
    }

    fn timeframes(&mut self, symbol: String) -> wasmtime::Result<Result<Vec<wit::Timeframe>, wit::Error>> {
        self.calls.call()?;
        let result = self.scope.timeframes(&*self.reader, &symbol);
        Ok(self.answer("timeframes", result, |tfs| {
            tfs.into_iter().map(super::convert::timeframe_to_wit).collect()
        }))
    }

    fn summary(&mut self) -> wasmtime::Result<Result<Vec<wit::AvailabilityEntry>, wit::Error>> {
        self.calls.call()?;
        let result = self.scope.summary(&*self.reader);
        Ok(self.answer("summary", result, |entries| entries.into_iter().map(entry_to_wit).collect()))
    }

    fn open_range(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
        batch_rows: u32,
    ) -> wasmtime::Result<Result<Resource<RangeCursor>, wit::Error>> {
        self.calls.open_cursor()?;
        let result = range_from_wit(range).and_then(|range| {
            self.scope.open_range(
                &symbol,
                timeframe_from_wit(timeframe),
                range,
                fields_from_wit(fields),
                batch_rows,
            )
        });
        match self.answer("open-range", result, |cursor| cursor) {
            // A full resource table is the host's limit, not the guest's mistake: trap.
            Ok(cursor) => Ok(Ok(self.table.push(cursor)?)),
            Err(err) => {
                self.calls.close_cursor();
                Ok(Err(err))
            }
        }
    }
}

impl v0_1::reader::HostRangeCursor for UnitState {
    fn next_batch(
        &mut self,
        cursor: Resource<RangeCursor>,
    ) -> wasmtime::Result<Result<Option<wit::BarColumns>, wit::Error>> {
        self.calls.call()?;
        // A handle the table does not know is a host bug (the guest cannot forge one): trap.
        let cursor = self.table.get_mut(&cursor)?;
        let result = self.scope.next_batch(&*self.reader, cursor);
        // A cursor has served everything from its start up to what it has not read yet.
        let (symbol, timeframe): (Symbol, Timeframe) =
            (cursor.request().symbol.clone(), cursor.request().timeframe);
        let request = cursor.request().range;
        let whole = match cursor.unread() {
            None => Some(request),
            Some(rest) => rest
                .start()
                .as_micros()
                .checked_sub(1)
                .and_then(|last| TimeRange::new(request.start(), Timestamp::from_micros(last)).ok()),
        };
        if let Ok(Some(batch)) = &result {
            self.served(symbol.as_str(), timeframe, whole, &batch.ts);
        }
        Ok(self.answer("next-batch", result, |batch| batch.map(columns_to_wit)))
    }

    fn drop(&mut self, cursor: Resource<RangeCursor>) -> wasmtime::Result<()> {
        self.table.delete(cursor)?;
        self.calls.close_cursor();
        Ok(())
    }
}

/// 0.2's reader is 0.1's with the aligned read added: the calls they share are 0.1's, unchanged.
impl v0_2::reader::Host for UnitState {
    fn range(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
    ) -> wasmtime::Result<Result<wit::BarColumns, wit::Error>> {
        v0_1::reader::Host::range(self, symbol, timeframe, range, fields)
    }

    fn multi_range(
        &mut self,
        symbols: Vec<String>,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
    ) -> wasmtime::Result<Result<Vec<wit::SymbolBars>, wit::Error>> {
        v0_1::reader::Host::multi_range(self, symbols, timeframe, range, fields)
    }

    fn latest(
        &mut self,
        symbols: Vec<String>,
        timeframe: wit::Timeframe,
    ) -> wasmtime::Result<Result<Vec<wit::LatestBar>, wit::Error>> {
        v0_1::reader::Host::latest(self, symbols, timeframe)
    }

    fn availability(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
    ) -> wasmtime::Result<Result<wit::AvailabilityInfo, wit::Error>> {
        v0_1::reader::Host::availability(self, symbol, timeframe)
    }

    fn timeframes(&mut self, symbol: String) -> wasmtime::Result<Result<Vec<wit::Timeframe>, wit::Error>> {
        v0_1::reader::Host::timeframes(self, symbol)
    }

    fn summary(&mut self) -> wasmtime::Result<Result<Vec<wit::AvailabilityEntry>, wit::Error>> {
        v0_1::reader::Host::summary(self)
    }

    fn open_range(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
        batch_rows: u32,
    ) -> wasmtime::Result<Result<Resource<RangeCursor>, wit::Error>> {
        v0_1::reader::Host::open_range(self, symbol, timeframe, range, fields, batch_rows)
    }

    fn aligned(
        &mut self,
        row_symbol: String,
        symbol: String,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
    ) -> wasmtime::Result<Result<v0_2::reader::AlignedBars, wit::Error>> {
        self.calls.call()?;
        let result = range_from_wit(range).and_then(|range| {
            self.scope.aligned(
                &*self.reader,
                &row_symbol,
                &symbol,
                timeframe_from_wit(timeframe),
                range,
                fields_from_wit(fields),
            )
        });
        Ok(self.answer("aligned", result, aligned_to_wit))
    }

    fn series(
        &mut self,
        symbol: String,
        timeframe: wit::Timeframe,
        range: wit::TimeRange,
        fields: wit::Fields,
    ) -> wasmtime::Result<Result<v0_2::reader::SeriesColumns, wit::Error>> {
        self.calls.call()?;
        let result = range_from_wit(range).and_then(|range| {
            self.series_columns(&symbol, timeframe_from_wit(timeframe), range, fields_from_wit(fields))
        });
        match self.answer("series", result, |columns| columns) {
            Ok(columns) => Ok(Ok(columns.into_wit(self)?)),
            Err(err) => Ok(Err(err)),
        }
    }
}

impl v0_2::reader::HostRangeCursor for UnitState {
    fn next_batch(
        &mut self,
        cursor: Resource<RangeCursor>,
    ) -> wasmtime::Result<Result<Option<wit::BarColumns>, wit::Error>> {
        v0_1::reader::HostRangeCursor::next_batch(self, cursor)
    }

    fn drop(&mut self, cursor: Resource<RangeCursor>) -> wasmtime::Result<()> {
        v0_1::reader::HostRangeCursor::drop(self, cursor)
    }
}

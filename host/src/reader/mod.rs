//! The market-data reader port and its adapters.
//!
//! [`MarketDataReader`] is the read side of `market_data` with the replaced system's semantics and
//! its defects designed away: typed errors, validated arguments, a defined order everywhere and keyset
//! paging instead of `OFFSET`. Two adapters implement it and agree on every case of the contract
//! suite (`tests/reader_contract.rs`):
//! - [`PgMarketDataReader`], pooled PostgreSQL, read-only;
//! - [`MemoryMarketDataReader`], bars held in memory: the fixture host and the embedded default.
//!
//! [`ReplicaReader`] routes reads to a job's PostgreSQL read replicas (and, as configured, to the
//! primary when none is healthy). [`NoBars`] holds nothing: what a plugin describes itself against.

mod cursor;
mod memory;
#[cfg(test)]
mod page_spy;
mod postgres;
pub mod query_cost;
mod replicas;
mod shared;

pub use cursor::{RangeCursor, RangeStream};
pub use memory::MemoryMarketDataReader;
#[cfg(test)]
pub(crate) use page_spy::PageSpy;
pub(crate) use postgres::may_pass;
pub use postgres::{PLAN_CACHE_MODE, PgMarketDataReader, PgReaderConfig};
pub use replicas::{DEFAULT_MAX_LAG, Fallback, ReadReplicas, ReplicaError, ReplicaReader};
pub use shared::{SharedReader, SharedSeries};

use std::num::NonZeroUsize;

use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet, TimeRange,
    Timeframe, Timestamp,
};

/// Rows per batch of a streamed read unless the caller says otherwise: see the data-layer
/// benchmark's batch-size sweep (`cargo bench -p candlewick --bench data_layer`).
pub const DEFAULT_BATCH_ROWS: usize = 16_384;

/// One series over an inclusive window, with the value columns to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRequest {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    pub range: TimeRange,
    pub fields: Fields,
}

/// The bars of one symbol in a multi-symbol read.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolBars {
    pub symbol: Symbol,
    pub bars: BarColumns,
}

/// Read-only access to stored bars. Timestamps are microseconds since the Unix epoch, UTC.
///
/// Arguments arrive validated by their types ([`Symbol`], [`TimeRange`], [`SymbolSet`]), so an
/// adapter only reports [`ReadError::Unavailable`] or, for a zero page size, an invalid argument.
/// Rows stored with a timeframe outside [`Timeframe::ALL`] are invisible to every operation.
pub trait MarketDataReader: Send + Sync {
    /// Bars with `start <= ts <= end`, ascending by `ts`.
    fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError>;

    /// [`range`](Self::range) for several symbols, in the order of the set (by symbol, then `ts`).
    /// Symbols without bars in the window come back with empty columns; an empty set answers
    /// without touching the data source.
    fn multi_range(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<SymbolBars>, ReadError>;

    /// The newest bar at or before `as_of` of each symbol that has one, ordered by symbol; the
    /// others are absent. [`Timestamp::MAX`] asks for the newest of all.
    fn latest(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        as_of: Timestamp,
    ) -> Result<Vec<LatestBar>, ReadError>;

    /// Count and span of one series within `range` ([`TimeRange::all`] for all of it); no data
    /// is a count of 0, not an error.
    fn availability(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        range: TimeRange,
    ) -> Result<Availability, ReadError>;

    /// The distinct timeframes stored for `symbol`, in canonical order.
    fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError>;

    /// One entry per stored (symbol, timeframe), ordered by symbol, then timeframe.
    fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError>;

    /// The timestamp of the `bars_back`-th bar before `before` (1 is the bar just before it), or
    /// `None` when the series has fewer bars before it: how a warm-up in bars becomes a time.
    fn bar_before(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        before: Timestamp,
        bars_back: NonZeroUsize,
    ) -> Result<Option<Timestamp>, ReadError>;

    /// One keyset page: at most `limit` bars of the request's window with `ts > after` (all of the
    /// window when `after` is `None`), ascending. [`RangeCursor`] drives it.
    fn page(
        &self,
        request: &RangeRequest,
        after: Option<Timestamp>,
        limit: NonZeroUsize,
    ) -> Result<BarColumns, ReadError>;
}

/// Each operation of the port forwards through shared references and boxes, so a runtime can hold
/// `Arc<dyn MarketDataReader>` and still pass it where `impl MarketDataReader` is asked.
macro_rules! forward_reader {
    ($($ty:ty),*) => {$(
        impl<R: MarketDataReader + ?Sized> MarketDataReader for $ty {
            fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError> {
                (**self).range(request)
            }
            fn multi_range(
                &self,
                symbols: &SymbolSet,
                timeframe: Timeframe,
                range: TimeRange,
                fields: Fields,
            ) -> Result<Vec<SymbolBars>, ReadError> {
                (**self).multi_range(symbols, timeframe, range, fields)
            }
            fn latest(
                &self,
                symbols: &SymbolSet,
                timeframe: Timeframe,
                as_of: Timestamp,
            ) -> Result<Vec<LatestBar>, ReadError> {
                (**self).latest(symbols, timeframe, as_of)
            }
            fn availability(
                &self,
                symbol: &Symbol,
                timeframe: Timeframe,
                range: TimeRange,
            ) -> Result<Availability, ReadError> {
                (**self).availability(symbol, timeframe, range)
            }
            fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
                (**self).timeframes(symbol)
            }
            fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
                (**self).summary()
            }
            fn bar_before(
                &self,
                symbol: &Symbol,
                timeframe: Timeframe,
                before: Timestamp,
                bars_back: NonZeroUsize,
            ) -> Result<Option<Timestamp>, ReadError> {
                (**self).bar_before(symbol, timeframe, before, bars_back)
            }
            fn page(
                &self,
                request: &RangeRequest,
                after: Option<Timestamp>,
                limit: NonZeroUsize,
            ) -> Result<BarColumns, ReadError> {
                (**self).page(request, after, limit)
            }
        }
    )*};
}

forward_reader!(&R, Box<R>, std::sync::Arc<R>);

/// A reader that wraps another and runs every read through one hook: `around(symbol, read)`
/// calls `read` on the reader it chooses (the symbol's, when the read names one) and may count,
/// retry or route its answer. [`read_around!`] makes such a type a [`MarketDataReader`].
pub(crate) trait ReadAround: Send + Sync {
    type Inner: MarketDataReader + ?Sized;

    fn around<T>(
        &self,
        symbol: Option<&Symbol>,
        read: &dyn Fn(&Self::Inner) -> Result<T, ReadError>,
    ) -> Result<T, ReadError>;
}

/// Implements [`MarketDataReader`] for a [`ReadAround`] type: each operation is its inner reader's,
/// through `around`, with the symbol it names (`None` for reads of several symbols or of all).
macro_rules! read_around {
    ($ty:ty) => {
        impl $crate::reader::MarketDataReader for $ty {
            fn range(
                &self,
                request: &$crate::reader::RangeRequest,
            ) -> Result<$crate::domain::BarColumns, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, Some(&request.symbol), &|r| r.range(request))
            }
            fn multi_range(
                &self,
                symbols: &$crate::domain::SymbolSet,
                timeframe: $crate::domain::Timeframe,
                range: $crate::domain::TimeRange,
                fields: $crate::domain::Fields,
            ) -> Result<Vec<$crate::reader::SymbolBars>, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, None, &|r| {
                    r.multi_range(symbols, timeframe, range, fields)
                })
            }
            fn latest(
                &self,
                symbols: &$crate::domain::SymbolSet,
                timeframe: $crate::domain::Timeframe,
                as_of: $crate::domain::Timestamp,
            ) -> Result<Vec<$crate::domain::LatestBar>, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, None, &|r| r.latest(symbols, timeframe, as_of))
            }
            fn availability(
                &self,
                symbol: &$crate::domain::Symbol,
                timeframe: $crate::domain::Timeframe,
                range: $crate::domain::TimeRange,
            ) -> Result<$crate::domain::Availability, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, Some(symbol), &|r| {
                    r.availability(symbol, timeframe, range)
                })
            }
            fn timeframes(
                &self,
                symbol: &$crate::domain::Symbol,
            ) -> Result<Vec<$crate::domain::Timeframe>, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, Some(symbol), &|r| r.timeframes(symbol))
            }
            fn summary(&self) -> Result<Vec<$crate::domain::AvailabilityEntry>, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, None, &|r| r.summary())
            }
            fn bar_before(
                &self,
                symbol: &$crate::domain::Symbol,
                timeframe: $crate::domain::Timeframe,
                before: $crate::domain::Timestamp,
                bars_back: std::num::NonZeroUsize,
            ) -> Result<Option<$crate::domain::Timestamp>, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, Some(symbol), &|r| {
                    r.bar_before(symbol, timeframe, before, bars_back)
                })
            }
            fn page(
                &self,
                request: &$crate::reader::RangeRequest,
                after: Option<$crate::domain::Timestamp>,
                limit: std::num::NonZeroUsize,
            ) -> Result<$crate::domain::BarColumns, $crate::domain::ReadError> {
                $crate::reader::ReadAround::around(self, Some(&request.symbol), &|r| {
                    r.page(request, after, limit)
                })
            }
        }
    };
}
pub(crate) use read_around;

/// A reader that holds no bars: every read answers empty. What a plugin's `describe` runs
/// against, since describing reads nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBars;

impl MarketDataReader for NoBars {
    fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError> {
        Ok(BarColumns::with_capacity(request.fields, 0))
    }
    fn multi_range(
        &self,
        symbols: &SymbolSet,
        _timeframe: Timeframe,
        _range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<SymbolBars>, ReadError> {
        Ok(symbols
            .iter()
            .map(|symbol| SymbolBars { symbol: symbol.clone(), bars: BarColumns::with_capacity(fields, 0) })
            .collect())
    }
    fn latest(&self, _: &SymbolSet, _: Timeframe, _: Timestamp) -> Result<Vec<LatestBar>, ReadError> {
        Ok(Vec::new())
    }
    fn availability(&self, _: &Symbol, _: Timeframe, _: TimeRange) -> Result<Availability, ReadError> {
        Ok(Availability::default())
    }
    fn timeframes(&self, _: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
        Ok(Vec::new())
    }
    fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
        Ok(Vec::new())
    }
    fn bar_before(
        &self,
        _: &Symbol,
        _: Timeframe,
        _: Timestamp,
        _: NonZeroUsize,
    ) -> Result<Option<Timestamp>, ReadError> {
        Ok(None)
    }
    fn page(
        &self,
        request: &RangeRequest,
        _: Option<Timestamp>,
        _: NonZeroUsize,
    ) -> Result<BarColumns, ReadError> {
        Ok(BarColumns::with_capacity(request.fields, 0))
    }
}

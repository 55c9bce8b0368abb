//! A test reader: the memory reader, counting the keyset pages it serves and remembering the
//! largest asked for. Unit tests of what reads what (the scope's budget, the shared read) use it.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{MarketDataReader, MemoryMarketDataReader, RangeRequest, SymbolBars};
use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet, TimeRange,
    Timeframe, Timestamp,
};

#[derive(Debug)]
pub(crate) struct PageSpy {
    inner: MemoryMarketDataReader,
    pages: AtomicUsize,
    largest_page: AtomicUsize,
}

impl PageSpy {
    pub(crate) fn new(inner: MemoryMarketDataReader) -> Self {
        PageSpy { inner, pages: AtomicUsize::new(0), largest_page: AtomicUsize::new(0) }
    }

    /// Pages served since the last call (the count restarts).
    pub(crate) fn take_pages(&self) -> usize {
        self.pages.swap(0, Ordering::Relaxed)
    }

    /// The largest page size asked for so far.
    pub(crate) fn largest_page(&self) -> usize {
        self.largest_page.load(Ordering::Relaxed)
    }
}

impl MarketDataReader for PageSpy {
    fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError> {
        self.inner.range(request)
    }
    fn multi_range(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<SymbolBars>, ReadError> {
        self.inner.multi_range(symbols, timeframe, range, fields)
    }
    fn latest(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        as_of: Timestamp,
    ) -> Result<Vec<LatestBar>, ReadError> {
        self.inner.latest(symbols, timeframe, as_of)
    }
    fn availability(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        range: TimeRange,
    ) -> Result<Availability, ReadError> {
        self.inner.availability(symbol, timeframe, range)
    }
    fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
        self.inner.timeframes(symbol)
    }
    fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
        self.inner.summary()
    }
    fn bar_before(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        before: Timestamp,
        back: NonZeroUsize,
    ) -> Result<Option<Timestamp>, ReadError> {
        self.inner.bar_before(symbol, timeframe, before, back)
    }
    fn page(
        &self,
        request: &RangeRequest,
        after: Option<Timestamp>,
        limit: NonZeroUsize,
    ) -> Result<BarColumns, ReadError> {
        self.pages.fetch_add(1, Ordering::Relaxed);
        self.largest_page.fetch_max(limit.get(), Ordering::Relaxed);
        self.inner.page(request, after, limit)
    }
}

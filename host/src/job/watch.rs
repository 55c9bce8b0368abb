//! A job's reader, watched: it counts the reads that failed because the source was unavailable
//! (after the adapter's own retries), so that a job whose units failed while its database was
//! gone can say so in its exit code (75, transient: run it again) instead of blaming the units
//! (2, permanent: a plugin that fails on its data fails again).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::{ReadError, Symbol};
use crate::reader::MarketDataReader;

/// Forwards every read to `inner`, counting [`ReadError::Unavailable`] answers.
pub struct Watched {
    inner: Arc<dyn MarketDataReader>,
    unavailable: Arc<AtomicU64>,
}

impl Watched {
    /// `inner`, watched, and the count its failures go to.
    pub fn wrap(inner: Arc<dyn MarketDataReader>) -> (Arc<dyn MarketDataReader>, Arc<AtomicU64>) {
        let unavailable = Arc::new(AtomicU64::new(0));
        (Arc::new(Watched { inner, unavailable: Arc::clone(&unavailable) }), unavailable)
    }

    fn note<T>(&self, result: Result<T, ReadError>) -> Result<T, ReadError> {
        if let Err(ReadError::Unavailable(source)) = &result
            && crate::reader::may_pass(source.as_ref())
        {
            self.unavailable.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

impl crate::reader::ReadAround for Watched {
    type Inner = dyn MarketDataReader;

    fn around<T>(
        &self,
        _symbol: Option<&Symbol>,
        read: &dyn Fn(&Self::Inner) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        self.note(read(&*self.inner))
    }
}

crate::reader::read_around!(Watched);

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;
    use crate::domain::{
        Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, SymbolSet, TimeRange, Timeframe,
        Timestamp,
    };
    use crate::reader::{RangeRequest, SymbolBars};

    /// Answers every read with `unavailable`.
    struct Down;

    impl MarketDataReader for Down {
        fn range(&self, _: &RangeRequest) -> Result<BarColumns, ReadError> {
            Err(ReadError::unavailable(std::io::Error::other("down")))
        }
        fn multi_range(
            &self,
            _: &SymbolSet,
            _: Timeframe,
            _: TimeRange,
            _: Fields,
        ) -> Result<Vec<SymbolBars>, ReadError> {
            Ok(Vec::new())
        }
        fn latest(&self, _: &SymbolSet, _: Timeframe, _: Timestamp) -> Result<Vec<LatestBar>, ReadError> {
            Ok(Vec::new())
        }
        fn availability(&self, _: &Symbol, _: Timeframe, _: TimeRange) -> Result<Availability, ReadError> {
            Err(ReadError::unavailable(std::io::Error::other("down")))
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
            _: &RangeRequest,
            _: Option<Timestamp>,
            _: NonZeroUsize,
        ) -> Result<BarColumns, ReadError> {
            Err(ReadError::OutOfScope("x".into()))
        }
    }

    #[test]
    fn only_unavailable_answers_are_counted() {
        let (reader, count) = Watched::wrap(Arc::new(Down));
        let symbol = Symbol::new("EURUSD").unwrap();
        let _ = reader.availability(&symbol, Timeframe::Hour1, TimeRange::all());
        let _ = reader.availability(&symbol, Timeframe::Hour1, TimeRange::all());
        let _ = reader.timeframes(&symbol);
        let request = RangeRequest {
            symbol,
            timeframe: Timeframe::Hour1,
            range: TimeRange::all(),
            fields: Fields::ALL,
        };
        let _ = reader.page(&request, None, NonZeroUsize::MIN);
        assert_eq!(count.load(Ordering::Relaxed), 2);
    }
}

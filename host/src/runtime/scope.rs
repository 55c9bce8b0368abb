//! What one unit of work may read: its symbol and timeframe, from its warm-up start to the job's
//! as-of time, within its read limits. Everything else is out of scope or too large.
//!
//! This is the look-ahead guard: a feature builder cannot see a bar after the as-of time, not
//! even through `latest`, `availability` or `summary`.
//!
//! Read limits (`budget.rs`) are checked before the answer exists: a range read is counted first
//! when its span could hold more bars than allowed, and is fetched with a cap of one bar past the
//! allowance either way; a cursor batch that could pass the unit's budget is counted before it is
//! fetched. So a request for ten years of minute bars costs the host a count, not ten years of bars.

use std::num::NonZeroUsize;

use super::budget::{ReadBudget, ReadLimits, most_bars_in};
use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet, TimeRange,
    Timeframe, Timestamp,
};
use crate::reader::{MarketDataReader, RangeCursor, RangeRequest};

/// The readable part of the data for one unit of work, and what the unit has read so far.
#[derive(Debug, Clone)]
pub struct UnitScope {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    /// `warm_up_from ..= as_of`.
    pub readable: TimeRange,
    budget: ReadBudget,
}

impl UnitScope {
    pub fn new(symbol: Symbol, timeframe: Timeframe, readable: TimeRange, limits: ReadLimits) -> Self {
        UnitScope { symbol, timeframe, readable, budget: ReadBudget::new(limits) }
    }

    /// Bars served so far.
    pub fn rows_served(&self) -> u64 {
        self.budget.rows_served()
    }

    fn check_series(&self, symbol: &str, timeframe: Timeframe) -> Result<Symbol, ReadError> {
        let symbol = Symbol::new(symbol)?;
        if symbol != self.symbol || timeframe != self.timeframe {
            return Err(ReadError::OutOfScope(format!(
                "{symbol} {timeframe} (this unit reads {} {} only)",
                self.symbol, self.timeframe
            )));
        }
        Ok(symbol)
    }

    fn check_range(&self, range: TimeRange) -> Result<(), ReadError> {
        if range.start() < self.readable.start() {
            return Err(ReadError::OutOfScope(format!(
                "start {} is before the warm-up start {}",
                range.start(),
                self.readable.start()
            )));
        }
        if range.end() > self.readable.end() {
            return Err(ReadError::OutOfScope(format!(
                "end {} is after the as-of time {}",
                range.end(),
                self.readable.end()
            )));
        }
        Ok(())
    }

    fn request(
        &self,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<RangeRequest, ReadError> {
        let symbol = self.check_series(symbol, timeframe)?;
        self.check_range(range)?;
        Ok(RangeRequest { symbol, timeframe, range, fields })
    }

    /// A whole range, refused as too large, without fetching it, when it passes a limit.
    pub fn range(
        &mut self,
        reader: &dyn MarketDataReader,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<BarColumns, ReadError> {
        let request = self.request(symbol, timeframe, range, fields)?;
        let allowed = self.budget.allowance(fields);
        if most_bars_in(range, timeframe) > allowed.rows as u64 {
            let count = reader.availability(&request.symbol, timeframe, range)?.count;
            if count > allowed.rows as u64 {
                return Err(allowed.exceeded());
            }
        }
        // One bar past the allowance tells a read too large (stored bars closer together than
        // their timeframe, or a series that grew since the count) without fetching all of it.
        let cap = NonZeroUsize::new(allowed.rows.saturating_add(1)).unwrap_or(NonZeroUsize::MIN);
        let bars = reader.page(&request, None, cap)?;
        if bars.len() > allowed.rows {
            return Err(allowed.exceeded());
        }
        self.budget.charge(&bars);
        Ok(bars)
    }

    /// The range of each symbol: only the unit's own symbol is in scope.
    pub fn multi_range(
        &mut self,
        reader: &dyn MarketDataReader,
        symbols: &[String],
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<(Symbol, BarColumns)>, ReadError> {
        let set = SymbolSet::parse(symbols)?;
        for symbol in set.iter() {
            self.check_series(symbol.as_str(), timeframe)?;
        }
        set.iter()
            .map(|symbol| {
                Ok((symbol.clone(), self.range(reader, symbol.as_str(), timeframe, range, fields)?))
            })
            .collect()
    }

    pub fn latest(
        &self,
        reader: &dyn MarketDataReader,
        symbols: &[String],
        timeframe: Timeframe,
    ) -> Result<Vec<LatestBar>, ReadError> {
        let set = SymbolSet::parse(symbols)?;
        for symbol in set.iter() {
            self.check_series(symbol.as_str(), timeframe)?;
        }
        let latest = reader.latest(&set, timeframe, self.readable.end())?;
        // A latest bar before the warm-up start is outside the readable window too.
        Ok(latest.into_iter().filter(|l| l.bar.ts >= self.readable.start()).collect())
    }

    pub fn availability(
        &self,
        reader: &dyn MarketDataReader,
        symbol: &str,
        timeframe: Timeframe,
    ) -> Result<Availability, ReadError> {
        let symbol = self.check_series(symbol, timeframe)?;
        reader.availability(&symbol, timeframe, self.readable)
    }

    /// The unit's timeframe, when it has bars in scope: the others are not readable.
    pub fn timeframes(
        &self,
        reader: &dyn MarketDataReader,
        symbol: &str,
    ) -> Result<Vec<Timeframe>, ReadError> {
        let available = self.availability(reader, symbol, self.timeframe)?;
        Ok(if available.count > 0 { vec![self.timeframe] } else { Vec::new() })
    }

    /// The unit's own series, as the rest is not readable.
    pub fn summary(&self, reader: &dyn MarketDataReader) -> Result<Vec<AvailabilityEntry>, ReadError> {
        let availability = reader.availability(&self.symbol, self.timeframe, self.readable)?;
        Ok(if availability.count > 0 {
            vec![AvailabilityEntry { symbol: self.symbol.clone(), timeframe: self.timeframe, availability }]
        } else {
            Vec::new()
        })
    }

    /// A cursor whose batches stay within the per-call limits, whatever batch size the plugin
    /// asks for.
    pub fn open_range(
        &self,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
        batch_rows: u32,
    ) -> Result<RangeCursor, ReadError> {
        let request = self.request(symbol, timeframe, range, fields)?;
        let batch_rows = self.budget.batch_rows(fields, batch_rows)?;
        Ok(RangeCursor::new(request, batch_rows)?)
    }

    /// The cursor's next batch, refused as too large, before it is fetched, when it would pass
    /// what is left of the unit's budget.
    pub fn next_batch(
        &mut self,
        reader: &dyn MarketDataReader,
        cursor: &mut RangeCursor,
    ) -> Result<Option<BarColumns>, ReadError> {
        let request = cursor.request();
        let allowed = self.budget.allowance(request.fields);
        if allowed.rows < cursor.batch_rows()
            && let Some(rest) = cursor.unread()
        {
            let left = reader.availability(&request.symbol, request.timeframe, rest)?.count;
            if left > allowed.rows as u64 {
                return Err(allowed.exceeded());
            }
        }
        let batch = cursor.next_batch(reader)?;
        if let Some(batch) = &batch {
            self.budget.charge(batch);
        }
        Ok(batch)
    }

    pub fn as_of(&self) -> Timestamp {
        self.readable.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Bar;
    use crate::reader::MemoryMarketDataReader;

    const H: i64 = 3_600_000_000;

    const LIMITS: ReadLimits = ReadLimits {
        rows_per_call: 2,
        bytes_per_call: 1 << 20,
        rows_per_unit: 1_000,
        bytes_per_unit: 1 << 30,
        batch_rows: 2,
    };

    fn scope_with(limits: ReadLimits) -> UnitScope {
        let readable = TimeRange::new(Timestamp::from_micros(H), Timestamp::from_micros(3 * H)).unwrap();
        UnitScope::new(Symbol::new("AAA").unwrap(), Timeframe::Hour1, readable, limits)
    }

    fn scope() -> UnitScope {
        scope_with(LIMITS)
    }

    fn reader() -> MemoryMarketDataReader {
        let bar = |t: i64| Bar {
            ts: Timestamp::from_micros(t),
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 1,
        };
        MemoryMarketDataReader::from_stored_rows((0..5).map(|i| ("AAA", "1h", bar(i * H))).chain([(
            "BBB",
            "1h",
            bar(H),
        )]))
    }

    fn window(a: i64, b: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(a), Timestamp::from_micros(b)).unwrap()
    }

    #[test]
    fn reads_of_another_series_are_out_of_scope() {
        let err =
            scope().range(&reader(), "BBB", Timeframe::Hour1, window(H, 2 * H), Fields::ALL).unwrap_err();
        assert_eq!(err.to_string(), "out of scope: BBB 1h (this unit reads AAA 1h only)");
        let err =
            scope().range(&reader(), "AAA", Timeframe::Day1, window(H, 2 * H), Fields::ALL).unwrap_err();
        assert!(matches!(err, ReadError::OutOfScope(_)));
        let err = scope()
            .multi_range(
                &reader(),
                &["AAA".into(), "BBB".into()],
                Timeframe::Hour1,
                window(H, H),
                Fields::ALL,
            )
            .unwrap_err();
        assert!(matches!(err, ReadError::OutOfScope(_)), "{err}");
    }

    #[test]
    fn reads_before_warm_up_or_after_as_of_are_out_of_scope() {
        let err =
            scope().range(&reader(), "AAA", Timeframe::Hour1, window(0, 2 * H), Fields::ALL).unwrap_err();
        assert!(err.to_string().contains("before the warm-up start"), "{err}");
        let err =
            scope().range(&reader(), "AAA", Timeframe::Hour1, window(H, 4 * H), Fields::ALL).unwrap_err();
        assert!(err.to_string().contains("after the as-of time 1970-01-01T03:00:00Z"), "{err}");
    }

    #[test]
    fn a_range_past_the_row_limit_is_too_large() {
        let err =
            scope().range(&reader(), "AAA", Timeframe::Hour1, window(H, 3 * H), Fields::ALL).unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 2 bars per reader call");
        assert_eq!(
            scope().range(&reader(), "AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL).unwrap().len(),
            2
        );
    }

    #[test]
    fn a_range_past_the_byte_limit_is_too_large_for_the_fields_asked() {
        // 64 bytes: one whole bar (48 bytes), or four of a timestamp and a close (16 bytes each).
        let limits = ReadLimits { rows_per_call: 100, bytes_per_call: 64, ..LIMITS };
        let err = scope_with(limits)
            .range(&reader(), "AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL)
            .unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 64 bytes per reader call");
        let bars = scope_with(limits)
            .range(&reader(), "AAA", Timeframe::Hour1, window(H, 3 * H), Fields::CLOSE)
            .unwrap();
        assert_eq!(bars.len(), 3);
    }

    #[test]
    fn a_unit_past_its_budget_is_refused_and_keeps_what_it_read() {
        let mut scope = scope_with(ReadLimits { rows_per_unit: 3, ..LIMITS });
        let reader = reader();
        assert_eq!(
            scope.range(&reader, "AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL).unwrap().len(),
            2
        );
        let err =
            scope.range(&reader, "AAA", Timeframe::Hour1, window(2 * H, 3 * H), Fields::ALL).unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 3 bars per unit of work");
        assert_eq!(
            scope.range(&reader, "AAA", Timeframe::Hour1, window(3 * H, 3 * H), Fields::ALL).unwrap().len(),
            1
        );
        assert_eq!(scope.rows_served(), 3);

        let mut scope = scope_with(ReadLimits { bytes_per_unit: 100, ..LIMITS });
        scope.range(&reader, "AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL).unwrap();
        let err =
            scope.range(&reader, "AAA", Timeframe::Hour1, window(3 * H, 3 * H), Fields::ALL).unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 100 bytes per unit of work");
    }

    #[test]
    fn cursor_batches_stay_within_the_per_call_and_unit_limits() {
        let reader = reader();
        let limits = ReadLimits { rows_per_unit: 2, batch_rows: 10, rows_per_call: 10, ..LIMITS };
        let mut scope = scope_with(limits);
        let mut cursor =
            scope.open_range("AAA", Timeframe::Hour1, window(H, 3 * H), Fields::ALL, 1_000).unwrap();
        assert_eq!(cursor.batch_rows(), 10, "the plugin's 1000 capped by the job's 10");
        let err = scope.next_batch(&reader, &mut cursor).unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 2 bars per unit of work");
        assert_eq!(scope.rows_served(), 0, "refused before it was fetched");

        let mut scope = scope_with(ReadLimits { rows_per_unit: 3, batch_rows: 2, ..LIMITS });
        let mut cursor = scope.open_range("AAA", Timeframe::Hour1, window(H, 3 * H), Fields::ALL, 2).unwrap();
        assert_eq!(scope.next_batch(&reader, &mut cursor).unwrap().map(|b| b.len()), Some(2));
        assert_eq!(scope.next_batch(&reader, &mut cursor).unwrap().map(|b| b.len()), Some(1));
        assert_eq!(scope.next_batch(&reader, &mut cursor).unwrap(), None);

        let tiny = ReadLimits { bytes_per_call: 20, ..LIMITS };
        let err = scope_with(tiny)
            .open_range("AAA", Timeframe::Hour1, window(H, 3 * H), Fields::ALL, 2)
            .unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 20 bytes per reader call");
    }

    /// The memory reader, remembering the largest page it was asked for.
    struct PageSpy {
        inner: MemoryMarketDataReader,
        largest_page: std::sync::atomic::AtomicUsize,
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
        ) -> Result<Vec<crate::reader::SymbolBars>, ReadError> {
            self.inner.multi_range(symbols, timeframe, range, fields)
        }
        fn latest(
            &self,
            s: &SymbolSet,
            tf: Timeframe,
            as_of: Timestamp,
        ) -> Result<Vec<LatestBar>, ReadError> {
            self.inner.latest(s, tf, as_of)
        }
        fn availability(
            &self,
            s: &Symbol,
            tf: Timeframe,
            range: TimeRange,
        ) -> Result<Availability, ReadError> {
            self.inner.availability(s, tf, range)
        }
        fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
            self.inner.timeframes(symbol)
        }
        fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
            self.inner.summary()
        }
        fn bar_before(
            &self,
            s: &Symbol,
            tf: Timeframe,
            before: Timestamp,
            back: NonZeroUsize,
        ) -> Result<Option<Timestamp>, ReadError> {
            self.inner.bar_before(s, tf, before, back)
        }
        fn page(
            &self,
            request: &RangeRequest,
            after: Option<Timestamp>,
            limit: NonZeroUsize,
        ) -> Result<BarColumns, ReadError> {
            self.largest_page.fetch_max(limit.get(), std::sync::atomic::Ordering::Relaxed);
            self.inner.page(request, after, limit)
        }
    }

    #[test]
    fn a_range_too_large_is_refused_before_it_is_fetched() {
        let spy = PageSpy { inner: reader(), largest_page: Default::default() };
        let largest = || spy.largest_page.load(std::sync::atomic::Ordering::Relaxed);
        // Three hours may hold three 1h bars, more than the two allowed: counted, refused, not fetched.
        let err = scope().range(&spy, "AAA", Timeframe::Hour1, window(H, 3 * H), Fields::ALL).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 2, .. }), "{err}");
        assert_eq!(largest(), 0, "nothing was fetched");
        // Within the limit: fetched with a cap of one bar past the allowance, never the whole series.
        scope().range(&spy, "AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL).unwrap();
        assert_eq!(largest(), 3);
    }

    #[test]
    fn metadata_never_reveals_bars_after_as_of() {
        let (scope, reader) = (scope(), reader());
        let latest = scope.latest(&reader, &["AAA".into()], Timeframe::Hour1).unwrap();
        assert_eq!(latest[0].bar.ts, Timestamp::from_micros(3 * H));
        let availability = scope.availability(&reader, "AAA", Timeframe::Hour1).unwrap();
        assert_eq!((availability.count, availability.latest), (3, Some(Timestamp::from_micros(3 * H))));
        assert_eq!(scope.summary(&reader).unwrap().len(), 1);
        assert!(scope.latest(&reader, &["BBB".into()], Timeframe::Hour1).is_err());
    }
}

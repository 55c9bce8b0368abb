//! What one unit of work may read: its symbol and timeframe, from its warm-up start to the job's
//! as-of time, and at most [`MAX_ROWS_PER_CALL`] bars per call. Everything else is out of scope.
//!
//! This is the look-ahead guard: a feature builder cannot see a bar after the as-of time, not
//! even through `latest`, `availability` or `summary`.

use std::num::NonZeroUsize;

use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet, TimeRange,
    Timeframe, Timestamp,
};
use crate::reader::{MarketDataReader, RangeCursor, RangeRequest};

/// Bars one reader call may return: 8M bars are 384 MiB of columns, the most a call should move
/// across the boundary at once. Longer reads stream through a cursor.
pub const MAX_ROWS_PER_CALL: usize = 8_000_000;

/// The readable part of the data for one unit of work.
#[derive(Debug, Clone)]
pub struct UnitScope {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    /// `warm_up_from ..= as_of`.
    pub readable: TimeRange,
    pub max_rows_per_call: usize,
    /// The most bars a cursor batch holds, whatever the plugin asks for.
    pub max_batch_rows: usize,
}

impl UnitScope {
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

    /// A whole range, refused as too large rather than allocated when it passes the limit.
    pub fn range(
        &self,
        reader: &dyn MarketDataReader,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<BarColumns, ReadError> {
        let request = self.request(symbol, timeframe, range, fields)?;
        let limit = NonZeroUsize::new(self.max_rows_per_call.saturating_add(1)).unwrap_or(NonZeroUsize::MIN);
        let bars = reader.page(&request, None, limit)?;
        if bars.len() > self.max_rows_per_call {
            return Err(ReadError::TooLarge {
                what: "bars per reader call",
                limit: self.max_rows_per_call as u64,
            });
        }
        Ok(bars)
    }

    /// The range of each symbol: only the unit's own symbol is in scope.
    pub fn multi_range(
        &self,
        reader: &dyn MarketDataReader,
        symbols: &[String],
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<(Symbol, BarColumns)>, ReadError> {
        let set = SymbolSet::parse(symbols)?;
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

    pub fn open_range(
        &self,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
        batch_rows: u32,
    ) -> Result<RangeCursor, ReadError> {
        let request = self.request(symbol, timeframe, range, fields)?;
        let batch_rows = (batch_rows as usize).min(self.max_rows_per_call).min(self.max_batch_rows);
        Ok(RangeCursor::new(request, batch_rows)?)
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

    fn scope() -> UnitScope {
        let readable = TimeRange::new(Timestamp::from_micros(H), Timestamp::from_micros(3 * H)).unwrap();
        UnitScope {
            symbol: Symbol::new("AAA").unwrap(),
            timeframe: Timeframe::Hour1,
            readable,
            max_rows_per_call: 2,
            max_batch_rows: 2,
        }
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
        assert!(matches!(err, ReadError::TooLarge { limit: 2, .. }), "{err}");
        assert_eq!(
            scope().range(&reader(), "AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL).unwrap().len(),
            2
        );
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

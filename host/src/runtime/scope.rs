//! What one unit of work may read: the inputs its plan declared (for a 0.1 plugin, its own
//! series), each from its warm-up start to the unit's as-of time, only the fields declared, within
//! its read limits. Everything else is out of scope or too large.
//!
//! This is the look-ahead guard: a feature builder cannot see a bar after the as-of time, not
//! even through `latest`, `availability` or `summary`; and the aligned read shows a bar of another
//! series at a row only once it has closed by the row's close.
//!
//! Read limits (`budget.rs`) are checked before the answer exists: a range read is counted first
//! when its span could hold more bars than allowed, and is fetched with a cap of one bar past the
//! allowance either way; a cursor batch that could pass the unit's budget is counted before it is
//! fetched. So a request for ten years of minute bars costs the host a count, not ten years of bars.

use std::num::NonZeroUsize;

use super::budget::{ReadBudget, ReadLimits, most_bars_in};
use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, FieldNames, Fields, LatestBar, ReadError, ScopedInput,
    Symbol, SymbolSet, TimeRange, Timeframe, Timestamp,
};
use crate::reader::{MarketDataReader, RangeCursor, RangeRequest};

/// The readable part of the data for one unit of work, and what the unit has read so far.
#[derive(Debug, Clone)]
pub struct UnitScope {
    /// The unit's symbol, as logs name it (a cross-section unit's first).
    pub symbol: Symbol,
    /// The unit's own timeframe: the rows' of an aligned read.
    pub timeframe: Timeframe,
    as_of: Timestamp,
    inputs: Vec<ScopedInput>,
    budget: ReadBudget,
}

/// What may be read of one series: the union of the fields of the inputs that hold it, from the
/// earliest of their warm-up starts.
#[derive(Debug, Clone, Copy)]
struct Readable {
    fields: Fields,
    from: Timestamp,
}

/// Another series' bars aligned to a unit's rows (the WIT `aligned-bars`): row `i` holds the last
/// bar that had closed by row `i`'s close, if any. Value columns not asked for stay empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlignedBars {
    /// The rows' open times.
    pub ts: Vec<i64>,
    /// Per row, the aligned bar's open time.
    pub source_ts: Vec<Option<i64>>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<Option<i64>>,
}

impl UnitScope {
    /// A scope over `inputs`, each readable up to `as_of`, for a unit named by `symbol` whose rows
    /// are at `timeframe`.
    pub fn new(
        symbol: Symbol,
        timeframe: Timeframe,
        inputs: Vec<ScopedInput>,
        as_of: Timestamp,
        limits: ReadLimits,
    ) -> Self {
        UnitScope { symbol, timeframe, as_of, inputs, budget: ReadBudget::new(limits) }
    }

    /// A scope of one series, every field, over `readable` (`warm_up_from ..= as_of`): a 0.1
    /// unit's.
    pub fn single(symbol: Symbol, timeframe: Timeframe, readable: TimeRange, limits: ReadLimits) -> Self {
        let input = ScopedInput {
            symbols: vec![symbol.clone()],
            timeframe,
            fields: Fields::ALL,
            warm_up_from: readable.start(),
        };
        Self::new(symbol, timeframe, vec![input], readable.end(), limits)
    }

    /// Bars served so far.
    pub fn rows_served(&self) -> u64 {
        self.budget.rows_served()
    }

    pub fn as_of(&self) -> Timestamp {
        self.as_of
    }

    /// What the inputs declare, for an out-of-scope message.
    fn declared(&self) -> String {
        match &self.inputs[..] {
            [only] if only.symbols.len() == 1 && only.fields == Fields::ALL => {
                format!("this unit reads {} {} only", only.symbols[0], only.timeframe)
            }
            inputs => {
                let list: Vec<String> = inputs.iter().map(ToString::to_string).collect();
                format!("this unit's inputs: {}", list.join("; "))
            }
        }
    }

    fn readable(&self, symbol: &Symbol, timeframe: Timeframe) -> Option<Readable> {
        self.inputs
            .iter()
            .filter(|i| i.timeframe == timeframe && i.symbols.contains(symbol))
            .map(|i| Readable { fields: i.fields, from: i.warm_up_from })
            .reduce(|a, b| Readable { fields: a.fields | b.fields, from: a.from.min(b.from) })
    }

    fn check_series(&self, symbol: &str, timeframe: Timeframe) -> Result<(Symbol, Readable), ReadError> {
        let symbol = Symbol::new(symbol)?;
        match self.readable(&symbol, timeframe) {
            Some(readable) => Ok((symbol, readable)),
            None => Err(ReadError::OutOfScope(format!("{symbol} {timeframe} ({})", self.declared()))),
        }
    }

    /// A series' readable span: its warm-up start to as-of (never after as-of: the warm-up start
    /// is at or before the window's start).
    fn span(&self, readable: Readable) -> TimeRange {
        TimeRange::new(readable.from.min(self.as_of), self.as_of).expect("start at or before end")
    }

    fn check_range(&self, readable: Readable, range: TimeRange) -> Result<(), ReadError> {
        if range.start() < readable.from {
            return Err(ReadError::OutOfScope(format!(
                "start {} is before the warm-up start {}",
                range.start(),
                readable.from
            )));
        }
        if range.end() > self.as_of {
            return Err(ReadError::OutOfScope(format!(
                "end {} is after the as-of time {}",
                range.end(),
                self.as_of
            )));
        }
        Ok(())
    }

    fn check_fields(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        readable: Readable,
        fields: Fields,
    ) -> Result<(), ReadError> {
        let undeclared = fields.difference(readable.fields);
        if undeclared == Fields::NONE {
            return Ok(());
        }
        Err(ReadError::OutOfScope(format!(
            "fields {} of {symbol} {timeframe} (declared: {})",
            FieldNames(undeclared),
            FieldNames(readable.fields)
        )))
    }

    fn request(
        &self,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<RangeRequest, ReadError> {
        let (symbol, readable) = self.check_series(symbol, timeframe)?;
        self.check_fields(&symbol, timeframe, readable, fields)?;
        self.check_range(readable, range)?;
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
        self.fetch(reader, &request)
    }

    fn fetch(
        &mut self,
        reader: &dyn MarketDataReader,
        request: &RangeRequest,
    ) -> Result<BarColumns, ReadError> {
        let (range, timeframe, fields) = (request.range, request.timeframe, request.fields);
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
        let bars = reader.page(request, None, cap)?;
        if bars.len() > allowed.rows {
            return Err(allowed.exceeded());
        }
        self.budget.charge(&bars);
        Ok(bars)
    }

    /// The range of each symbol, each checked against the inputs.
    pub fn multi_range(
        &mut self,
        reader: &dyn MarketDataReader,
        symbols: &[String],
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<(Symbol, BarColumns)>, ReadError> {
        let set = SymbolSet::parse(symbols)?;
        let requests = set
            .iter()
            .map(|symbol| self.request(symbol.as_str(), timeframe, range, fields))
            .collect::<Result<Vec<_>, _>>()?;
        requests
            .into_iter()
            .map(|request| {
                let bars = self.fetch(reader, &request)?;
                Ok((request.symbol, bars))
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
        let mut from = Vec::with_capacity(set.len());
        for symbol in set.iter() {
            from.push((symbol.clone(), self.check_series(symbol.as_str(), timeframe)?.1.from));
        }
        let latest = reader.latest(&set, timeframe, self.as_of)?;
        // A latest bar before its series' warm-up start is outside what may be read too.
        Ok(latest
            .into_iter()
            .filter(|l| from.iter().any(|(symbol, from)| *symbol == l.symbol && l.bar.ts >= *from))
            .collect())
    }

    pub fn availability(
        &self,
        reader: &dyn MarketDataReader,
        symbol: &str,
        timeframe: Timeframe,
    ) -> Result<Availability, ReadError> {
        let (symbol, readable) = self.check_series(symbol, timeframe)?;
        reader.availability(&symbol, timeframe, self.span(readable))
    }

    /// The declared timeframes of `symbol` that hold bars in scope: the others are not readable.
    pub fn timeframes(
        &self,
        reader: &dyn MarketDataReader,
        symbol: &str,
    ) -> Result<Vec<Timeframe>, ReadError> {
        let symbol = Symbol::new(symbol)?;
        let mut timeframes: Vec<Timeframe> =
            self.inputs.iter().filter(|i| i.symbols.contains(&symbol)).map(|i| i.timeframe).collect();
        timeframes.sort();
        timeframes.dedup();
        let mut held = Vec::with_capacity(timeframes.len());
        for timeframe in timeframes {
            if self.availability(reader, symbol.as_str(), timeframe)?.count > 0 {
                held.push(timeframe);
            }
        }
        Ok(held)
    }

    /// The declared series that hold bars in scope, as the rest is not readable.
    pub fn summary(&self, reader: &dyn MarketDataReader) -> Result<Vec<AvailabilityEntry>, ReadError> {
        let mut series: Vec<(Symbol, Timeframe)> = self
            .inputs
            .iter()
            .flat_map(|i| i.symbols.iter().map(move |s| (s.clone(), i.timeframe)))
            .collect();
        series.sort();
        series.dedup();
        let mut entries = Vec::with_capacity(series.len());
        for (symbol, timeframe) in series {
            let availability = self.availability(reader, symbol.as_str(), timeframe)?;
            if availability.count > 0 {
                entries.push(AvailabilityEntry { symbol, timeframe, availability });
            }
        }
        Ok(entries)
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

    /// The point-in-time join: for each bar of `row_symbol` at the unit's timeframe with open
    /// time in `range`, the last bar of `symbol` at `timeframe` whose close
    /// ([`Timeframe::close_of`]) is at or before the row's close. Reads the rows' timestamps and
    /// the other series from its warm-up start up to the last row's close (never past as-of),
    /// both counted against the unit's limits.
    pub fn aligned(
        &mut self,
        reader: &dyn MarketDataReader,
        row_symbol: &str,
        symbol: &str,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<AlignedBars, ReadError> {
        let rows_request = self.request(row_symbol, self.timeframe, range, Fields::NONE)?;
        let (other_symbol, readable) = self.check_series(symbol, timeframe)?;
        self.check_fields(&other_symbol, timeframe, readable, fields)?;
        let rows = self.fetch(reader, &rows_request)?.ts;
        let mut aligned = AlignedBars::default();
        let Some(&last) = rows.last() else {
            return Ok(aligned);
        };
        // Nothing that closes after the last row's close can be aligned to a row.
        let last_close = self.timeframe.close_of(Timestamp::from_micros(last)).min(self.as_of);
        let other = match TimeRange::new(readable.from, last_close) {
            Ok(span) => self.range(reader, symbol, timeframe, span, fields)?,
            Err(_) => BarColumns::default(),
        };
        let closes: Vec<i64> =
            other.ts.iter().map(|&ts| timeframe.close_of(Timestamp::from_micros(ts)).as_micros()).collect();
        let mut next = 0;
        let picks: Vec<Option<usize>> = rows
            .iter()
            .map(|&row| {
                let row_close = self.timeframe.close_of(Timestamp::from_micros(row)).as_micros();
                while next < closes.len() && closes[next] <= row_close {
                    next += 1;
                }
                next.checked_sub(1)
            })
            .collect();
        let floats = |column: &[f64], field: Fields| -> Vec<f64> {
            if !fields.contains(field) {
                return Vec::new();
            }
            picks.iter().map(|pick| pick.map_or(f64::NAN, |j| column[j])).collect()
        };
        aligned.open = floats(&other.open, Fields::OPEN);
        aligned.high = floats(&other.high, Fields::HIGH);
        aligned.low = floats(&other.low, Fields::LOW);
        aligned.close = floats(&other.close, Fields::CLOSE);
        if fields.contains(Fields::VOLUME) {
            aligned.volume = picks.iter().map(|pick| pick.map(|j| other.volume[j])).collect();
        }
        aligned.source_ts = picks.iter().map(|pick| pick.map(|j| other.ts[j])).collect();
        aligned.ts = rows;
        Ok(aligned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Bar;
    use crate::reader::{MemoryMarketDataReader, PageSpy};

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
        UnitScope::single(Symbol::new("AAA").unwrap(), Timeframe::Hour1, readable, limits)
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

    #[test]
    fn a_range_too_large_is_refused_before_it_is_fetched() {
        let spy = PageSpy::new(reader());
        let largest = || spy.largest_page();
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

    const D: i64 = 24 * H;

    /// AAA hourly bars over three days (Thursday 2024-01-04 to Saturday morning), closes 0, 1, 2, …;
    /// AAA daily bars for 01-03 to 01-05, closes 103, 104, 105; SPX daily for 01-04 only.
    fn two_timeframes() -> MemoryMarketDataReader {
        let day0 = Timestamp::parse("2024-01-03").unwrap().as_micros();
        let bar = |t: i64, close: f64| Bar {
            ts: Timestamp::from_micros(t),
            open: close,
            high: close + 0.5,
            low: close - 0.5,
            close,
            volume: close as i64,
        };
        let hourly = (0..54).map(|h| ("AAA", "1h", bar(day0 + D + h * H, h as f64)));
        let daily = (0..3).map(|d| ("AAA", "1d", bar(day0 + d * D, 103.0 + d as f64)));
        MemoryMarketDataReader::from_stored_rows(hourly.chain(daily).chain([(
            "SPX",
            "1d",
            bar(day0 + D, 7.0),
        )]))
    }

    fn input(symbols: &[&str], timeframe: Timeframe, fields: Fields, from: &str) -> ScopedInput {
        ScopedInput {
            symbols: symbols.iter().map(|s| Symbol::new(*s).unwrap()).collect(),
            timeframe,
            fields,
            warm_up_from: Timestamp::parse(from).unwrap(),
        }
    }

    /// An hourly unit of AAA reading its own close and AAA's daily close, as of `as_of`.
    fn hourly_with_daily(as_of: &str) -> UnitScope {
        UnitScope::new(
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            vec![
                input(&["AAA"], Timeframe::Hour1, Fields::CLOSE, "2024-01-04"),
                input(&["AAA"], Timeframe::Day1, Fields::CLOSE, "2024-01-03"),
            ],
            Timestamp::parse(as_of).unwrap(),
            LIMITS_LARGE,
        )
    }

    const LIMITS_LARGE: ReadLimits = ReadLimits { rows_per_call: 1_000, batch_rows: 1_000, ..LIMITS };

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn span(start: &str, end: &str) -> TimeRange {
        TimeRange::new(at(start), at(end)).unwrap()
    }

    #[test]
    fn only_declared_series_and_fields_are_in_scope_and_the_error_lists_them() {
        let (mut scope, reader) = (hourly_with_daily("2024-01-05T23:00:00Z"), two_timeframes());
        let err = scope
            .range(&reader, "SPX", Timeframe::Day1, span("2024-01-04", "2024-01-04"), Fields::CLOSE)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "out of scope: SPX 1d (this unit's inputs: AAA 1h [close] from 2024-01-04T00:00:00Z; AAA 1d [close] \
             from 2024-01-03T00:00:00Z)"
        );
        let err = scope
            .range(
                &reader,
                "AAA",
                Timeframe::Day1,
                span("2024-01-04", "2024-01-04"),
                Fields::CLOSE | Fields::HIGH,
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "out of scope: fields [high] of AAA 1d (declared: [close])");
        let err = scope
            .range(&reader, "AAA", Timeframe::Day1, span("2024-01-02", "2024-01-04"), Fields::CLOSE)
            .unwrap_err();
        assert!(err.to_string().contains("before the warm-up start 2024-01-03T00:00:00Z"), "{err}");
        let daily = scope
            .range(&reader, "AAA", Timeframe::Day1, span("2024-01-03", "2024-01-05"), Fields::CLOSE)
            .unwrap();
        assert_eq!(daily.close, [103.0, 104.0, 105.0]);
        assert_eq!(scope.timeframes(&reader, "AAA").unwrap(), [Timeframe::Hour1, Timeframe::Day1]);
        assert_eq!(scope.summary(&reader).unwrap().len(), 2, "the declared series, not SPX");
    }

    /// The point-in-time join: a daily bar appears at the hourly row whose close is the daily
    /// close (23:00, closing at midnight), never at its own day's earlier rows.
    #[test]
    fn an_aligned_read_shows_another_series_bar_only_once_it_has_closed() {
        let (mut scope, reader) = (hourly_with_daily("2024-01-05T23:00:00Z"), two_timeframes());
        let aligned = scope
            .aligned(
                &reader,
                "AAA",
                "AAA",
                Timeframe::Day1,
                span("2024-01-04", "2024-01-05T23:00:00Z"),
                Fields::CLOSE,
            )
            .unwrap();
        assert_eq!(aligned.ts.len(), 48);
        let row = |text: &str| aligned.ts.iter().position(|&t| t == at(text).as_micros()).unwrap();
        let day = |text: &str| Some(at(text).as_micros());
        // 2024-01-04 00:00 closes 01:00: the last daily bar closed by then is 01-03's (closed at 00:00).
        assert_eq!(
            (aligned.source_ts[row("2024-01-04T00:00:00Z")], aligned.close[0]),
            (day("2024-01-03"), 103.0)
        );
        // 22:00 closes 23:00: 01-04's daily bar is still open.
        assert_eq!(aligned.close[row("2024-01-04T22:00:00Z")], 103.0);
        // 23:00 closes at midnight, exactly when 01-04's daily bar closes: it is visible.
        assert_eq!(aligned.source_ts[row("2024-01-04T23:00:00Z")], day("2024-01-04"));
        assert_eq!(aligned.close[row("2024-01-04T23:00:00Z")], 104.0);
        assert_eq!(aligned.close[row("2024-01-05T22:00:00Z")], 104.0);
        // The window's last row closes at 01-06 00:00, when 01-05's bar closes — read though its
        // open (01-05) is the as-of day: its open is at or before as-of.
        assert_eq!(aligned.close[row("2024-01-05T23:00:00Z")], 105.0);
        assert!(aligned.open.is_empty() && aligned.volume.is_empty(), "only the fields asked for");
    }

    #[test]
    fn an_aligned_read_is_empty_before_the_first_closed_bar_and_refuses_undeclared_series() {
        let reader = two_timeframes();
        let mut scope = UnitScope::new(
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            vec![
                input(&["AAA"], Timeframe::Hour1, Fields::NONE, "2024-01-04"),
                input(&["SPX"], Timeframe::Day1, Fields::CLOSE | Fields::VOLUME, "2024-01-04"),
            ],
            at("2024-01-05T23:00:00Z"),
            LIMITS_LARGE,
        );
        let aligned = scope
            .aligned(
                &reader,
                "AAA",
                "SPX",
                Timeframe::Day1,
                span("2024-01-04", "2024-01-05T01:00:00Z"),
                Fields::ALL.difference(Fields::OPEN | Fields::HIGH | Fields::LOW),
            )
            .unwrap();
        // SPX's only bar (01-04) closes at 01-05 00:00: none before the 23:00 row.
        assert_eq!(aligned.source_ts[22], None);
        assert!(aligned.close[22].is_nan());
        assert_eq!(aligned.volume[22], None);
        assert_eq!((aligned.close[23], aligned.volume[23]), (7.0, Some(7)));
        assert_eq!(aligned.close[25], 7.0, "the last closed bar carries forward");
        let err = scope
            .aligned(&reader, "AAA", "AAA", Timeframe::Day1, span("2024-01-04", "2024-01-05"), Fields::CLOSE)
            .unwrap_err();
        assert!(matches!(err, ReadError::OutOfScope(_)), "{err}");
        let err = scope
            .aligned(&reader, "AAA", "SPX", Timeframe::Day1, span("2024-01-04", "2024-01-06"), Fields::CLOSE)
            .unwrap_err();
        assert!(err.to_string().contains("after the as-of time"), "{err}");
    }
}

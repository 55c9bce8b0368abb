//! The in-memory adapter: bars held in sorted columns, the same semantics as PostgreSQL.
//!
//! It serves the fixture host and the embedded default, so it loads from the same bar files as
//! `candlewick ingest` (CSV or Parquet, validated the same way).

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::Path;

use crate::bars_file::{self, BarFileError, BarRecord, FileDefaults};
use crate::domain::{
    Availability, AvailabilityEntry, Bar, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet,
    TimeRange, Timeframe, Timestamp,
};

use super::{MarketDataReader, RangeRequest, SymbolBars};

/// Bars of every (symbol, timeframe), each series sorted by timestamp with unique timestamps.
#[derive(Debug, Default, Clone)]
pub struct MemoryMarketDataReader {
    series: BTreeMap<(Symbol, Timeframe), Vec<Bar>>,
}

impl MemoryMarketDataReader {
    /// Builds the store from records; a later record with the same key replaces an earlier one,
    /// as an upsert into `market_data` would.
    pub fn from_records(records: impl IntoIterator<Item = BarRecord>) -> Self {
        let mut series: BTreeMap<(Symbol, Timeframe), Vec<Bar>> = BTreeMap::new();
        for record in records {
            series.entry((record.symbol, record.timeframe)).or_default().push(record.bar);
        }
        for bars in series.values_mut() {
            // Stable sort, then keep the last of equal timestamps: last write wins.
            bars.sort_by_key(|bar| bar.ts);
            let mut unique: Vec<Bar> = Vec::with_capacity(bars.len());
            for bar in bars.drain(..) {
                match unique.last_mut() {
                    Some(last) if last.ts == bar.ts => *last = bar,
                    _ => unique.push(bar),
                }
            }
            *bars = unique;
        }
        MemoryMarketDataReader { series }
    }

    /// Loads a CSV or Parquet bar file, validated as `candlewick ingest` validates it.
    pub fn from_file(path: &Path, defaults: &FileDefaults) -> Result<Self, BarFileError> {
        let records = bars_file::read(path, defaults)?.collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_records(records))
    }

    /// The bundled sample, compiled into the binary: EURUSD 1h bars of 2018 (see
    /// `host/fixtures/README.md`). The job's embedded default source: it needs no server.
    pub fn embedded_sample() -> Self {
        const SAMPLE: &[u8] = include_bytes!("../../fixtures/eurusd_1h_2018.csv");
        let defaults = FileDefaults {
            symbol: Some(Symbol::new("EURUSD").expect("a valid symbol")),
            timeframe: Some(Timeframe::Hour1),
            only_where_missing: false,
        };
        let records =
            bars_file::read_csv_bytes(Path::new("<embedded eurusd_1h_2018.csv>"), SAMPLE, &defaults)
                .and_then(|records| records.collect::<Result<Vec<_>, _>>())
                .expect("the embedded sample is valid (checked by a test)");
        Self::from_records(records)
    }

    /// Rows as `market_data` might hold them, timeframe as stored text. Rows whose timeframe or
    /// symbol is not valid are left out of every answer, as the PostgreSQL adapter leaves them.
    pub fn from_stored_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, Bar)>) -> Self {
        Self::from_records(rows.into_iter().filter_map(|(symbol, timeframe, bar)| {
            Some(BarRecord { symbol: Symbol::new(symbol).ok()?, timeframe: timeframe.parse().ok()?, bar })
        }))
    }

    fn bars(&self, symbol: &Symbol, timeframe: Timeframe) -> &[Bar] {
        // The map is keyed by owned symbols; a clone per lookup keeps the key type simple and
        // costs nothing next to a read.
        self.series.get(&(symbol.clone(), timeframe)).map_or(&[], Vec::as_slice)
    }

    fn window(&self, symbol: &Symbol, timeframe: Timeframe, range: TimeRange) -> &[Bar] {
        let bars = self.bars(symbol, timeframe);
        let from = bars.partition_point(|bar| bar.ts < range.start());
        let to = bars.partition_point(|bar| bar.ts <= range.end());
        &bars[from..to.max(from)]
    }
}

fn columns(bars: &[Bar], fields: Fields) -> BarColumns {
    let mut columns = BarColumns::with_capacity(fields, bars.len());
    for bar in bars {
        columns.push(fields, bar);
    }
    columns
}

impl MarketDataReader for MemoryMarketDataReader {
    fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError> {
        Ok(columns(self.window(&request.symbol, request.timeframe, request.range), request.fields))
    }

    fn multi_range(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<SymbolBars>, ReadError> {
        Ok(symbols
            .iter()
            .map(|symbol| SymbolBars {
                symbol: symbol.clone(),
                bars: columns(self.window(symbol, timeframe, range), fields),
            })
            .collect())
    }

    fn latest(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        as_of: Timestamp,
    ) -> Result<Vec<LatestBar>, ReadError> {
        Ok(symbols
            .iter()
            .filter_map(|symbol| {
                let bar = *self.window(symbol, timeframe, TimeRange::all().until(as_of)).last()?;
                Some(LatestBar { symbol: symbol.clone(), bar })
            })
            .collect())
    }

    fn availability(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        range: TimeRange,
    ) -> Result<Availability, ReadError> {
        Ok(availability_of(self.window(symbol, timeframe, range)))
    }

    fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
        // Keys are ordered by (symbol, timeframe), so this comes out in canonical order.
        Ok(self
            .series
            .range((symbol.clone(), Timeframe::ALL[0])..)
            .take_while(|((s, _), _)| s == symbol)
            .filter(|(_, bars)| !bars.is_empty())
            .map(|((_, timeframe), _)| *timeframe)
            .collect())
    }

    fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
        Ok(self
            .series
            .iter()
            .filter(|(_, bars)| !bars.is_empty())
            .map(|((symbol, timeframe), bars)| AvailabilityEntry {
                symbol: symbol.clone(),
                timeframe: *timeframe,
                availability: availability_of(bars),
            })
            .collect())
    }

    fn bar_before(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        before: Timestamp,
        bars_back: NonZeroUsize,
    ) -> Result<Option<Timestamp>, ReadError> {
        let bars = self.bars(symbol, timeframe);
        let earlier = bars.partition_point(|bar| bar.ts < before);
        Ok(earlier.checked_sub(bars_back.get()).map(|i| bars[i].ts))
    }

    fn page(
        &self,
        request: &RangeRequest,
        after: Option<Timestamp>,
        limit: NonZeroUsize,
    ) -> Result<BarColumns, ReadError> {
        let window = self.window(&request.symbol, request.timeframe, request.range);
        let from = after.map_or(0, |after| window.partition_point(|bar| bar.ts <= after));
        let to = from.saturating_add(limit.get()).min(window.len());
        Ok(columns(&window[from..to], request.fields))
    }
}

fn availability_of(bars: &[Bar]) -> Availability {
    Availability {
        count: bars.len() as u64,
        earliest: bars.first().map(|bar| bar.ts),
        latest: bars.last().map(|bar| bar.ts),
    }
}

//! What is stored for a unit's series: whether its window holds any bar, and, when it holds none,
//! what the source does hold for that symbol, so a typo or a wrong timeframe is obvious.

use std::num::NonZeroUsize;

use crate::domain::{ReadError, Symbol, TimeRange, Timeframe, Timestamp};
use crate::reader::MarketDataReader;

/// Whether `window` holds at least one bar of the series: the bar just before the instant after
/// the window's end (one index probe, not a count) is inside the window.
pub fn window_has_bars(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    window: TimeRange,
) -> Result<bool, ReadError> {
    let end = window.end().as_micros();
    let after_end =
        if window.end() == Timestamp::MAX { Timestamp::MAX } else { Timestamp::from_micros(end + 1) };
    let last = reader.bar_before(symbol, timeframe, after_end, NonZeroUsize::MIN)?;
    Ok(last.is_some_and(|ts| ts >= window.start() && ts <= window.end()))
}

/// What the source holds for `symbol`: each timeframe with its bars and span
/// (`1h: 6168 bars 2018-01-02T00:00:00Z ..= 2018-12-31T21:00:00Z`), or `nothing`.
pub fn stored_for(reader: &dyn MarketDataReader, symbol: &Symbol) -> Result<String, ReadError> {
    let mut parts = Vec::new();
    for timeframe in reader.timeframes(symbol)? {
        let a = reader.availability(symbol, timeframe, TimeRange::all())?;
        match (a.earliest, a.latest) {
            (Some(earliest), Some(latest)) => {
                parts.push(format!("{timeframe}: {} bars {earliest} ..= {latest}", a.count))
            }
            _ => parts.push(format!("{timeframe}: {} bars", a.count)),
        }
    }
    Ok(if parts.is_empty() { "nothing".to_owned() } else { parts.join(", ") })
}

/// The failure of a unit whose window holds no bar: the series and window, and what is stored.
pub fn no_bars_message(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    window: TimeRange,
) -> String {
    let stored = stored_for(reader, symbol).unwrap_or_else(|err| format!("unknown ({err})"));
    format!(
        "no {timeframe} bars of {symbol} in {} ..= {} (stored for {symbol}: {stored}); `allow_empty: true` \
         in the job accepts units without bars",
        window.start(),
        window.end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Bar;
    use crate::reader::MemoryMarketDataReader;

    const H: i64 = 3_600_000_000;

    fn reader() -> MemoryMarketDataReader {
        let bar = |ts: i64| Bar {
            ts: Timestamp::from_micros(ts),
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 3,
        };
        MemoryMarketDataReader::from_stored_rows([
            ("EURUSD", "1h", bar(10 * H)),
            ("EURUSD", "1h", bar(11 * H)),
            ("EURUSD", "1d", bar(24 * H)),
        ])
    }

    fn window(start: i64, end: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(start), Timestamp::from_micros(end)).unwrap()
    }

    #[test]
    fn a_window_has_bars_only_when_one_lies_inside_it_ends_included() {
        let (r, eurusd) = (reader(), Symbol::new("EURUSD").unwrap());
        let has = |tf: Timeframe, w| window_has_bars(&r, &eurusd, tf, w).unwrap();
        assert!(has(Timeframe::Hour1, window(10 * H, 10 * H)), "a bar at both ends");
        assert!(has(Timeframe::Hour1, window(0, 11 * H)));
        assert!(has(Timeframe::Hour1, window(11 * H, TimeRange::all().end().as_micros())));
        assert!(!has(Timeframe::Hour1, window(0, 10 * H - 1)), "before the first bar");
        assert!(!has(Timeframe::Hour1, window(11 * H + 1, 20 * H)), "after the last bar");
        assert!(!has(Timeframe::Minute1, window(0, 20 * H)), "another timeframe");
        let nobody = Symbol::new("EURUSDX").unwrap();
        assert!(!window_has_bars(&r, &nobody, Timeframe::Hour1, window(0, 20 * H)).unwrap());
    }

    #[test]
    fn the_message_says_what_is_stored_for_the_symbol() {
        let r = reader();
        let message = no_bars_message(&r, &Symbol::new("EURUSD").unwrap(), Timeframe::Minute1, window(0, H));
        assert_eq!(
            message,
            "no 1m bars of EURUSD in 1970-01-01T00:00:00Z ..= 1970-01-01T01:00:00Z (stored for EURUSD: \
             1h: 2 bars 1970-01-01T10:00:00Z ..= 1970-01-01T11:00:00Z, 1d: 1 bars 1970-01-02T00:00:00Z ..= \
             1970-01-02T00:00:00Z); `allow_empty: true` in the job accepts units without bars"
        );
        let typo = no_bars_message(&r, &Symbol::new("EURUSX").unwrap(), Timeframe::Hour1, window(0, H));
        assert!(typo.contains("(stored for EURUSX: nothing)"), "{typo}");
    }
}

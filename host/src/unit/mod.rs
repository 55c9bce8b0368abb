//! The unit of work: one plugin over one symbol's window, and the rules that make it. The batch
//! job (`job/`) and the fixture host (`fixture_host/`) are siblings that both build their units
//! here, so a plugin sees the same unit in a test as in a job, and each rule has one message.
//!
//! - this module: the as-of rule and the warm-up start;
//! - `params.rs`: a job's parameters checked against what the plugin declares, and as JSON.

mod params;

use std::num::NonZeroUsize;

use thiserror::Error;

use crate::domain::{ParamValue, ReadError, Symbol, TimeRange, Timeframe, Timestamp, UnitOfWork};
use crate::reader::MarketDataReader;

pub use params::{resolve as resolve_params, to_json as params_json};

/// An as-of time before the window's end: the window's last bars would be unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "as-of time {as_of} is before the window's end {end} (expected as-of at or after the end: nothing \
     after as-of may be read)"
)]
pub struct AsOfBeforeEnd {
    pub as_of: Timestamp,
    pub end: Timestamp,
}

/// The latest instant a unit over `window` may read: `requested`, or the window's end when none
/// is given; never before the end.
pub fn as_of(window: TimeRange, requested: Option<Timestamp>) -> Result<Timestamp, AsOfBeforeEnd> {
    let end = window.end();
    match requested {
        None => Ok(end),
        Some(as_of) if as_of < end => Err(AsOfBeforeEnd { as_of, end }),
        Some(as_of) => Ok(as_of),
    }
}

/// The first instant of the warm-up: the `warm_up_bars`-th stored bar before `start`, the start
/// itself for no warm-up, or [`Timestamp::MIN`] (everything stored) when the series has fewer bars
/// before it.
pub fn warm_up_start(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    start: Timestamp,
    warm_up_bars: u32,
) -> Result<Timestamp, ReadError> {
    match NonZeroUsize::new(warm_up_bars as usize) {
        None => Ok(start),
        Some(bars) => Ok(reader.bar_before(symbol, timeframe, start, bars)?.unwrap_or(Timestamp::MIN)),
    }
}

/// One unit of work: `symbol` over `window`, readable from `warm_up_bars` bars before the window's
/// start (see [`warm_up_start`]) up to `as_of` (see [`as_of`]), with `params` resolved by
/// [`resolve_params`].
pub fn unit_of_work(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    window: TimeRange,
    as_of: Timestamp,
    warm_up_bars: u32,
    params: Vec<(String, ParamValue)>,
) -> Result<UnitOfWork, ReadError> {
    let warm_up_from = warm_up_start(reader, symbol, timeframe, window.start(), warm_up_bars)?;
    Ok(UnitOfWork { symbol: symbol.clone(), timeframe, window, warm_up_from, as_of, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: i64, end: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(start), Timestamp::from_micros(end)).unwrap()
    }

    #[test]
    fn as_of_defaults_to_the_end_and_is_never_before_it() {
        let w = window(0, 100);
        assert_eq!(as_of(w, None), Ok(Timestamp::from_micros(100)));
        assert_eq!(as_of(w, Some(Timestamp::from_micros(100))), Ok(Timestamp::from_micros(100)));
        assert_eq!(as_of(w, Some(Timestamp::from_micros(500))), Ok(Timestamp::from_micros(500)));
        let err = as_of(w, Some(Timestamp::from_micros(99))).unwrap_err();
        assert_eq!(
            err,
            AsOfBeforeEnd { as_of: Timestamp::from_micros(99), end: Timestamp::from_micros(100) }
        );
        assert!(
            err.to_string().starts_with("as-of time 1970-01-01T00:00:00.000099Z is before the window's end")
        );
    }
}
